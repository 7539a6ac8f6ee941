#include "schema/statement.hpp"

#include <algorithm>
#include <optional>

#include "schema/sql_tokens.hpp"

namespace dumpr::schema {

namespace {

using Kind = StatementEffect::Kind;
using Name = std::pair<std::string, std::string>;

// A cursor over the tokens: keywords, names and the end of the statement.
class Cursor {
 public:
  Cursor(const std::vector<Token>& t, std::string_view default_db) : t_(t), db_(default_db) {}

  const Token& peek(std::size_t k = 0) const { return t_[std::min(i_ + k, t_.size() - 1)]; }
  bool at_end() const {
    return peek().type == Token::Type::end ||
           (peek().type == Token::Type::punct && peek().text == ";");
  }
  bool is_word(std::string_view w, std::size_t k = 0) const {
    return peek(k).type == Token::Type::word && iequals(peek(k).text, w);
  }
  bool is_punct(std::string_view p, std::size_t k = 0) const {
    return peek(k).type == Token::Type::punct && peek(k).text == p;
  }
  bool accept(std::string_view w) {
    if (!is_word(w)) return false;
    ++i_;
    return true;
  }
  void next() { ++i_; }
  bool is_name() const {
    return peek().type == Token::Type::word || peek().type == Token::Type::quoted;
  }
  // [db.]name, or nullopt (the cursor stays) when no name stands here.
  std::optional<Name> name() {
    if (!is_name()) return std::nullopt;
    std::string a = peek().text;
    ++i_;
    if (is_punct(".") &&
        (peek(1).type == Token::Type::word || peek(1).type == Token::Type::quoted)) {
      std::string b = peek(1).text;
      i_ += 2;
      return Name{std::move(a), std::move(b)};
    }
    return Name{std::string(db_), std::move(a)};
  }
  // Skips a parenthesised group starting at '('.
  void skip_group() {
    int depth = 0;
    do {
      if (peek().type == Token::Type::end) return;
      if (is_punct("(")) ++depth;
      if (is_punct(")")) --depth;
      ++i_;
    } while (depth > 0);
  }
  // Skips the words in `words`, in any order, as many as stand here.
  void skip_words(std::initializer_list<std::string_view> words) {
    for (bool more = true; more;) {
      more = false;
      for (std::string_view w : words)
        if (accept(w)) more = true;
    }
  }

 private:
  const std::vector<Token>& t_;
  std::string_view db_;
  std::size_t i_ = 0;
};

// The tables of an UPDATE's or a DELETE's table references, up to one of `stop` at the top
// level: a name stands at the start, after a comma, FROM, JOIN or USING.
void table_references(Cursor& c, std::initializer_list<std::string_view> stop,
                      std::vector<Name>& out) {
  bool expect_table = true;
  while (!c.at_end()) {
    bool stopped = false;
    for (std::string_view w : stop)
      if (c.is_word(w)) stopped = true;
    if (stopped) return;
    if (c.is_punct("(")) {
      c.skip_group();  // a derived table or a condition: not a table that changes
      expect_table = false;
    } else if (c.is_punct(",")) {
      c.next();
      expect_table = true;
    } else if (c.is_word("FROM") || c.is_word("JOIN") || c.is_word("STRAIGHT_JOIN") ||
               c.is_word("USING")) {
      c.next();
      expect_table = true;
    } else if (expect_table && c.is_name()) {
      out.push_back(*c.name());
      if (c.is_punct(".") && c.is_punct("*", 1)) {  // DELETE t.* FROM ...
        c.next();
        c.next();
      }
      expect_table = false;
    } else {
      c.next();
    }
  }
}

}  // namespace

StatementEffect statement_effect(std::string_view sql, std::string_view default_db) {
  StatementEffect e;
  auto tokens = tokenize(sql);
  if (!tokens) {
    // Unreadable (an unterminated quote): a DML keyword first still makes it DML.
    auto first = tokenize(sql.substr(0, sql.find_first_of("'\"`")));
    if (first && !first->empty() && first->front().type == Token::Type::word) {
      for (std::string_view w : {"INSERT", "REPLACE", "UPDATE", "DELETE", "LOAD", "WITH"})
        if (iequals(first->front().text, w)) {
          e.kind = Kind::dml;
          e.tables_unknown = true;
        }
    }
    return e;
  }
  Cursor c(*tokens, default_db);
  if (c.accept("TRUNCATE")) {
    c.accept("TABLE");
    if (auto n = c.name()) {
      e.kind = Kind::truncate;
      e.tables.push_back(std::move(*n));
    }
    return e;
  }
  if (c.accept("DROP")) {
    if (c.accept("DATABASE") || c.accept("SCHEMA")) {
      if (c.accept("IF")) c.accept("EXISTS");
      if (c.is_name()) {
        e.kind = Kind::drop_database;
        e.database = c.peek().text;
      }
      return e;
    }
    if (c.accept("TEMPORARY")) return e;  // temporary tables have no rows in a ROW binlog
    if (!c.accept("TABLE") && !c.accept("TABLES")) return e;
    if (c.accept("IF")) c.accept("EXISTS");
    do {
      auto n = c.name();
      if (!n) break;
      e.tables.push_back(std::move(*n));
    } while (c.is_punct(",") && (c.next(), true));
    if (!e.tables.empty()) e.kind = Kind::drop;
    return e;
  }
  if (c.accept("INSERT") || c.accept("REPLACE")) {
    e.kind = Kind::dml;
    c.skip_words({"LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "IGNORE"});
    c.accept("INTO");
    if (auto n = c.name())
      e.tables.push_back(std::move(*n));
    else
      e.tables_unknown = true;
    return e;
  }
  if (c.accept("UPDATE")) {
    e.kind = Kind::dml;
    c.skip_words({"LOW_PRIORITY", "IGNORE"});
    table_references(c, {"SET"}, e.tables);
    if (e.tables.empty()) e.tables_unknown = true;
    return e;
  }
  if (c.accept("DELETE")) {
    e.kind = Kind::dml;
    c.skip_words({"LOW_PRIORITY", "QUICK", "IGNORE"});
    const bool single_from = c.is_word("FROM");
    table_references(c, {"WHERE", "ORDER", "LIMIT", "RETURNING"}, e.tables);
    if (e.tables.empty()) e.tables_unknown = true;
    // The server empties a MEMORY table at its first use after a restart and logs it as a
    // statement, even under binlog_format=ROW (MySQL: "DELETE FROM" with a "generated by server"
    // comment; MariaDB since MDEV-25607 logs TRUNCATE TABLE): every row is gone, exactly.
    if (single_from && e.tables.size() == 1 && c.at_end() &&
        sql.find("generated by server") != std::string_view::npos)
      e.kind = Kind::truncate;
    return e;
  }
  if (c.accept("LOAD")) {
    if (!c.accept("DATA") && !c.accept("XML")) return e;
    e.kind = Kind::dml;
    while (!c.at_end() && !(c.is_word("INTO") && c.is_word("TABLE", 1))) c.next();
    if (c.accept("INTO") && c.accept("TABLE")) {
      if (auto n = c.name()) e.tables.push_back(std::move(*n));
    }
    if (e.tables.empty()) e.tables_unknown = true;
    return e;
  }
  if (c.is_word("WITH")) {
    // A common table expression before UPDATE or DELETE (MySQL 8): DML whose targets are not
    // worth reading here.
    for (const Token& t : *tokens)
      if (t.type == Token::Type::word &&
          (iequals(t.text, "UPDATE") || iequals(t.text, "DELETE") || iequals(t.text, "INSERT") ||
           iequals(t.text, "REPLACE"))) {
        e.kind = Kind::dml;
        e.tables_unknown = true;
      }
    return e;
  }
  return e;
}

}  // namespace dumpr::schema
