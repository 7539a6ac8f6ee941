// The Kafka sink: each record one Kafka message, sent by librdkafka's idempotent producer with
// acks=all; a record counts as delivered (Sink::acknowledged) once the brokers acknowledged its
// message, so the checkpoint never passes a message Kafka does not have (at-least-once).
//
//   auto sink = dumpr::make_kafka_sink({.brokers = "kafka1:9092", .topic = "dumpr.{db}.{table}"});
//   dumpr::run_tail(*stream, *format, **sink, {.checkpoint = "pos.json"});
//
// Exactly-once (KafkaOptions::transactional_id set): the producer is transactional. The records
// between two flush(true)/drain() calls are one Kafka transaction, which also writes the
// checkpoint the pipeline gives (Sink::checkpoint, the checkpoint file's JSON) to the positions
// topic, keyed by the transactional.id; acknowledged() moves only when such a transaction is
// committed, and only at the end of a source transaction (one is never split). At start, the
// caller reads the position back with read_kafka_checkpoint (read_committed) after
// make_kafka_sink, whose producer initialisation fenced an older instance with the same id and
// aborted its open transaction.
//
// Message: topic from the template; key the row's id as JSON text (`7`, `[1,"a"]`, `null` for
// a table without a key), or `["db.table",ID]` when the template lacks {db} or {table} (one topic
// then holds several tables); value the formatted record; partition murmur2(key) modulo the
// partition count, as the Java client's default partitioner, so Java consumers and Kafka
// Streams agree on where a key lives.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dumpr/error.hpp"
#include "dumpr/position.hpp"
#include "dumpr/sink.hpp"

namespace dumpr {

struct KafkaOptions {
  std::string brokers;  // bootstrap servers, HOST:PORT[,HOST:PORT...]
  // Topic template: {db}, {table} and {server} (server_name) are replaced; the rest is kept.
  std::string topic = "dumpr.{db}.{table}";
  std::string server_name = "dumpr";
  // librdkafka settings, KEY=VALUE, applied in order after dumpr's own (a later one wins):
  // security, SASL, TLS, compression, batching. transactional.id is refused (it needs
  // transactions: dumpr sets it itself for --exactly-once, from transactional_id).
  std::vector<std::string> settings;
  // After a delete's message, a message with the same key and no value (a tombstone), so a
  // compacted topic forgets the row. Not for rows without a key (id null).
  bool tombstones = false;
  // Exactly-once: the producer's transactional.id (exactly_once_id); "" for at-least-once.
  std::string transactional_id;
  // Exactly-once: the compacted topic the checkpoints go to (key: transactional_id).
  std::string positions_topic = "dumpr.positions";
  // Asked while the sink waits (a full queue, an outage): true ends the wait with an error.
  bool (*interrupted)() = nullptr;
  // Told once when the brokers cannot take messages (an outage) and once when they can again.
  std::function<void(std::string_view)> on_notice;
};

// Whether this build has the Kafka sink (librdkafka was found when it was built).
bool kafka_available();

// A producer for `opts`; errors: usage (a bad template or setting, no brokers), or, in a build
// without librdkafka, usage saying so. Connecting happens in the background: an unreachable
// broker is an outage (reported, waited for), not an error here.
Result<std::unique_ptr<Sink>> make_kafka_sink(const KafkaOptions& opts);

// The transactional.id of `--exactly-once name` for the server `identity` describes (a position
// with its server identity): "dumpr.SERVER_UUID.name" on MySQL, "dumpr.mariadb-SERVER_ID.name" on
// MariaDB. Both stay the same across server restarts.
std::string exactly_once_id(const Position& identity, std::string_view name);

// The checkpoint stored in opts.positions_topic for opts.transactional_id: the last value of that
// key in the partition the producer puts it in, read with isolation.level=read_committed; nullopt
// when there is none. Errors: delivery (the brokers did not answer within 30 s).
Result<std::optional<std::string>> read_kafka_checkpoint(const KafkaOptions& opts);

}  // namespace dumpr
