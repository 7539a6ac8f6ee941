#include "schema/ddl.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include "row/kinds.hpp"
#include "schema/sql_tokens.hpp"

namespace dumpr::schema {

namespace {

// ---- parser ----

struct Unsupported {
  std::string why;
};

class Parser {
 public:
  Parser(std::vector<Token> t, const CollationLookup& c) : t_(std::move(t)), coll_(c) {}

  void skip_token() { ++i_; }
  const Token& peek(std::size_t k = 0) const { return t_[std::min(i_ + k, t_.size() - 1)]; }
  bool at_end() const { return peek().type == Token::Type::end || is_punct(";"); }
  bool is_word(std::string_view w, std::size_t k = 0) const {
    return peek(k).type == Token::Type::word && iequals(peek(k).text, w);
  }
  bool is_punct(std::string_view p) const {
    return peek().type == Token::Type::punct && peek().text == p;
  }
  bool accept(std::string_view w) {
    if (!is_word(w)) return false;
    ++i_;
    return true;
  }
  bool accept_punct(std::string_view p) {
    if (!is_punct(p)) return false;
    ++i_;
    return true;
  }
  void expect(std::string_view w) {
    if (!accept(w)) fail("expected " + std::string(w));
  }
  void expect_punct(std::string_view p) {
    if (!accept_punct(p)) fail("expected " + std::string(p));
  }
  [[noreturn]] void fail(const std::string& why) const {
    throw Unsupported{why + " near '" + peek().text + "'"};
  }
  std::string ident() {
    const Token& k = peek();
    if (k.type != Token::Type::word && k.type != Token::Type::quoted) fail("expected a name");
    ++i_;
    return k.text;
  }
  // [db.]name
  std::pair<std::string, std::string> table_name(std::string_view default_db) {
    std::string a = ident();
    if (accept_punct(".")) return {a, ident()};
    return {std::string(default_db), a};
  }
  // Skips a balanced parenthesised group starting at '('.
  void skip_group() {
    expect_punct("(");
    int depth = 1;
    while (depth > 0) {
      if (peek().type == Token::Type::end) fail("unbalanced parentheses");
      if (is_punct("(")) ++depth;
      if (is_punct(")")) --depth;
      ++i_;
    }
  }
  // Skips to the next ',' or ')' at this depth (not consuming it), or the end.
  void skip_item() {
    while (!at_end() && !is_punct(",") && !is_punct(")")) {
      if (is_punct("("))
        skip_group();
      else
        ++i_;
    }
  }
  std::vector<std::string> name_list() {
    std::vector<std::string> names;
    expect_punct("(");
    do {
      names.push_back(ident());
      if (is_punct("(")) skip_group();  // prefix length
      accept("ASC") || accept("DESC");
    } while (accept_punct(","));
    expect_punct(")");
    return names;
  }

  // A column definition after its name: the type and its attributes, up to ',' or ')' or a
  // position (FIRST / AFTER col), which it returns in `after` ("" = last, "\x01" = first).
  row::Column column_def(std::string name, std::uint16_t table_collation, bool& primary,
                         std::string* after);

 private:
  std::uint16_t text_collation(const std::string& charset, const std::string& collate,
                               bool binary_attr, std::uint16_t table_collation);

  std::vector<Token> t_;
  std::size_t i_ = 0;
  const CollationLookup& coll_;
};

std::uint16_t Parser::text_collation(const std::string& charset, const std::string& collate,
                                     bool binary_attr, std::uint16_t table_collation) {
  if (!collate.empty()) {
    std::uint16_t id = coll_.by_name ? coll_.by_name(lower(collate)) : 0;
    if (!id) fail("unknown collation " + collate);
    return id;
  }
  if (!charset.empty()) {
    std::string cs = lower(charset);
    if (cs == "binary") return 63;
    if (binary_attr) {
      std::uint16_t id = coll_.by_name ? coll_.by_name(cs + "_bin") : 0;
      if (id) return id;
    }
    std::uint16_t id = coll_.default_of ? coll_.default_of(cs) : 0;
    if (!id) fail("unknown character set " + charset);
    return id;
  }
  if (!table_collation) fail("a text column without a character set, table default unknown");
  return table_collation;
}

row::Column Parser::column_def(std::string name, std::uint16_t table_collation, bool& primary,
                               std::string* after) {
  using row::Kind;
  row::Column c;
  c.name = std::move(name);
  if (peek().type != Token::Type::word) fail("expected a column type");
  std::string type = lower(peek().text);
  ++i_;
  if (type == "double" && is_word("precision")) ++i_;
  if (type == "national") type = lower(ident());  // NATIONAL CHAR / VARCHAR
  if ((type == "long") && (is_word("varchar") || is_word("varbinary"))) type = lower(ident());
  if (type == "char" && is_word("varying")) {
    ++i_;
    type = "varchar";
  }
  std::vector<std::string> args;
  if (is_punct("(")) {
    ++i_;
    while (!is_punct(")")) {
      if (peek().type == Token::Type::end) fail("unterminated type arguments");
      if (!is_punct(",")) args.push_back(peek().text);
      ++i_;
    }
    ++i_;
  }
  auto arg = [&](std::size_t k, unsigned dflt) {
    unsigned v = dflt;
    if (k < args.size()) std::from_chars(args[k].data(), args[k].data() + args[k].size(), v);
    return v;
  };
  // Attributes: read the ones that shape values, skip the rest.
  bool is_unsigned = false, binary_attr = false;
  std::string charset, collate;
  while (!at_end() && !is_punct(",") && !is_punct(")")) {
    if (accept("UNSIGNED") || accept("ZEROFILL")) {
      is_unsigned = true;
    } else if (accept("SIGNED")) {
    } else if (accept("BINARY")) {
      binary_attr = true;
    } else if (is_word("CHARACTER") && is_word("SET", 1)) {
      i_ += 2;
      charset = ident();
    } else if (accept("CHARSET")) {
      charset = ident();
    } else if (accept("COLLATE")) {
      collate = ident();
    } else if (accept("ASCII")) {
      charset = "latin1";
    } else if (accept("UNICODE")) {
      charset = "ucs2";
    } else if (is_word("PRIMARY") && is_word("KEY", 1)) {
      i_ += 2;
      primary = true;
    } else if (accept("FIRST")) {
      if (!after) fail("FIRST here");
      *after = "\x01";
    } else if (accept("AFTER")) {
      if (!after) fail("AFTER here");
      *after = ident();
    } else if (is_punct("(")) {
      skip_group();
    } else if (accept("REFERENCES")) {
      ident();
      if (accept_punct(".")) ident();
      if (is_punct("(")) skip_group();
    } else {
      ++i_;  // NOT NULL, DEFAULT x, AUTO_INCREMENT, COMMENT 'x', INVISIBLE, GENERATED ... AS (..)
    }
  }
  if ((type == "nchar" || type == "nvarchar") && charset.empty()) charset = "utf8mb3";
  std::optional<Kind> kind = row::kind_of_sql_type(type, is_unsigned || type == "serial", 0,
                                                   args.size() == 1 ? arg(0, 0) : 0);
  if (!kind) fail("column type " + type);
  c.kind = *kind;
  const row::KindInfo& info = row::kind_info(c.kind);
  switch (info.params) {
    case row::KindParams::bits:
      c.bits = static_cast<std::uint16_t>(arg(0, 1));
      break;
    case row::KindParams::decimal:
      c.precision = static_cast<std::uint8_t>(arg(0, 10));
      c.scale = static_cast<std::uint8_t>(arg(1, 0));
      break;
    case row::KindParams::fsp:
      c.fsp = static_cast<std::uint8_t>(arg(0, 0));
      break;
    case row::KindParams::members:
      c.members = args;
      break;
    case row::KindParams::server_type:
      c.type_name = type;
      break;
    case row::KindParams::none:
      break;
  }
  // Text, ENUM and SET take the column's charset (text in the binary charset is binary); JSON
  // and binary strings have the collation their type implies (JSON text is utf8mb4_bin on both
  // servers).
  if (info.charset) {
    c.collation = text_collation(charset, collate, binary_attr, table_collation);
    c.kind = row::with_charset(c.kind, c.collation);
  } else {
    c.collation = info.implied_collation;
  }
  return c;
}

std::size_t find_column(const TableDefinition& d, std::string_view name) {
  for (std::size_t k = 0; k < d.columns.size(); ++k)
    if (iequals(d.columns[k].name, name)) return k;
  return d.columns.size();
}

// A column's name before the ALTER statement: one ALTER's clauses name columns as they were
// before it (RENAME COLUMN a TO b, RENAME COLUMN b TO a swaps them).
struct Columns {
  TableDefinition& d;
  std::vector<std::string> orig;  // parallel to d.columns; "" for columns this ALTER added

  explicit Columns(TableDefinition& def) : d(def) {
    for (const auto& c : d.columns) orig.push_back(c.name);
  }
  std::size_t find_orig(std::string_view name) const {
    for (std::size_t k = 0; k < orig.size(); ++k)
      if (iequals(orig[k], name)) return k;
    return find_column(d, name);  // a column added earlier in the same statement
  }
  void erase(std::size_t k) {
    d.columns.erase(d.columns.begin() + static_cast<std::ptrdiff_t>(k));
    orig.erase(orig.begin() + static_cast<std::ptrdiff_t>(k));
  }
  void insert(std::size_t k, row::Column c, std::string o) {
    d.columns.insert(d.columns.begin() + static_cast<std::ptrdiff_t>(k), std::move(c));
    orig.insert(orig.begin() + static_cast<std::ptrdiff_t>(k), std::move(o));
  }
  // Places a column last, first, or after the column `after` (named as it is now).
  void place(row::Column c, std::string o, const std::string& after, Parser& p) {
    if (after.empty()) {
      insert(d.columns.size(), std::move(c), std::move(o));
    } else if (after == "\x01") {
      insert(0, std::move(c), std::move(o));
    } else {
      std::size_t k = find_column(d, after);
      if (k == d.columns.size()) p.fail("AFTER an unknown column " + after);
      insert(k + 1, std::move(c), std::move(o));
    }
  }
};

void rename_in_key(TableDefinition& d, const std::string& from, const std::string& to) {
  for (std::string& k : d.primary_key)
    if (iequals(k, from)) k = to;
}

// ALTER TABLE specs, applied to a copy that replaces the original only if all of them parsed.
void alter_specs(Parser& p, TableDefinition& d, std::string& rename_to) {
  Columns cols(d);
  do {
    if (p.accept("ADD")) {
      if (p.is_word("INDEX") || p.is_word("KEY") || p.is_word("UNIQUE") || p.is_word("FULLTEXT") ||
          p.is_word("SPATIAL") || p.is_word("FOREIGN") || p.is_word("CHECK") ||
          p.is_word("PERIOD") || p.is_word("SYSTEM") || p.is_word("PARTITION")) {
        p.skip_item();
      } else if (p.is_word("CONSTRAINT") || p.is_word("PRIMARY")) {
        if (p.accept("CONSTRAINT") && !p.is_word("PRIMARY") && !p.is_word("UNIQUE") &&
            !p.is_word("FOREIGN") && !p.is_word("CHECK"))
          p.ident();
        if (p.accept("PRIMARY")) {
          p.expect("KEY");
          if (!p.is_punct("(")) p.ident();  // index name
          d.primary_key = p.name_list();
        }
        p.skip_item();
      } else {
        p.accept("COLUMN");
        if (p.is_word("IF")) {
          p.fail("ADD COLUMN IF NOT EXISTS");  // needs the server's answer
        }
        if (p.accept_punct("(")) {
          do {
            std::string name = p.ident();
            bool primary = false;
            cols.place(p.column_def(name, d.default_collation, primary, nullptr), "", "", p);
            if (primary) d.primary_key = {name};
          } while (p.accept_punct(","));
          p.expect_punct(")");
        } else {
          std::string name = p.ident();
          if (find_column(d, name) != d.columns.size()) p.fail("ADD of an existing column");
          bool primary = false;
          std::string after;
          row::Column c = p.column_def(name, d.default_collation, primary, &after);
          cols.place(std::move(c), "", after, p);
          if (primary) d.primary_key = {name};
        }
      }
    } else if (p.accept("DROP")) {
      if (p.is_word("PRIMARY")) {
        p.skip_item();
        d.primary_key.clear();
      } else if (p.is_word("INDEX") || p.is_word("KEY") || p.is_word("FOREIGN") ||
                 p.is_word("CONSTRAINT") || p.is_word("CHECK") || p.is_word("PARTITION") ||
                 p.is_word("PERIOD") || p.is_word("SYSTEM")) {
        p.skip_item();
      } else {
        p.accept("COLUMN");
        if (p.is_word("IF")) p.fail("DROP COLUMN IF EXISTS");
        std::string name = p.ident();
        std::size_t k = cols.find_orig(name);
        if (k == d.columns.size()) p.fail("DROP of an unknown column " + name);
        cols.erase(k);
        std::erase_if(d.primary_key, [&](const std::string& c) { return iequals(c, name); });
        p.accept("RESTRICT") || p.accept("CASCADE");
      }
    } else if (p.is_word("CHANGE") || p.is_word("MODIFY")) {
      const bool change = p.accept("CHANGE");
      if (!change) p.expect("MODIFY");
      p.accept("COLUMN");
      if (p.is_word("IF")) p.fail("IF EXISTS");
      std::string old_name = p.ident();
      std::string new_name = change ? p.ident() : old_name;
      std::size_t k = cols.find_orig(old_name);
      if (k == d.columns.size()) p.fail("unknown column " + old_name);
      bool primary = false;
      std::string after;
      row::Column c = p.column_def(new_name, d.default_collation, primary, &after);
      std::string o = cols.orig[k];
      cols.erase(k);
      if (after.empty())
        cols.insert(k, std::move(c), std::move(o));
      else
        cols.place(std::move(c), std::move(o), after, p);
      rename_in_key(d, old_name, new_name);
      if (primary) d.primary_key = {new_name};
    } else if (p.accept("RENAME")) {
      if (p.accept("COLUMN")) {
        std::string from = p.ident();
        p.expect("TO");
        std::string to = p.ident();
        std::size_t k = cols.find_orig(from);
        if (k == d.columns.size()) p.fail("RENAME of an unknown column " + from);
        d.columns[k].name = to;
        rename_in_key(d, from, to);
      } else if (p.is_word("INDEX") || p.is_word("KEY")) {
        p.skip_item();
      } else {
        p.accept("TO") || p.accept("AS");
        std::string name = p.ident();
        if (p.accept_punct(".")) name = p.ident();  // a move to another database is not tracked
        rename_to = name;
      }
    } else if (p.accept("ALTER")) {
      if (p.is_word("INDEX") || p.is_word("KEY") || p.is_word("CHECK") || p.is_word("CONSTRAINT")) {
        p.skip_item();
      } else {
        p.accept("COLUMN");
        p.ident();
        p.skip_item();  // SET DEFAULT / DROP DEFAULT / SET [IN]VISIBLE: values are unchanged
      }
    } else if (p.is_word("CONVERT")) {
      // Every text column takes a new collation, which needs the server's rules: fall back.
      p.fail("CONVERT TO CHARACTER SET");
    } else if (p.is_word("ENGINE") || p.is_word("AUTO_INCREMENT") || p.is_word("COMMENT") ||
               p.is_word("ALGORITHM") || p.is_word("LOCK") || p.is_word("FORCE") ||
               p.is_word("ROW_FORMAT") || p.is_word("KEY_BLOCK_SIZE") || p.is_word("DEFAULT") ||
               p.is_word("CHARACTER") || p.is_word("CHARSET") || p.is_word("COLLATE") ||
               p.is_word("ORDER") || p.is_word("STATS_PERSISTENT") || p.is_word("CHECKSUM") ||
               p.is_word("PAGE_COMPRESSED") || p.is_word("ENCRYPTED") || p.is_word("NOWAIT") ||
               p.is_word("WAIT") || p.is_word("ENABLE") || p.is_word("DISABLE")) {
      // Table options: no column changes. A new DEFAULT CHARSET only affects later ADDs.
      if (p.is_word("DEFAULT") || p.is_word("CHARACTER") || p.is_word("CHARSET") ||
          p.is_word("COLLATE"))
        p.fail("a new table default charset");
      p.skip_item();
    } else {
      p.fail("ALTER TABLE clause");
    }
  } while (p.accept_punct(","));
  if (!p.at_end()) p.fail("ALTER TABLE clause");
}

}  // namespace

DdlEffect apply_ddl(Definitions& defs, std::string_view sql, std::string_view default_db,
                    std::string_view captured_db, const CollationLookup& collations) {
  DdlEffect eff;
  auto tokens = tokenize(sql);
  if (!tokens) {
    eff.kind = DdlEffect::Kind::unknown;
    eff.why = "unterminated quote or comment";
    return eff;
  }
  Parser p(std::move(*tokens), collations);
  auto key = [](const std::string& db, const std::string& t) { return db + "." + t; };
  try {
    if (p.accept("ALTER")) {
      p.accept("ONLINE");
      p.accept("OFFLINE");
      p.accept("IGNORE");
      if (!p.accept("TABLE")) return eff;  // ALTER DATABASE, USER, VIEW, ...: no columns
      if (p.is_word("IF")) {
        p.expect("IF");
        p.expect("EXISTS");
      }
      auto [db, table] = p.table_name(default_db);
      auto it = defs.find(key(db, table));
      if (it == defs.end()) return eff;
      eff.kind = DdlEffect::Kind::unknown;  // until it applied whole
      TableDefinition d = it->second;
      std::string rename_to;
      if (!p.at_end()) alter_specs(p, d, rename_to);
      eff.kind = DdlEffect::Kind::applied;
      eff.tables.push_back(it->first);
      if (!rename_to.empty()) {
        defs.erase(it);
        defs[key(db, rename_to)] = std::move(d);
        eff.tables.push_back(key(db, rename_to));
      } else {
        it->second = std::move(d);
      }
      return eff;
    }
    if (p.accept("RENAME")) {
      if (!p.accept("TABLE") && !p.accept("TABLES")) return eff;
      // Renames apply in order (a swap goes through a temporary name).
      Definitions next = defs;
      bool any = false;
      do {
        auto [db1, t1] = p.table_name(default_db);
        p.expect("TO");
        auto [db2, t2] = p.table_name(default_db);
        auto it = next.find(key(db1, t1));
        if (it == next.end()) continue;
        TableDefinition d = std::move(it->second);
        next.erase(it);
        eff.tables.push_back(key(db1, t1));
        eff.tables.push_back(key(db2, t2));
        next[key(db2, t2)] = std::move(d);
        any = true;
      } while (p.accept_punct(","));
      if (any) {
        defs = std::move(next);
        eff.kind = DdlEffect::Kind::applied;
      }
      return eff;
    }
    if (p.accept("DROP")) {
      p.accept("TEMPORARY");
      if (!p.accept("TABLE") && !p.accept("TABLES")) return eff;
      if (p.accept("IF")) p.expect("EXISTS");
      do {
        auto [db, t] = p.table_name(default_db);
        if (defs.erase(key(db, t))) {
          eff.tables.push_back(key(db, t));
          eff.kind = DdlEffect::Kind::applied;
        }
      } while (p.accept_punct(","));
      return eff;
    }
    if (p.accept("CREATE")) {
      p.accept("OR") && p.accept("REPLACE");
      if (p.accept("TEMPORARY")) return eff;
      if (!p.accept("TABLE")) return eff;
      if (p.accept("IF")) {
        p.expect("NOT");
        p.expect("EXISTS");
      }
      auto [db, t] = p.table_name(default_db);
      if (!captured_db.empty() && db != captured_db) return eff;
      eff.kind = DdlEffect::Kind::unknown;
      eff.tables.push_back(key(db, t));
      const bool paren_like = p.is_punct("(") && p.is_word("LIKE", 1);
      if (paren_like || p.is_word("LIKE")) {
        // A copy of another table's definition, as recorded at this point.
        if (paren_like) p.expect_punct("(");
        p.expect("LIKE");
        auto [sdb, st] = p.table_name(default_db);
        if (paren_like) p.expect_punct(")");
        auto src = defs.find(key(sdb, st));
        if (src == defs.end()) p.fail("CREATE TABLE LIKE an untracked table");
        defs[key(db, t)] = src->second;
        eff.kind = DdlEffect::Kind::applied;
        return eff;
      }
      if (!p.is_punct("(")) p.fail("CREATE TABLE without a column list");
      // The table's default collation comes after the column list: find it first.
      std::uint16_t table_collation = 0;
      {
        Parser q = p;
        q.skip_group();
        std::string charset, collate;
        while (!q.at_end()) {
          if (q.accept("CHARACTER") && q.accept("SET")) {
            q.accept_punct("=");
            charset = q.ident();
          } else if (q.accept("CHARSET")) {
            q.accept_punct("=");
            charset = q.ident();
          } else if (q.accept("COLLATE")) {
            q.accept_punct("=");
            collate = q.ident();
          } else if (q.accept("AS") || q.accept("SELECT") || q.accept("LIKE")) {
            q.fail("CREATE TABLE ... SELECT/LIKE");
          } else {
            q.skip_token();  // ENGINE=..., DEFAULT, COMMENT='...', partitioning, ...
          }
        }
        if (!collate.empty() && collations.by_name)
          table_collation = collations.by_name(lower(collate));
        else if (!charset.empty() && collations.default_of)
          table_collation = collations.default_of(lower(charset));
        else if (collations.database_default)
          table_collation = collations.database_default(db);
      }
      TableDefinition d;
      d.exists = true;
      d.default_collation = table_collation;
      p.expect_punct("(");
      do {
        if (p.is_word("PRIMARY") || (p.is_word("CONSTRAINT") && !p.is_word("CHECK", 1))) {
          if (p.accept("CONSTRAINT") && !p.is_word("PRIMARY") && !p.is_word("UNIQUE") &&
              !p.is_word("FOREIGN"))
            p.ident();
          if (p.accept("PRIMARY")) {
            p.expect("KEY");
            if (!p.is_punct("(")) p.ident();
            d.primary_key = p.name_list();
          }
          p.skip_item();
        } else if (p.is_word("INDEX") || p.is_word("KEY") || p.is_word("UNIQUE") ||
                   p.is_word("FULLTEXT") || p.is_word("SPATIAL") || p.is_word("FOREIGN") ||
                   p.is_word("CHECK") || p.is_word("PERIOD")) {
          p.skip_item();
        } else {
          std::string name = p.ident();
          bool primary = false;
          d.columns.push_back(p.column_def(name, table_collation, primary, nullptr));
          if (primary) d.primary_key = {name};
        }
      } while (p.accept_punct(","));
      p.expect_punct(")");
      defs[key(db, t)] = std::move(d);
      eff.kind = DdlEffect::Kind::applied;
      return eff;
    }
  } catch (const Unsupported& u) {
    if (eff.kind == DdlEffect::Kind::none) eff.kind = DdlEffect::Kind::unknown;
    eff.why = u.why;
    return eff;
  }
  return eff;
}

}  // namespace dumpr::schema
