// The online snapshot on MySQL (`tail --snapshot` against MySQL): a watermark window per chunk,
// because MySQL ties no binlog position to a consistent snapshot (MariaDB's
// binlog_snapshot_position, which online_snapshot.hpp uses, has no MySQL counterpart).
//
// The rule (man dumpr(1), ONLINE SNAPSHOT; Flink CDC's offset signal and DBLog's watermarks,
// with the low watermark moved back to where the stream is):
//   - Low watermark S: the stream's own position, a transaction boundary it has read, whose GTID
//     set G(S) it knows (the checkpoint's set plus every GTID read since).
//   - Before the chunk's snapshot opens, SELECT WAIT_FOR_EXECUTED_GTID_SET(G(S)): every
//     transaction at or before S is then in gtid_executed, hence committed in the engine, hence
//     visible to a snapshot opened afterwards (MySQL's sql/binlog.cc,
//     MYSQL_BIN_LOG::process_commit_stage_queue: finish_transaction_in_engines (the engine
//     commit) for the whole group, then gtid_state->update_commit_group; without
//     binlog_order_commits each thread does the same in finish_commit: ha_commit_low, then
//     update_on_commit).
//   - The chunk is read (START TRANSACTION WITH CONSISTENT SNAPSHOT, `key > last AND key <= bound
//     ORDER BY key LIMIT n`, held whole), then the high watermark H = SHOW BINARY LOG STATUS.
//     Everything the snapshot saw is in the binlog before H (a transaction is written to the
//     binlog, flush stage, before its engine commit).
//   - The stream runs from S to H. Changes to keys not yet copied and below the bound are not
//     forwarded, as on MariaDB; those whose key lies in the chunk's range (last, end] (end: the
//     chunk's last key when it is full, else the bound) are applied to the held chunk in binlog
//     order: an insert or update replaces the row, a delete removes it. At H the chunk is written
//     (op read) and its progress committed.
//   - Why it is exact: for a key k of the range, the last change to k in [S, H) is k's state at H
//     (row images are FULL, and changes to one row reach the binlog in their commit order). With
//     no change to k in [S, H), k's state at H is its state at S, and the snapshot holds exactly
//     that: it sees every transaction before S (the wait), and any other it sees is before H,
//     so it touched k only through a change in [S, H).
//   - The known risk this avoids: MySQL writes a transaction to the binlog (and the dump thread
//     may send it: it sends what is synced) before its engine commit makes it visible to a new
//     snapshot. A low watermark read with SHOW BINARY LOG STATUS before the SELECT can be ahead of
//     what the SELECT sees; a change before it to a key not yet copied would be dropped and lost.
//     tests/live/snapshot_mysql_test.cpp widens that gap with binlog_group_commit_sync_delay.
//   - Needs gtid_mode=ON (to know what to wait for); refused otherwise, naming the setting.
//     Residual: the start position's GTID set is taken as committed. `dumpr load` pins it under a
//     lock; `dumpr position` reads Executed_Gtid_Set beside File/Position, so a transaction
//     committing at that very moment may be missing from it (a chunk read within moments of
//     that `dumpr position` could then miss it).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dumpr/error.hpp"
#include "dumpr/position.hpp"
#include "mysql/connection.hpp"
#include "row/json_out.hpp"
#include "row/tuple_builder.hpp"

namespace dumpr::snapshot {

// The changes the stream applied to the pending chunk (its window's), by key. Few: only the
// changes to the chunk's own key range while it waits for the stream to reach H.
class WatermarkWindow {
 public:
  // MySQL's settings for it: gtid_mode=ON. An error naming the setting otherwise.
  static Status check_server(mysql::Connection& conn);
  // Waits (at most a second) until the stream's GTID set is executed on the server: true when it
  // is, false when not yet (the chunk is read at a later boundary).
  static Result<bool> wait_visible(mysql::Connection& conn, std::string_view stream_gtids);

  // A chunk read: its window opens. `end`: the id of its last row when it is full (the range is
  // (last, end]); empty when it reads up to the bound.
  void open(std::string_view end) {
    end_.assign(end);
    open_ = true;
    changes_.clear();
    upserts_ = 0;
  }
  void close() {
    open_ = false;
    changes_.clear();
    upserts_ = 0;
  }
  bool is_open() const { return open_; }
  const std::string& end() const { return end_; }
  // Whether the chunk's range ends at the bound (every key above last and not above the bound).
  bool to_bound() const { return end_.empty(); }

  // A change to key `id` of the chunk's range: the row `head` as the chunk writes it (the dumpr
  // format's head `["upsert",table,id,row,`, `spans` in it), or its deletion.
  void upsert(std::string_view id, std::string_view head, const row::TupleBuilder::Spans& spans);
  void erase(std::string_view id);
  // Whether the window changed key `id` (the chunk's own row for it is then not written).
  bool changed(std::string_view id) const {
    return !changes_.empty() && changes_.find(id) != changes_.end();
  }
  bool empty() const { return changes_.empty(); }
  std::size_t upserts() const { return upserts_; }

  // The window's rows, in turn (written before the chunk's own): false when they are all out.
  // `last`: it is the last of them.
  bool next_upsert(row::JsonOut& head, row::TupleBuilder::Spans& spans, bool& last);
  void rewind() { next_ = changes_.begin(), given_ = 0; }

 private:
  struct Change {
    bool erased = false;
    std::string head;
    row::TupleBuilder::Spans spans;
  };
  bool open_ = false;
  std::string end_;
  std::map<std::string, Change, std::less<>> changes_;
  std::size_t upserts_ = 0, given_ = 0;
  std::map<std::string, Change, std::less<>>::const_iterator next_;
};

}  // namespace dumpr::snapshot
