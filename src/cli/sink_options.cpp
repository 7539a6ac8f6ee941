// --sink, --brokers, --topic, --kafka-option, --tombstones, --exactly-once, --positions-topic:
// where the records go (stdout, a file with --output, or Kafka), for load and tail.
#include <cstdio>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "cli/commands.hpp"
#include "dumpr/kafka.hpp"

namespace dumpr::cli {

namespace {

// librdkafka allocates and frees a block per message, and its broker threads a buffer of up to
// batch.size (1 MB) per batch. With glibc's defaults those buffers are mmapped and unmapped each
// time and freed heap is trimmed back to the kernel, only to be faulted in again: two thirds of a
// Kafka run's system time (0.9 s -> 0.3 s per 1M rows) and about 15% of its wall time
// (bench/KAFKA.md). The process keeps up to 64 MiB of freed heap instead: never more than it
// once used, which the producer's queue (16 MiB) and its batches bound. Process-wide, so done
// here, where the process is dumpr's own, not in the library.
void keep_heap_for_kafka() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
}

}  // namespace

void add_sink_options(CLI::App& cmd, SinkArgs& s, bool writes_deletes) {
  const char* group = "Kafka";
  cmd.add_option("--sink", s.kind,
                 "Where records go: stdout (the default; a file with --output) or kafka (one "
                 "message per record; the checkpoint follows the brokers' acknowledgements)")
      ->check(CLI::IsMember({"stdout", "kafka"}))
      ->group("Output");
  cmd.add_option("--brokers", s.brokers,
                 "--sink kafka: bootstrap brokers, HOST:PORT[,HOST:PORT...]")
      ->type_name("HOSTS")
      ->group(group);
  cmd.add_option("--topic", s.topic,
                 "--sink kafka: topic template with {db}, {table}, {server} (default "
                 "dumpr.{db}.{table}; {server}.{db}.{table} with --format debezium)")
      ->type_name("TEMPLATE")
      ->group(group);
  cmd.add_option("--kafka-option", s.kafka_options,
                 "--sink kafka: a librdkafka setting KEY=VALUE (security, SASL, TLS, "
                 "compression), repeatable; after kafka-option= lines of the [dumpr] option-file "
                 "group")
      ->type_name("KEY=VALUE")
      ->expected(1)
      ->take_all()
      ->allow_extra_args(false)
      ->group(group);
  if (writes_deletes)  // not offered where it would do nothing (load)
    cmd.add_flag("--tombstones", s.tombstones,
                 "--sink kafka: after a delete, a message with the row's key and no value (for "
                 "compacted topics)")
        ->group(group);
  cmd.add_option("--exactly-once", s.exactly_once,
                 "--sink kafka: Kafka transactions, each with the checkpoint in the positions "
                 "topic; NAME and the server's identity make the transactional.id")
      ->type_name("NAME")
      ->group(group);
  cmd.add_option("--positions-topic", s.positions_topic,
                 "--exactly-once: the compacted topic of the checkpoints (default dumpr.positions)")
      ->type_name("TOPIC")
      ->group(group);
}

namespace {

KafkaOptions kafka_options(const SinkArgs& s, const FormatArgs& format, const Config& cfg) {
  KafkaOptions k;
  k.brokers = s.brokers;
  k.topic = !s.topic.empty()            ? s.topic
            : format.name == "debezium" ? std::string("{server}.{db}.{table}")
                                        : std::string("dumpr.{db}.{table}");
  k.server_name = format.server_name;
  k.settings = cfg.kafka_options;
  k.settings.insert(k.settings.end(), s.kafka_options.begin(), s.kafka_options.end());
  k.tombstones = s.tombstones;
  k.interrupted = &stop_requested;
  k.on_notice = [](std::string_view msg) {
    std::fprintf(stderr, "dumpr: %.*s\n", static_cast<int>(msg.size()), msg.data());
  };
  if (!s.exactly_once.empty() && !s.positions_topic.empty()) k.positions_topic = s.positions_topic;
  return k;
}

bool name_chars(std::string_view name) {
  for (const char ch : name)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
          ch == '.' || ch == '_' || ch == '-'))
      return false;
  return true;
}

}  // namespace

Status check_exactly_once(const SinkArgs& s, const std::string& output, bool offline) {
  if (!s.positions_topic.empty() && s.exactly_once.empty())
    return make_error(ErrorKind::usage,
                      "--positions-topic goes with --exactly-once NAME: add --exactly-once");
  if (s.exactly_once.empty()) return {};
  if (s.kind != "kafka")
    return make_error(ErrorKind::usage,
                      "--exactly-once goes with --sink kafka (Kafka transactions): add --sink "
                      "kafka --brokers HOST:PORT");
  if (!output.empty())
    return make_error(ErrorKind::usage,
                      "--output and --sink kafka both say where records go: give one of them");
  if (s.exactly_once.size() > 100 || !name_chars(s.exactly_once))
    return make_error(ErrorKind::usage,
                      "--exactly-once " + s.exactly_once +
                          ": a NAME of 1 to 100 letters, digits, '.', '_' or '-' (it becomes "
                          "part of the transactional.id)");
  const std::string topic = s.positions_topic.empty() ? "dumpr.positions" : s.positions_topic;
  if (topic.size() > 249 || !name_chars(topic) || topic == "." || topic == "..")
    return make_error(ErrorKind::usage, "--positions-topic " + topic +
                                            ": not a Kafka topic name (1 to 249 letters, "
                                            "digits, '.', '_' or '-')");
  if (offline)
    return make_error(ErrorKind::usage,
                      "--exactly-once needs a live server (its identity makes the "
                      "transactional.id): leave out --binlog-file, or use at-least-once");
  return {};
}

Result<ExactlyOnceSink> open_exactly_once_sink(const SinkArgs& s, const Position& identity,
                                               const FormatArgs& format, const Config& cfg,
                                               bool read_stored) {
  KafkaOptions k = kafka_options(s, format, cfg);
  keep_heap_for_kafka();
  ExactlyOnceSink out;
  out.id = exactly_once_id(identity, s.exactly_once);
  k.transactional_id = out.id;
  // First the producer: its initialisation fences an older instance and aborts its open
  // transaction, so the read below sees only what is committed for good.
  auto sink = make_kafka_sink(k);
  if (!sink) return sink.take_error();
  out.sink = std::move(*sink);
  if (!read_stored) return out;
  auto text = read_kafka_checkpoint(k);
  if (!text) return text.take_error();
  if (*text) {
    auto pos = parse_checkpoint_json(**text, "the checkpoint in Kafka (positions topic " +
                                                 k.positions_topic + ", key " + out.id + ")");
    if (!pos) return pos.take_error();
    out.stored = std::move(*pos);
  }
  return out;
}

Result<std::unique_ptr<Sink>> open_cli_sink(const SinkArgs& s, const std::string& output,
                                            const FormatArgs& format, const Config& cfg) {
  if (s.kind != "kafka") {
    const char* kafka_only = !s.brokers.empty()         ? "--brokers"
                             : !s.topic.empty()         ? "--topic"
                             : !s.kafka_options.empty() ? "--kafka-option"
                             : s.tombstones             ? "--tombstones"
                             : !s.exactly_once.empty()  ? "--exactly-once"
                                                        : nullptr;
    if (kafka_only)
      return make_error(ErrorKind::usage,
                        std::string(kafka_only) + " goes with --sink kafka: add --sink kafka");
    return open_sink(output);
  }
  if (!output.empty())
    return make_error(ErrorKind::usage,
                      "--output and --sink kafka both say where records go: give one of them");
  keep_heap_for_kafka();
  return make_kafka_sink(kafka_options(s, format, cfg));
}

}  // namespace dumpr::cli
