// dumpr load: options -> the snapshot stream, the format, the sink -> run_load (the library's
// pipeline: rows out, then the checkpoint once all are delivered) -> exit status.
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <optional>

#include "cli/commands.hpp"
#include "dumpr/pipeline.hpp"
#include "dumpr/position.hpp"
#include "dumpr/table_stream.hpp"

namespace dumpr::cli {

namespace {

Status parse_ids(const std::vector<std::string>& ids, Config& cfg) {
  for (const std::string& spec : ids) {
    auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      return make_error(
          ErrorKind::usage,
          "--id " + spec + ": expected TABLE=COLUMN[,COLUMN...] (e.g. --id people=id)");
    std::vector<std::string> cols;
    std::string rest = spec.substr(eq + 1);
    std::size_t start = 0;
    while (true) {
      auto comma = rest.find(',', start);
      std::string col =
          rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (col.empty()) return make_error(ErrorKind::usage, "--id " + spec + ": empty column name");
      cols.push_back(col);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    cfg.id_columns[spec.substr(0, eq)] = std::move(cols);
  }
  return {};
}

Result<unsigned> parse_jobs(const std::string& text) {
  unsigned n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < 1 || n > 64)
    return make_error(ErrorKind::usage,
                      "--jobs " + text + ": expected a number of connections from 1 to 64");
  return n;
}

class Progress {
 public:
  explicit Progress(bool on) : on_(on), start_(clock::now()), last_(start_) {}
  void tick(const LoadProgress& p, bool force = false) {
    if (!on_) return;
    auto now = clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(500)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    double rate = secs > 0 ? static_cast<double>(p.total_rows) / secs : 0;
    if (p.estimated_rows > 0)
      std::fprintf(stderr, "\r\033[Kdumpr: %s: %llu of ~%llu rows (%.0f%%), %.0f rows/s",
                   p.table.c_str(), static_cast<unsigned long long>(p.rows),
                   static_cast<unsigned long long>(p.estimated_rows),
                   100.0 * static_cast<double>(p.rows) / static_cast<double>(p.estimated_rows),
                   rate);
    else
      std::fprintf(stderr, "\r\033[Kdumpr: %s: %llu rows, %.0f rows/s", p.table.c_str(),
                   static_cast<unsigned long long>(p.rows), rate);
    std::fflush(stderr);
  }
  void done(std::uint64_t rows, const Position& pos) {
    if (!on_) return;
    double secs = std::chrono::duration<double>(clock::now() - start_).count();
    if (pos.file.empty())
      std::fprintf(stderr, "\r\033[Kdumpr: %llu rows in %.1f s\n",
                   static_cast<unsigned long long>(rows), secs);
    else
      std::fprintf(stderr, "\r\033[Kdumpr: %llu rows in %.1f s; snapshot position %s:%llu\n",
                   static_cast<unsigned long long>(rows), secs, pos.file.c_str(),
                   static_cast<unsigned long long>(pos.position));
  }

 private:
  using clock = std::chrono::steady_clock;
  bool on_;
  clock::time_point start_, last_;
};

}  // namespace

int run_load(ConnectionOptions& conn, const LoadArgs& args) {
  auto jobs = parse_jobs(args.jobs);
  if (!jobs) return print_error(jobs.error()), exit_code(jobs.error().kind);
  auto cfg = make_config(conn);
  if (!cfg) return print_error(cfg.error()), exit_code(cfg.error().kind);
  if (Status s = parse_ids(args.ids, *cfg); !s)
    return print_error(s.error()), exit_code(s.error().kind);
  if (Status s = apply_selection(args.selection, *cfg); !s)
    return print_error(s.error()), exit_code(s.error().kind);

  auto lock = claim_checkpoint(args.checkpoint);
  if (!lock) return print_error(lock.error()), exit_code(lock.error().kind);

  auto format = make_cli_format(args.format);
  if (!format) return print_error(format.error()), exit_code(format.error().kind);

  auto stream = TableStream::open(
      *cfg, args.tables,
      LoadOptions{.jobs = jobs.value(), .need_position = !args.checkpoint.empty()});
  if (!stream) return print_error(stream.error()), exit_code(stream.error().kind);
  if (const Position& p = stream->position(); !p.file.empty())
    print_info(conn, "snapshot at binlog position " + p.file + ":" + std::to_string(p.position) +
                         (p.gtid.empty() ? "" : " (GTID " + p.gtid + ")"));
  auto sink = open_cli_sink(args.sink, args.output, args.format, *cfg);
  if (!sink) return print_error(sink.error()), exit_code(sink.error().kind);

  Progress progress(args.progress || (!args.quiet && isatty(STDERR_FILENO)));
  RunOptions run{.checkpoint = args.checkpoint, .stop_requested = &stop_requested};
  run.on_progress = [&](std::uint64_t, std::uint32_t, bool) { progress.tick(stream->progress()); };
  auto end = dumpr::run_load(*stream, **format, **sink, run);
  if (!end) return print_error(end.error()), exit_code(end.error().kind);
  switch (*end) {
    case RunEnd::reader_gone:
      return kReaderGoneExit;
    case RunEnd::stopped:
      std::fprintf(stderr, "dumpr: load interrupted; no checkpoint written\n");
      return kInterruptedExit;
    case RunEnd::finished:
      break;
  }
  progress.done(stream->progress().total_rows, stream->position());
  return 0;
}

}  // namespace dumpr::cli
