// The table load, as a sequence of passes: connect -> check settings -> resolve tables ->
// open snapshot -> stream tables (next()) -> commit.
#include "dumpr/table_stream.hpp"

#include <mysqld_error.h>
#include <strings.h>

#include <charconv>

#include "mysql/connection.hpp"
#include "mysql/result_columns.hpp"
#include "mysql/schema_history.hpp"
#include "mysql/server_state.hpp"
#include "row/text_values.hpp"
#include "row/tuple_builder.hpp"

namespace dumpr {

namespace {

struct LoadTable {
  row::TableShape shape;
  std::string select_sql;
  std::uint64_t estimated_rows = 0;
  std::vector<bool> warned;  // per column: invalid text already reported
};

void warn(const Config& cfg, const std::string& msg) {
  if (cfg.on_warning) cfg.on_warning(msg);
}

}  // namespace

struct TableStream::Impl {
  Impl(const Config& c, mysql::Connection conn_) : cfg(c), conn(std::move(conn_)) {}

  Config cfg;
  mysql::Connection conn;
  std::vector<LoadTable> tables;
  Position position;

  std::size_t current = 0;
  mysql::ResultPtr result;
  bool started = false, done = false;
  std::uint64_t rows = 0, total_rows = 0;
  row::TupleBuilder builder;
  RowView view;

  Status setup_session();
  Status resolve_table(const std::string& name);
  Status open_snapshot();
  Result<const RowView*> next();
};

Status TableStream::Impl::setup_session() {
  // Text in each column's own charset (converted by dumpr, as tail does), TIMESTAMP in UTC, and
  // no server-side timeout while a slow consumer holds the stream back.
  DUMPR_TRY(
      conn.exec("SET SESSION time_zone = '+00:00', character_set_results = NULL, "
                "net_write_timeout = 86400, net_read_timeout = 86400"));
  DUMPR_TRY(conn.exec("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"));
  return {};
}

Status TableStream::Impl::resolve_table(const std::string& name) {
  for (const LoadTable& t : tables)
    if (t.shape.table == name)
      return make_error(ErrorKind::usage, "table " + name + " is named twice");
  const std::string qualified = mysql::quote_ident(cfg.database) + "." + mysql::quote_ident(name);
  // Every column by name, INVISIBLE ones too (SELECT * leaves those out; the binlog has them).
  auto names =
      conn.query("SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = " +
                 mysql::quote_string(conn.get(), cfg.database) + " AND TABLE_NAME = " +
                 mysql::quote_string(conn.get(), name) + " ORDER BY ORDINAL_POSITION");
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
                                                  cfg.database +
                                                  " (check the table names and --database)");
    if (err == ER_TABLEACCESS_DENIED_ERROR || err == ER_COLUMNACCESS_DENIED_ERROR)
      return mysql::privilege_error(conn, "reading table " + cfg.database + "." + name,
                                    "SELECT ON " + mysql::quote_ident(cfg.database) + ".*");
    return conn.last_error("reading the columns of " + name);
  }
  LoadTable t;
  t.shape.table = name;
  unsigned n = mysql_num_fields(res.get());
  MYSQL_FIELD* fields = mysql_fetch_fields(res.get());
  std::string select = "SELECT ";
  for (unsigned i = 0; i < n; ++i) {
    row::Column c = mysql::column_from_field(fields[i]);
    if (i) select += ", ";
    // The text protocol prints FLOAT with 6 digits; as a DOUBLE it keeps every bit.
    if (c.kind == row::Kind::float32)
      select += "(" + mysql::quote_ident(c.name) + " + 0e0)";
    else
      select += mysql::quote_ident(c.name);
    t.shape.columns.push_back(std::move(c));
  }
  t.select_sql = select + " FROM " + qualified;
  t.warned.assign(n, false);

  // The id: --id TABLE=COLS, else the primary key.
  std::vector<std::string> id_names;
  if (auto it = cfg.id_columns.find(name); it != cfg.id_columns.end()) {
    id_names = it->second;
  } else {
    auto pk =
        conn.query("SELECT COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = " +
                   mysql::quote_string(conn.get(), cfg.database) +
                   " AND TABLE_NAME = " + mysql::quote_string(conn.get(), name) +
                   " AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX");
    if (!pk) return pk.take_error();
    for (auto& r : pk->rows) id_names.push_back(r[0].value_or(""));
    if (id_names.empty())
      warn(cfg, "table " + name + " has no primary key and no --id " + name +
                    "=COLUMNS: its tuples have a null id");
  }
  for (const std::string& col : id_names) {
    std::size_t k = 0;
    while (k < t.shape.columns.size() && t.shape.columns[k].name != col) ++k;
    if (k == t.shape.columns.size())
      return make_error(ErrorKind::usage,
                        "--id " + name + "=...: table " + name + " has no column " + col);
    t.shape.id_columns.push_back(k);
  }
  t.shape.prepare();

  auto est = conn.query("SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
                        mysql::quote_string(conn.get(), cfg.database) +
                        " AND TABLE_NAME = " + mysql::quote_string(conn.get(), name));
  if (est && !est->rows.empty() && est->rows[0][0]) {
    const std::string& s = *est->rows[0][0];
    std::from_chars(s.data(), s.data() + s.size(), t.estimated_rows);
  }
  tables.push_back(std::move(t));
  return {};
}

Status TableStream::Impl::open_snapshot() {
  if (conn.is_mariadb()) {
    // MariaDB ties the binlog position to the snapshot itself: no lock is needed.
    DUMPR_TRY(conn.exec("START TRANSACTION WITH CONSISTENT SNAPSHOT"));
    auto st = conn.query("SHOW STATUS LIKE 'binlog_snapshot_%'");
    if (!st) return st.take_error();
    for (auto& r : st->rows) {
      const std::string key = r[0].value_or("");
      const std::string val = r[1].value_or("");
      if (strcasecmp(key.c_str(), "binlog_snapshot_file") == 0)
        position.file = val;
      else if (strcasecmp(key.c_str(), "binlog_snapshot_position") == 0)
        std::from_chars(val.data(), val.data() + val.size(), position.position);
    }
    if (position.file.empty())
      return make_error(ErrorKind::server_config,
                        "the server reports no binlog snapshot position: is log_bin on?");
    DUMPR_TRY(mysql::fill_server_identity(conn, position));
    position.gtid = mysql::gtid_at(conn, position.file, position.position);
    return {};
  }
  // MySQL: hold a global read lock only while the snapshot opens and the position is read.
  if (conn.exec("FLUSH TABLES WITH READ LOCK")) {
    Status s = conn.exec("START TRANSACTION WITH CONSISTENT SNAPSHOT");
    auto pos = s ? mysql::current_position(conn) : Result<Position>(s.error());
    Status unlock = conn.exec("UNLOCK TABLES");
    if (!pos) return pos.take_error();
    DUMPR_TRY(unlock);
    position = std::move(pos.value());
    return {};
  }
  // No lock allowed (RELOAD missing, managed servers): the position before the snapshot.
  warn(cfg,
       "could not take the brief global read lock (FLUSH TABLES WITH READ LOCK needs RELOAD); "
       "using the position read before the snapshot: a later tail repeats some rows, never loses "
       "one");
  auto pos = mysql::current_position(conn);
  if (!pos) return pos.take_error();
  position = std::move(pos.value());
  return conn.exec("START TRANSACTION WITH CONSISTENT SNAPSHOT");
}

Result<const RowView*> TableStream::Impl::next() {
  while (!done) {
    if (!result) {
      if (current >= tables.size()) {
        DUMPR_TRY(conn.exec("COMMIT"));
        done = true;
        break;
      }
      auto r = conn.stream(tables[current].select_sql);
      if (!r) return r.take_error();
      result = std::move(r.value());
      rows = 0;
    }
    MYSQL_ROW cells = mysql_fetch_row(result.get());
    if (!cells) {
      if (mysql_errno(conn.get()) != 0)
        return conn.last_error("reading table " + tables[current].shape.table);
      result.reset();
      ++current;
      continue;
    }
    unsigned long* len = mysql_fetch_lengths(result.get());
    LoadTable& t = tables[current];
    builder.start(t.shape);
    const std::size_t n = t.shape.columns.size();
    for (std::size_t i = 0; i < n; ++i) {
      if (!cells[i]) {
        builder.put_null_value(i);
        continue;
      }
      row::JsonOut& out = builder.begin_value(i);
      if (!row::put_server_text(out, t.shape.columns[i], cfg.values, cells[i], len[i]))
        builder.note_repaired(i);
      builder.end_value(i);
    }
    for (std::size_t i : builder.repaired()) {
      if (t.warned[i]) continue;
      t.warned[i] = true;
      warn(cfg,
           row::repair_warning(t.shape, i) + " (first in row " + std::to_string(rows + 1) + ")");
    }
    ++rows;
    ++total_rows;
    view.op = RowOp::upsert;
    view.table = t.shape.table;
    view.line = builder.finish(row::Op::upsert, "null");
    return &view;
  }
  return static_cast<const RowView*>(nullptr);
}

TableStream::TableStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TableStream::TableStream(TableStream&&) noexcept = default;
TableStream& TableStream::operator=(TableStream&&) noexcept = default;
TableStream::~TableStream() = default;

Result<TableStream> TableStream::open(const Config& cfg, std::vector<std::string> tables) {
  if (cfg.database.empty())
    return make_error(ErrorKind::usage, "name the database whose tables to load with --database");
  if (tables.empty()) return make_error(ErrorKind::usage, "name at least one table to load");
  auto conn = mysql::Connection::open(cfg);
  if (!conn) return conn.take_error();
  auto impl = std::make_unique<Impl>(cfg, std::move(conn.value()));
  DUMPR_TRY(impl->setup_session());
  auto settings = mysql::check_binlog_settings(impl->conn);
  if (!settings) return settings.take_error();
  if (settings->row_image != "FULL")
    warn(cfg, "binlog_row_image is " + settings->row_image +
                  ": tail will see only some columns of updated rows (set binlog_row_image=FULL "
                  "for whole rows)");
  for (const std::string& t : tables) DUMPR_TRY(impl->resolve_table(t));
  DUMPR_TRY(impl->open_snapshot());
  {
    // The database's table definitions as of this position: tail starts from them (the
    // column names when the binlog has none; MariaDB JSON, UUID and INET kinds always).
    auto h = mysql::record_schema(impl->conn, cfg.database);
    if (!h) return h.take_error();
    if (!h->empty()) impl->position.tables_json = h->to_json();
  }
  return TableStream(std::move(impl));
}

Result<const RowView*> TableStream::next() {
  return impl_->next();
}

const Position& TableStream::position() const {
  return impl_->position;
}

LoadProgress TableStream::progress() const {
  LoadProgress p;
  p.table_index = impl_->current;
  if (impl_->current < impl_->tables.size()) {
    p.table = impl_->tables[impl_->current].shape.table;
    p.estimated_rows = impl_->tables[impl_->current].estimated_rows;
  }
  p.rows = impl_->rows;
  p.total_rows = impl_->total_rows;
  return p;
}

}  // namespace dumpr
