// server-watch: a side connection that asks the server how far its binary log has gone and how
// long it keeps it, for progress lines and the metrics file. One small query per call, made
// every few seconds by the caller, never per event; an offline tail (--binlog-file) makes none.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "dumpr/config.hpp"
#include "dumpr/error.hpp"

namespace dumpr {

struct BinlogBacklog {
  std::string server_file;  // the file the server writes now, and its end
  std::uint64_t server_position = 0;
  // Bytes of binary log from the position asked about to the server's end; empty when the
  // position's file is no longer on the server.
  std::optional<std::uint64_t> bytes_behind;
  bool at_current_file = false;  // the position is in the file being written
};

class ServerWatch {
 public:
  // Connects (a read timeout of a few seconds: a slow answer must not hold the run up long).
  static Result<ServerWatch> open(const Config& cfg);
  ServerWatch(ServerWatch&&) noexcept;
  ServerWatch& operator=(ServerWatch&&) noexcept;
  ~ServerWatch();

  // Where the server's binary log ends, compared with file:position (SHOW BINARY LOGS; needs
  // BINLOG MONITOR on MariaDB, REPLICATION CLIENT on MySQL, as `dumpr position` does).
  Result<BinlogBacklog> backlog(const std::string& file, std::uint64_t position);

  // How long the server keeps a binlog file: binlog_expire_logs_seconds, or where that is 0 or
  // unknown, expire_logs_days in seconds; 0 when files do not expire. A file is purged (at a log
  // rotation or FLUSH BINARY LOGS, or at start-up) once its last change is that old.
  Result<std::uint64_t> expire_seconds();

  struct Impl;

 private:
  explicit ServerWatch(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dumpr
