// BinlogDump: the replication transport. Asks the server for its binary log from a position
// (COM_BINLOG_DUMP) and hands back each event's bytes; the decoding is src/binlog's.
// Protocol: MySQL "COM_BINLOG_DUMP" (sql/rpl_binlog_sender.cc); each packet is 0x00 then one whole
// event (header, body, checksum); 0xFE is the end of a non-blocking dump; 0xFF an error.
//
// A reader thread receives the packets while the caller decodes the previous ones, so the socket,
// the kernel's copy and libmariadb's framing run on another core. It keeps at most kQueueBytes of
// events ahead (or one event, however large), then waits for the caller. It also computes each
// event's checksum (last_body_crc), the one per-byte pass over an event the decoder would make.
#pragma once

#include <cstdint>
#include <memory>
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
  // Start after this GTID position (MariaDB) or set (MySQL, COM_BINLOG_DUMP_GTID) instead; the
  // file and position are then ignored.
  std::string gtid;
};

// The COM_BINLOG_DUMP request's body (after the command byte): offset (4 bytes), flags (2),
// server id (4), file name (none for a GTID start). An offset that does not fit in 4 bytes is a
// position Error, never cut short: the classic request has no wider field, and MariaDB no other.
Result<std::string> binlog_dump_body(const DumpRequest& req);

// The COM_BINLOG_DUMP_GTID request's body (MySQL, after the command byte) for req.gtid, a GTID
// set in MySQL's text form (a usage Error when it is not one).
Result<std::string> binlog_dump_gtid_body(const DumpRequest& req);

class BinlogDump {
 public:
  static constexpr std::size_t kQueueBytes = 4u << 20;

  // Prepares the session (checksums, MariaDB GTID capability, heartbeat), sends the dump request
  // on `conn`, which the dump then owns, and starts the reader thread.
  static Result<BinlogDump> start(Connection conn, const DumpRequest& req);

  BinlogDump(BinlogDump&&) noexcept;
  BinlogDump& operator=(BinlogDump&&) noexcept;
  // Stops the reader (it may be waiting on the socket) and closes the connection.
  ~BinlogDump();

  // The next event's bytes, valid until the next call; an empty span at the end of a
  // non-blocking dump. Waits for the reader when none is queued.
  Result<std::span<const std::uint8_t>> next();

  // The CRC-32 of all but the last four bytes of the event next() returned last: the reader
  // computes it on its thread, so checking the event's checksum costs the caller a comparison.
  std::uint32_t last_body_crc() const;

  // Whether events are queued or the socket has bytes waiting (a poll with no wait). Callers use
  // this only to decide when to flush, where a false "no" costs one early flush.
  bool readable() const;

  struct Reader;

 private:
  explicit BinlogDump(std::unique_ptr<Reader> r);
  std::unique_ptr<Reader> r_;
};

}  // namespace dumpr::mysql
