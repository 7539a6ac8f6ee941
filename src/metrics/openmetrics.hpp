// The metrics file: dumpr's figures in the OpenMetrics text format
// (https://github.com/prometheus/OpenMetrics/blob/main/specification/OpenMetrics.md, "Text
// format"), which node_exporter's textfile collector reads. Each family has # TYPE and # HELP
// before its samples, counters' samples end in _total, label values are escaped (\\, \", \n),
// and the text ends with "# EOF\n".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dumpr/sink.hpp"
#include "metrics/counters.hpp"

namespace dumpr::metrics {

// What one rewrite of the file shows. An empty optional leaves its family out (a load has no
// lag, an offline tail no bytes behind).
struct Figures {
  const RowCounters* rows = nullptr;  // rows and bytes by table and op
  std::optional<std::uint64_t> transactions;
  std::optional<double> lag_seconds;
  std::optional<std::uint64_t> bytes_behind;
  std::optional<std::uint64_t> file_index;  // the numeric suffix of the position's binlog file
  std::optional<std::uint64_t> offset;
  std::optional<std::uint32_t> last_commit_time;  // the last commit's event time (Unix seconds)
  std::uint64_t reconnects = 0;
  std::uint64_t errors = 0;
  std::optional<double> purge_due_seconds;
  std::optional<std::uint64_t> estimated_rows;  // load: every table's row estimate, summed
  SinkStats sink;         // left out when all zero (a sink that reports nothing)
  double start_time = 0;  // Unix seconds
  double now = 0;         // Unix seconds: when the figures were taken
};

std::string render_openmetrics(const Figures& f);

// Writes OpenMetrics families into a string; render_openmetrics uses it.
class OpenMetricsWriter {
 public:
  // Starts a family: `name` without the _total of a counter's samples.
  void family(std::string_view name, std::string_view type, std::string_view help);
  // A sample of the current family. `suffix` ("_total" for counters, else ""); `labels` a list
  // of name, value pairs (values escaped here).
  void sample(std::string_view suffix, std::initializer_list<std::string_view> labels,
              double value);
  void sample(std::string_view suffix, std::initializer_list<std::string_view> labels,
              std::uint64_t value);
  std::string finish();

 private:
  void begin_sample(std::string_view suffix, std::initializer_list<std::string_view> labels);
  std::string out_;
  std::string name_;
};

// The number ending a binlog file name (mariadb-bin.000042 -> 42), if it ends in digits.
std::optional<std::uint64_t> binlog_file_index(std::string_view file);

}  // namespace dumpr::metrics
