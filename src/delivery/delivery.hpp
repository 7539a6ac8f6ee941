// Delivery: records through a format into a sink, and the checkpoint after them. The rule that
// makes a restart lose nothing: the checkpoint moves to the newest transaction all of whose
// records the sink has acknowledged, never further. The same for every sink and format.
//
// Cadence (tail): a checkpoint write rewrites and syncs a file, so it is not done per
// transaction. After a transaction, deliver() when one is due (every 50 ms, longer for a
// checkpoint that carries many table definitions: about 320 KB/s of checkpoint at most) or when
// the source has nothing more right now; else advance() over what the sink delivered on its own
// (a full buffer written out).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>

#include "dumpr/format.hpp"
#include "dumpr/position.hpp"
#include "dumpr/sink.hpp"

namespace dumpr::delivery {

class Delivery {
 public:
  using Clock = std::chrono::steady_clock;

  // `checkpoint`: the checkpoint file's path, "" for none.
  Delivery(Format& format, Sink& sink, std::string checkpoint)
      : format_(format), sink_(sink), checkpoint_(std::move(checkpoint)) {}

  // Renders a record into the sink and ends it.
  Status record(const ChangeRecord& rec) {
    DUMPR_TRY(format_.render(rec, sink_));
    return sink_.end_record(rec, ++seq_);
  }

  // The records so far make a whole transaction that ends at `p` (moved from).
  void commit(Position&& p) {
    sink_.mark(seq_);
    commits_.emplace_back(seq_, std::move(p));
    ++commits_given_;
  }

  // Whether a checkpoint is due by the clock, for a checkpoint of `tables_json_size` bytes.
  bool due(std::size_t tables_json_size, Clock::time_point now = Clock::now()) const;

  // Writes the checkpoint of the newest transaction whose records are acknowledged, if it is
  // newer than the last written; never waits.
  Status advance();
  // For a sink that stores the checkpoint itself: gives it the newest transaction's, if new.
  void tell_checkpoint();
  // Flushes the sink as far as it can make delivery durable, then advance().
  Status deliver();
  // At the run's end: drains the sink (every record delivered), then advance().
  Status finish();
  // Whether the sink acknowledged records since the last advance() (it wrote out on its own).
  bool sink_moved() { return sink_.acknowledged() != acked_at_advance_; }

  std::uint64_t records() const { return seq_; }
  // Transactions given whose checkpoint is not written yet.
  std::size_t pending() const { return commits_.size(); }
  const std::string& checkpoint() const { return checkpoint_; }

 private:
  Format& format_;
  Sink& sink_;
  std::string checkpoint_;
  std::uint64_t seq_ = 0;
  std::uint64_t acked_at_advance_ = 0;
  std::uint64_t commits_given_ = 0, told_ = 0;  // transactions given; the last told to the sink
  std::deque<std::pair<std::uint64_t, Position>> commits_;  // last record number, position
  Clock::time_point last_ = Clock::now();
};

}  // namespace dumpr::delivery
