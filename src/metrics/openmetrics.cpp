#include "metrics/openmetrics.hpp"

#include <charconv>
#include <cmath>

namespace dumpr::metrics {

namespace {

void append_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_number(std::string& out, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_escaped(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

}  // namespace

void OpenMetricsWriter::family(std::string_view name, std::string_view type,
                               std::string_view help) {
  name_.assign(name);
  out_ += "# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += "\n# HELP ";
  out_ += name;
  out_ += ' ';
  append_escaped(out_, help);  // HELP escapes \\ and \n; a quote needs none but is harmless
  out_ += '\n';
}

void OpenMetricsWriter::begin_sample(std::string_view suffix,
                                     std::initializer_list<std::string_view> labels) {
  out_ += name_;
  out_ += suffix;
  if (labels.size() >= 2) {
    out_ += '{';
    bool first = true;
    for (auto it = labels.begin(); it + 1 < labels.end(); it += 2) {
      if (!first) out_ += ',';
      first = false;
      out_ += *it;
      out_ += "=\"";
      append_escaped(out_, *(it + 1));
      out_ += '"';
    }
    out_ += '}';
  }
  out_ += ' ';
}

void OpenMetricsWriter::sample(std::string_view suffix,
                               std::initializer_list<std::string_view> labels, double value) {
  begin_sample(suffix, labels);
  append_number(out_, value);
  out_ += '\n';
}

void OpenMetricsWriter::sample(std::string_view suffix,
                               std::initializer_list<std::string_view> labels,
                               std::uint64_t value) {
  begin_sample(suffix, labels);
  append_number(out_, value);
  out_ += '\n';
}

std::string OpenMetricsWriter::finish() {
  out_ += "# EOF\n";
  return std::move(out_);
}

std::optional<std::uint64_t> binlog_file_index(std::string_view file) {
  std::size_t i = file.size();
  while (i > 0 && file[i - 1] >= '0' && file[i - 1] <= '9') --i;
  if (i == file.size()) return std::nullopt;
  std::uint64_t n = 0;
  auto r = std::from_chars(file.data() + i, file.data() + file.size(), n);
  if (r.ec != std::errc()) return std::nullopt;
  return n;
}

std::string render_openmetrics(const Figures& f) {
  OpenMetricsWriter w;
  w.family("dumpr_start_time_seconds", "gauge", "When the run started (Unix time)");
  w.sample("", {}, f.start_time);
  w.family("dumpr_updated_time_seconds", "gauge", "When this file was written (Unix time)");
  w.sample("", {}, f.now);

  w.family("dumpr_rows_written", "counter",
           "Rows given to the output, by database, table and operation, in this run");
  if (f.rows)
    for (const TableCounts& t : f.rows->tables())
      for (std::size_t i = 0; i < kOps; ++i)
        if (t.rows[i] != 0)
          w.sample("_total",
                   {"database", t.database, "table", t.table, "op",
                    change_op_name(static_cast<ChangeOp>(i))},
                   t.rows[i]);
  w.family("dumpr_bytes_written", "counter",
           "Bytes of the records given to the output (as formatted, without line ends), by "
           "database, table and operation, in this run");
  if (f.rows)
    for (const TableCounts& t : f.rows->tables())
      for (std::size_t i = 0; i < kOps; ++i)
        if (t.rows[i] != 0)
          w.sample("_total",
                   {"database", t.database, "table", t.table, "op",
                    change_op_name(static_cast<ChangeOp>(i))},
                   t.bytes[i]);
  if (f.transactions) {
    w.family("dumpr_transactions", "counter", "Transactions written, in this run");
    w.sample("_total", {}, *f.transactions);
  }
  if (f.estimated_rows) {
    w.family("dumpr_load_estimated_rows", "gauge",
             "The loaded tables' row estimates (table statistics), summed");
    w.sample("", {}, *f.estimated_rows);
  }
  if (f.lag_seconds) {
    w.family("dumpr_lag_seconds", "gauge",
             "Age of the last event read (0 when caught up with the server)");
    w.sample("", {}, *f.lag_seconds);
  }
  if (f.bytes_behind) {
    w.family("dumpr_bytes_behind", "gauge",
             "Bytes of binary log between the stream's position and the server's end");
    w.sample("", {}, *f.bytes_behind);
  }
  if (f.file_index) {
    w.family("dumpr_position_file_index", "gauge",
             "The number of the binlog file of the position reached (checkpointed or not)");
    w.sample("", {}, *f.file_index);
  }
  if (f.offset) {
    w.family("dumpr_position_offset_bytes", "gauge",
             "The offset of the position reached in its file");
    w.sample("", {}, *f.offset);
  }
  if (f.last_commit_time) {
    w.family("dumpr_last_commit_time_seconds", "gauge",
             "The server's time of the last transaction written (Unix time)");
    w.sample("", {}, std::uint64_t{*f.last_commit_time});
  }
  w.family("dumpr_reconnects", "counter", "Reconnects to the server after a lost connection");
  w.sample("_total", {}, f.reconnects);
  w.family("dumpr_errors", "counter", "Errors that ended the run (0 or 1)");
  w.sample("_total", {}, f.errors);
  if (f.purge_due_seconds) {
    w.family("dumpr_binlog_purge_due_seconds", "gauge",
             "At least this long until the server may purge the position's binlog file "
             "(binlog_expire_logs_seconds after the file was started; negative: overdue)");
    w.sample("", {}, *f.purge_due_seconds);
  }
  const SinkStats& s = f.sink;
  if (s.delivered_messages || s.delivered_bytes || s.in_flight_messages || s.in_flight_bytes ||
      s.oldest_unacknowledged_s != 0 || s.retries) {
    w.family("dumpr_sink_delivered_messages", "counter", "Messages the destination acknowledged");
    w.sample("_total", {}, s.delivered_messages);
    w.family("dumpr_sink_delivered_bytes", "counter", "Bytes the destination acknowledged");
    w.sample("_total", {}, s.delivered_bytes);
    w.family("dumpr_sink_in_flight_messages", "gauge", "Messages sent, not yet acknowledged");
    w.sample("", {}, s.in_flight_messages);
    w.family("dumpr_sink_in_flight_bytes", "gauge", "Bytes sent, not yet acknowledged");
    w.sample("", {}, s.in_flight_bytes);
    w.family("dumpr_sink_ack_lag_seconds", "gauge", "Age of the oldest unacknowledged message");
    w.sample("", {}, s.oldest_unacknowledged_s);
    w.family("dumpr_sink_retries", "counter", "Sends repeated after a retriable error");
    w.sample("_total", {}, s.retries);
  }
  return w.finish();
}

}  // namespace dumpr::metrics
