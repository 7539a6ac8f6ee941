// mock_broker: a Kafka cluster for tests, on librdkafka's mock cluster (rdkafka_mock.h: the Kafka
// wire protocol served in-process, the same code librdkafka's own test suite uses). There is no
// Kafka broker on the test machines; this one speaks the real protocol on loopback, so dumpr's
// producer and kcat talk to it exactly as to a real cluster.
//
//   mock_broker [--brokers N]      (default 3)
//
// Prints the bootstrap servers ("127.0.0.1:PORT,...") as its first line on stdout, then reads
// commands from stdin, one a line, and answers each with "ok" or "error: ..." on stdout:
//
//   topic NAME PARTITIONS      create a topic (else topics are created on first use, with the
//                              mock cluster's default of 4 partitions)
//   down ID | up ID            take broker ID (1..N, or -1 for all) down (connections closed,
//                              new ones refused) or up again; partition leaders stay where they are
//   rtt ID MS                  broker ID answers every request MS milliseconds late (0: at once)
//   produce-errors N CODE...   the next N Produce requests fail with CODE (a name such as
//                              NOT_LEADER_FOR_PARTITION or TOPIC_AUTHORIZATION_FAILED, or a
//                              number); several codes are used in turn
//   clear-errors               forget the errors still pushed for Produce
//   request-errors API N CODE...
//                              the next N requests of API (a Kafka request name: EndTxn,
//                              AddPartitionsToTxn, InitProducerId, ... or its number) fail
//                              with CODE; e.g. what a transaction coordinator answers a fenced
//                              producer (PRODUCER_FENCED), which the mock cluster never does by
//                              itself (it gives every InitProducerId a new producer id)
//   quit                       (or end of input) destroy the cluster and exit 0
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

constexpr std::int16_t kProduceApiKey = 0;  // Kafka protocol: ProduceRequest
// Kafka protocol request keys of the transactional producer.
constexpr std::pair<const char*, int> kApis[] = {
    {"Produce", 0},          {"InitProducerId", 22}, {"AddPartitionsToTxn", 24},
    {"AddOffsetsToTxn", 25}, {"EndTxn", 26},         {"TxnOffsetCommit", 28}};

bool parse_error_code(const std::string& word, rd_kafka_resp_err_t& out) {
  char* end = nullptr;
  long n = std::strtol(word.c_str(), &end, 10);
  if (end && *end == '\0' && !word.empty()) {
    out = static_cast<rd_kafka_resp_err_t>(n);
    return true;
  }
  const rd_kafka_err_desc* descs = nullptr;
  size_t count = 0;
  rd_kafka_get_err_descs(&descs, &count);
  for (size_t i = 0; i < count; ++i)
    if (descs[i].name && word == descs[i].name) {
      out = descs[i].code;
      return true;
    }
  return false;
}

// The rest of an errors command, "N CODE...": the next N requests of `api` fail with the codes in
// turn. The answer ("ok" or "error: ...").
std::string push_errors(rd_kafka_mock_cluster_t* mc, int api, std::istringstream& in,
                        const std::string& usage) {
  long n = 0;
  in >> n;
  std::vector<rd_kafka_resp_err_t> codes;
  std::string word;
  while (in >> word) {
    rd_kafka_resp_err_t code;
    if (!parse_error_code(word, code)) return "error: unknown error code " + word;
    codes.push_back(code);
  }
  if (api < 0 || n < 1 || codes.empty()) return "error: usage: " + usage;
  std::vector<rd_kafka_resp_err_t> all;
  for (long i = 0; i < n; ++i) all.push_back(codes[static_cast<std::size_t>(i) % codes.size()]);
  rd_kafka_mock_push_request_errors_array(mc, static_cast<std::int16_t>(api), all.size(),
                                          all.data());
  return "ok";
}

}  // namespace

int main(int argc, char** argv) {
  int brokers = 3;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--brokers") == 0 && i + 1 < argc) {
      brokers = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: mock_broker [--brokers N]\n");
      return 2;
    }
  }
  if (brokers < 1) {
    std::fprintf(stderr, "mock_broker: --brokers must be at least 1\n");
    return 2;
  }

  // The mock cluster needs a client instance for its bookkeeping; it is otherwise unused.
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    std::fprintf(stderr, "mock_broker: rd_kafka_new: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (!mc) {
    std::fprintf(stderr, "mock_broker: cannot create the mock cluster\n");
    rd_kafka_destroy(rk);
    return 1;
  }
  std::printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
  std::fflush(stdout);

  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    std::string answer = "ok";
    if (cmd.empty()) {
      continue;
    } else if (cmd == "quit") {
      break;
    } else if (cmd == "topic") {
      std::string name;
      int partitions = 0;
      if (!(in >> name >> partitions) || partitions < 1) {
        answer = "error: usage: topic NAME PARTITIONS";
      } else if (rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, name.c_str(), partitions,
                                                                    brokers < 3 ? brokers : 3)) {
        answer = std::string("error: ") + rd_kafka_err2name(e);
      }
    } else if (cmd == "down" || cmd == "up") {
      int id = 0;
      if (!(in >> id)) {
        answer = "error: usage: " + cmd + " ID";
      } else if (rd_kafka_resp_err_t e = cmd == "down" ? rd_kafka_mock_broker_set_down(mc, id)
                                                       : rd_kafka_mock_broker_set_up(mc, id)) {
        answer = std::string("error: ") + rd_kafka_err2name(e);
      }
    } else if (cmd == "rtt") {
      int id = 0, ms = 0;
      if (!(in >> id >> ms) || ms < 0) {
        answer = "error: usage: rtt ID MS";
      } else if (rd_kafka_resp_err_t e = rd_kafka_mock_broker_set_rtt(mc, id, ms)) {
        answer = std::string("error: ") + rd_kafka_err2name(e);
      }
    } else if (cmd == "produce-errors") {
      answer = push_errors(mc, kProduceApiKey, in, "produce-errors N CODE...");
    } else if (cmd == "request-errors") {
      std::string api_word;
      in >> api_word;
      int api = -1;
      for (const auto& [name, key] : kApis)
        if (api_word == name) api = key;
      if (api < 0 && !api_word.empty() && std::isdigit(static_cast<unsigned char>(api_word[0])))
        api = std::atoi(api_word.c_str());
      answer = push_errors(mc, api, in, "request-errors API N CODE...");
    } else if (cmd == "clear-errors") {
      rd_kafka_mock_clear_request_errors(mc, kProduceApiKey);
    } else {
      answer = "error: unknown command " + cmd;
    }
    std::printf("%s\n", answer.c_str());
    std::fflush(stdout);
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
