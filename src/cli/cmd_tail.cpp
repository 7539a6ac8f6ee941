// dumpr tail: connect -> check -> position -> for each event: decode -> normalise -> write ->
// checkpoint at commit (after the rows it covers were flushed to stdout).
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <deque>
#include <optional>

#include "cli/commands.hpp"
#include "dumpr/binlog_stream.hpp"
#include "dumpr/position.hpp"
#include "output/line_writer.hpp"
#include "output/output_file.hpp"

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
  cfg->read_timeout_s = 30;  // heartbeats come every second; silence this long is a dead link

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

  auto stream = BinlogStream::open(*cfg, opts);
  if (!stream) return print_error(stream.error()), exit_code(stream.error().kind);

  auto opened = open_output(args.output);
  if (!opened) return print_error(opened.error()), exit_code(opened.error().kind);
  std::optional<output::OutputFile>& file = opened.value();
  output::LineWriter out(file ? file->fd() : STDOUT_FILENO, 1 << 20, &stop_requested);
  using clock = std::chrono::steady_clock;
  auto last_checkpoint = clock::now();
  const bool progress = args.progress || (!args.quiet && isatty(STDERR_FILENO));
  auto last_progress = clock::now();
  std::uint64_t rows = 0;
  // Position, rows and lag (the last event's age; 0 once heartbeats say we are caught up).
  auto show_progress = [&](std::uint32_t event_time, bool caught_up) {
    auto now = clock::now();
    if (!progress || now - last_progress < std::chrono::seconds(1)) return;
    last_progress = now;
    long lag = 0;
    if (!caught_up && event_time != 0)
      lag = static_cast<long>(std::time(nullptr)) - static_cast<long>(event_time);
    const Position& p = stream->next_position();
    std::fprintf(stderr, "\r\033[Kdumpr: %s:%llu, %llu rows, lag %lds", p.file.c_str(),
                 static_cast<unsigned long long>(p.position), static_cast<unsigned long long>(rows),
                 lag < 0 ? 0 : lag);
    std::fflush(stderr);
  };

  // Commits whose rows are in the output, with the output offset their last row ends at. The
  // checkpoint takes the newest commit whose rows all reached stdout, never one further.
  std::deque<std::pair<std::uint64_t, Position>> commits;
  std::uint64_t writes_at_checkpoint = 0;
  auto checkpoint_delivered = [&]() -> int {
    bool have = false;
    Position p;
    while (!commits.empty() && commits.front().first <= out.delivered()) {
      p = std::move(commits.front().second);
      commits.pop_front();
      have = true;
    }
    writes_at_checkpoint = out.writes();
    last_checkpoint = clock::now();
    if (have && file) {
      // The checkpoint never points past lines that are not durably in the file.
      if (Status s = file->sync(); !s) {
        print_error(s.error());
        return exit_code(s.error().kind);
      }
    }
    if (have && !checkpoint.empty()) {
      if (Status s = write_checkpoint(checkpoint, p); !s) {
        print_error(s.error());
        return exit_code(s.error().kind);
      }
    }
    return 0;
  };
  // A slow reader: the checkpoint follows what it takes, chunk by chunk, not only whole buffers.
  int progress_rc = 0;
  out.on_progress([&]() -> Status {
    if (clock::now() - last_checkpoint < std::chrono::milliseconds(50)) return {};
    progress_rc = checkpoint_delivered();
    if (progress_rc != 0) return make_error(ErrorKind::io, "checkpoint failed");
    return {};
  });
  // After an output error: keep what was delivered, then the status for the error.
  auto output_failed = [&](const Status& s) -> int {
    if (progress_rc != 0) return progress_rc;
    if (int rc = checkpoint_delivered(); rc != 0) return rc;
    if (out.reader_gone()) return kReaderGoneExit;
    if (stop_requested()) return 0;  // stopped while the reader was stuck
    print_error(s.error());
    return exit_code(s.error().kind);
  };
  auto save = [&]() -> int {
    if (Status s = out.flush(); !s) return output_failed(s);
    return checkpoint_delivered();
  };

  while (true) {
    if (stop_requested()) stream->stop();
    auto ev = stream->next();
    if (!ev) {
      // Rows of the last whole transaction are out: keep their checkpoint, then report.
      if (int rc = save(); rc != 0) return rc;
      print_error(ev.error());
      return exit_code(ev.error().kind);
    }
    const TailEvent& e = **ev;
    switch (e.kind) {
      case TailEvent::Kind::row:
        ++rows;
        if (Status s = out.write_line(e.row.line); !s) return output_failed(s);
        break;
      case TailEvent::Kind::commit: {
        commits.emplace_back(out.appended(), e.position);
        show_progress(e.event_time, false);
        // A full buffer went out: checkpoint what it delivered. Otherwise stdout and the
        // checkpoint move together every 50 ms, so a killed tail repeats as little as possible.
        // Every 50 ms, longer for a checkpoint that carries many table definitions (each
        // write rewrites and syncs the whole file): about 320 KB/s of checkpoint at most.
        const auto interval = std::chrono::milliseconds(
            std::clamp<long>(static_cast<long>(e.position.tables_json.size() / 16), 50, 2000));
        if (clock::now() - last_checkpoint > interval || !stream->input_pending()) {
          // Due, or the server has nothing more right now: the rows go out without waiting.
          if (int rc = save(); rc != 0) return rc;
        } else if (out.writes() != writes_at_checkpoint) {
          if (int rc = checkpoint_delivered(); rc != 0) return rc;
        }
        break;
      }
      case TailEvent::Kind::heartbeat:
        show_progress(e.event_time, true);
        if (int rc = save(); rc != 0) return rc;
        break;
      case TailEvent::Kind::end:
        if (progress) std::fputs("\n", stderr);
        return save();
    }
  }
}

}  // namespace dumpr::cli
