#include "mysql/binlog_status.hpp"

#include <mysqld_error.h>

#include <charconv>
#include <cmath>
#include <string>

#include "mysql/server_state.hpp"

namespace dumpr::mysql {

namespace {

std::uint64_t to_u64(const std::optional<std::string>& v) {
  std::uint64_t n = 0;
  if (v) std::from_chars(v->data(), v->data() + v->size(), n);
  return n;
}

}  // namespace

Result<std::vector<BinlogFile>> binary_logs(Connection& c) {
  auto r = c.query("SHOW BINARY LOGS");
  if (!r) {
    const unsigned err = mysql_errno(c.get());
    if (err == ER_SPECIFIC_ACCESS_DENIED_ERROR || err == ER_ACCESS_DENIED_ERROR)
      return privilege_error(
          c, "reading the binlog files' sizes (SHOW BINARY LOGS)",
          c.is_mariadb() ? "BINLOG MONITOR ON *.*" : "REPLICATION CLIENT ON *.*");
    return r.take_error();
  }
  std::vector<BinlogFile> files;
  files.reserve(r->rows.size());
  for (const auto& row : r->rows) {
    if (row.size() < 2 || !row[0]) continue;
    files.push_back({*row[0], to_u64(row[1])});
  }
  return files;
}

Result<std::uint64_t> binlog_expire_seconds(Connection& c) {
  // Each on its own: a server without one of the variables refuses the whole statement.
  if (auto r = c.query("SELECT @@GLOBAL.binlog_expire_logs_seconds"); r && !r->rows.empty()) {
    const std::uint64_t s = to_u64(r->rows[0][0]);
    if (s != 0) return s;
  } else if (!r && mysql_errno(c.get()) != ER_UNKNOWN_SYSTEM_VARIABLE) {
    return r.take_error();
  }
  if (auto r = c.query("SELECT @@GLOBAL.expire_logs_days"); r && !r->rows.empty()) {
    // MariaDB keeps fractions of a day (expire_logs_days=0.5).
    const std::string v = r->rows[0][0].value_or("0");
    double days = 0;
    std::from_chars(v.data(), v.data() + v.size(), days);
    return static_cast<std::uint64_t>(std::llround(days * 86400));
  } else if (!r && mysql_errno(c.get()) != ER_UNKNOWN_SYSTEM_VARIABLE) {
    return r.take_error();
  }
  return std::uint64_t{0};
}

}  // namespace dumpr::mysql
