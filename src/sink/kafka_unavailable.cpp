// A build without librdkafka (CMake did not find librdkafka-dev, or -DDUMPR_KAFKA=OFF): the Kafka
// sink's API is there, and says so.
#include "dumpr/kafka.hpp"

namespace dumpr {

bool kafka_available() {
  return false;
}

Result<std::unique_ptr<Sink>> make_kafka_sink(const KafkaOptions&) {
  return make_error(ErrorKind::usage,
                    "--sink kafka: this dumpr was built without Kafka support (librdkafka-dev "
                    "was not found when it was built): install librdkafka-dev and build again");
}

std::string exactly_once_id(const Position&, std::string_view name) {
  return std::string(name);
}

Result<std::optional<std::string>> read_kafka_checkpoint(const KafkaOptions& opts) {
  return make_kafka_sink(opts).error();
}

}  // namespace dumpr
