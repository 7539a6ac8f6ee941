#include "tail/event_source.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>

#include "mysql/connection.hpp"
#include "mysql/server_state.hpp"

namespace dumpr::tail {

namespace {

std::string base_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::uint32_t EventSource::choose_server_id() {
  server_id_ = cfg_.server_id;
  if (server_id_ == 0) {
    // A replica id unlikely to clash: high range, from the host name and process id.
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    std::uint32_t h = static_cast<std::uint32_t>(std::hash<std::string>{}(host)) ^
                      static_cast<std::uint32_t>(getpid());
    server_id_ = 0x70000000u | (h & 0x0FFFFFFFu);
  }
  return server_id_;
}

Status EventSource::connect(const Position& from) {
  auto conn = mysql::Connection::open(cfg_);
  if (!conn) return conn.take_error();
  mariadb_ = conn->is_mariadb();
  mysql::DumpRequest req;
  req.file = from.file;
  req.position = from.position;
  req.server_id = server_id_;
  req.heartbeat_ms = opts_.heartbeat_ms;
  req.gtid = from.file.empty() ? from.gtid : std::string();
  if (reconnects_ > 0 && !from.file.empty() && !from.gtid.empty()) {
    // The file may have been purged while the server was away: as at the start (choose_start).
    auto start = mysql::choose_start(*conn, from);
    if (start && *start == mysql::StartFrom::gtid) {
      warn("binlog file " + from.file + " was purged meanwhile: resuming after the GTID " +
           (mariadb_ ? "position" : "set"));
      req.gtid = from.gtid;
    }
  }
  auto d = mysql::BinlogDump::start(std::move(conn.value()), req);
  if (!d) return d.take_error();
  dump_.emplace(std::move(d.value()));
  file_ = from.file;
  pos_ = from.position;
  return {};
}

Result<EventSource::Read> EventSource::next_from_files(binlog::Event& event, std::uint64_t& start,
                                                       SourceListener& l) {
  while (true) {
    if (!file_reader_) {
      if (file_index_ >= opts_.binlog_files.size()) return Read::ended;
      auto f = binlog::BinlogFile::open(opts_.binlog_files[file_index_]);
      if (!f) return f.take_error();
      file_reader_.emplace(std::move(f.value()));
      file_ = base_name(opts_.binlog_files[file_index_]);
      pos_ = 4;
      decoder_ = binlog::Decoder();
      l.next_file();
    }
    binlog::RawEvent raw;
    auto more = file_reader_->next(raw);
    if (!more) return more.take_error();
    if (!*more) {
      file_reader_.reset();
      ++file_index_;
      continue;
    }
    auto ev = decoder_.decode(raw.bytes);
    if (!ev) return file_reader_->at(raw, ev.take_error());
    event = std::move(ev.value());
    start = raw.offset;
    pos_ = raw.end();
    return Read::event;
  }
}

Result<EventSource::Read> EventSource::next(binlog::Event& event, std::uint64_t& start,
                                            SourceListener& l) {
  if (offline_) return next_from_files(event, start, l);
  while (true) {
    auto bytes = dump_ ? dump_->next()
                       : Result<std::span<const std::uint8_t>>(
                             make_error(ErrorKind::connection, "not connected"));
    if (!bytes) {
      auto again = reconnect(bytes.take_error(), l);
      if (!again) return again.take_error();
      if (!*again) return Read::stopped;
      continue;
    }
    if (bytes->empty()) return Read::ended;
    auto ev = decoder_.decode(*bytes, dump_->last_body_crc());
    if (!ev)
      return make_error(ev.error().kind,
                        file_ + " at offset " + std::to_string(pos_) + ": " + ev.error().message);
    event = std::move(ev.value());
    const binlog::EventHeader& h = event.header;
    start = pos_;
    if (h.type == binlog::kFormatDescription && h.timestamp != 0 && started_[0].first != file_) {
      // A file's format description is written when the file is started (a dump that starts
      // inside a file sends it too, with its own time).
      started_[1] = std::move(started_[0]);
      started_[0] = {file_, h.timestamp};
    }
    const bool artificial = (h.flags & binlog::kLogEventArtificialF) != 0;
    if (h.type == binlog::kRotate || h.type == binlog::kHeartbeat ||
        h.type == binlog::kHeartbeatV2 || artificial) {
      // These do not occupy the position they report.
    } else if (h.type == binlog::kFormatDescription && h.log_pos == 0) {
      // The format description a dump starts with (not at the position it reports).
    } else if (h.log_pos != 0) {
      // The event's own start is exact even where our running position is not (the first
      // event after a GTID-based start, whose ROTATE names only the file).
      if (h.log_pos >= h.event_size) start = h.log_pos - h.event_size;
      pos_ = h.log_pos;
    } else {
      pos_ += h.event_size;  // MariaDB 11.4+: no end position inside transactions
    }
    reconnects_ = 0;
    return Read::event;
  }
}

Result<bool> EventSource::reconnect(Error err, SourceListener& l) {
  if (err.kind != ErrorKind::connection || stop_) return err;
  if (opts_.max_reconnects >= 0 && reconnects_ >= opts_.max_reconnects) return err;
  // Reconnect from the last commit; the stream skips what its transaction already gave out.
  ++reconnects_;
  const Position& from = l.resume_position();
  unsigned backoff =
      std::min<unsigned>(250u << std::min(reconnects_ - 1, 8), opts_.max_reconnect_backoff_ms);
  warn("lost the server (" + err.message + "); reconnecting from " + from.file + ":" +
       std::to_string(from.position) + " in " + std::to_string(backoff) + " ms");
  for (unsigned waited = 0; waited < backoff; waited += 50) {
    if (stop_) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  dump_.reset();
  decoder_ = binlog::Decoder();
  Status c = connect(from);
  if (!c) {
    if (c.error().kind != ErrorKind::connection) return c.take_error();
    dump_.reset();
    // Try again: next() on an empty dump is a connection error handled here.
    l.started_over(false);
    warn("reconnect failed: " + c.error().message);
    return true;
  }
  l.started_over(true);
  ++reconnects_done_;
  warn("reconnected; continuing from " + from.file + ":" + std::to_string(from.position));
  return true;
}

Result<binlog::Event> EventSource::decode_inner(binlog::Bytes bytes) {
  auto ev = decoder_.decode_inner(bytes);
  if (!ev)
    return make_error(ev.error().kind,
                      file_ + " at offset " + std::to_string(pos_) +
                          " (inside a transaction payload): " + ev.error().message);
  return ev;
}

}  // namespace dumpr::tail
