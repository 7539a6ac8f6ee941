// dumpr load: options -> the snapshot stream, the format, the sink -> run_load (the library's
// pipeline: rows out, then the checkpoint once all are delivered) -> exit status.
#include <unistd.h>

#include <charconv>
#include <cstdio>

#include "cli/commands.hpp"
#include "cli/run_monitor.hpp"
#include "dumpr/pipeline.hpp"
#include "dumpr/position.hpp"
#include "dumpr/table_stream.hpp"

namespace dumpr::cli {

namespace {

Result<unsigned> parse_jobs(const std::string& text) {
  unsigned n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < 1 || n > 64)
    return make_error(ErrorKind::usage,
                      "--jobs " + text + ": expected a number of connections from 1 to 64");
  return n;
}

}  // namespace

int run_load(ConnectionOptions& conn, const LoadArgs& args) {
  auto jobs = parse_jobs(args.jobs);
  if (!jobs) return print_error(jobs.error()), exit_code(jobs.error().kind);
  auto cfg = make_config(conn);
  if (!cfg) return print_error(cfg.error()), exit_code(cfg.error().kind);
  if (Status s = apply_selection(args.selection, *cfg); !s)
    return print_error(s.error()), exit_code(s.error().kind);

  if (Status s = check_exactly_once(args.sink, args.output, false); !s)
    return print_error(s.error()), exit_code(s.error().kind);
  auto lock = claim_checkpoint(args.checkpoint);
  if (!lock) return print_error(lock.error()), exit_code(lock.error().kind);

  auto format = make_cli_format(args.format);
  if (!format) return print_error(format.error()), exit_code(format.error().kind);

  RunMonitor monitor(RunMonitor::Command::load, args.watch, args.progress, args.quiet,
                     conn.verbose);
  if (Status s = monitor.start(); !s) return print_error(s.error()), exit_code(s.error().kind);
  auto failed = [&](const Error& e) {
    print_error(e);
    monitor.finish(true);
    return exit_code(e.kind);
  };
  auto stream = TableStream::open(
      *cfg, args.tables,
      LoadOptions{.jobs = jobs.value(),
                  .need_position = !args.checkpoint.empty() || !args.sink.exactly_once.empty()});
  if (!stream) return failed(stream.error());
  if (const Position& p = stream->position(); !p.file.empty())
    print_info(conn, "snapshot at binlog position " + p.file + ":" + std::to_string(p.position) +
                         (p.gtid.empty() ? "" : " (GTID " + p.gtid + ")"));
  // Exactly-once: the whole snapshot is one Kafka transaction, with its position in the
  // positions topic (where a tail with the same --exactly-once name starts).
  auto sink = [&]() -> Result<std::unique_ptr<Sink>> {
    if (args.sink.exactly_once.empty())
      return open_cli_sink(args.sink, args.output, args.format, *cfg);
    auto eos = open_exactly_once_sink(args.sink, stream->position(), args.format, *cfg, false);
    if (!eos) return eos.take_error();
    return std::move(eos->sink);
  }();
  if (!sink) return failed(sink.error());
  monitor.watch_load(*stream);

  RunOptions run{.checkpoint = args.checkpoint, .stop_requested = &stop_requested};
  run.on_progress = [&](const RunProgress& p) { monitor.update(p); };
  auto end = dumpr::run_load(*stream, **format, monitor.sink(**sink), run);
  if (!end) return failed(end.error());
  monitor.finish(false, *end == RunEnd::finished);
  switch (*end) {
    case RunEnd::reader_gone:
      return kReaderGoneExit;
    case RunEnd::stopped:
      std::fprintf(stderr, "dumpr: load interrupted; no checkpoint written\n");
      return kInterruptedExit;
    case RunEnd::finished:
      break;
  }
  return 0;
}

}  // namespace dumpr::cli
