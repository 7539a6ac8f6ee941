// The pipeline: a stream's records through a format into a sink, the checkpoint following what
// the sink acknowledged. This is what `dumpr load` and `dumpr tail` run; a program with its own
// sink runs the same (examples/).
//
//   auto stream = dumpr::BinlogStream::open(cfg, opts);          // or TableStream
//   auto format = dumpr::make_format({.name = "dumpr"});
//   auto sink = dumpr::make_fd_sink(STDOUT_FILENO);
//   auto end = dumpr::run_tail(*stream, **format, *sink, {.checkpoint = "pos.json"});
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include "dumpr/binlog_stream.hpp"
#include "dumpr/error.hpp"
#include "dumpr/format.hpp"
#include "dumpr/sink.hpp"
#include "dumpr/table_stream.hpp"

namespace dumpr {

// What on_progress is told.
struct RunProgress {
  std::uint64_t records = 0;                  // given to the sink so far
  std::uint64_t transactions = 0;             // tail: transactions given (their commits)
  std::array<std::uint64_t, 5> rows_by_op{};  // records by ChangeOp (insert, update, erase, ...)
  std::uint32_t event_time = 0;               // tail: the last event's time (commit or heartbeat)
  std::uint32_t commit_time = 0;  // tail: the last commit's event time; 0 before the first
  bool caught_up = false;         // tail: a heartbeat says the server has nothing newer
  bool final = false;             // the run is over (finished, stopped or failed)
};

struct RunOptions {
  // The checkpoint file; "" for none. Tail writes it after each delivered transaction (at most
  // every 50 ms while busy), load once at the end when every record is delivered.
  std::string checkpoint;
  // Asked between records and while a write blocks: true ends the run (tail at the next
  // transaction boundary, with the checkpoint of what was delivered; load with none).
  bool (*stop_requested)() = nullptr;
  // Called after each transaction and heartbeat (tail) or every 4096 rows (load), and once more
  // when the run ends (`final`, also after an error). Cheap calls only: it runs on the delivery
  // path; whoever shows or writes figures checks the clock itself.
  std::function<void(const RunProgress&)> on_progress;
};

enum class RunEnd {
  finished,     // tail: the stream ended (--until-end, files read); load: every row delivered
  stopped,      // stop_requested said so
  reader_gone,  // the sink's reader went away (a closed pipe)
};

// Runs a tail to its end. An error comes after the checkpoint of what was delivered is written.
Result<RunEnd> run_tail(BinlogStream& stream, Format& format, Sink& sink, const RunOptions& opts);

// Runs a load; the checkpoint (the snapshot's position) is written only when every record is
// delivered.
Result<RunEnd> run_load(TableStream& stream, Format& format, Sink& sink, const RunOptions& opts);

}  // namespace dumpr
