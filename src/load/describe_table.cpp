// load::describe_table (see describe_table.hpp): information_schema and a LIMIT 0 probe.
#include "load/describe_table.hpp"

#include <mysqld_error.h>
#include <strings.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include "mysql/result_columns.hpp"
#include "mysql/server_state.hpp"
#include "mysql/table_list.hpp"

namespace dumpr::load {

namespace {

void warn(const Config& cfg, const std::string& msg) {
  if (cfg.on_warning) cfg.on_warning(msg);
}

std::uint64_t to_u64(const std::optional<std::string>& s) {
  std::uint64_t v = 0;
  if (s) std::from_chars(s->data(), s->data() + s->size(), v);
  return v;
}

}  // namespace

Result<LoadTable> describe_table(mysql::Connection& conn, const Config& cfg,
                                 const select::TableFilter& filter,
                                 const select::ColumnFilter& column_filter,
                                 const select::ValueMask* mask, const std::string& db,
                                 const std::string& name) {
  const std::string qualified = mysql::quote_ident(db) + "." + mysql::quote_ident(name);
  const std::string where_table = " WHERE TABLE_SCHEMA = " + mysql::quote_string(conn.get(), db) +
                                  " AND TABLE_NAME = " + mysql::quote_string(conn.get(), name);
  // Every column by name, INVISIBLE ones too (SELECT * leaves those out; the binlog has them).
  auto names = conn.query("SELECT COLUMN_NAME FROM information_schema.COLUMNS" + where_table +
                          " ORDER BY ORDINAL_POSITION");
  if (!names) return names.take_error();
  std::string list;
  for (auto& r : names->rows) {
    if (!list.empty()) list += ", ";
    list += mysql::quote_ident(r[0].value_or(""));
  }
  // The columns as the server describes them in a result set: the same metadata the rows come with.
  const std::string probe =
      "SELECT " + (list.empty() ? std::string("*") : list) + " FROM " + qualified + " LIMIT 0";
  mysql::ResultPtr res;
  if (mysql_real_query(conn.get(), probe.data(), probe.size()) == 0)
    res.reset(mysql_store_result(conn.get()));
  if (!res) {
    unsigned err = mysql_errno(conn.get());
    if (err == ER_NO_SUCH_TABLE)
      return make_error(ErrorKind::not_found, "table " + name + " does not exist in database " +
                                                  db + " (check the table names and --database)");
    if (err == ER_TABLEACCESS_DENIED_ERROR || err == ER_COLUMNACCESS_DENIED_ERROR)
      return mysql::privilege_error(conn, "reading table " + db + "." + name,
                                    "SELECT ON " + mysql::quote_ident(db) + ".*");
    return conn.last_error("reading the columns of " + name);
  }
  LoadTable t;
  t.shape.table = filter.tuple_name(db, name);
  unsigned n = mysql_num_fields(res.get());
  MYSQL_FIELD* fields = mysql_fetch_fields(res.get());

  auto pk = conn.query("SELECT COLUMN_NAME, SUB_PART FROM information_schema.STATISTICS" +
                       where_table + " AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX");
  if (!pk) return pk.take_error();
  std::vector<std::string> key;
  bool key_prefix = false;  // PRIMARY KEY (col(10)): its order is not the column's
  for (auto& r : pk->rows) {
    key.push_back(r[0].value_or(""));
    key_prefix = key_prefix || r[1].has_value();
  }

  // The id: --id DB.TABLE=COLS or TABLE=COLS, else the primary key.
  std::vector<std::string> id_names;
  auto id_it = cfg.id_columns.find(db + "." + name);
  if (id_it == cfg.id_columns.end()) id_it = cfg.id_columns.find(name);
  if (id_it != cfg.id_columns.end()) {
    id_names = id_it->second;
  } else {
    id_names = key;
    if (id_names.empty())
      warn(cfg, "table " + t.shape.table + " has no primary key and no --id " + name +
                    "=COLUMNS: its tuples have a null id");
  }

  // What --exclude-columns, --mask-columns and --bigint-as-string do to each column, decided
  // from the names as tail decides it from the table map.
  std::vector<std::string> all_names;
  std::vector<bool> bigint;
  for (unsigned i = 0; i < n; ++i) {
    all_names.emplace_back(fields[i].name, fields[i].name_length);
    bigint.push_back(fields[i].type == MYSQL_TYPE_LONGLONG);
  }
  std::vector<std::size_t> id_all;
  for (const std::string& col : id_names) {
    auto k = std::find(all_names.begin(), all_names.end(), col);
    if (k == all_names.end())
      return make_error(ErrorKind::usage, "--id " + name + "=...: table " + db + "." + name +
                                              " has no column " + col);
    id_all.push_back(static_cast<std::size_t>(k - all_names.begin()));
  }
  auto rules = column_filter.rules(db, name, all_names, bigint, id_all);
  if (!rules) return rules.take_error();

  std::string sql = "SELECT ";
  for (unsigned i = 0; i < n; ++i) {
    // An excluded column is not even selected.
    if (!rules->empty() && (*rules)[i] == select::ColumnRule::exclude) continue;
    if (!rules->empty()) t.shape.rules.push_back((*rules)[i]);
    row::Column c = mysql::column_from_field(fields[i]);
    if (!t.shape.columns.empty()) sql += ", ";
    // The text protocol prints FLOAT with 6 digits; as a DOUBLE it keeps every bit. Times one,
    // not plus zero: -0 + 0 is +0, and MySQL keeps a FLOAT's negative zero (MariaDB stores 0).
    // DOUBLE(M,D) is printed rounded to D digits, not as stored (the binlog has the stored
    // double): times one it is a plain DOUBLE, printed whole.
    if (c.kind == row::Kind::float32 ||
        (c.kind == row::Kind::float64 && fields[i].decimals < 31))  // 31: NOT_FIXED_DEC
      sql += "(" + mysql::quote_ident(c.name) + " * 1e0)";
    else
      sql += mysql::quote_ident(c.name);
    t.shape.columns.push_back(std::move(c));
  }
  if (t.shape.columns.empty())
    return make_error(ErrorKind::usage, "--exclude-columns leaves table " + db + "." + name +
                                            " no column: exclude the table with "
                                            "--exclude-tables instead");
  t.shape.mask = mask;
  t.database = db;
  t.name = name;
  t.qualified = qualified;
  t.select_sql = sql + " FROM " + qualified;
  t.warned.assign(t.shape.columns.size(), false);

  auto column_index = [&](const std::string& col) {
    std::size_t k = 0;
    while (k < t.shape.columns.size() && t.shape.columns[k].name != col) ++k;
    return k;
  };
  for (const std::string& col : id_names) t.shape.id_columns.push_back(column_index(col));
  t.shape.prepare();

  auto info = conn.query(
      "SELECT TABLE_ROWS, AVG_ROW_LENGTH, ENGINE, CREATE_OPTIONS FROM information_schema.TABLES" +
      where_table);
  std::string engine, options;
  if (info && !info->rows.empty()) {
    const auto& r = info->rows[0];
    t.estimated_rows = to_u64(r[0]);
    t.avg_row_length = to_u64(r[1]);
    engine = r[2].value_or("");
    options = r[3].value_or("");
  }
  // InnoDB keeps rows in primary-key order: reading in that order costs nothing, and it is the
  // one order every plan and every key range agrees on. Partitioned tables (ordered only within
  // a partition) and other engines are read as they come, whole.
  const bool partitioned = options.find("partitioned") != std::string::npos;
  if (strcasecmp(engine.c_str(), "InnoDB") == 0 && !partitioned && !key.empty() && !key_prefix) {
    t.order_by = " ORDER BY ";
    for (std::size_t i = 0; i < key.size(); ++i)
      t.order_by += (i ? ", " : "") + mysql::quote_ident(key[i]);
    const std::size_t first = column_index(key[0]);
    if (first < t.shape.columns.size() && (t.shape.columns[first].kind == row::Kind::signed_int ||
                                           t.shape.columns[first].kind == row::Kind::unsigned_int))
      t.split_column = first;
  }
  t.key_columns = std::move(key);
  t.key_prefix = key_prefix;
  return t;
}

}  // namespace dumpr::load
