#include "metrics/progress_text.hpp"

#include <cmath>
#include <cstdio>

namespace dumpr::metrics {

namespace {

void append_sink(std::string& out, const SinkStats& s, double messages_per_second) {
  if (s.delivered_messages == 0 && s.in_flight_messages == 0 && s.oldest_unacknowledged_s == 0 &&
      s.retries == 0)
    return;
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "; sink: %llu delivered, %.0f msg/s, %llu in flight (%llu bytes), ack lag %s",
                static_cast<unsigned long long>(s.delivered_messages), messages_per_second,
                static_cast<unsigned long long>(s.in_flight_messages),
                static_cast<unsigned long long>(s.in_flight_bytes),
                human_duration(s.oldest_unacknowledged_s).c_str());
  out += buf;
  if (s.retries != 0) out += ", " + std::to_string(s.retries) + " retries";
}

}  // namespace

std::string iso8601_utc(std::time_t t) {
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string human_duration(double seconds) {
  if (!(seconds > 0)) return "0s";
  const auto s = static_cast<unsigned long long>(std::llround(seconds));
  char buf[48];
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%llus", s);
  else if (s < 3600)
    std::snprintf(buf, sizeof buf, "%llum%02llus", s / 60, s % 60);
  else if (s < 86400)
    std::snprintf(buf, sizeof buf, "%lluh%02llum", s / 3600, s % 3600 / 60);
  else
    std::snprintf(buf, sizeof buf, "%llud%02lluh", s / 86400, s % 86400 / 3600);
  return buf;
}

double rate(std::uint64_t count_before, std::uint64_t count_now, double seconds) {
  if (!(seconds > 0) || count_now < count_before) return 0;
  return static_cast<double>(count_now - count_before) / seconds;
}

std::optional<double> eta_seconds(std::uint64_t done, std::uint64_t total, double per_second) {
  if (total == 0 || !(per_second > 0) || done > total) return std::nullopt;
  return static_cast<double>(total - done) / per_second;
}

std::optional<double> percent(std::uint64_t done, std::uint64_t total) {
  if (total == 0) return std::nullopt;
  const double p = 100.0 * static_cast<double>(done) / static_cast<double>(total);
  return p > 100 ? 100 : p;
}

std::string tail_status(const TailStatus& s) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%.*s:%llu, %llu rows, %.0f rows/s",
                static_cast<int>(s.file.size()), s.file.data(),
                static_cast<unsigned long long>(s.position),
                static_cast<unsigned long long>(s.rows), s.rows_per_second);
  std::string out = buf;
  if (s.lag_seconds) out += ", lag " + human_duration(*s.lag_seconds);
  if (s.bytes_behind) out += ", " + std::to_string(*s.bytes_behind) + " bytes behind";
  out += ", " + std::to_string(s.reconnects) + " reconnects";
  append_sink(out, s.sink, s.sink_messages_per_second);
  return out;
}

std::string load_status(const LoadStatus& s) {
  char buf[160];
  std::string out;
  if (s.table_count > 0) {
    std::snprintf(buf, sizeof buf, "table %zu/%zu ",
                  s.table_index < s.table_count ? s.table_index + 1 : s.table_count, s.table_count);
    out += buf;
    out += s.table;
    out += ", ";
  }
  out += std::to_string(s.rows);
  if (s.estimated_rows > 0) out += " of ~" + std::to_string(s.estimated_rows);
  out += " rows";
  if (auto p = percent(s.rows, s.estimated_rows)) {
    std::snprintf(buf, sizeof buf, " (%.0f%%)", *p);
    out += buf;
  }
  std::snprintf(buf, sizeof buf, ", %.0f rows/s, elapsed %s", s.rows_per_second,
                human_duration(s.elapsed).c_str());
  out += buf;
  if (auto eta = eta_seconds(s.rows, s.estimated_rows, s.rows_per_second))
    out += ", ETA " + human_duration(*eta);
  append_sink(out, s.sink, s.sink_messages_per_second);
  return out;
}

std::string rows_by_op(const std::array<std::uint64_t, kOps>& by_op) {
  std::uint64_t total = 0;
  for (std::uint64_t n : by_op) total += n;
  std::string out = std::to_string(total) + " rows";
  std::string parts;
  for (std::size_t i = 0; i < kOps; ++i) {
    if (by_op[i] == 0) continue;
    if (!parts.empty()) parts += ", ";
    parts += change_op_name(static_cast<ChangeOp>(i));
    parts += ' ';
    parts += std::to_string(by_op[i]);
  }
  if (!parts.empty()) out += " (" + parts + ")";
  return out;
}

}  // namespace dumpr::metrics
