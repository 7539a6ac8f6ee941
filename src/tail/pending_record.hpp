// A change record while the tail builds, holds or queues it: the buffers it owns and the interned
// names it points at. The stream hands it out as a ChangeRecord (fill_record) without copying.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "dumpr/record.hpp"
#include "row/json_out.hpp"
#include "row/tuple_builder.hpp"

namespace dumpr::tail {

struct PendingRecord {
  ChangeOp op = ChangeOp::insert;
  const std::string* table = nullptr;  // interned: live as long as the stream
  const std::string* db = nullptr;
  row::JsonOut head;  // the dumpr format's `[op,table,id,row,`, built in place around the row
  row::TupleBuilder::Spans spans;  // the id and the row in head
  row::JsonOut before;             // an update's old row, when kept
  std::string moved_from;          // the old id of a moved row
  bool partial = false, dropped = false;
  const std::string* event_file = nullptr;  // interned
  std::uint64_t event_pos = 0;
  std::uint32_t row_in_event = 0;
  std::uint32_t time = 0, server_id = 0;
  bool transactional = true;  // after a SAVEPOINT: whether a ROLLBACK TO drops it
  bool snapshot = false;      // a row of tail's online snapshot (op read), not of the binlog
  // tail --snapshot on MySQL (snapshot/watermark_window.hpp): the pending chunk's window takes
  // this change instead of the output (window_only) or as well (window_too: a delete).
  enum class Window : std::uint8_t { no, window_only, window_too } window = Window::no;

  void swap(PendingRecord& o) noexcept {
    std::swap(op, o.op);
    std::swap(table, o.table);
    std::swap(db, o.db);
    head.swap(o.head);
    std::swap(spans, o.spans);
    before.swap(o.before);
    moved_from.swap(o.moved_from);
    std::swap(partial, o.partial);
    std::swap(dropped, o.dropped);
    std::swap(event_file, o.event_file);
    std::swap(event_pos, o.event_pos);
    std::swap(row_in_event, o.row_in_event);
    std::swap(time, o.time);
    std::swap(server_id, o.server_id);
    std::swap(transactional, o.transactional);
    std::swap(snapshot, o.snapshot);
    std::swap(window, o.window);
  }
};

// The record's own parts as a ChangeRecord (views into `p`); the source's position fields, which
// the queue keeps beside it, are the caller's to fill.
inline void fill_record(const PendingRecord& p, ChangeRecord& r) {
  r.op = p.op;
  r.database = *p.db;
  r.table = *p.table;
  r.dumpr_head = p.head.view();
  r.id = p.head.view(p.spans.id_begin, p.spans.id_end);
  r.row = p.head.view(p.spans.row_begin, p.spans.row_end);
  r.before = p.before.view();
  r.moved_from = p.moved_from;
  r.partial = p.partial;
  r.dropped = p.dropped;
  RecordSource& s = r.source;
  s.event_file = p.event_file ? std::string_view(*p.event_file) : std::string_view();
  s.event_position = p.event_pos;
  s.row_in_event = p.row_in_event;
  s.time = p.time;
  s.server_id = p.server_id;
  s.snapshot = p.snapshot;
}

}  // namespace dumpr::tail
