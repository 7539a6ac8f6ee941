// create-binlog-stream: the binary log from a position on, as change records, with a commit
// marker after each transaction carrying the position to checkpoint. dumpr/pipeline.hpp runs a
// stream into a format and a sink and moves the checkpoint; this is the stream alone. With
// TailOptions::snapshot, existing rows of tables come out too (op read, between transactions),
// and commit positions carry the snapshot's progress (Position::snapshot_json):
//
//   auto s = dumpr::BinlogStream::open(cfg, opts);
//   for (;;) {
//     auto ev = s->next();                     // blocks for the server (a heartbeat every
//                                              // heartbeat_ms, 500 ms, when it is idle)
//     if (!ev) fail(ev.error());
//     switch ((*ev)->kind) {
//       case TailEvent::Kind::row: use((*ev)->record); break;
//       case TailEvent::Kind::commit: deliver(); save((*ev)->position); break;
//       case TailEvent::Kind::end: return;     // --until-end reached, files read, or stop()
//       default: break;
//     }
//   }
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dumpr/config.hpp"
#include "dumpr/error.hpp"
#include "dumpr/position.hpp"
#include "dumpr/record.hpp"

namespace dumpr {

// tail --snapshot: existing rows of tables read in key chunks while the stream runs (man dumpr(1),
// ONLINE SNAPSHOT; src/snapshot/online_snapshot.hpp has the rule).
struct SnapshotOptions {
  std::vector<std::string> tables;       // TABLE (in the one database) or DB.TABLE
  std::uint64_t chunk_rows = 100000;     // at most this many rows per chunk
  std::uint64_t chunk_bytes = 8u << 20;  // about this many bytes per chunk (adaptive)
  unsigned max_load = 0;                 // pause while Threads_running > N (0: never)
};

struct TailOptions {
  Position from;                          // start here (file + position)
  std::vector<std::string> tables;        // only these tables of cfg.database; empty: all
  bool allow_missing_tables = false;      // `tables` may name tables that do not exist yet
  bool until_end = false;                 // stop at the binlog's end as of open()
  std::vector<std::string> binlog_files;  // offline: decode these files, no server
  // Offline: table definitions to decode with (a checkpoint's "tables"), as if live: column
  // names, ENUM/SET members, charsets and JSON columns where the binlog does not log them.
  std::string schema_json;
  unsigned heartbeat_ms = 500;  // an idle server says so this often (stop and lag checks)
  unsigned max_reconnect_backoff_ms = 30000;
  int max_reconnects = -1;  // -1: forever
  // DML logged as a statement (binlog_format=STATEMENT or MIXED in some session) on a captured
  // table: an error (the rows it changed are in no row event) unless this is set, when each such
  // statement is skipped with a warning.
  bool skip_statement_dml = false;
  // Keep an update's old row in its record (ChangeRecord::before), for formats that show it.
  bool keep_before = false;
  SnapshotOptions snapshot;
  // When the start position is purged from the server: start from its current position and
  // snapshot every captured table (tail --on-purged=resnapshot) instead of an Error.
  bool resnapshot_on_purged = false;
};

struct TailEvent {
  enum class Kind { row, commit, heartbeat, end };
  Kind kind = Kind::row;
  ChangeRecord record;           // Kind::row
  Position position;             // Kind::commit: where to resume after this transaction
  std::uint32_t event_time = 0;  // Kind::commit / heartbeat: the last event's time (for lag)
};

class BinlogStream {
 public:
  static Result<BinlogStream> open(const Config& cfg, TailOptions opts);

  BinlogStream(BinlogStream&&) noexcept;
  BinlogStream& operator=(BinlogStream&&) noexcept;
  ~BinlogStream();

  // The next row, commit, heartbeat or end. Views are valid until the next call; a commit's
  // position may be moved from.
  Result<TailEvent*> next();

  // next-position: where a consumer that applied everything so far resumes (the last commit).
  const Position& next_position() const;

  // Whether more input is already waiting (a server's bytes in flight, or a file's rest). A
  // consumer flushes its output when there is none, so rows never wait for the next event.
  bool input_pending() const;

  // Asks the stream to end at the next transaction boundary (safe from a signal handler's flag
  // check or another thread).
  void stop();

  struct Impl;

 private:
  explicit BinlogStream(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dumpr
