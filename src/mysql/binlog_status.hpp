// The server's binlog files and how long it keeps them (for the metrics file's backlog and purge
// figures; src/api/server_watch.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dumpr/error.hpp"
#include "mysql/connection.hpp"

namespace dumpr::mysql {

struct BinlogFile {
  std::string name;
  std::uint64_t size = 0;
};

// SHOW BINARY LOGS: every binlog file the server has and its size, oldest first; the last is the
// file being written, its size the current end.
Result<std::vector<BinlogFile>> binary_logs(Connection& c);

// binlog_expire_logs_seconds (MariaDB 10.6+, MySQL 8.0+), else expire_logs_days * 86400 (older
// servers, and MySQL 8.0 where binlog_expire_logs_seconds is 0 and expire_logs_days is set);
// 0: no expiry.
Result<std::uint64_t> binlog_expire_seconds(Connection& c);

}  // namespace dumpr::mysql
