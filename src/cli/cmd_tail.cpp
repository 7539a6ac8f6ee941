// dumpr tail: options -> the stream, the format, the sink -> run_tail (the library's pipeline,
// which moves the checkpoint after what the sink delivered) -> exit status.
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>

#include "cli/commands.hpp"
#include "cli/run_monitor.hpp"
#include "dumpr/binlog_stream.hpp"
#include "dumpr/pipeline.hpp"
#include "dumpr/position.hpp"
#include "dumpr/positions.hpp"
#include "dumpr/server_watch.hpp"

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
  opts.skip_unknown_xa = args.skip_unknown_xa;
  opts.xa_buffer_bytes = args.xa_buffer_bytes;
  opts.binlog_files = args.binlog_files;
  opts.allow_missing_tables = args.allow_missing_tables;
  opts.snapshot.tables = args.snapshot;
  opts.snapshot.chunk_rows = args.snapshot_chunk_rows;
  opts.snapshot.chunk_bytes = args.snapshot_chunk_bytes;
  opts.snapshot.max_load = args.snapshot_max_load;
  opts.resnapshot_on_purged = args.on_purged == "resnapshot";
  std::string checkpoint = args.checkpoint.empty() ? args.from : args.checkpoint;
  int sources = !args.from.empty() + !args.from_position.empty() + !args.from_gtid.empty() +
                !args.binlog_files.empty();
  if (sources != 1) {
    print_error(make_error(ErrorKind::usage,
                           "give exactly one of --from FILE, --from-position FILE:POS, "
                           "--from-gtid GTIDS or --binlog-file PATH"));
    return 2;
  }
  if (Status s = check_exactly_once(args.sink, args.output, !args.binlog_files.empty()); !s)
    return print_error(s.error()), exit_code(s.error().kind);
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
  // Exactly-once: the file is a cache of the position in Kafka; it may be missing.
  const bool from_missing = !args.sink.exactly_once.empty() && !args.from.empty() &&
                            ::access(args.from.c_str(), F_OK) != 0 && errno == ENOENT;
  if (!args.from.empty() && !from_missing) {
    auto pos = read_checkpoint(args.from);
    if (!pos) return print_error(pos.error()), exit_code(pos.error().kind);
    opts.from = *pos;
  } else if (!args.from_position.empty()) {
    auto pos = parse_from_position(args.from_position);
    if (!pos) return print_error(pos.error()), exit_code(pos.error().kind);
    opts.from = *pos;
  }
  // Exactly-once: the producer first (it fences an older instance), then the checkpoint Kafka
  // holds, which wins over the file (a cache of it) and --from-*.
  std::unique_ptr<Sink> eos_sink;
  if (!args.sink.exactly_once.empty()) {
    auto identity = binlog_position(*cfg);
    if (!identity) return print_error(identity.error()), exit_code(identity.error().kind);
    auto eos = open_exactly_once_sink(args.sink, *identity, args.format, *cfg, true);
    if (!eos) return print_error(eos.error()), exit_code(eos.error().kind);
    eos_sink = std::move(eos->sink);
    auto where = [](const Position& p) {
      return p.file + ":" + std::to_string(p.position) + (p.gtid.empty() ? "" : " GTID " + p.gtid);
    };
    const std::string given = !args.from.empty()            ? "the checkpoint file " + args.from
                              : !args.from_position.empty() ? std::string("--from-position")
                                                            : std::string("--from-gtid");
    if (!eos->stored && from_missing) {
      print_error(
          make_error(ErrorKind::usage, "--from " + args.from +
                                           ": no such file, and Kafka holds no "
                                           "checkpoint for " +
                                           eos->id +
                                           " either: give the checkpoint file, --from-position or "
                                           "--from-gtid, or run `dumpr load --exactly-once " +
                                           args.sink.exactly_once + "` first"));
      return 2;
    } else if (from_missing) {
      print_warning("exactly-once " + eos->id + ": no checkpoint file " + args.from +
                    "; starting from the checkpoint in Kafka (" + where(*eos->stored) + ")");
      opts.from = std::move(*eos->stored);
    } else if (!eos->stored) {
      print_warning("exactly-once " + eos->id + ": no checkpoint in Kafka yet; starting from " +
                    given);
    } else if (eos->stored->file != opts.from.file || eos->stored->position != opts.from.position ||
               eos->stored->gtid != opts.from.gtid) {
      print_warning("exactly-once " + eos->id + ": the checkpoint in Kafka (" +
                    where(*eos->stored) + ") differs from " + given + " (" + where(opts.from) +
                    "); starting from Kafka's, the last committed transaction (the file is a "
                    "cache written after each commit: a crash or a failed commit leaves it "
                    "behind or ahead)");
      opts.from = std::move(*eos->stored);
    } else {
      opts.from = std::move(*eos->stored);
    }
    // The cache follows Kafka at once (a run with nothing to commit would leave it stale).
    if (eos->stored && !checkpoint.empty())
      if (Status s = write_checkpoint(checkpoint, opts.from); !s)
        return print_error(s.error()), exit_code(s.error().kind);
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
  RunMonitor monitor(RunMonitor::Command::tail, args.watch, args.progress, args.quiet,
                     conn.verbose);
  if (Status s = monitor.start(); !s) return print_error(s.error()), exit_code(s.error().kind);
  auto failed = [&](const Error& e) {
    print_error(e);
    monitor.finish(true);
    return exit_code(e.kind);
  };
  auto stream = BinlogStream::open(*cfg, opts);
  if (!stream) return failed(stream.error());
  auto sink = eos_sink ? Result<std::unique_ptr<Sink>>(std::move(eos_sink))
                       : open_cli_sink(args.sink, args.output, args.format, *cfg);
  if (!sink) return failed(sink.error());
  // Bytes behind and the purge deadline come from a side connection (none offline).
  std::optional<ServerWatch> server;
  if (opts.binlog_files.empty() && monitor.wants_server()) {
    auto w = ServerWatch::open(*cfg);
    if (w)
      server = std::move(*w);
    else
      print_warning("progress: no side connection (" + w.error().message +
                    "); no bytes behind or purge figures");
  }
  monitor.watch_tail(*stream, std::move(server),
                     !opts.from.file.empty()
                         ? opts.from.file + ":" + std::to_string(opts.from.position)
                     : !opts.from.gtid.empty()    ? "GTID " + opts.from.gtid
                     : !opts.binlog_files.empty() ? opts.binlog_files.front()
                                                  : std::string());

  RunOptions run{.checkpoint = checkpoint, .stop_requested = &stop_requested};
  run.on_progress = [&](const RunProgress& p) { monitor.update(p); };
  auto end = dumpr::run_tail(*stream, **format, monitor.sink(**sink), run);
  if (!end) return failed(end.error());
  monitor.finish(false);
  return *end == RunEnd::reader_gone ? kReaderGoneExit : 0;
}

}  // namespace dumpr::cli
