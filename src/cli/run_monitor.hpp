// What `load` and `tail` show while they run and leave behind: progress on stderr (a live line on
// a terminal, whole timestamped lines elsewhere), a summary at the end, and the metrics file
// (--metrics-file). The figures come from the pipeline's on_progress and the streams; the text
// and the file's format from src/metrics. Every check of the clock, every query of the server and
// every rewrite of the file happens here, at most every few seconds, never per row.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include "dumpr/binlog_stream.hpp"
#include "dumpr/config.hpp"
#include "dumpr/pipeline.hpp"
#include "dumpr/server_watch.hpp"
#include "dumpr/sink.hpp"
#include "dumpr/table_stream.hpp"
#include "metrics/counters.hpp"
#include "metrics/counting_sink.hpp"

namespace dumpr::cli {

// --progress, -q, --progress-interval, --metrics-file, --metrics-interval.
struct ProgressArgs {
  double interval = 10;  // seconds between progress lines when stderr is not a terminal
  std::string metrics_file;
  double metrics_interval = 5;
};
void add_progress_options(CLI::App& cmd, ProgressArgs& p);

class RunMonitor {
 public:
  enum class Command { load, tail };
  // `progress`: --progress; `quiet`: -q; `verbose`: -v.
  RunMonitor(Command command, const ProgressArgs& args, bool progress, bool quiet, bool verbose);
  ~RunMonitor();

  // Before the run: checks that the metrics file can be written (writing it once). An Error of
  // kind usage names the path and the reason.
  Status start();

  // Whether anything is shown or written (so a side connection is worth opening).
  bool wants_server() const { return live_ || lines_ || counters_ != nullptr; }

  // The sink the pipeline writes to: `sink`, behind a counter of rows and bytes by table when
  // the metrics file is on.
  Sink& sink(Sink& sink);
  void watch_tail(const BinlogStream& stream, std::optional<ServerWatch> server, std::string from);
  void watch_load(const TableStream& stream);

  // RunOptions::on_progress.
  void update(const RunProgress& p);
  // At the end: the last metrics file, with the error counted when `failed`, and the summary
  // line (unless quiet, failed or `summary` is false).
  void finish(bool failed, bool summary = true);

 private:
  using Clock = std::chrono::steady_clock;
  void refresh_server(bool force);
  void show_line(bool final);
  void write_metrics(bool failed);
  // The progress line; `since`: seconds since the last one (for the sink's message rate).
  std::string status_text(double rows_per_second, double since);

  Command command_;
  ProgressArgs args_;
  bool live_ = false;     // a live line on a terminal
  bool lines_ = false;    // timestamped lines (stderr is not a terminal, --progress)
  bool summary_ = false;  // the summary at the end
  bool drawn_ = false;    // the live line is on screen
  Sink* sink_ = nullptr;
  std::unique_ptr<metrics::RowCounters> counters_;
  std::unique_ptr<metrics::CountingSink> counting_;
  const BinlogStream* tail_ = nullptr;
  const TableStream* load_ = nullptr;
  std::optional<ServerWatch> server_;
  std::string from_;
  bool server_failed_ = false;  // warned once; no more queries
  std::optional<std::uint64_t> expire_s_;
  std::optional<BinlogBacklog> backlog_;
  RunProgress last_;
  std::time_t start_wall_ = std::time(nullptr);
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_line_ = start_, last_metrics_ = start_, last_server_{};
  std::uint64_t rows_at_last_line_ = 0;
  std::uint64_t delivered_at_last_line_ = 0;  // the sink's acknowledged messages, likewise
  bool metrics_failed_ = false;
};

}  // namespace dumpr::cli
