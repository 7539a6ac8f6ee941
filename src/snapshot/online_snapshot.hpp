// The online snapshot inside tail (`tail --snapshot TABLE,...`): the named tables' existing rows,
// read in key chunks while the stream runs, interleaved with it so that the output stays a valid
// replay at every transaction boundary. The tail stream consults this part; the pipeline, formats
// and sinks see ordinary rows (op read) and commits whose position carries the progress.
//
// The rule (MariaDB; man dumpr(1), ONLINE SNAPSHOT):
//   - A chunk is read on a second connection inside START TRANSACTION WITH CONSISTENT SNAPSHOT,
//     whose binlog_snapshot_file/position P is the exact binlog point of what it sees (a
//     transaction boundary, never behind the stream): `key > last AND key <= bound ORDER BY key
//     LIMIT n`, the bound being the largest key when the table's snapshot started.
//   - The stream runs on to P. A change to a row of the table is forwarded when its key was
//     copied already (<= last) or lies above the bound (a row born after the start); a delete is
//     always forwarded (deleting a row the consumer lacks changes nothing, and it clears rows a
//     consumer kept from before). Other changes are dropped: the chunk that covers their key is
//     read at a later P and holds their effect.
//   - At P the chunk's rows are emitted as one transaction of op read rows, then the commit
//     whose position carries last = the chunk's end (or done): a kill -9 repeats this chunk at
//     most.
//   - A table restarted by --on-purged=resnapshot: its first chunk's transaction starts with a
//     truncate record (the consumer's rows from before the purged gap go; see truncate_first).
//   - An UPDATE that moves a row is a delete of the old key (always forwarded) and an insert of
//     the new one (forwarded when the new key is copied or above the bound).
// MySQL has no such position: a watermark window per chunk instead (watermark_window.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dumpr/binlog_stream.hpp"
#include "dumpr/config.hpp"
#include "dumpr/error.hpp"
#include "dumpr/position.hpp"
#include "load/load_table.hpp"
#include "mysql/connection.hpp"
#include "row/column.hpp"
#include "row/json_out.hpp"
#include "row/tuple_builder.hpp"
#include "select/table_filter.hpp"
#include "select/value_mask.hpp"
#include "snapshot/watermark_window.hpp"

namespace dumpr::snapshot {

// One key column and how its values are compared: here (key_compare.hpp) by its kind, or by the
// server (text in its collation; MariaDB's UUID, INET4, INET6 in their own order).
struct KeyPart {
  std::string name;
  row::Kind kind = row::Kind::signed_int;
  bool is_unsigned = false;
  bool server = false;    // compared by the server
  bool text = false;      // server: text, in `collation`
  std::string charset;    // text: the column's character set
  std::string collation;  // text: the column's collation
  std::string type;       // the column's SQL type ("binary(16)", "uuid"): messages, CASTs
};

struct TableProgress {
  // Saved in the checkpoint.
  std::string db, table;
  bool done = false;
  std::string last;   // the last key emitted (its id JSON); empty: no chunk yet
  std::string bound;  // the largest key when the snapshot started (id JSON); empty: not read yet
  std::uint64_t rows = 0;  // rows emitted so far
  // --on-purged=resnapshot: the table's first chunk is preceded by a truncate record, so that a
  // consumer drops the rows it kept from before the gap (those deleted in it stayed). Saved as
  // "truncate": true until that chunk is out (a kill -9 before it writes the truncate again).
  bool truncate_first = false;

  // This run's.
  bool described = false;
  load::LoadTable desc;
  std::vector<KeyPart> key;
  bool server_compare = false;  // a key part the server compares (KeyPart::server)
  std::string order_by;         // " ORDER BY k1, k2"
};

class OnlineSnapshot {
 public:
  // `progress_json`: the checkpoint's "snapshot" (may be empty). `add`: tables named by
  // --snapshot (db, table), already checked to be captured; with `restart`, these start over
  // even when done (--on-purged=resnapshot). Says which tables are done already through
  // cfg.on_warning. Checks every unfinished table (a key the snapshot can chunk and compare).
  static Result<std::unique_ptr<OnlineSnapshot>> open(
      const Config& cfg, const SnapshotOptions& opts, const select::TableFilter& filter,
      const select::ColumnFilter& columns, const select::ValueMask* mask,
      std::string_view progress_json, const std::vector<std::pair<std::string, std::string>>& add,
      bool restart);

  // Whether some table's snapshot is not done.
  bool active() const { return active_; }
  // The unfinished table db.table, or null (the stream's fast path for every other table).
  TableProgress* find(std::string_view db, std::string_view table);
  // Whether a change that leaves the row at key `id` (an insert, an update, a moved row's new
  // key) is forwarded: its key was copied already, or lies above the bound.
  Result<bool> forwards(TableProgress& t, std::string_view id);

  // At a transaction boundary of the stream: reads the next chunk unless one is pending or the
  // server is too busy (--snapshot-max-load). Afterwards pending() may be true.
  // `file`:`pos`: where the stream is (a chunk at that very position goes out as it is read);
  // `gtids`: its GTID set there (MySQL's chunks wait for it: watermark_window.hpp).
  Status prepare_chunk(const std::string& file, std::uint64_t pos, std::string_view gtids = {});
  bool pending() const { return pending_ != nullptr; }
  // The binlog position the pending chunk was read at.
  const Position& pending_position() const { return pending_pos_; }
  TableProgress& pending_table() { return *pending_; }
  // Whether the pending chunk has a row still to give out.
  bool pending_rows() const { return ahead_ != nullptr; }
  std::uint32_t pending_time() const { return pending_time_; }
  // The pending chunk's next row, built as the dumpr format's head `["upsert",table,id,row,`
  // (tail/pending_record's head); false when its rows are all out. `last`: it is the chunk's last.
  Result<bool> next_row(row::JsonOut& head, row::TupleBuilder::Spans& spans, bool& last);
  // The pending chunk's rows are out: its progress is the table's now.
  Status finish_chunk();
  // The pending chunk is not used (its position is behind the stream): read again later. A bound
  // read with it goes too (it must not be older than the stream).
  void drop_pending();

  // A DDL statement in the stream (not TRUNCATE, which needs nothing): the unfinished tables it
  // may touch start their snapshot over (a pending chunk of theirs is dropped).
  void after_ddl(std::string_view sql);

  // MySQL's watermark window (watermark_window.hpp): whether the pending chunk is `t`'s and waits
  // for the stream with its window open; whether a change to key `id` of `t` that the stream
  // does not forward falls in the chunk's range (then it is applied to the chunk).
  bool window_open_for(const TableProgress& t) const;
  Result<bool> window_covers(TableProgress& t, std::string_view id);
  void window_upsert(std::string_view id, std::string_view head,
                     const row::TupleBuilder::Spans& spans);
  void window_erase(std::string_view id);

  // What the checkpoint stores as "snapshot".
  const std::string& progress_json();

 private:
  OnlineSnapshot(const Config& cfg, const SnapshotOptions& opts, const select::TableFilter& filter,
                 const select::ColumnFilter& columns, const select::ValueMask* mask)
      : cfg_(cfg), opts_(opts), filter_(filter), columns_(columns), mask_(mask) {}
  void warn(const std::string& m) const {
    if (cfg_.on_warning) cfg_.on_warning(m);
  }
  Status describe(TableProgress& t);
  Result<bool> throttled();
  Status read_chunk(TableProgress& t, const std::string& file, std::uint64_t pos);
  void close_result();
  std::string literal(const KeyPart& k, std::string_view element) const;
  std::string key_greater(const TableProgress& t, std::string_view id) const;
  void restart_table(TableProgress& t);
  void update_active();
  Status open_window(TableProgress& t);  // watermark_window.cpp
  Result<bool> next_row_windowed(row::JsonOut& head, row::TupleBuilder::Spans& spans, bool& last);

  const Config& cfg_;
  SnapshotOptions opts_;
  const select::TableFilter& filter_;
  const select::ColumnFilter& columns_;
  const select::ValueMask* mask_;
  mysql::Connection conn_;
  std::vector<TableProgress> tables_;
  bool active_ = false;
  std::string json_;
  bool json_dirty_ = true;

  // The chunk read and not yet emitted.
  TableProgress* pending_ = nullptr;
  Position pending_pos_;
  std::uint32_t pending_time_ = 0;
  mysql::ResultPtr result_;
  MYSQL_ROW ahead_ = nullptr;  // the chunk's next row, fetched one ahead
  bool streaming_ = false;     // read as it is written (mysql_use_result), transaction open
  std::uint64_t emitted_ = 0, limit_ = 0, chunk_bytes_ = 0;
  std::string chunk_last_;
  bool bound_read_now_ = false;  // the pending chunk read its table's bound
  row::TupleBuilder builder_;
  row::JsonOut scratch_;
  // forwards(): reused
  std::vector<std::string_view> id_elements_, key_elements_, last_elements_;
  std::vector<int> server_order_;  // the server's comparisons: per key part, bound then last
  std::chrono::steady_clock::time_point next_load_check_{};
  bool paused_ = false;  // waiting for the server's load to drop (said once)

  // MySQL (watermark_window.hpp): the pending chunk's window, the rows its SELECT returned, the
  // end of its range, and where its writing is.
  bool watermark_ = false;
  WatermarkWindow window_;
  std::string stream_gtids_, window_end_;
  std::uint64_t selected_ = 0, index_ = 0, last_kept_ = 0;
  bool window_emitting_ = false;
  std::chrono::steady_clock::time_point next_wait_{};  // a GTID wait timed out: not before
  bool wait_warned_ = false;
};

}  // namespace dumpr::snapshot
