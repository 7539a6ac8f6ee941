// dumpr load: connect -> snapshot -> stream rows to stdout -> flush -> checkpoint.
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <optional>

#include "cli/commands.hpp"
#include "dumpr/position.hpp"
#include "dumpr/table_stream.hpp"
#include "output/line_writer.hpp"
#include "output/output_file.hpp"

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

  auto stream = TableStream::open(*cfg, args.tables, LoadOptions{.jobs = jobs.value()});
  if (!stream) return print_error(stream.error()), exit_code(stream.error().kind);

  auto opened = open_output(args.output);
  if (!opened) return print_error(opened.error()), exit_code(opened.error().kind);
  std::optional<output::OutputFile>& file = opened.value();
  // A stop request also ends a write blocked on a reader that does not read.
  output::LineWriter out(file ? file->fd() : STDOUT_FILENO, 1 << 20, &stop_requested);
  auto interrupted = [] {
    // What is still buffered stays unwritten: the reader may be what is stuck, and without a
    // checkpoint the output is incomplete anyway.
    std::fprintf(stderr, "dumpr: load interrupted; no checkpoint written\n");
    return kInterruptedExit;
  };
  Progress progress(args.progress || (!args.quiet && isatty(STDERR_FILENO)));
  std::uint64_t rows = 0;
  while (true) {
    if (stop_requested()) return interrupted();
    auto r = stream->next();
    if (!r && stop_requested()) return interrupted();  // the interruption is the news
    if (!r) return print_error(r.error()), exit_code(r.error().kind);
    const RowView* row = r.value();
    if (!row) break;
    if (Status s = out.write_line(row->line); !s) {
      if (out.reader_gone()) return kReaderGoneExit;
      if (stop_requested()) return interrupted();
      return print_error(s.error()), exit_code(s.error().kind);
    }
    if ((++rows & 4095) == 0) progress.tick(stream->progress());
  }
  if (Status s = out.flush(); !s) {
    if (out.reader_gone()) return kReaderGoneExit;
    if (stop_requested()) return interrupted();
    return print_error(s.error()), exit_code(s.error().kind);
  }
  if (file) {
    if (Status s = file->sync(); !s) return print_error(s.error()), exit_code(s.error().kind);
  }
  progress.done(rows, stream->position());
  if (!args.checkpoint.empty()) {
    if (Status s = write_checkpoint(args.checkpoint, stream->position()); !s)
      return print_error(s.error()), exit_code(s.error().kind);
  }
  return 0;
}

}  // namespace dumpr::cli
