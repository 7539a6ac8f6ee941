#include "mysql/binlog_dump.hpp"

#include <errmsg.h>
#include <mysqld_error.h>
#include <poll.h>

#include <cstring>

namespace dumpr::mysql {

namespace {

void put_le(std::string& s, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
}

}  // namespace

Result<BinlogDump> BinlogDump::start(Connection conn, const DumpRequest& req) {
  // Tell the server we understand checksums, so it sends events exactly as logged (with CRC32).
  DUMPR_TRY(conn.exec("SET @master_binlog_checksum = @@global.binlog_checksum"));
  if (conn.is_mariadb()) {
    // MARIA_SLAVE_CAPABILITY_GTID: real GTID, annotate and checkpoint events, not MySQL stand-ins.
    DUMPR_TRY(conn.exec("SET @mariadb_slave_capability = 4"));
  }
  if (!req.gtid.empty()) {
    if (!conn.is_mariadb())
      return make_error(ErrorKind::usage, "a GTID start position needs a MariaDB server here");
    // MariaDB's GTID start (sql/sql_repl.cc): the dump begins after the given GTID position.
    DUMPR_TRY(conn.exec("SET @slave_connect_state = " + quote_string(conn.get(), req.gtid)));
    DUMPR_TRY(conn.exec("SET @slave_gtid_strict_mode = 0"));
    DUMPR_TRY(conn.exec("SET @slave_gtid_ignore_duplicates = 0"));
  }
  if (req.heartbeat_ms)
    DUMPR_TRY(conn.exec("SET @master_heartbeat_period = " +
                        std::to_string(std::uint64_t{req.heartbeat_ms} * 1000000)));

  // COM_BINLOG_DUMP: position 4, flags 2 (BINLOG_DUMP_NON_BLOCK = 1), server_id 4, file name.
  std::string packet;
  put_le(packet, req.position > 0xFFFFFFFFu ? 4 : req.position, 4);
  put_le(packet, req.non_blocking ? 1 : 0, 2);
  put_le(packet, req.server_id, 4);
  if (req.gtid.empty()) packet += req.file;
  MYSQL* m = conn.get();
  if (m->methods->db_command(m, COM_BINLOG_DUMP, packet.data(), packet.size(), 1, nullptr) != 0)
    return conn.last_error("requesting the binary log from " + req.file + ":" +
                           std::to_string(req.position));
  return BinlogDump(std::move(conn));
}

Result<std::span<const std::uint8_t>> BinlogDump::next() {
  MYSQL* m = conn_.get();
  unsigned long len = mysql_net_read_packet(m);
  if (len == packet_error || len == 0) {
    unsigned err = mysql_errno(m);
    if (err == ER_MASTER_FATAL_ERROR_READING_BINLOG)
      return make_error(ErrorKind::position,
                        std::string("the server cannot send the binary log from this position: ") +
                            mysql_error(m) +
                            " (if the file was purged, run `dumpr load` again for a new snapshot "
                            "and position)");
    if (err == 0) return make_error(ErrorKind::connection, "the replication connection closed");
    if (err == ER_SLAVE_SAME_ID)
      return make_error(ErrorKind::usage,
                        std::string("another replica connected to the server with the same "
                                    "server id, and the server dropped this one: give each tail "
                                    "its own --server-id (") +
                            mysql_error(m) + ")");
    return conn_.last_error("reading the binary log");
  }
  const std::uint8_t* p = m->net.read_pos;
  if (p[0] == 0xFE && len < 8) return std::span<const std::uint8_t>();
  if (p[0] == 0xFF) {
    unsigned err = len >= 3 ? p[1] | (p[2] << 8) : 0;
    std::string msg(reinterpret_cast<const char*>(p) + (len > 9 ? 9 : len), len > 9 ? len - 9 : 0);
    if (err == ER_SLAVE_SAME_ID)
      return make_error(ErrorKind::usage,
                        "another replica connected to the server with the same server id, and "
                        "the server dropped this one: give each tail its own --server-id (" +
                            msg + ")");
    ErrorKind kind =
        err == ER_MASTER_FATAL_ERROR_READING_BINLOG ? ErrorKind::position : classify(err);
    return make_error(
        kind, "the server stopped the binary log: " + msg + " [error " + std::to_string(err) + "]");
  }
  return std::span<const std::uint8_t>(p + 1, len - 1);
}

}  // namespace dumpr::mysql

namespace dumpr::mysql {

bool BinlogDump::readable() const {
  pollfd p{};
  p.fd = static_cast<int>(mysql_get_socket(conn_.get()));
  p.events = POLLIN;
  return p.fd >= 0 && ::poll(&p, 1, 0) > 0;
}

}  // namespace dumpr::mysql
