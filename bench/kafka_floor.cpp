// kafka_floor: what librdkafka alone takes to deliver a run's records, for scripts/bench --kafka.
//
//   kafka_floor BROKERS TOPIC FILE
//
// FILE holds the records as dumpr writes them (one JSON line each, e.g. `dumpr tail > FILE`). They
// are read into memory first (not timed); then each line is produced as one message, keyed by
// its line number, with the settings dumpr's Kafka sink gives librdkafka (idempotent, acks=all,
// murmur2_random, lz4, the same queue bounds and linger) and the same calls (produce_batch of up
// to 1000, F_COPY), until every message is acknowledged. Prints one line:
//
//   MESSAGES SECONDS CPU_SECONDS
//
// the wall time and the process's CPU time (user + system) of the produce-and-wait part. A tail
// into Kafka does this and dumpr's own work (the /dev/null run) on the same cores, so the two
// together bound its rate from below.
#include <librdkafka/rdkafka.h>
#include <malloc.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

long delivered = 0, failed = 0;

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  if (m->err)
    ++failed;
  else
    ++delivered;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: kafka_floor BROKERS TOPIC FILE\n");
    return 2;
  }
  std::ifstream in(argv[3], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "kafka_floor: cannot read %s\n", argv[3]);
    return 1;
  }
  const std::string rows((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // As dumpr does with --sink kafka (src/cli/sink_options.cpp): freed heap is kept.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);

  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  const char* settings[][2] = {
      {"bootstrap.servers", argv[1]},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"partitioner", "murmur2_random"},
      {"message.timeout.ms", "0"},
      {"queue.buffering.max.messages", "20000"},
      {"queue.buffering.max.kbytes", "16384"},
      {"linger.ms", "5"},
      {"compression.type", "lz4"},
  };
  for (const auto& [key, value] : settings)
    if (rd_kafka_conf_set(conf, key, value, err, sizeof err) != RD_KAFKA_CONF_OK) {
      std::fprintf(stderr, "kafka_floor: %s: %s\n", key, err);
      return 1;
    }
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    std::fprintf(stderr, "kafka_floor: %s\n", err);
    return 1;
  }
  rd_kafka_topic_t* topic = rd_kafka_topic_new(rk, argv[2], nullptr);

  constexpr std::size_t kBatch = 1000;
  std::vector<rd_kafka_message_t> batch(kBatch);
  std::vector<std::string> keys(kBatch);
  long messages = 0;
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = cpu_seconds();
  std::size_t at = 0;
  while (at < rows.size()) {
    std::size_t n = 0;
    for (; n < kBatch && at < rows.size(); ++n, ++messages) {
      std::size_t nl = rows.find('\n', at);
      if (nl == std::string::npos) nl = rows.size();
      keys[n] = std::to_string(messages);
      batch[n] = rd_kafka_message_t{};
      batch[n].payload = const_cast<char*>(rows.data() + at);
      batch[n].len = nl - at;
      batch[n].key = keys[n].data();
      batch[n].key_len = keys[n].size();
      at = nl + 1;
    }
    std::size_t from = 0;
    while (from < n) {
      rd_kafka_produce_batch(topic, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, batch.data() + from,
                             static_cast<int>(n - from));
      while (from < n && batch[from].err == RD_KAFKA_RESP_ERR_NO_ERROR) ++from;
      if (from < n && batch[from].err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        std::fprintf(stderr, "kafka_floor: %s\n", rd_kafka_err2str(batch[from].err));
        return 1;
      }
      if (from < n) rd_kafka_poll(rk, 100);  // the queue is full: wait for acknowledgements
    }
    rd_kafka_poll(rk, 0);
  }
  while (rd_kafka_outq_len(rk) > 0) rd_kafka_flush(rk, 100);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = cpu_seconds() - cpu_start;
  rd_kafka_topic_destroy(topic);
  rd_kafka_destroy(rk);
  if (failed || delivered != messages) {
    std::fprintf(stderr, "kafka_floor: %ld of %ld messages acknowledged, %ld failed\n", delivered,
                 messages, failed);
    return 1;
  }
  std::printf("%ld %.2f %.2f\n", messages, secs, cpu);
  return 0;
}
