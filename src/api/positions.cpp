#include "dumpr/positions.hpp"

#include "mysql/connection.hpp"
#include "mysql/schema_history.hpp"
#include "mysql/server_state.hpp"

namespace dumpr {

Result<Position> binlog_position(const Config& cfg) {
  auto conn = mysql::Connection::open(cfg);
  if (!conn) return conn.take_error();
  auto settings = mysql::check_binlog_settings(*conn);
  if (!settings) return settings.take_error();
  auto pos = mysql::current_position(*conn);
  if (!pos) return pos.take_error();
  const std::vector<std::string> dbs = !cfg.selection.databases.empty()
                                           ? cfg.selection.databases
                                           : std::vector<std::string>{cfg.database};
  if (!dbs.front().empty()) {
    // The databases' table definitions as of this position: tail starts from them (the
    // column names when the binlog has none; MariaDB JSON, UUID and INET kinds always).
    auto h = mysql::record_schema(*conn, dbs);
    if (!h) return h.take_error();
    if (!h->empty()) pos->tables_json = h->to_json();
  }
  return pos;
}

Status validate_position(const Config& cfg, const Position& pos) {
  auto conn = mysql::Connection::open(cfg);
  if (!conn) return conn.take_error();
  return mysql::check_position(*conn, pos);
}

}  // namespace dumpr
