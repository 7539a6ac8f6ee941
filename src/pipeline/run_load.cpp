// run_load: snapshot rows -> format -> sink; the checkpoint (the snapshot's position) once the
// sink has acknowledged every record.
#include "delivery/delivery.hpp"
#include "dumpr/pipeline.hpp"

namespace dumpr {

namespace {

Result<RunEnd> load_to_end(TableStream& stream, Format& format, Sink& sink, const RunOptions& opts,
                           RunProgress& figures) {
  delivery::Delivery out(format, sink, opts.checkpoint);
  auto stopping = [&] { return opts.stop_requested && opts.stop_requested(); };
  // What is still buffered stays unwritten after a failure: the reader may be what is stuck, and
  // without a checkpoint the output is incomplete anyway.
  // While the sink waits (a slow reader, a broker's acknowledgements), the figures go on.
  sink.on_progress([&]() -> Status {
    if (opts.on_progress) {
      figures.records = out.records();
      opts.on_progress(figures);
    }
    return {};
  });
  struct Unhook {
    Sink& sink;
    ~Unhook() { sink.on_progress(nullptr); }  // before `out` and `figures` go
  } unhook{sink};
  auto output_failed = [&](Status s) -> Result<RunEnd> {
    if (sink.reader_gone()) return RunEnd::reader_gone;
    if (stopping()) return RunEnd::stopped;
    return s.take_error();
  };
  while (true) {
    if (stopping()) return RunEnd::stopped;
    auto r = stream.next();
    if (!r && stopping()) return RunEnd::stopped;  // the interruption is the news
    if (!r) return r.take_error();
    const ChangeRecord* rec = r.value();
    if (!rec) break;
    if (Status s = out.record(*rec); !s) return output_failed(std::move(s));
    ++figures.rows_by_op[static_cast<std::size_t>(rec->op)];
    if (opts.on_progress && (out.records() & 4095) == 0) {
      figures.records = out.records();
      opts.on_progress(figures);
    }
  }
  Position p = stream.position();
  out.commit(std::move(p));
  if (Status s = out.finish(); !s) return output_failed(std::move(s));
  if (out.pending() != 0)
    return make_error(ErrorKind::io,
                      "the output did not acknowledge every row; no checkpoint written");
  return RunEnd::finished;
}

}  // namespace

Result<RunEnd> run_load(TableStream& stream, Format& format, Sink& sink, const RunOptions& opts) {
  RunProgress figures;
  auto end = load_to_end(stream, format, sink, opts, figures);
  figures.records = 0;
  for (std::uint64_t n : figures.rows_by_op) figures.records += n;
  figures.final = true;
  if (opts.on_progress) opts.on_progress(figures);
  return end;
}

}  // namespace dumpr
