// --sink, --brokers, --topic, --kafka-option, --tombstones: where the records go (stdout, a file
// with --output, or Kafka), for load and tail.
#include <cstdio>

#include "cli/commands.hpp"
#include "dumpr/kafka.hpp"

namespace dumpr::cli {

void add_sink_options(CLI::App& cmd, SinkArgs& s) {
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
  cmd.add_flag("--tombstones", s.tombstones,
               "--sink kafka: after a delete, a message with the row's key and no value (for "
               "compacted topics)")
      ->group(group);
}

Result<std::unique_ptr<Sink>> open_cli_sink(const SinkArgs& s, const std::string& output,
                                            const FormatArgs& format, const Config& cfg) {
  if (s.kind != "kafka") {
    const char* kafka_only = !s.brokers.empty()         ? "--brokers"
                             : !s.topic.empty()         ? "--topic"
                             : !s.kafka_options.empty() ? "--kafka-option"
                             : s.tombstones             ? "--tombstones"
                                                        : nullptr;
    if (kafka_only)
      return make_error(ErrorKind::usage,
                        std::string(kafka_only) + " goes with --sink kafka: add --sink kafka");
    return open_sink(output);
  }
  if (!output.empty())
    return make_error(ErrorKind::usage,
                      "--output and --sink kafka both say where records go: give one of them");
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
  return make_kafka_sink(k);
}

}  // namespace dumpr::cli
