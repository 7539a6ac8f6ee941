#include "mysql/binlog_dump.hpp"

#include <errmsg.h>
#include <fcntl.h>
#include <mysqld_error.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "binlog/crc32.hpp"
#include "binlog/gtid_set.hpp"
#include "common/signals_blocked.hpp"

namespace dumpr::mysql {

namespace {

void put_le(std::string& s, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
}

Error same_server_id(const std::string& detail) {
  return make_error(ErrorKind::usage,
                    "another replica connected to the server with the same server id, and the "
                    "server dropped this one: give each tail its own --server-id (" +
                        detail + ")");
}

// MySQL reports a second replica with this one's server id as error 1236, the one for an
// unreadable position, worded "A replica (earlier: slave) with the same server_uuid/server_id as
// this replica has connected to the source"; MariaDB has an error number of its own (4052).
bool names_same_server_id(std::string_view msg) {
  return msg.find("same server_uuid/server_id") != std::string_view::npos;
}

// One packet from the server: an event's bytes, an empty span at the end of a non-blocking dump,
// or the error that ended the dump.
Result<std::span<const std::uint8_t>> read_packet(Connection& conn) {
  MYSQL* m = conn.get();
  unsigned long len = mysql_net_read_packet(m);
  if (len == packet_error || len == 0) {
    unsigned err = mysql_errno(m);
    if (err == ER_SLAVE_SAME_ID || names_same_server_id(mysql_error(m)))
      return same_server_id(mysql_error(m));
    if (err == ER_MASTER_FATAL_ERROR_READING_BINLOG)
      return make_error(ErrorKind::position,
                        std::string("the server cannot send the binary log from this position: ") +
                            mysql_error(m) +
                            " (if the file was purged, run `dumpr load` again for a new snapshot "
                            "and position)");
    if (err == 0) return make_error(ErrorKind::connection, "the replication connection closed");
    return conn.last_error("reading the binary log");
  }
  const std::uint8_t* p = m->net.read_pos;
  if (p[0] == 0xFE && len < 8) return std::span<const std::uint8_t>();
  if (p[0] == 0xFF) {
    unsigned err = len >= 3 ? p[1] | (p[2] << 8) : 0;
    std::string msg(reinterpret_cast<const char*>(p) + (len > 9 ? 9 : len), len > 9 ? len - 9 : 0);
    if (err == ER_SLAVE_SAME_ID || names_same_server_id(msg)) return same_server_id(msg);
    ErrorKind kind =
        err == ER_MASTER_FATAL_ERROR_READING_BINLOG ? ErrorKind::position : classify(err);
    return make_error(
        kind, "the server stopped the binary log: " + msg + " [error " + std::to_string(err) + "]");
  }
  return std::span<const std::uint8_t>(p + 1, len - 1);
}

}  // namespace

struct BinlogDump::Reader {
  Reader(Connection c, bool nb) : conn(std::move(c)), non_blocking(nb) {}

  Connection conn;
  const bool non_blocking;  // an EOF packet is the end asked for, not the server leaving
  std::mutex mu;
  std::condition_variable has_event, has_room;
  struct Packet {
    std::vector<std::uint8_t> bytes;
    std::uint32_t body_crc = 0;  // CRC-32 of all but the last four bytes
    // An event larger than the queue is not copied: it is lent from libmariadb's buffer, and the
    // reader reads nothing more until the caller gives it back (its next call to next()).
    std::span<const std::uint8_t> lent;
  };
  std::deque<Packet> queue;                      // received events, oldest first
  std::vector<std::vector<std::uint8_t>> spare;  // buffers to reuse
  std::size_t queued_bytes = 0;
  bool finished = false;       // the reader stopped: at the end, or on `error`
  std::optional<Error> error;  // what ended the dump
  bool stopping = false;       // the owner is going away
  // Who sleeps: the other side wakes it only then, and the reader only once the queue is down
  // to half (a wake-up per event costs more than the event's decoding).
  bool reader_waiting = false, caller_waiting = false;
  std::vector<std::uint8_t> handed_out;  // the event next() returned last
  std::uint32_t handed_out_crc = 0;
  bool lent_out = false;  // the event next() returned last is lent: the reader waits for it
  std::thread thread;
  int fd = -1;  // a duplicate of the connection's socket, for the caller's thread

  void start() {
    // The reader owns `conn` from here on (libmariadb may close and free its socket on an error):
    // the caller polls and shuts down its own duplicate of the socket.
    fd = ::fcntl(static_cast<int>(mysql_get_socket(conn.get())), F_DUPFD_CLOEXEC, 0);
    AsyncSignalsBlocked blocked;  // signals go to the caller's thread
    thread = std::thread([this] { run(); });
  }

  void run() {
    while (true) {
      auto bytes = read_packet(conn);
      std::vector<std::uint8_t> buf;
      {
        std::unique_lock lock(mu);
        if (!bytes || bytes->empty()) {
          if (!bytes) {
            error = bytes.take_error();
          } else if (!non_blocking) {
            // A blocking dump has no end of its own: MySQL sends EOF when it shuts down (or the
            // dump thread is killed) instead of just closing the connection.
            error = make_error(ErrorKind::connection,
                               "the server ended the binary log stream (shutting down, or the "
                               "replication connection was killed)");
          }
          finished = true;
          has_event.notify_one();
          return;
        }
        if (queued_bytes >= kQueueBytes && !stopping) {
          reader_waiting = true;
          has_room.wait(lock, [&] { return stopping || queued_bytes <= kQueueBytes / 2; });
          reader_waiting = false;
        }
        if (stopping) return;
        if (bytes->size() > kQueueBytes) {
          // A huge event (a 64 MiB BLOB row): no copy of it. Wait until the caller has taken
          // everything before it, lend it, and read on only once it is given back.
          reader_waiting = true;
          has_room.wait(lock, [&] { return stopping || queue.empty(); });
          if (stopping) return;
          lock.unlock();
          const std::uint32_t crc = binlog::crc32(binlog::Bytes(*bytes).first(bytes->size() - 4));
          lock.lock();
          queue.push_back(Packet{{}, crc, *bytes});
          lent_out = true;
          if (caller_waiting) has_event.notify_one();
          has_room.wait(lock, [&] { return stopping || !lent_out; });
          reader_waiting = false;
          if (stopping) return;
          continue;
        }
        if (!spare.empty()) {
          buf = std::move(spare.back());
          spare.pop_back();
        }
      }
      buf.assign(bytes->begin(), bytes->end());
      const std::uint32_t crc =
          buf.size() >= 4 ? binlog::crc32(binlog::Bytes(buf).first(buf.size() - 4)) : 0;
      std::lock_guard lock(mu);
      queued_bytes += buf.size();
      queue.push_back(Packet{std::move(buf), crc});
      if (caller_waiting) has_event.notify_one();
    }
  }

  void stop() {
    {
      std::lock_guard lock(mu);
      stopping = true;
      has_room.notify_one();
    }
    // A reader waiting on the socket sees its end: the connection is closed right after.
    if (fd >= 0) ::shutdown(fd, SHUT_RD);
    if (thread.joinable()) thread.join();
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

BinlogDump::BinlogDump(std::unique_ptr<Reader> r) : r_(std::move(r)) {}
BinlogDump::BinlogDump(BinlogDump&&) noexcept = default;
BinlogDump& BinlogDump::operator=(BinlogDump&& o) noexcept {
  if (this != &o) {
    if (r_) r_->stop();
    r_ = std::move(o.r_);
  }
  return *this;
}
BinlogDump::~BinlogDump() {
  if (r_) r_->stop();
}

Result<std::span<const std::uint8_t>> BinlogDump::next() {
  Reader& r = *r_;
  std::unique_lock lock(r.mu);
  if (r.lent_out && r.queue.empty()) {  // the lent event is back: the reader may read on
    r.lent_out = false;
    r.has_room.notify_one();
  }
  if (r.handed_out.capacity() > (1u << 20))
    r.handed_out = {};  // a rare large event: its buffer is not kept
  else if (!r.handed_out.empty())
    r.spare.push_back(std::move(r.handed_out));
  r.handed_out.clear();
  if (r.queue.empty() && !r.finished) {
    r.caller_waiting = true;
    r.has_event.wait(lock, [&] { return !r.queue.empty() || r.finished; });
    r.caller_waiting = false;
  }
  if (!r.queue.empty() && !r.queue.front().lent.empty()) {
    const std::span<const std::uint8_t> lent = r.queue.front().lent;
    r.handed_out_crc = r.queue.front().body_crc;
    r.queue.pop_front();
    return lent;
  }
  if (!r.queue.empty()) {
    r.handed_out = std::move(r.queue.front().bytes);
    r.handed_out_crc = r.queue.front().body_crc;
    r.queue.pop_front();
    r.queued_bytes -= r.handed_out.size();
    if (r.reader_waiting && r.queued_bytes <= kQueueBytes / 2) r.has_room.notify_one();
    return std::span<const std::uint8_t>(r.handed_out);
  }
  if (r.error) return *r.error;
  return std::span<const std::uint8_t>();
}

Result<std::string> binlog_dump_body(const DumpRequest& req) {
  if (req.position > 0xFFFFFFFFu)
    return make_error(ErrorKind::position,
                      "offset " + std::to_string(req.position) + " in " + req.file +
                          " is beyond 4 GiB: the binlog dump request (COM_BINLOG_DUMP) names the "
                          "offset in 4 bytes, so the server cannot be asked to start there");
  // COM_BINLOG_DUMP: position 4, flags 2 (BINLOG_DUMP_NON_BLOCK = 1), server_id 4, file name.
  std::string packet;
  put_le(packet, req.position, 4);
  put_le(packet, req.non_blocking ? 1 : 0, 2);
  put_le(packet, req.server_id, 4);
  if (req.gtid.empty()) packet += req.file;
  return packet;
}

Result<std::string> binlog_dump_gtid_body(const DumpRequest& req) {
  auto set = binlog::GtidSet::parse(req.gtid);
  if (!set) return set.take_error();
  const std::string data = set->encode();
  // COM_BINLOG_DUMP_GTID (sql/rpl_source.cc com_binlog_dump_gtid): flags 2
  // (BINLOG_DUMP_NON_BLOCK 1 | BINLOG_THROUGH_GTID 4), server id 4, file name length 4, file name
  // (none: the server finds the first file with a transaction not in the set), position 8
  // (4, the first event), data length 4, the set's binary form (Gtid_set::encode).
  std::string packet;
  put_le(packet, (req.non_blocking ? 1 : 0) | 4, 2);
  put_le(packet, req.server_id, 4);
  put_le(packet, 0, 4);
  put_le(packet, 4, 8);
  put_le(packet, data.size(), 4);
  packet += data;
  return packet;
}

Result<BinlogDump> BinlogDump::start(Connection conn, const DumpRequest& req) {
  const bool mysql_gtid = !req.gtid.empty() && !conn.is_mariadb();
  // Refused before the session is touched.
  auto body = mysql_gtid ? binlog_dump_gtid_body(req) : binlog_dump_body(req);
  if (!body) return body.take_error();
  // Tell the server we understand checksums, so it sends events exactly as logged (with CRC32).
  DUMPR_TRY(conn.exec("SET @master_binlog_checksum = @@global.binlog_checksum"));
  if (conn.is_mariadb()) {
    // MARIA_SLAVE_CAPABILITY_GTID: real GTID, annotate and checkpoint events, not MySQL stand-ins.
    DUMPR_TRY(conn.exec("SET @mariadb_slave_capability = 4"));
  }
  if (!req.gtid.empty() && conn.is_mariadb()) {
    // MariaDB's GTID start (sql/sql_repl.cc): the dump begins after the given GTID position.
    DUMPR_TRY(conn.exec("SET @slave_connect_state = " + quote_string(conn.get(), req.gtid)));
    DUMPR_TRY(conn.exec("SET @slave_gtid_strict_mode = 0"));
    DUMPR_TRY(conn.exec("SET @slave_gtid_ignore_duplicates = 0"));
  }
  if (req.heartbeat_ms)
    DUMPR_TRY(conn.exec("SET @master_heartbeat_period = " +
                        std::to_string(std::uint64_t{req.heartbeat_ms} * 1000000)));

  const std::string& packet = *body;
  MYSQL* m = conn.get();
  // libmariadb names no COM_BINLOG_DUMP_GTID (0x1e, its COM_UNSUPPORTED): the number is sent.
  const auto command = mysql_gtid ? static_cast<enum_server_command>(0x1e) : COM_BINLOG_DUMP;
  if (m->methods->db_command(m, command, packet.data(), packet.size(), 1, nullptr) != 0)
    return conn.last_error("requesting the binary log " +
                           (req.gtid.empty()
                                ? "from " + req.file + ":" + std::to_string(req.position)
                                : "after GTIDs " + req.gtid));
  auto reader = std::make_unique<Reader>(std::move(conn), req.non_blocking);
  reader->start();
  return BinlogDump(std::move(reader));
}

std::uint32_t BinlogDump::last_body_crc() const {
  return r_->handed_out_crc;  // written by next(), in the caller's thread
}

bool BinlogDump::readable() const {
  {
    std::lock_guard lock(r_->mu);
    if (!r_->queue.empty()) return true;
  }
  pollfd p{};
  p.fd = r_->fd;
  p.events = POLLIN;
  return p.fd >= 0 && ::poll(&p, 1, 0) > 0;
}

}  // namespace dumpr::mysql
