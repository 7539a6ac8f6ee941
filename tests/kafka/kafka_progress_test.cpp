// The sink's figures in --progress lines and the --metrics-file of a tail into Kafka (the mock
// cluster, slowed so that messages stay in flight for a while): messages acknowledged and per
// second, messages and bytes in flight, acknowledgement lag; at the end every message
// acknowledged and none in flight.
#include <regex>

#include "kafka/kafka_support.hpp"

using namespace dumpr_kafka;

namespace {

// The value of an OpenMetrics sample line `name value` (the first one), or -1.
double sample(const std::string& text, const std::string& name) {
  const std::regex re("(^|\n)" + name + " ([0-9.e+]+)");
  std::smatch m;
  if (!std::regex_search(text, m, re)) return -1;
  return std::stod(m[2].str());
}

}  // namespace

TEST_CASE("kafka: --progress and --metrics-file show messages/s, in flight and ack lag") {
  MockBroker mb;
  TestDatabase db("kafka_progress");
  {
    Sql sql;
    sql.exec("CREATE TABLE `" + db.name() + "`.t (id INT PRIMARY KEY, v VARCHAR(40))");
  }
  mb.command("topic dumpr.kafka_progress.t 3");
  TempDir tmp;
  const std::string ck = tmp / "ck.json", metrics = tmp / "dumpr.prom";
  write_position(db.name(), ck);
  constexpr int kRows = 300;
  {
    Client c(server().socket, db.name());
    for (int i = 0; i < kRows; i += 10) {
      std::string sql = "INSERT INTO t VALUES ";
      for (int j = i; j < i + 10; ++j)
        sql += (j > i ? ",(" : "(") + std::to_string(j) + ",'value " + std::to_string(j) + "')";
      c.exec(sql);
    }
  }
  // Every broker answers 300 ms late: acknowledgements trail the sends for a few seconds.
  for (int b = 1; b <= 3; ++b) mb.command("rtt " + std::to_string(b) + " 300");

  std::vector<std::string> a = {"tail"};
  for (auto& c : conn_args(db.name())) a.push_back(c);
  for (const char* s : {"--from", ck.c_str(), "--until-end", "--sink", "kafka", "--brokers",
                        mb.bootstrap().c_str(), "--progress", "--progress-interval", "0.2",
                        "--metrics-file", metrics.c_str(), "--metrics-interval", "0.2"})
    a.push_back(s);
  RunResult r = dumpr(a);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  MESSAGE(r.err);

  // Whole timestamped lines (stderr is not a terminal here), some while messages were in flight.
  const std::regex line_re(
      R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ dumpr tail: .*; sink: (\d+) delivered, (\d+) msg/s, (\d+) in flight \((\d+) bytes\), ack lag (\S+)$)");
  int lines = 0, with_in_flight = 0;
  std::uint64_t last_delivered = 0;
  for (const std::string& l : split_lines(r.err)) {
    std::smatch m;
    if (!std::regex_match(l, m, line_re)) continue;
    ++lines;
    const auto delivered = std::stoull(m[1].str()), in_flight = std::stoull(m[3].str()),
               bytes = std::stoull(m[4].str());
    CHECK(delivered >= last_delivered);  // a count: never goes back
    last_delivered = delivered;
    CHECK((in_flight == 0) == (bytes == 0));
    if (in_flight > 0) ++with_in_flight;
  }
  CHECK_MESSAGE(lines >= 2, r.err);
  CHECK_MESSAGE(with_in_flight >= 1, r.err);

  // The file at exit: every message acknowledged, nothing in flight.
  const std::string m = read_file(metrics);
  CHECK_MESSAGE(sample(m, "dumpr_sink_delivered_messages_total") == kRows, m);
  CHECK(sample(m, "dumpr_sink_in_flight_messages") == 0);
  CHECK(sample(m, "dumpr_sink_in_flight_bytes") == 0);
  CHECK(sample(m, "dumpr_sink_delivered_bytes_total") > kRows * 10);
  CHECK(sample(m, "dumpr_sink_ack_lag_seconds") == 0);
}

// The metrics sink stands in front of the Kafka sink: in exactly-once mode it must pass the
// checkpoints on (else no Kafka transaction is ever committed and nothing is acknowledged).
TEST_CASE("kafka: --exactly-once with --metrics-file and --progress commits and checkpoints") {
  MockBroker mb;
  TestDatabase db("kafka_eos_metrics");
  {
    Sql sql;
    sql.exec("CREATE TABLE `" + db.name() + "`.t (id INT PRIMARY KEY, v VARCHAR(40))");
  }
  mb.command("topic dumpr.kafka_eos_metrics.t 2");
  mb.command("topic eos.metrics.positions 3");
  TempDir tmp;
  const std::string ck = tmp / "ck.json", metrics = tmp / "dumpr.prom";
  write_position(db.name(), ck);
  constexpr int kRows = 50;
  {
    Client c(server().socket, db.name());
    for (int i = 0; i < kRows; ++i) c.exec("INSERT INTO t VALUES (" + std::to_string(i) + ",'v')");
  }
  std::vector<std::string> a = {"tail"};
  for (auto& c : conn_args(db.name())) a.push_back(c);
  for (const char* s : {"--from", ck.c_str(), "--until-end", "--sink", "kafka", "--brokers",
                        mb.bootstrap().c_str(), "--exactly-once", "metrics", "--positions-topic",
                        "eos.metrics.positions", "--progress", "--metrics-file", metrics.c_str()})
    a.push_back(s);
  RunResult r = dumpr(a);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  Client root(server().socket);
  CHECK(read_checkpoint_pos(ck) == master_status(root));
  const std::string m = read_file(metrics);
  CHECK_MESSAGE(sample(m, "dumpr_sink_in_flight_messages") == 0, m);
  CHECK(sample(m, "dumpr_sink_delivered_messages_total") >= kRows);
  CHECK(consume_all(mb.bootstrap(), "dumpr.kafka_eos_metrics.t").messages.size() == kRows);
}
