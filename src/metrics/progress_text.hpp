// The progress lines and end-of-run summaries, as text (the CLI decides where and how often they
// go). On a terminal a line is redrawn in place; elsewhere (a log file, journald) each is a whole
// line that starts with its UTC time, so nothing here writes \r or escape codes.
#pragma once

#include <array>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "dumpr/sink.hpp"
#include "metrics/counters.hpp"

namespace dumpr::metrics {

// `t` as ISO 8601 UTC to the second: 2026-12-07T12:00:00Z.
std::string iso8601_utc(std::time_t t);

// A duration for people: 42s, 3m05s, 2h04m, 3d04h.
std::string human_duration(double seconds);

// Rows per second between two readings of a count (0 when no time passed).
double rate(std::uint64_t count_before, std::uint64_t count_now, double seconds);

// Seconds still to go at `per_second` for `total - done`; empty when it cannot be told (no rate,
// no estimate, or more done than estimated).
std::optional<double> eta_seconds(std::uint64_t done, std::uint64_t total, double per_second);

// done / total in percent, at most 100 (estimates are approximate); empty without a total.
std::optional<double> percent(std::uint64_t done, std::uint64_t total);

struct TailStatus {
  std::uint64_t rows = 0;
  double rows_per_second = 0;
  std::optional<double> lag_seconds;
  std::optional<std::uint64_t> bytes_behind;
  std::string_view file;
  std::uint64_t position = 0;
  std::uint64_t reconnects = 0;
  SinkStats sink;
  double sink_messages_per_second = 0;  // acknowledged messages per second
};
// "mariadb-bin.000002:1234, 1200 rows, 350 rows/s, lag 2s, 4096 bytes behind, 0 reconnects"
// (and the sink's figures when it reports any: "; sink: 1200 delivered, 350 msg/s, 40 in flight
// (9120 bytes), ack lag 0s").
std::string tail_status(const TailStatus& s);

struct LoadStatus {
  std::size_t table_index = 0;  // from 0
  std::size_t table_count = 0;
  std::string_view table;
  std::uint64_t rows = 0;            // of every table so far
  std::uint64_t estimated_rows = 0;  // every table's estimate, summed (0: unknown)
  double rows_per_second = 0;
  double elapsed = 0;
  SinkStats sink;
  double sink_messages_per_second = 0;
};
// "table 2/5 orders, 120000 of ~250000 rows (48%), 30000 rows/s, elapsed 4s, ETA 4s"
std::string load_status(const LoadStatus& s);

// "1200 rows (insert 1000, update 150, delete 50)": only the operations that occurred.
std::string rows_by_op(const std::array<std::uint64_t, kOps>& by_op);

}  // namespace dumpr::metrics
