#include "mysql/table_schema.hpp"

#include <charconv>

#include "row/kinds.hpp"

namespace dumpr::mysql {

namespace {

unsigned to_uint(const std::optional<std::string>& s) {
  unsigned v = 0;
  if (s) std::from_chars(s->data(), s->data() + s->size(), v);
  return v;
}

}  // namespace

std::vector<std::string> parse_members(std::string_view t) {
  std::vector<std::string> out;
  auto open = t.find('(');
  if (open == std::string_view::npos) return out;
  std::size_t i = open + 1;
  while (i < t.size() && t[i] == '\'') {
    std::string m;
    ++i;
    while (i < t.size()) {
      if (t[i] == '\'' && i + 1 < t.size() && t[i + 1] == '\'') {
        m += '\'';
        i += 2;
      } else if (t[i] == '\'') {
        ++i;
        break;
      } else if (t[i] == '\\' && i + 1 < t.size()) {
        m += t[i + 1];
        i += 2;
      } else {
        m += t[i++];
      }
    }
    out.push_back(std::move(m));
    if (i < t.size() && t[i] == ',') ++i;
  }
  return out;
}

Result<TableDefinition> describe_table(Connection& c, const std::string& db,
                                       const std::string& table) {
  const std::string where = "c.TABLE_SCHEMA = " + quote_string(c.get(), db) +
                            " AND c.TABLE_NAME = " + quote_string(c.get(), table);
  auto cols = c.query(
      "SELECT c.COLUMN_NAME, c.DATA_TYPE, c.COLUMN_TYPE, c.NUMERIC_PRECISION, c.NUMERIC_SCALE, "
      "c.DATETIME_PRECISION, co.ID FROM information_schema.COLUMNS c LEFT JOIN "
      "information_schema.COLLATIONS co ON co.COLLATION_NAME = c.COLLATION_NAME WHERE " +
      where + " ORDER BY c.ORDINAL_POSITION");
  if (!cols) return cols.take_error();
  TableDefinition def;
  def.exists = !cols->rows.empty();
  if (!def.exists) return def;

  // MariaDB's JSON: a LONGTEXT whose CHECK constraint is json_valid(`col`).
  std::vector<std::string> json_checked;
  if (c.is_mariadb()) {
    auto checks = c.query(
        "SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = " +
        quote_string(c.get(), db) + " AND TABLE_NAME = " + quote_string(c.get(), table));
    if (checks)
      for (auto& r : checks->rows) {
        std::string clause = r[0].value_or("");
        if (clause.rfind("json_valid(`", 0) == 0 && clause.size() > 14)
          json_checked.push_back(clause.substr(12, clause.size() - 14));
      }
  }

  using row::Kind;
  for (auto& r : cols->rows) {
    row::Column col;
    col.name = r[0].value_or("");
    const std::string type = r[1].value_or("");
    const std::string column_type = r[2].value_or("");
    const bool is_unsigned = column_type.find("unsigned") != std::string::npos;
    col.collation = static_cast<std::uint16_t>(to_uint(r[6]));
    col.kind = row::kind_of_sql_type(type, is_unsigned, col.collation)
                   .value_or(row::with_charset(Kind::text, col.collation));
    switch (row::kind_info(col.kind).params) {
      case row::KindParams::bits:
        col.bits = static_cast<std::uint16_t>(to_uint(r[3]));
        break;
      case row::KindParams::decimal:
        col.precision = static_cast<std::uint8_t>(to_uint(r[3]));
        col.scale = static_cast<std::uint8_t>(to_uint(r[4]));
        break;
      case row::KindParams::fsp:
        col.fsp = static_cast<std::uint8_t>(to_uint(r[5]));
        break;
      case row::KindParams::members:
        col.members = parse_members(column_type);
        break;
      case row::KindParams::server_type:
        col.type_name = type;
        break;
      case row::KindParams::none:
        break;
    }
    for (const std::string& j : json_checked)
      if (j == col.name) col.kind = Kind::json;
    def.columns.push_back(std::move(col));
  }

  auto tc = c.query(
      "SELECT co.ID FROM information_schema.TABLES c JOIN information_schema.COLLATIONS co ON "
      "co.COLLATION_NAME = c.TABLE_COLLATION WHERE " +
      where);
  if (tc && !tc->rows.empty())
    def.default_collation = static_cast<std::uint16_t>(to_uint(tc->rows[0][0]));

  auto pk = c.query("SELECT COLUMN_NAME FROM information_schema.STATISTICS c WHERE " + where +
                    " AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX");
  if (!pk) return pk.take_error();
  for (auto& r : pk->rows) def.primary_key.push_back(r[0].value_or(""));
  return def;
}

}  // namespace dumpr::mysql
