// dumpr tail: options -> the stream, the format, the sink -> run_tail (the library's pipeline,
// which moves the checkpoint after what the sink delivered) -> exit status.
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "cli/commands.hpp"
#include "dumpr/binlog_stream.hpp"
#include "dumpr/pipeline.hpp"
#include "dumpr/position.hpp"

namespace dumpr::cli {

namespace {

Result<Position> parse_from_position(const std::string& spec) {
  auto colon = spec.rfind(':');
  std::uint64_t pos = 0;
  if (colon == std::string::npos || colon == 0 ||
      std::from_chars(spec.data() + colon + 1, spec.data() + spec.size(), pos).ec != std::errc() ||
      pos < 4)
    return make_error(ErrorKind::usage,
                      "--from-position " + spec + ": expected FILE:POS, e.g. mariadb-bin.000001:4");
  Position p;
  p.file = spec.substr(0, colon);
  p.position = pos;
  return p;
}

}  // namespace

int run_tail(ConnectionOptions& conn, const TailArgs& args) {
  auto cfg = make_config(conn);
  if (!cfg) return print_error(cfg.error()), exit_code(cfg.error().kind);
  cfg->server_id = args.server_id;
  if (Status s = apply_selection(args.selection, *cfg); !s)
    return print_error(s.error()), exit_code(s.error().kind);
  cfg->read_timeout_s = 30;  // heartbeats come every 500 ms; silence this long is a dead link

  TailOptions opts;
  opts.until_end = args.until_end;
  opts.skip_statement_dml = args.skip_statement_dml;
  opts.binlog_files = args.binlog_files;
  opts.allow_missing_tables = args.allow_missing_tables;
  std::string checkpoint = args.checkpoint.empty() ? args.from : args.checkpoint;
  int sources = !args.from.empty() + !args.from_position.empty() + !args.from_gtid.empty() +
                !args.binlog_files.empty();
  if (sources != 1) {
    print_error(make_error(ErrorKind::usage,
                           "give exactly one of --from FILE, --from-position FILE:POS, "
                           "--from-gtid GTIDS or --binlog-file PATH"));
    return 2;
  }
  // Locked before the checkpoint is read: a second tail must not start from it.
  auto lock = claim_checkpoint(checkpoint);
  if (!lock) return print_error(lock.error()), exit_code(lock.error().kind);
  if (!args.schema.empty()) {
    if (args.binlog_files.empty()) {
      print_error(make_error(ErrorKind::usage,
                             "--schema goes with --binlog-file (live, tail takes definitions "
                             "from the server and the --from checkpoint)"));
      return 2;
    }
    auto pos = read_checkpoint(args.schema);
    if (!pos) return print_error(pos.error()), exit_code(pos.error().kind);
    if (pos->tables_json.empty()) {
      print_error(make_error(ErrorKind::usage,
                             "--schema " + args.schema +
                                 " records no table definitions: use a checkpoint written by "
                                 "`dumpr position`, `dumpr load` or `dumpr tail` (they record "
                                 "the captured tables' definitions)"));
      return 2;
    }
    opts.schema_json = std::move(pos->tables_json);
  }
  if (!args.from_gtid.empty()) opts.from.gtid = args.from_gtid;
  if (!args.from.empty()) {
    auto pos = read_checkpoint(args.from);
    if (!pos) return print_error(pos.error()), exit_code(pos.error().kind);
    opts.from = *pos;
  } else if (!args.from_position.empty()) {
    auto pos = parse_from_position(args.from_position);
    if (!pos) return print_error(pos.error()), exit_code(pos.error().kind);
    opts.from = *pos;
  }
  if (opts.binlog_files.empty() && cfg->database.empty() && cfg->selection.tables.empty())
    print_warning("no --database: rows of every database are written");

  auto format = make_cli_format(args.format);
  if (!format) return print_error(format.error()), exit_code(format.error().kind);
  opts.keep_before = (*format)->wants_before();

  if (!opts.from.file.empty() || !opts.from.gtid.empty())
    print_info(conn, "starting from " +
                         (opts.from.file.empty()
                              ? std::string()
                              : opts.from.file + ":" + std::to_string(opts.from.position)) +
                         (opts.from.gtid.empty() ? "" : " GTID " + opts.from.gtid));
  auto stream = BinlogStream::open(*cfg, opts);
  if (!stream) return print_error(stream.error()), exit_code(stream.error().kind);
  auto sink = open_cli_sink(args.sink, args.output, args.format, *cfg);
  if (!sink) return print_error(sink.error()), exit_code(sink.error().kind);

  // Position, records and lag (the last event's age; 0 once heartbeats say we are caught up).
  using clock = std::chrono::steady_clock;
  const bool show = args.progress || (!args.quiet && isatty(STDERR_FILENO));
  auto last_shown = clock::now();
  RunOptions run{.checkpoint = checkpoint, .stop_requested = &stop_requested};
  if (show)
    run.on_progress = [&](std::uint64_t records, std::uint32_t event_time, bool caught_up) {
      auto now = clock::now();
      if (now - last_shown < std::chrono::seconds(1)) return;
      last_shown = now;
      long lag = 0;
      if (!caught_up && event_time != 0)
        lag = static_cast<long>(std::time(nullptr)) - static_cast<long>(event_time);
      const Position& p = stream->next_position();
      std::fprintf(stderr, "\r\033[Kdumpr: %s:%llu, %llu rows, lag %lds", p.file.c_str(),
                   static_cast<unsigned long long>(p.position),
                   static_cast<unsigned long long>(records), lag < 0 ? 0 : lag);
      std::fflush(stderr);
    };

  auto end = dumpr::run_tail(*stream, **format, **sink, run);
  if (show) std::fputs("\n", stderr);
  if (!end) return print_error(end.error()), exit_code(end.error().kind);
  return *end == RunEnd::reader_gone ? kReaderGoneExit : 0;
}

}  // namespace dumpr::cli
