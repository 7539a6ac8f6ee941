#include "mysql/table_list.hpp"

#include "mysql/server_state.hpp"
#include "mysql/table_schema.hpp"

namespace dumpr::mysql {

Result<std::vector<select::ListedTable>> list_tables(Connection& c,
                                                     const std::vector<std::string>& databases) {
  std::string sql = "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES";
  if (databases.empty()) {
    sql +=
        " WHERE TABLE_SCHEMA NOT IN ('information_schema', 'performance_schema', 'mysql', "
        "'sys')";
  } else {
    sql += " WHERE TABLE_SCHEMA IN (";
    for (std::size_t i = 0; i < databases.size(); ++i)
      sql += (i ? ", " : "") + quote_string(c.get(), databases[i]);
    sql += ")";
  }
  auto r = c.query(sql);
  if (!r) return r.take_error();
  std::vector<select::ListedTable> out;
  out.reserve(r->rows.size());
  for (auto& row : r->rows) {
    const std::string type = row[2].value_or("");
    out.push_back({row[0].value_or(""), row[1].value_or(""),
                   type == "BASE TABLE" || type == "SYSTEM VERSIONED"});
  }
  return out;
}

// tail --tables: each literal name must be a base table the user can see, spelled byte for byte
// as the binary log names it (case included), unless it may be created later (allow_missing).
// A name no table can have is refused even then: it would never match.
Status check_selected_tables(Connection& c, const select::TableFilter& filter, bool allow_missing) {
  bool literal = false;
  for (const select::TablePattern& p : filter.includes()) {
    if (!p.literal()) continue;
    literal = true;
    for (const std::string& db :
         p.database ? std::vector<std::string>{p.database->text} : filter.databases()) {
      if (Status st = check_table_name(p.table.text, db); !st) {
        Error e = st.take_error();
        e.message = "--tables: " + e.message;
        return e;
      }
    }
  }
  if (!literal || allow_missing) return {};
  auto listing = list_tables(
      c, filter.database_glob() ? std::vector<std::string>{} : filter.named_databases());
  if (!listing) return listing.take_error();
  auto resolved = select::resolve_tables(filter, *listing);
  if (!resolved) {
    Error e = resolved.take_error();
    e.message = "--tables: " + e.message +
                " (a table created later can be named with --allow-missing-tables)";
    return e;
  }
  return {};
}

Status check_excluded_ids(Connection& c, const select::TableFilter& filter,
                          const select::ColumnFilter& columns,
                          const std::map<std::string, std::vector<std::string>>& id_columns) {
  if (!columns.excludes_any()) return {};
  auto listing = list_tables(
      c, filter.database_glob() ? std::vector<std::string>{} : filter.named_databases());
  if (!listing) return listing.take_error();
  for (const select::ListedTable& t : *listing) {
    if (!t.base || !filter.captures(t.db, t.table)) continue;
    auto def = describe_table(c, t.db, t.table);
    if (!def) return def.take_error();
    if (!def->exists) continue;
    std::vector<std::string> names;
    for (const row::Column& col : def->columns) names.push_back(col.name);
    auto it = id_columns.find(t.db + "." + t.table);
    if (it == id_columns.end()) it = id_columns.find(t.table);
    const std::vector<std::string>& id_names =
        it != id_columns.end() ? it->second : def->primary_key;
    std::vector<std::size_t> ids;
    for (const std::string& n : id_names)
      for (std::size_t k = 0; k < names.size(); ++k)
        if (names[k] == n) ids.push_back(k);
    auto rules = columns.rules(t.db, t.table, names, {}, ids);
    if (!rules) return rules.take_error();
  }
  return {};
}

}  // namespace dumpr::mysql
