// BinlogDump: the replication transport. Asks the server for its binary log from a position
// (COM_BINLOG_DUMP) and hands back each event's bytes; the decoding is src/binlog's.
// Protocol: MySQL "COM_BINLOG_DUMP" (sql/rpl_binlog_sender.cc); each packet is 0x00 then one whole
// event (header, body, checksum); 0xFE is the end of a non-blocking dump; 0xFF an error.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "dumpr/error.hpp"
#include "mysql/connection.hpp"

namespace dumpr::mysql {

struct DumpRequest {
  std::string file;
  std::uint64_t position = 4;
  std::uint32_t server_id = 0;
  unsigned heartbeat_ms = 500;  // the server sends a heartbeat when idle this long
  bool non_blocking = false;    // end with EOF at the end of the log instead of waiting
  std::string gtid;             // MariaDB: start after this GTID position instead (file ignored)
};

class BinlogDump {
 public:
  // Prepares the session (checksums, MariaDB GTID capability, heartbeat) and sends the dump
  // request on `conn`, which the dump then owns.
  static Result<BinlogDump> start(Connection conn, const DumpRequest& req);

  // The next event's bytes, valid until the next call; an empty span at the end of a
  // non-blocking dump.
  Result<std::span<const std::uint8_t>> next();

  Connection& connection() { return conn_; }

  // Whether the socket has bytes waiting (a poll with no wait). libmariadb may also hold a
  // packet already read; callers use this only to decide when to flush, where a false "no" costs
  // one early flush.
  bool readable() const;

 private:
  explicit BinlogDump(Connection conn) : conn_(std::move(conn)) {}
  Connection conn_;
};

}  // namespace dumpr::mysql
