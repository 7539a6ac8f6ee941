// run_tail: stream -> format -> sink, and the checkpoint after what the sink acknowledged
// (src/delivery/delivery.hpp has the rule and its cadence).
#include <optional>

#include "delivery/delivery.hpp"
#include "dumpr/pipeline.hpp"

namespace dumpr {

namespace {

Result<RunEnd> tail_to_end(BinlogStream& stream, Format& format, Sink& sink, const RunOptions& opts,
                           RunProgress& figures) {
  delivery::Delivery out(format, sink, opts.checkpoint);
  auto stopping = [&] { return opts.stop_requested && opts.stop_requested(); };
  // A slow reader: the checkpoint follows what it takes, chunk by chunk, not only whole buffers;
  // and the progress figures go on (a sink waiting for a broker is when its figures matter).
  std::optional<Error> progress_error;
  sink.on_progress([&]() -> Status {
    if (opts.on_progress) opts.on_progress(figures);
    if (!out.due(0)) return {};
    if (Status s = out.advance(); !s) {
      progress_error = s.error();
      return s;
    }
    return {};
  });
  // After an output error: keep what was delivered, then say why the run ended.
  auto output_failed = [&](Status s) -> Result<RunEnd> {
    sink.on_progress(nullptr);
    if (progress_error) return *progress_error;
    DUMPR_TRY(out.advance());
    if (sink.reader_gone()) return RunEnd::reader_gone;
    if (stopping()) return RunEnd::stopped;  // stopped while the reader was stuck
    return s.take_error();
  };
  auto deliver = [&]() -> Status { return out.deliver(); };
  // At the end: everything given delivered, so the last checkpoint covers it all.
  auto finish = [&]() -> Status { return out.finish(); };
  auto progress = [&](std::uint32_t time, bool caught_up) {
    figures.records = out.records();
    figures.event_time = time;
    figures.caught_up = caught_up;
    if (opts.on_progress) opts.on_progress(figures);
  };

  while (true) {
    if (stopping()) stream.stop();
    auto ev = stream.next();
    if (!ev) {
      // Records of the last whole transaction are out: keep their checkpoint, then report.
      if (Status s = finish(); !s) return output_failed(std::move(s));
      sink.on_progress(nullptr);
      return ev.take_error();
    }
    TailEvent& e = **ev;
    switch (e.kind) {
      case TailEvent::Kind::row:
        if (Status s = out.record(e.record); !s) return output_failed(std::move(s));
        ++figures.rows_by_op[static_cast<std::size_t>(e.record.op)];
        break;
      case TailEvent::Kind::commit: {
        const std::size_t tables_json = e.position.tables_json.size();
        out.commit(std::move(e.position));
        ++figures.transactions;
        figures.commit_time = e.event_time;
        progress(e.event_time, false);
        if (out.due(tables_json) || !stream.input_pending()) {
          // Due, or the server has nothing more right now: the records go out without waiting.
          if (Status s = deliver(); !s) return output_failed(std::move(s));
        } else if (out.sink_moved()) {
          if (Status s = out.advance(); !s) return output_failed(std::move(s));
        }
        break;
      }
      case TailEvent::Kind::heartbeat:
        progress(e.event_time, true);
        if (Status s = deliver(); !s) return output_failed(std::move(s));
        break;
      case TailEvent::Kind::end:
        if (Status s = finish(); !s) return output_failed(std::move(s));
        sink.on_progress(nullptr);
        if (stopping()) return RunEnd::stopped;
        // Every transaction given is delivered after finish(), so the checkpoint is at the end:
        // a sink that says otherwise (without an error) must not look like success.
        if (out.pending() != 0)
          return make_error(ErrorKind::io,
                            "the output did not acknowledge every transaction at the end; the "
                            "checkpoint stays at the last one it acknowledged");
        return RunEnd::finished;
    }
  }
}

}  // namespace

Result<RunEnd> run_tail(BinlogStream& stream, Format& format, Sink& sink, const RunOptions& opts) {
  RunProgress figures;
  auto end = tail_to_end(stream, format, sink, opts, figures);
  figures.records = 0;
  for (std::uint64_t n : figures.rows_by_op) figures.records += n;
  figures.final = true;
  if (opts.on_progress) opts.on_progress(figures);
  return end;
}

}  // namespace dumpr
