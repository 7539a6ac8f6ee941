// src/metrics: the counters, the OpenMetrics text (rendered, then parsed back by a checker of the
// format's rules written here), the rate/ETA arithmetic, the backlog in bytes and the atomic file.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "metrics/atomic_file.hpp"
#include "metrics/backlog.hpp"
#include "metrics/counters.hpp"
#include "metrics/counting_sink.hpp"
#include "metrics/openmetrics.hpp"
#include "metrics/progress_text.hpp"

using namespace dumpr;
using namespace dumpr::metrics;

namespace {

// One sample as parsed back.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Checks `text` against the OpenMetrics text format's rules that dumpr's file must keep, and
// returns the samples; a broken rule is a failure (its message in `error`).
//  - the text ends with "# EOF\n" and has nothing after it;
//  - every sample belongs to a family declared by a "# TYPE name type" line before it, of a
//    known type, declared once; a family's samples are together;
//  - counter samples are name_total, others the family name (gauge) exactly;
//  - metric and label names are [a-zA-Z_:][a-zA-Z0-9_:]* / [a-zA-Z_][a-zA-Z0-9_]*, label values
//    quoted with only \\, \" and \n escapes, no label twice;
//  - values are numbers (or NaN, +Inf, -Inf).
std::vector<Sample> check_openmetrics(const std::string& text, std::string& error) {
  std::vector<Sample> out;
  error.clear();
  static const std::regex metric_name("[a-zA-Z_:][a-zA-Z0-9_:]*");
  static const std::regex label_name("[a-zA-Z_][a-zA-Z0-9_]*");
  const std::string eof = "# EOF\n";
  if (text.size() < eof.size() || text.compare(text.size() - eof.size(), eof.size(), eof) != 0) {
    error = "does not end with # EOF";
    return out;
  }
  std::map<std::string, std::string> types;
  std::set<std::string> closed;  // families whose samples are over
  std::string current;
  std::istringstream in(text.substr(0, text.size() - eof.size()));
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const std::string where = "line " + std::to_string(n) + ": ";
    if (line.empty()) return error = where + "empty line", out;
    if (line[0] == '#') {
      std::istringstream l(line);
      std::string hash, kind, name, rest;
      l >> hash >> kind >> name;
      if (hash != "#" || (kind != "TYPE" && kind != "HELP" && kind != "UNIT"))
        return error = where + "not TYPE, HELP or UNIT: " + line, out;
      if (line == "# EOF") return error = where + "# EOF before the end", out;
      if (!std::regex_match(name, metric_name)) return error = where + "bad name " + name, out;
      if (kind == "TYPE") {
        l >> rest;
        static const std::set<std::string> known{"counter",  "gauge",     "info",
                                                 "stateset", "histogram", "gaugehistogram",
                                                 "summary",  "unknown"};
        if (!known.count(rest)) return error = where + "unknown type " + rest, out;
        if (types.count(name)) return error = where + "TYPE twice for " + name, out;
        if (!current.empty()) closed.insert(current);
        types[name] = rest;
        current = name;
      } else if (name != current) {
        return error = where + kind + " for " + name + " outside its family", out;
      }
      continue;
    }
    Sample s;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = line.substr(0, i);
    if (!std::regex_match(s.name, metric_name)) return error = where + "bad name " + s.name, out;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        std::size_t eq = line.find('=', i);
        if (eq == std::string::npos) return error = where + "label without =", out;
        std::string lname = line.substr(i, eq - i);
        if (!std::regex_match(lname, label_name))
          return error = where + "bad label name " + lname, out;
        if (eq + 1 >= line.size() || line[eq + 1] != '"')
          return error = where + "label value not quoted", out;
        std::string value;
        std::size_t k = eq + 2;
        for (; k < line.size() && line[k] != '"'; ++k) {
          if (line[k] != '\\') {
            value += line[k];
            continue;
          }
          if (++k >= line.size()) return error = where + "escape at the end", out;
          if (line[k] == 'n')
            value += '\n';
          else if (line[k] == '\\' || line[k] == '"')
            value += line[k];
          else
            return error = where + "bad escape \\" + line[k], out;
        }
        if (k >= line.size()) return error = where + "unterminated label value", out;
        if (s.labels.count(lname)) return error = where + "label twice: " + lname, out;
        s.labels[lname] = value;
        i = k + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size()) return error = where + "labels not closed", out;
      ++i;
    }
    if (i >= line.size() || line[i] != ' ') return error = where + "no value", out;
    const std::string v = line.substr(i + 1);
    if (v == "NaN" || v == "+Inf" || v == "-Inf") {
      s.value = 0;
    } else {
      char* end = nullptr;
      s.value = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0') return error = where + "bad value " + v, out;
    }
    // Its family: the current one, by the type's sample-name rule.
    auto t = types.find(current);
    if (t == types.end()) return error = where + s.name + " before any TYPE", out;
    const std::string want = t->second == "counter" ? current + "_total" : current;
    if (s.name != want) {
      if (types.count(s.name) || closed.count(s.name))
        return error = where + s.name + " apart from its family's other samples", out;
      return error = where + s.name + " has no TYPE (family " + current + " expects " + want + ")",
             out;
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/dumpr-metrics-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
};

// Collects what it is given.
class StringSink final : public Sink {
 public:
  std::string bytes;
  std::uint64_t last = 0;
  Status put(std::string_view b) override {
    bytes.append(b);
    return {};
  }
  Status end_record(const ChangeRecord&, std::uint64_t seq) override {
    bytes += '\n';
    last = seq;
    return {};
  }
  Status flush(bool) override { return {}; }
  std::uint64_t acknowledged() override { return last; }
  SinkStats stats() const override { return {.delivered_messages = last}; }
  // What a sink does while a write blocks.
  Status blocked() { return on_progress_ ? on_progress_() : Status{}; }
};

}  // namespace

TEST_CASE("metrics: counters by table and op equal a plain count, in a random sequence") {
  const unsigned seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  const std::vector<std::string> dbs{"shop", "crm", "a\"b"};
  const std::vector<std::string> tables{"orders", "users", "x", "o\\rders", "line\nbreak"};
  RowCounters c;
  std::map<std::tuple<std::string, std::string, int>, std::pair<std::uint64_t, std::uint64_t>>
      expect;
  for (int i = 0; i < 20000; ++i) {
    // Runs of the same table, as a transaction's rows come.
    const std::string& db = dbs[rng() % dbs.size()];
    const std::string& t = tables[rng() % tables.size()];
    const int run = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < run; ++k) {
      const int op = static_cast<int>(rng() % kOps);
      const std::uint64_t bytes = rng() % 300;
      // Views into other storage than the counters': equal text, another address.
      const std::string db_copy = db, t_copy = t;
      c.add(db_copy, t_copy, static_cast<ChangeOp>(op), bytes);
      auto& e = expect[{db, t, op}];
      ++e.first;
      e.second += bytes;
    }
  }
  std::uint64_t total = 0;
  std::size_t cells = 0;
  for (const TableCounts& t : c.tables())
    for (int op = 0; op < static_cast<int>(kOps); ++op) {
      if (t.rows[op] == 0) continue;
      ++cells;
      auto it = expect.find({t.database, t.table, op});
      REQUIRE(it != expect.end());
      CHECK(t.rows[op] == it->second.first);
      CHECK(t.bytes[op] == it->second.second);
      total += t.rows[op];
    }
  CHECK(cells == expect.size());
  CHECK(total == c.rows());
}

TEST_CASE("metrics: the file renders in the OpenMetrics text format and parses back") {
  RowCounters c;
  c.add("shop", "orders", ChangeOp::insert, 100);
  c.add("shop", "orders", ChangeOp::insert, 50);
  c.add("shop", "orders", ChangeOp::erase, 7);
  c.add("we\"ird", "ta\\ble\nname", ChangeOp::update, 3);
  Figures f;
  f.rows = &c;
  f.transactions = 4;
  f.lag_seconds = 2.5;
  f.bytes_behind = 1234;
  f.file_index = 7;
  f.offset = 4096;
  f.last_commit_time = 1765000000;
  f.reconnects = 2;
  f.errors = 1;
  f.purge_due_seconds = -10;
  f.sink = {.delivered_messages = 3, .in_flight_messages = 1, .oldest_unacknowledged_s = 0.25};
  f.start_time = 1765000000;
  f.now = 1765000010.5;
  const std::string text = render_openmetrics(f);
  std::string error;
  auto samples = check_openmetrics(text, error);
  REQUIRE_MESSAGE(error.empty(), error << "\n" << text);

  std::map<std::tuple<std::string, std::string, std::string>, double> rows, bytes;
  std::map<std::string, double> plain;
  for (const Sample& s : samples) {
    if (s.name == "dumpr_rows_written_total")
      rows[{s.labels.at("database"), s.labels.at("table"), s.labels.at("op")}] = s.value;
    else if (s.name == "dumpr_bytes_written_total")
      bytes[{s.labels.at("database"), s.labels.at("table"), s.labels.at("op")}] = s.value;
    else
      plain[s.name] = s.value;
  }
  CHECK(rows.size() == 3);
  CHECK(rows[{"shop", "orders", "insert"}] == 2);
  CHECK(rows[{"shop", "orders", "delete"}] == 1);
  CHECK(rows[{"we\"ird", "ta\\ble\nname", "update"}] == 1);
  CHECK(bytes[{"shop", "orders", "insert"}] == 150);
  CHECK(plain["dumpr_transactions_total"] == 4);
  CHECK(plain["dumpr_lag_seconds"] == 2.5);
  CHECK(plain["dumpr_bytes_behind"] == 1234);
  CHECK(plain["dumpr_position_file_index"] == 7);
  CHECK(plain["dumpr_position_offset_bytes"] == 4096);
  CHECK(plain["dumpr_last_commit_time_seconds"] == 1765000000);
  CHECK(plain["dumpr_reconnects_total"] == 2);
  CHECK(plain["dumpr_errors_total"] == 1);
  CHECK(plain["dumpr_binlog_purge_due_seconds"] == -10);
  CHECK(plain["dumpr_sink_delivered_messages_total"] == 3);
  CHECK(plain["dumpr_sink_ack_lag_seconds"] == 0.25);
  CHECK(plain["dumpr_updated_time_seconds"] == 1765000010.5);

  // Left out: what is not known, and a sink that reports nothing.
  Figures bare;
  const std::string small = render_openmetrics(bare);
  auto few = check_openmetrics(small, error);
  REQUIRE_MESSAGE(error.empty(), error << "\n" << small);
  CHECK(small.find("dumpr_lag_seconds") == std::string::npos);
  CHECK(small.find("dumpr_sink_") == std::string::npos);
  CHECK(small.find("dumpr_errors_total 0\n") != std::string::npos);
}

TEST_CASE("metrics: the format checker refuses what breaks the rules") {
  std::string error;
  const std::string good = "# TYPE a counter\n# HELP a x\na_total 1\n# EOF\n";
  check_openmetrics(good, error);
  CHECK(error.empty());
  for (const char* bad : {
           "# TYPE a counter\na_total 1\n",                  // no # EOF
           "# TYPE a counter\na_total 1\n# EOF\n\n",         // after # EOF
           "a 1\n# EOF\n",                                   // no TYPE
           "# TYPE a counter\na 1\n# EOF\n",                 // counter sample without _total
           "# TYPE a gauge\na_total 1\n# EOF\n",             // gauge sample with _total
           "# TYPE 1a gauge\n1a 1\n# EOF\n",                 // bad name
           "# TYPE a gauge\na{x=\"1\\t\"} 1\n# EOF\n",       // bad escape
           "# TYPE a gauge\na{x=\"1\",x=\"2\"} 1\n# EOF\n",  // label twice
           "# TYPE a gauge\n# TYPE b gauge\na 1\n# EOF\n",   // a's sample after b's TYPE
           "# TYPE a gauge\n# TYPE a gauge\na 1\n# EOF\n",   // TYPE twice
           "# TYPE a nonsense\na 1\n# EOF\n",                // unknown type
           "# TYPE a gauge\na one\n# EOF\n",                 // not a number
       }) {
    check_openmetrics(bad, error);
    CHECK_MESSAGE(!error.empty(), "accepted: " << bad);
  }
}

TEST_CASE("metrics: binlog file index, bytes behind") {
  CHECK(binlog_file_index("mariadb-bin.000042") == 42u);
  CHECK(binlog_file_index("binlog.1234567") == 1234567u);
  CHECK(!binlog_file_index("nodigits"));
  const std::vector<BinlogFileSize> files{{"b.000001", 1000}, {"b.000002", 500}, {"b.000003", 200}};
  CHECK(bytes_behind(files, "b.000003", 200) == 0u);
  CHECK(bytes_behind(files, "b.000003", 150) == 50u);
  CHECK(bytes_behind(files, "b.000002", 100) == 400u + 200u);
  CHECK(bytes_behind(files, "b.000001", 4) == 996u + 500u + 200u);
  CHECK(bytes_behind(files, "b.000002", 900) == 200u);  // past a file's listed size
  CHECK(!bytes_behind(files, "b.000000", 4));           // purged
}

TEST_CASE("metrics: rate, ETA, percent and the texts of progress lines") {
  CHECK(rate(100, 600, 2.0) == 250.0);
  CHECK(rate(100, 600, 0) == 0);
  CHECK(eta_seconds(250, 1000, 50) == 15.0);
  CHECK(!eta_seconds(250, 0, 50));      // no estimate
  CHECK(!eta_seconds(250, 1000, 0));    // no rate yet
  CHECK(!eta_seconds(1200, 1000, 50));  // the estimate was low
  CHECK(percent(50, 200) == 25.0);
  CHECK(percent(300, 200) == 100.0);
  CHECK(!percent(5, 0));
  CHECK(human_duration(0) == "0s");
  CHECK(human_duration(42.4) == "42s");
  CHECK(human_duration(185) == "3m05s");
  CHECK(human_duration(7440) == "2h04m");
  CHECK(human_duration(3 * 86400 + 4 * 3600) == "3d04h");
  CHECK(iso8601_utc(0) == "1970-01-01T00:00:00Z");
  CHECK(iso8601_utc(1765108800) == "2025-12-07T12:00:00Z");

  const std::string tail = tail_status({.rows = 1200,
                                        .rows_per_second = 350,
                                        .lag_seconds = 2,
                                        .bytes_behind = 4096,
                                        .file = "mariadb-bin.000002",
                                        .position = 1234,
                                        .reconnects = 1});
  CHECK(tail ==
        "mariadb-bin.000002:1234, 1200 rows, 350 rows/s, lag 2s, 4096 bytes behind, 1 reconnects");
  CHECK(tail_status(
            {.sink = {.delivered_messages = 5, .in_flight_messages = 2, .in_flight_bytes = 90},
             .sink_messages_per_second = 2.5})
            .ends_with("; sink: 5 delivered, 2 msg/s, 2 in flight (90 bytes), ack lag 0s"));
  const std::string load = load_status({.table_index = 1,
                                        .table_count = 5,
                                        .table = "orders",
                                        .rows = 120000,
                                        .estimated_rows = 240000,
                                        .rows_per_second = 30000,
                                        .elapsed = 4});
  CHECK(load == "table 2/5 orders, 120000 of ~240000 rows (50%), 30000 rows/s, elapsed 4s, ETA 4s");
  CHECK(rows_by_op({3, 2, 1, 0, 0}) == "6 rows (insert 3, update 2, delete 1)");
  CHECK(rows_by_op({}) == "0 rows");
  for (const std::string& s : {tail, load}) {
    CHECK(s.find('\r') == std::string::npos);
    CHECK(s.find('\033') == std::string::npos);
  }
}

TEST_CASE("metrics: the file is replaced whole, and a failure leaves it as it was") {
  TempDir dir;
  const std::string path = dir.path + "/dumpr.prom";
  REQUIRE(write_file_atomically(path, "one\n"));
  CHECK(read_all(path) == "one\n");
  REQUIRE(write_file_atomically(path, "two\n"));
  CHECK(read_all(path) == "two\n");
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);
  // Nothing else is left in the directory (no temp file).
  CHECK(std::system(("test $(ls -A '" + dir.path + "' | wc -l) -eq 1").c_str()) == 0);

  Status missing = write_file_atomically(dir.path + "/no/such/dir/x.prom", "x");
  REQUIRE(!missing);
  CHECK(missing.error().message.find("no/such/dir") != std::string::npos);

  // A directory where the file should be: the rename fails, the temp file goes.
  REQUIRE(::mkdir((dir.path + "/taken").c_str(), 0755) == 0);
  REQUIRE(::mkdir((dir.path + "/taken/sub").c_str(), 0755) == 0);
  Status over_dir = write_file_atomically(dir.path + "/taken", "x");
  CHECK(!over_dir);
  CHECK(std::system(("test $(ls -A '" + dir.path + "' | wc -l) -eq 2").c_str()) == 0);
}

TEST_CASE("metrics: the counting sink passes everything on and counts each record's bytes") {
  StringSink inner;
  RowCounters c;
  CountingSink counting(inner, c);
  int called = 0;
  counting.on_progress([&]() -> Status {
    ++called;
    return {};
  });
  ChangeRecord a{.op = ChangeOp::insert, .database = "d", .table = "t"};
  ChangeRecord b{.op = ChangeOp::erase, .database = "d", .table = "u"};
  REQUIRE(counting.put("[\"i\",\"t\","));
  REQUIRE(counting.put("1]"));
  REQUIRE(counting.end_record(a, 1));
  REQUIRE(counting.put("[\"d\",\"u\",2]"));
  REQUIRE(counting.end_record(b, 2));
  CHECK(inner.bytes == "[\"i\",\"t\",1]\n[\"d\",\"u\",2]\n");
  CHECK(counting.acknowledged() == 2);
  CHECK(counting.stats().delivered_messages == 2);
  REQUIRE(c.tables().size() == 2);
  CHECK(c.tables()[0].rows[0] == 1);
  CHECK(c.tables()[0].bytes[0] == 11);
  CHECK(c.tables()[1].rows[2] == 1);
  CHECK(c.tables()[1].bytes[2] == 11);
  // The inner sink's call while blocked reaches whoever set the counting sink's callback.
  REQUIRE(inner.blocked());
  CHECK(called == 1);
}
