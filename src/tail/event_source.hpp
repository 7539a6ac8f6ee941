// The tail's event source: the binary log's events, decoded, from a server (a replication
// connection that reconnects with backoff from the last commit when it is lost) or from local
// files, with the position where the next event starts.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "binlog/decoder.hpp"
#include "binlog/file.hpp"
#include "dumpr/binlog_stream.hpp"
#include "dumpr/config.hpp"
#include "dumpr/error.hpp"
#include "dumpr/position.hpp"
#include "mysql/binlog_dump.hpp"

namespace dumpr::tail {

// What the source needs from the stream it feeds.
class SourceListener {
 public:
  // Where a reconnect starts: the last commit.
  virtual const Position& resume_position() const = 0;
  // The stream starts over at resume_position() (a reconnect; `connected`: it succeeded, else
  // it is tried again): what was read since is read again, the table ids are new.
  virtual void started_over(bool connected) = 0;
  // The next of the local files begins: its table ids are new.
  virtual void next_file() = 0;

 protected:
  ~SourceListener() = default;
};

class EventSource {
 public:
  EventSource(const Config& cfg, const TailOptions& opts, const std::atomic<bool>& stop)
      : cfg_(cfg), opts_(opts), stop_(stop) {}

  // Reads opts.binlog_files instead of a server.
  void use_files() { offline_ = true; }
  bool offline() const { return offline_; }

  // The replica id to connect with: cfg.server_id, else one unlikely to clash.
  std::uint32_t choose_server_id();
  // Starts the replication connection at `from` (its GTID if it names no file).
  Status connect(const Position& from);
  bool mariadb() const { return mariadb_; }

  enum class Read { event, ended, stopped };
  // The next event into `event` (its views valid until the next call), with the offset it
  // starts at. `ended`: the files are read (or a non-blocking dump ended); `stopped`: stop()
  // came while waiting to reconnect. A lost server is reconnected to from
  // `l.resume_position()`, up to opts.max_reconnects times in a row.
  Result<Read> next(binlog::Event& event, std::uint64_t& start, SourceListener& l);
  // Decodes an event from inside the TRANSACTION_PAYLOAD read last.
  Result<binlog::Event> decode_inner(binlog::Bytes bytes);

  // Where the next event starts.
  const std::string& file() const { return file_; }
  std::uint64_t pos() const { return pos_; }
  // A ROTATE event: the next event is at file:pos.
  void rotate(std::string_view file, std::uint64_t pos) {
    file_.assign(file);
    pos_ = pos;
  }

  // Reconnects that succeeded, over the whole run.
  std::uint64_t reconnects() const { return reconnects_done_; }
  // When `file` was started (its format description event's time), if it is the file being
  // read or the one before; else 0.
  std::uint32_t file_start_time(std::string_view file) const {
    if (file == started_[0].first) return started_[0].second;
    if (file == started_[1].first) return started_[1].second;
    return 0;
  }

  // Whether a server's bytes are waiting (a poll with no wait).
  bool readable() const { return dump_ && dump_->readable(); }

 private:
  Result<Read> next_from_files(binlog::Event& event, std::uint64_t& start, SourceListener& l);
  // After a lost connection: waits, then connects again. Stopped, or an error that ends the
  // stream; else the caller reads on (a failed attempt shows as the next read's error).
  Result<bool> reconnect(Error err, SourceListener& l);
  void warn(const std::string& m) const {
    if (cfg_.on_warning) cfg_.on_warning(m);
  }

  const Config& cfg_;
  const TailOptions& opts_;
  const std::atomic<bool>& stop_;

  bool offline_ = false;
  std::optional<mysql::BinlogDump> dump_;
  std::optional<binlog::BinlogFile> file_reader_;
  std::size_t file_index_ = 0;
  bool mariadb_ = true;
  std::uint32_t server_id_ = 0;
  int reconnects_ = 0;  // in a row, without an event between
  std::uint64_t reconnects_done_ = 0;
  // The files read last and when each was started: [0] the current one, [1] the one before.
  std::pair<std::string, std::uint32_t> started_[2];
  binlog::Decoder decoder_;

  std::string file_;
  std::uint64_t pos_ = 4;
};

}  // namespace dumpr::tail
