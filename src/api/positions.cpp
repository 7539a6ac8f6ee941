#include "dumpr/positions.hpp"

#include "mysql/connection.hpp"
#include "mysql/server_state.hpp"

namespace dumpr {

Result<Position> binlog_position(const Config& cfg) {
  auto conn = mysql::Connection::open(cfg);
  if (!conn) return conn.take_error();
  auto settings = mysql::check_binlog_settings(*conn);
  if (!settings) return settings.take_error();
  return mysql::current_position(*conn);
}

Status validate_position(const Config& cfg, const Position& pos) {
  auto conn = mysql::Connection::open(cfg);
  if (!conn) return conn.take_error();
  return mysql::check_position(*conn, pos);
}

}  // namespace dumpr
