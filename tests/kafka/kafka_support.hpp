// Support for the Kafka tests: the mock cluster (tests/kafka/mock_broker.cpp, librdkafka's
// in-process Kafka: the real wire protocol on loopback) run as a child process and driven through
// its stdin, a librdkafka consumer that reads a whole topic back, and the Java client's murmur2
// (computed here, independently of librdkafka) to check partitions.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "live/tail_support.hpp"

namespace dumpr_kafka {

using namespace dumpr_tail;

// mock_broker as a child: its first stdout line is the bootstrap servers; each command is
// answered with one line.
class MockBroker {
 public:
  explicit MockBroker(int brokers = 3) {
    int in_pipe[2], out_pipe[2];
    REQUIRE(::pipe2(in_pipe, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
    const int rc = spawn_child(pid_, {DUMPR_MOCK_BROKER, "--brokers", std::to_string(brokers)}, fa);
    posix_spawn_file_actions_destroy(&fa);
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    REQUIRE(rc == 0);
    in_ = ::fdopen(in_pipe[1], "w");
    out_ = ::fdopen(out_pipe[0], "r");
    bootstrap_ = line();
    REQUIRE(bootstrap_.find(':') != std::string::npos);
  }
  ~MockBroker() {
    if (in_) {
      std::fputs("quit\n", in_);
      std::fclose(in_);
    }
    int st = 0;
    for (int i = 0; i < 200 && ::waitpid(pid_, &st, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (::waitpid(pid_, &st, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &st, 0);
    }
    if (out_) std::fclose(out_);
  }
  MockBroker(const MockBroker&) = delete;
  MockBroker& operator=(const MockBroker&) = delete;

  const std::string& bootstrap() const { return bootstrap_; }

  // Sends a command; fails the test unless it is answered "ok".
  void command(const std::string& cmd) {
    std::fprintf(in_, "%s\n", cmd.c_str());
    std::fflush(in_);
    const std::string answer = line();
    REQUIRE_MESSAGE(answer == "ok", "mock_broker: " << cmd << " -> " << answer);
  }

 private:
  std::string line() {
    char buf[4096];
    if (!std::fgets(buf, sizeof buf, out_)) return "(mock_broker ended)";
    std::string s(buf);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }
  pid_t pid_ = -1;
  FILE* in_ = nullptr;
  FILE* out_ = nullptr;
  std::string bootstrap_;
};

struct Message {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string key;
  std::optional<std::string> value;  // nullopt: a tombstone
};

struct TopicContents {
  int partitions = 0;
  std::vector<Message> messages;  // partition by partition, each in offset order
};

// Every message of `topic`, read from the beginning of each partition to its end now.
inline TopicContents consume_all(const std::string& bootstrap, const std::string& topic) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", "dumpr-kafka-test", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof err);
  rd_kafka_conf_set(conf, "isolation.level", "read_committed", err, sizeof err);
  rd_kafka_conf_set(conf, "fetch.wait.max.ms", "10", err, sizeof err);  // read to the end, no wait
  rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int, const char*, const char*) {});
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  REQUIRE_MESSAGE(rk != nullptr, err);
  TopicContents out;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  REQUIRE(rd_kafka_metadata(rk, 0, rkt, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  REQUIRE(md->topic_cnt == 1);
  REQUIRE_MESSAGE(md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR,
                  "topic " << topic << ": " << rd_kafka_err2str(md->topics[0].err));
  out.partitions = md->topics[0].partition_cnt;
  rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(rkt);

  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(out.partitions);
  int open = 0;
  for (int p = 0; p < out.partitions; ++p) {
    std::int64_t lo = 0, hi = 0;
    REQUIRE(rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, 10000) ==
            RD_KAFKA_RESP_ERR_NO_ERROR);
    // The mock cluster keeps about 5 MB per partition and drops older batches: a test that wrote
    // more cannot read all of it back.
    REQUIRE_MESSAGE(lo == 0, topic << " [" << p << "]: messages before offset " << lo
                                   << " were dropped by the mock cluster's size limit: write "
                                      "less or use more partitions");
    if (hi == lo) continue;
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    ++open;
  }
  REQUIRE(rd_kafka_assign(rk, parts) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(parts);
  std::map<int, std::vector<Message>> by_partition;
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (open > 0 && Clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      --open;
    } else if (m->err) {
      const std::string why = rd_kafka_message_errstr(m);
      rd_kafka_message_destroy(m);
      FAIL("consuming " << topic << ": " << why);
    } else {
      Message msg;
      msg.partition = m->partition;
      msg.offset = m->offset;
      msg.key.assign(static_cast<const char*>(m->key), m->key_len);
      if (m->payload) msg.value.emplace(static_cast<const char*>(m->payload), m->len);
      by_partition[m->partition].push_back(std::move(msg));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  REQUIRE_MESSAGE(open == 0, "consuming " << topic << ": partitions not read to their end");
  for (auto& [p, msgs] : by_partition)
    for (auto& m : msgs) out.messages.push_back(std::move(m));
  return out;
}

// The Java client's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), written here from its
// definition so the test does not trust librdkafka's own.
inline std::uint32_t java_murmur2(std::string_view data) {
  const std::uint32_t m = 0x5bd1e995;
  const int r = 24;
  const auto len = static_cast<std::uint32_t>(data.size());
  std::uint32_t h = 0x9747b28c ^ len;
  const auto* b = reinterpret_cast<const unsigned char*>(data.data());
  const std::uint32_t n4 = len / 4;
  for (std::uint32_t i = 0; i < n4; ++i) {
    std::uint32_t k = b[i * 4] | (b[i * 4 + 1] << 8) | (b[i * 4 + 2] << 16) |
                      (static_cast<std::uint32_t>(b[i * 4 + 3]) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const std::uint32_t tail = len & ~3u;
  switch (len % 4) {
    case 3:
      h ^= static_cast<std::uint32_t>(b[tail + 2]) << 16;
      [[fallthrough]];
    case 2:
      h ^= static_cast<std::uint32_t>(b[tail + 1]) << 8;
      [[fallthrough]];
    case 1:
      h ^= b[tail];
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return h;
}

// The partition the Java client's default partitioner picks for a key.
inline int java_partition(std::string_view key, int partitions) {
  return static_cast<int>((java_murmur2(key) & 0x7fffffffu) %
                          static_cast<std::uint32_t>(partitions));
}

// `dumpr position` into a checkpoint file.
inline void write_position(const std::string& db, const std::string& path) {
  std::vector<std::string> a = {"position", "--checkpoint", path};
  for (auto& c : conn_args(db)) a.push_back(c);
  RunResult r = dumpr(a);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
}

}  // namespace dumpr_kafka
