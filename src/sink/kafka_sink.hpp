// KafkaSink: records as Kafka messages through librdkafka's producer (dumpr/kafka.hpp says what
// a message holds). The delivery reports say which records Kafka has; acknowledged() is the
// highest record number up to which every message was acknowledged, so the checkpoint follows
// the brokers, never what was merely queued.
//
// Memory: librdkafka's queue is bounded (queue.buffering.max.messages and .kbytes, set small
// here); when it is full, end_record waits, serving delivery reports, until there is room. So a
// broker outage pauses the stream instead of growing the process, and nothing is dropped:
// message.timeout.ms=0 makes the producer retry for as long as the outage lasts.
//
// Exactly-once (dumpr/kafka.hpp): the same messages, inside Kafka transactions. A transaction
// begins with the first record after a commit; flush(true) and drain() commit it when the records
// given end a source transaction: first every record acknowledged, then the checkpoint produced to
// the positions topic, then the commit (so even a broker without transaction markers, like the
// test mock, never holds a checkpoint ahead of its records). A transaction open longer than
// transaction.timeout.ms is aborted and the sink fails: the coordinator would abort it anyway.
//
// Batches: a record's pieces go straight into one reused buffer, its key after them; up to
// kBatchMessages messages (or kBatchBytes) of one topic are handed to librdkafka together by
// rd_kafka_produce_batch with RD_KAFKA_MSG_F_COPY, at the latest when the pipeline flushes (tail:
// after each transaction while idle, every 50 ms while busy; load: at its end) or commits. One call
// takes the topic's lock and reads the clocks once for the batch, where rd_kafka_produce did per
// message; librdkafka still allocates one block per message (its header, with the payload copied
// in): the least its producer allows. Without F_COPY dumpr would have to keep each payload alive
// until its delivery report, i.e. an arena of its own beside librdkafka's allocation.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "dumpr/kafka.hpp"

namespace dumpr::sink {

// A topic template split once into literal text and the placeholders {db}, {table}, {server}.
class TopicTemplate {
 public:
  static Result<TopicTemplate> parse(std::string_view text, std::string server_name);
  std::string render(std::string_view db, std::string_view table) const;
  // Whether one topic can hold rows of several tables (then keys name their table).
  bool shared() const { return !has_db_ || !has_table_; }

 private:
  enum class Part : std::uint8_t { text, db, table, server };
  std::vector<std::pair<Part, std::string>> parts_;
  std::string server_;
  bool has_db_ = false, has_table_ = false;
};

// Whether Kafka accepts `name` as a topic name: 1-249 of [a-zA-Z0-9._-], not "." or "..".
bool valid_topic_name(std::string_view name);

class KafkaSink final : public Sink {
 public:
  // Use make_kafka_sink.
  KafkaSink(const KafkaOptions& opts, TopicTemplate topic);
  ~KafkaSink() override;
  KafkaSink(const KafkaSink&) = delete;
  KafkaSink& operator=(const KafkaSink&) = delete;

  Status start();  // makes the producer (after the settings were checked)

  Status put(std::string_view bytes) override {
    batch_bytes_.append(bytes);
    return {};
  }
  Status end_record(const ChangeRecord& rec, std::uint64_t seq) override;
  void mark(std::uint64_t seq) override;
  Status flush(bool durable) override;
  Status drain() override;
  std::uint64_t acknowledged() override;
  bool stores_checkpoint() const override { return eos_; }
  void checkpoint(std::uint64_t seq, std::string_view json) override;
  SinkStats stats() const override;

 private:
  using Clock = std::chrono::steady_clock;
  struct Topic {
    rd_kafka_topic_t* handle = nullptr;
    std::string name;
    std::string key_prefix;  // `["db.table",` when keys name their table, else empty
  };

  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque);
  static void on_error(rd_kafka_t*, int err, const char* reason, void* opaque);
  void delivered(const rd_kafka_message_t& m);
  Result<Topic*> topic_for(const ChangeRecord& rec);
  // Hands the batch to librdkafka, waiting (serving reports) while its queue is full.
  Status send_batch();
  void drop_batch();
  // Serves delivery reports (and notes when the last one came); returns the sink's failure.
  Status serve(int timeout_ms);
  void poll(int timeout_ms);
  Status failure() const;
  void fail(Error e);
  void note_recovery();
  // Whether a wait should end for an interruption: asked to stop, and nothing acknowledged for a
  // second (a stop with the brokers up waits for what is in flight, so no duplicates follow).
  bool give_up_waiting() const;
  // Waits until every message given is acknowledged (or a failure, an interruption).
  Status wait_delivered();
  // Exactly-once: the transaction's steps, and what a failed step means.
  Status init_transactions();
  Status begin_transaction();
  Status commit_transaction();
  void abort_transaction();
  Status check_transaction_age();
  Status transaction_failed(rd_kafka_error_t* e, const char* step);
  Error fenced_error(const std::string& detail) const;
  Error timeout_error() const;

  KafkaOptions opts_;
  TopicTemplate template_;
  rd_kafka_t* rk_ = nullptr;

  // Messages not handed to librdkafka yet, all for batch_topic_: their values and keys are in
  // batch_bytes_ (offsets: the buffer may move), then the current record's pieces from
  // record_start_ on. A tombstone has no value (value_len 0, tombstone set).
  struct Pending {
    std::uint32_t value_off, value_len, key_off, key_len;
    std::uint64_t seq;
    bool tombstone;
  };
  static constexpr std::size_t kBatchMessages = 1000;
  static constexpr std::size_t kBatchBytes = 1 << 20;
  std::string batch_bytes_;
  std::size_t record_start_ = 0;
  std::vector<Pending> batch_;
  std::vector<rd_kafka_message_t> batch_msgs_;  // for rd_kafka_produce_batch (reused)
  Topic* batch_topic_ = nullptr;
  std::unordered_map<std::string, Topic> topics_;  // "db\0table" -> topic
  std::string lookup_;                             // reused key for topics_
  Topic* last_topic_ = nullptr;
  std::string last_db_, last_table_;

  // Messages not yet acknowledged, per record: records acked_+1, acked_+2, ... (a delete with a
  // tombstone has two messages).
  std::deque<std::uint8_t> outstanding_;
  std::uint64_t acked_ = 0, last_seq_ = 0;
  std::deque<std::pair<std::uint64_t, Clock::time_point>> marks_;  // transaction ends, for lag

  std::optional<Error> failed_;
  bool outage_ = false, delivered_in_outage_ = false;
  std::uint64_t outage_seq_ = 0;  // records given when the outage began
  Clock::time_point outage_start_;
  Clock::time_point last_ack_, wait_start_;  // the last acknowledgement; the current wait's start

  SinkStats stats_;

  // Exactly-once.
  bool eos_ = false, in_txn_ = false;
  rd_kafka_topic_t* positions_ = nullptr;
  std::uint64_t committed_ = 0;  // records committed with their checkpoint
  std::uint64_t checkpoint_seq_ = 0;
  std::string checkpoint_json_;  // the newest checkpoint given, not committed yet when new
  bool checkpoint_new_ = false;
  int txn_timeout_ms_ = 60000;  // transaction.timeout.ms
  // message.max.bytes, and the most a Kafka v2 record's framing adds to key and value (varints:
  // length 5, attributes 1, timestamp delta 10, offset delta 5, key and value lengths 5 each,
  // header count 5), as librdkafka counts them when it takes a message.
  std::size_t max_message_bytes_ = 1000000;
  static constexpr std::size_t kRecordV2MaxOverhead = 36;
  Clock::time_point txn_start_;
};

}  // namespace dumpr::sink
