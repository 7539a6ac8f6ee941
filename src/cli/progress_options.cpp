// --progress, --progress-interval, --metrics-file: RunMonitor (cli/run_monitor.hpp).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli/commands.hpp"
#include "cli/run_monitor.hpp"
#include "metrics/atomic_file.hpp"
#include "metrics/openmetrics.hpp"
#include "metrics/progress_text.hpp"

namespace dumpr::cli {

namespace {

constexpr double kLiveRedrawS = 1;   // a terminal's live line
constexpr double kServerQueryS = 5;  // SHOW BINARY LOGS at most this often

double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// A number of seconds above 0 (CLI11's PositiveNumber names its range up to DBL_MAX).
const CLI::Validator kPositiveSeconds(
    [](std::string& v) -> std::string {
      char* end = nullptr;
      const double d = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0' || !(d > 0) || d > 1e9)
        return "'" + v + "' is not a number of seconds above 0";
      return {};
    },
    "");

}  // namespace

void add_progress_options(CLI::App& cmd, ProgressArgs& p) {
  cmd.add_option("--progress-interval", p.interval,
                 "Seconds between --progress lines when stderr is not a terminal (default 10)")
      ->check(kPositiveSeconds)
      ->type_name("SECONDS");
  cmd.add_option("--metrics-file", p.metrics_file,
                 "Keep an OpenMetrics text file here (node_exporter's textfile collector), "
                 "rewritten whole every --metrics-interval seconds and at exit")
      ->type_name("FILE");
  cmd.add_option("--metrics-interval", p.metrics_interval,
                 "Seconds between rewrites of the --metrics-file (default 5)")
      ->check(kPositiveSeconds)
      ->type_name("SECONDS");
}

RunMonitor::RunMonitor(Command command, const ProgressArgs& args, bool progress, bool quiet,
                       bool verbose)
    : command_(command), args_(args) {
  const bool tty = isatty(STDERR_FILENO) != 0;
  live_ = !quiet && tty;
  lines_ = !quiet && progress && !tty;
  // A cron run's stderr is mailed: the summary only where it was asked for or is seen.
  summary_ = !quiet && (progress || verbose || tty);
  if (!args_.metrics_file.empty()) counters_ = std::make_unique<metrics::RowCounters>();
}

RunMonitor::~RunMonitor() = default;

Status RunMonitor::start() {
  if (args_.metrics_file.empty()) return {};
  if (Status s = metrics::write_file_atomically(
          args_.metrics_file,
          metrics::render_openmetrics({.start_time = static_cast<double>(start_wall_),
                                       .now = static_cast<double>(start_wall_)}));
      !s)
    return make_error(ErrorKind::usage, "--metrics-file: " + s.error().message);
  return {};
}

Sink& RunMonitor::sink(Sink& sink) {
  sink_ = &sink;
  if (!counters_) return sink;
  counting_ = std::make_unique<metrics::CountingSink>(sink, *counters_);
  return *counting_;
}

void RunMonitor::watch_tail(const BinlogStream& stream, std::optional<ServerWatch> server,
                            std::string from) {
  tail_ = &stream;
  server_ = std::move(server);
  from_ = std::move(from);
}

void RunMonitor::watch_load(const TableStream& stream) {
  load_ = &stream;
}

void RunMonitor::refresh_server(bool force) {
  if (!server_ || server_failed_ || !tail_) return;
  const auto now = Clock::now();
  if (!force && last_server_ != Clock::time_point{} && seconds(now - last_server_) < kServerQueryS)
    return;
  last_server_ = now;
  if (!expire_s_) {
    auto e = server_->expire_seconds();
    if (!e) {
      server_failed_ = true;
      print_warning("progress: cannot read the binlog expiry (" + e.error().message +
                    "); no bytes behind or purge figures");
      return;
    }
    expire_s_ = *e;
  }
  const Position& p = tail_->next_position();
  auto b = server_->backlog(p.file, p.position);
  if (!b) {
    server_failed_ = true;
    print_warning("progress: cannot read the server's binlog files (" + b.error().message +
                  "); no bytes behind or purge figures");
    backlog_.reset();
    return;
  }
  backlog_ = std::move(*b);
}

std::string RunMonitor::status_text(double rows_per_second, double since) {
  const SinkStats sink = sink_ ? sink_->stats() : SinkStats{};
  const double mps = metrics::rate(delivered_at_last_line_, sink.delivered_messages, since);
  delivered_at_last_line_ = sink.delivered_messages;
  if (tail_) {
    const Position& p = tail_->next_position();
    metrics::TailStatus s{.rows = last_.records,
                          .rows_per_second = rows_per_second,
                          .file = p.file,
                          .position = p.position,
                          .reconnects = tail_->stats().reconnects,
                          .sink = sink,
                          .sink_messages_per_second = mps};
    if (last_.caught_up)
      s.lag_seconds = 0;
    else if (last_.event_time != 0)
      s.lag_seconds = std::max(0.0, static_cast<double>(std::time(nullptr)) - last_.event_time);
    if (backlog_) s.bytes_behind = backlog_->bytes_behind;
    return "tail: " + metrics::tail_status(s);
  }
  if (load_) {
    const LoadProgress lp = load_->progress();
    const double elapsed = seconds(Clock::now() - start_);
    metrics::LoadStatus s{.table_index = lp.table_index,
                          .table_count = lp.table_count,
                          .table = lp.table,
                          .rows = lp.total_rows,
                          .estimated_rows = lp.estimated_total_rows,
                          .rows_per_second = metrics::rate(0, lp.total_rows, elapsed),
                          .elapsed = elapsed,
                          .sink = sink,
                          .sink_messages_per_second = mps};
    return "load: " + metrics::load_status(s);
  }
  return {};
}

void RunMonitor::show_line(bool final) {
  const auto now = Clock::now();
  const double since = seconds(now - last_line_);
  if (!final && since < (live_ ? kLiveRedrawS : args_.interval)) return;
  const double rps = metrics::rate(rows_at_last_line_, last_.records, since);
  last_line_ = now;
  rows_at_last_line_ = last_.records;
  refresh_server(false);
  const std::string text = status_text(rps, since);
  if (live_) {
    std::fprintf(stderr, "\r\033[Kdumpr %s", text.c_str());
    drawn_ = true;
  } else {
    std::fprintf(stderr, "%s dumpr %s\n", metrics::iso8601_utc(std::time(nullptr)).c_str(),
                 text.c_str());
  }
  std::fflush(stderr);
}

void RunMonitor::write_metrics(bool failed) {
  if (!counters_ || metrics_failed_) return;
  metrics::Figures f;
  f.rows = counters_.get();
  f.errors = failed ? 1 : 0;
  f.start_time = static_cast<double>(start_wall_);
  const auto wall = std::chrono::system_clock::now().time_since_epoch();
  f.now = std::chrono::duration<double>(wall).count();
  if (sink_) f.sink = sink_->stats();
  if (tail_) {
    const Position& p = tail_->next_position();
    const StreamStats st = tail_->stats();
    f.transactions = last_.transactions;
    f.reconnects = st.reconnects;
    if (!p.file.empty()) {
      f.file_index = metrics::binlog_file_index(p.file);
      f.offset = p.position;
    }
    if (last_.commit_time != 0) f.last_commit_time = last_.commit_time;
    if (last_.caught_up)
      f.lag_seconds = 0;
    else if (last_.event_time != 0)
      f.lag_seconds = std::max(0.0, static_cast<double>(std::time(nullptr)) - last_.event_time);
    refresh_server(false);
    if (backlog_) {
      f.bytes_behind = backlog_->bytes_behind;
      // The file being written is not purged; once closed, it is kept at least the expiry.
      if (expire_s_ && *expire_s_ > 0) {
        if (backlog_->at_current_file)
          f.purge_due_seconds = static_cast<double>(*expire_s_);
        else if (st.file_start_time != 0)
          f.purge_due_seconds =
              static_cast<double>(st.file_start_time) + static_cast<double>(*expire_s_) - f.now;
      }
    }
  }
  if (load_) {
    const LoadProgress lp = load_->progress();
    f.estimated_rows = lp.estimated_total_rows;
    const Position& p = load_->position();
    if (!p.file.empty()) {
      f.file_index = metrics::binlog_file_index(p.file);
      f.offset = p.position;
    }
  }
  if (Status s = metrics::write_file_atomically(args_.metrics_file, metrics::render_openmetrics(f));
      !s) {
    metrics_failed_ = true;  // the run goes on; the file's age tells the collector
    print_warning("--metrics-file: " + s.error().message + "; no more rewrites");
  }
}

void RunMonitor::update(const RunProgress& p) {
  last_ = p;
  if (p.final) return;  // finish() does the rest
  if (live_ || lines_) show_line(false);
  if (counters_) {
    const auto now = Clock::now();
    if (seconds(now - last_metrics_) >= args_.metrics_interval) {
      last_metrics_ = now;
      write_metrics(false);
    }
  }
}

void RunMonitor::finish(bool failed, bool summary) {
  if (counters_ && !failed) refresh_server(true);
  write_metrics(failed);
  if (drawn_) std::fputs("\n", stderr);
  if (!summary_ || !summary || failed) return;
  const double elapsed = seconds(Clock::now() - start_);
  char figures[160];
  std::snprintf(figures, sizeof figures, "in %.1f s (%.0f rows/s)", elapsed,
                metrics::rate(0, last_.records, elapsed));
  std::string text;
  if (tail_) {
    const Position& to = tail_->next_position();
    text = "tail done: " + metrics::rows_by_op(last_.rows_by_op) + ", " +
           std::to_string(last_.transactions) + " transactions " + figures + ", " + from_ + " -> " +
           to.file + ":" + std::to_string(to.position);
  } else if (load_) {
    const LoadProgress lp = load_->progress();
    const Position& p = load_->position();
    text = "load done: " + std::to_string(last_.records) + " rows of " +
           std::to_string(lp.table_count) + (lp.table_count == 1 ? " table " : " tables ") +
           figures;
    if (!p.file.empty()) text += "; snapshot position " + p.file + ":" + std::to_string(p.position);
  }
  if (live_)
    std::fprintf(stderr, "dumpr: %s\n", text.c_str());
  else
    std::fprintf(stderr, "%s dumpr: %s\n", metrics::iso8601_utc(std::time(nullptr)).c_str(),
                 text.c_str());
}

}  // namespace dumpr::cli
