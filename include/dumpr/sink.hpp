// Sinks take rendered records in order and report, later, which have been delivered. The
// checkpoint follows their acknowledgements (dumpr/pipeline.hpp), never what was merely handed
// over: a sink that buffers, writes asynchronously or waits for a broker needs no other change.
//
// A record reaches a sink as pieces (put, from the format) and an end (end_record, from the
// pipeline): the default format hands over the row text the stream built without copying it
// first. A sink that needs a record whole (a message) collects the pieces itself. Records are
// numbered from 1 in the order given; acknowledged() is the highest number up to which every record
// is delivered.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "dumpr/error.hpp"
#include "dumpr/record.hpp"

namespace dumpr {

// What a sink can tell about its delivery, for progress lines and the metrics file. Counts are
// since the sink was made; a sink that knows nothing more than acknowledged() leaves them 0.
struct SinkStats {
  std::uint64_t delivered_messages = 0;  // acknowledged by the destination
  std::uint64_t delivered_bytes = 0;
  std::uint64_t in_flight_messages = 0;  // handed over, not yet acknowledged
  std::uint64_t in_flight_bytes = 0;
  double oldest_unacknowledged_s = 0;  // age of the oldest message in flight (ack lag)
  std::uint64_t retries = 0;           // sends repeated after a retriable error
};

class Sink {
 public:
  virtual ~Sink() = default;

  // A piece of the current record's bytes.
  virtual Status put(std::string_view bytes) = 0;
  // The current record is complete; it is record number `seq`.
  virtual Status end_record(const ChangeRecord& rec, std::uint64_t seq) = 0;
  // The caller will ask whether records up to `seq` are acknowledged (at each transaction's end:
  // a sink that maps bytes to records keeps only these marks).
  virtual void mark(std::uint64_t seq) { (void)seq; }
  // Moves what is buffered towards delivery. `durable`: as far as the sink can (written out and
  // fsynced; for a message sink, the acknowledgements that came so far taken in), waiting if it
  // must; otherwise without waiting for more than the sink's own back-pressure.
  virtual Status flush(bool durable) = 0;
  // The run ends: delivers what was given, waiting as long as it takes (the sink gives up only
  // for a failure or an interruption), so the last checkpoint covers every record. A sink whose
  // flush(true) already waits for everything needs nothing more; one whose deliveries complete
  // by themselves (a broker's acknowledgements) keeps flush(true) from stalling the stream and
  // waits here instead.
  virtual Status drain() { return flush(true); }
  // A sink that stores the checkpoint with the records, atomically (Kafka exactly-once), says so;
  // the pipeline then calls checkpoint() before each flush(true) and drain() with the newest
  // whole transaction given: `seq` its last record, `json` its checkpoint (the file's text).
  // Such a sink acknowledges records only together with a checkpoint.
  virtual bool stores_checkpoint() const { return false; }
  virtual void checkpoint(std::uint64_t seq, std::string_view json) {
    (void)seq;
    (void)json;
  }
  // The highest record number such that it and every record before it are delivered.
  virtual std::uint64_t acknowledged() = 0;
  // The output's reader went away (a closed pipe): the caller stops quietly.
  virtual bool reader_gone() const { return false; }
  // Delivery figures (cheap: called every few seconds, never per record).
  virtual SinkStats stats() const { return {}; }
  // Called by a sink while a long write blocks, so the caller can move the checkpoint over what
  // a slow reader has taken so far; an error it returns ends the write.
  void on_progress(std::function<Status()> f) { on_progress_ = std::move(f); }

 protected:
  std::function<Status()> on_progress_;
};

// Newline-terminated records to a file descriptor (stdout), through a 1 MiB buffer written in
// pipe-sized chunks; a record is acknowledged once its whole line was written. `interrupted` is
// asked when a write is interrupted by a signal: true ends the write with an error.
std::unique_ptr<Sink> make_fd_sink(int fd, bool (*interrupted)() = nullptr);

// Newline-terminated records appended to a file. At open, a torn last line (a run killed while
// writing) is cut off, and `cut_bytes` says how much; a record is acknowledged once written and
// fsynced (flush(true)).
Result<std::unique_ptr<Sink>> make_file_sink(const std::string& path, std::uint64_t* cut_bytes,
                                             bool (*interrupted)() = nullptr);

}  // namespace dumpr
