// The online snapshot's watermark window on MySQL (watermark_window.hpp has the rule and why it
// is exact): the server checks, the GTID wait, the high watermark, and OnlineSnapshot's parts
// that only MySQL's chunks use (the window's opening, its key test and the chunk's rows with the
// window's changes over them).
#include "snapshot/watermark_window.hpp"

#include <mysqld_error.h>

#include <limits>

#include "mysql/server_state.hpp"
#include "snapshot/online_snapshot.hpp"

namespace dumpr::snapshot {

Status WatermarkWindow::check_server(mysql::Connection& conn) {
  auto r = conn.query("SELECT @@GLOBAL.gtid_mode");
  if (!r) return r.take_error();
  const std::string mode =
      r->rows.empty() ? std::string() : r->rows[0][0].value_or(std::string("OFF"));
  if (mode != "ON")
    return make_error(
        ErrorKind::server_config,
        "tail --snapshot on MySQL needs gtid_mode=ON (it is " + mode +
            "): each chunk waits until every transaction the stream has read is committed "
            "(WAIT_FOR_EXECUTED_GTID_SET), because MySQL writes a transaction to the binlog "
            "before a new snapshot can see it. Turn GTIDs on (gtid_mode=ON, "
            "enforce_gtid_consistency=ON), or use `dumpr load --checkpoint` for the tables and "
            "tail from its checkpoint");
  return {};
}

Result<bool> WatermarkWindow::wait_visible(mysql::Connection& conn, std::string_view stream_gtids) {
  if (stream_gtids.empty())
    return make_error(ErrorKind::usage,
                      "tail --snapshot on MySQL needs the GTID set of the start position, to know "
                      "which transactions a chunk's snapshot must see, and this start has none "
                      "(--from-position FILE:POS, or a checkpoint without \"gtid\"). Start from "
                      "a checkpoint written by `dumpr position` or `dumpr load` on this server");
  auto r = conn.query("SELECT WAIT_FOR_EXECUTED_GTID_SET(" +
                      mysql::quote_string(conn.get(), stream_gtids) + ", 1)");
  if (!r) return r.take_error();
  return !r->rows.empty() && r->rows[0][0].value_or("1") == "0";
}

void WatermarkWindow::upsert(std::string_view id, std::string_view head,
                             const row::TupleBuilder::Spans& spans) {
  auto it = changes_.find(id);
  if (it == changes_.end()) it = changes_.emplace(std::string(id), Change{}).first;
  if (it->second.erased || it->second.head.empty()) ++upserts_;
  it->second.erased = false;
  it->second.head.assign(head);
  it->second.spans = spans;
}

void WatermarkWindow::erase(std::string_view id) {
  auto it = changes_.find(id);
  if (it == changes_.end()) {
    changes_.emplace(std::string(id), Change{true, {}, {}});
    return;
  }
  if (!it->second.erased) --upserts_;
  it->second.erased = true;
  it->second.head.clear();
}

bool WatermarkWindow::next_upsert(row::JsonOut& head, row::TupleBuilder::Spans& spans, bool& last) {
  while (next_ != changes_.end() && next_->second.erased) ++next_;
  if (next_ == changes_.end()) return false;
  head.clear();
  head.put(next_->second.head);
  spans = next_->second.spans;
  ++next_;
  last = ++given_ == upserts_;
  return true;
}

// OnlineSnapshot's MySQL parts.

Status OnlineSnapshot::open_window(TableProgress& t) {
  auto h = mysql::current_position(conn_, /*with_gtid=*/false);
  if (!h) {
    result_.reset();
    pending_ = nullptr;
    if (bound_read_now_) t.bound.clear();
    return h.take_error();
  }
  pending_pos_.file = std::move(h->file);
  pending_pos_.position = h->position;
  selected_ = result_ ? mysql_num_rows(result_.get()) : 0;
  window_end_.clear();
  if (selected_ > 0) {
    // The chunk's last key: its progress, and the end of its range when it is full.
    mysql_data_seek(result_.get(), selected_ - 1);
    MYSQL_ROW cells = mysql_fetch_row(result_.get());
    load::fill_row(builder_, t.desc, cfg_.values, cells, mysql_fetch_lengths(result_.get()));
    chunk_last_.assign(builder_.id_json(scratch_));
    if (selected_ >= limit_) window_end_ = chunk_last_;
    mysql_data_seek(result_.get(), 0);
  }
  ahead_ = nullptr;
  window_emitting_ = false;
  window_.open(window_end_);
  return {};
}

bool OnlineSnapshot::window_open_for(const TableProgress& t) const {
  return watermark_ && pending_ == &t && window_.is_open();
}

Result<bool> OnlineSnapshot::window_covers(TableProgress& t, std::string_view id) {
  if (!window_open_for(t)) return false;
  if (window_.to_bound()) return true;  // not forwarded: above last, not above the bound
  // id <= the chunk's end: forwards() with the end as `last` (the key comparisons stay in one
  // place); id is known to be at most the bound.
  std::swap(t.last, window_end_);
  auto r = forwards(t, id);
  std::swap(t.last, window_end_);
  return r;
}

void OnlineSnapshot::window_upsert(std::string_view id, std::string_view head,
                                   const row::TupleBuilder::Spans& spans) {
  if (window_.is_open()) window_.upsert(id, head, spans);
}

void OnlineSnapshot::window_erase(std::string_view id) {
  if (window_.is_open()) window_.erase(id);
}

// The chunk at H: the window's rows first, then the chunk's own rows whose keys the window did
// not change (each knows whether it is the last: the last row not changed is found first, from
// the end, usually at the first try).
Result<bool> OnlineSnapshot::next_row_windowed(row::JsonOut& head, row::TupleBuilder::Spans& spans,
                                               bool& last) {
  constexpr std::uint64_t none = std::numeric_limits<std::uint64_t>::max();
  load::LoadTable& d = pending_->desc;
  if (!window_emitting_) {
    window_emitting_ = true;
    window_.rewind();
    index_ = 0;
    last_kept_ = none;
    if (result_) {
      for (std::uint64_t i = selected_; i-- > 0;) {
        if (window_.empty()) {
          last_kept_ = i;
          break;
        }
        mysql_data_seek(result_.get(), i);
        MYSQL_ROW cells = mysql_fetch_row(result_.get());
        load::fill_row(builder_, d, cfg_.values, cells, mysql_fetch_lengths(result_.get()));
        if (!window_.changed(builder_.id_json(scratch_))) {
          last_kept_ = i;
          break;
        }
      }
      mysql_data_seek(result_.get(), 0);
    }
  }
  if (window_.next_upsert(head, spans, last)) {
    if (last_kept_ != none) last = false;
    ++emitted_;
    chunk_bytes_ += head.size();
    return true;
  }
  if (!result_) return false;
  while (index_ < selected_) {
    MYSQL_ROW cells = mysql_fetch_row(result_.get());
    const std::uint64_t i = index_++;
    if (!cells) break;
    load::fill_row(builder_, d, cfg_.values, cells, mysql_fetch_lengths(result_.get()));
    if (!window_.empty() && window_.changed(builder_.id_json(scratch_))) continue;
    for (std::size_t c : builder_.repaired()) {
      if (d.warned[c]) continue;
      d.warned[c] = true;
      warn(row::repair_warning(d.shape, c) + " (first in the snapshot of " + pending_->db + "." +
           pending_->table + ")");
    }
    last = i == last_kept_;
    head.clear();
    spans = builder_.take_prefix(head, row::Op::upsert);
    ++emitted_;
    chunk_bytes_ += head.size();
    return true;
  }
  return false;
}

}  // namespace dumpr::snapshot
