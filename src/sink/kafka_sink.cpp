#include "sink/kafka_sink.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace dumpr::sink {

namespace {

// A JSON string of `s` (for the table name in a shared topic's keys).
void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char ch : s) {
    const auto u = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += ch;
    }
  }
  out += '"';
}

// What to change after Kafka refused a message for good.
std::string hint(rd_kafka_resp_err_t err, const std::string& topic) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
      return "grant the producing principal WRITE and DESCRIBE on topic " + topic +
             " (and IDEMPOTENT_WRITE on the cluster for brokers before 2.8), or choose another "
             "--topic";
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
      return "grant the producing principal IDEMPOTENT_WRITE on the cluster (the idempotent "
             "producer needs it on brokers before 2.8)";
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
      return "a row is larger than the brokers take: raise the topic's max.message.bytes and "
             "--kafka-option message.max.bytes=N, or leave the large columns out";
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
      return "create topic " + topic +
             " or let the brokers create topics (auto.create.topics.enable=true)";
    case RD_KAFKA_RESP_ERR_INVALID_REQUIRED_ACKS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
      return "the topic has fewer in-sync replicas than min.insync.replicas asks for acks=all";
    default:
      return "see Kafka's error above";
  }
}

constexpr const char* kCheckpointNote =
    "; the checkpoint stays at the last transaction Kafka acknowledged in full";

}  // namespace

// ---- topic template --------------------------------------------------------------------------

Result<TopicTemplate> TopicTemplate::parse(std::string_view text, std::string server_name) {
  TopicTemplate t;
  t.server_ = std::move(server_name);
  std::string literal;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{') {
      literal += text[i];
      continue;
    }
    const std::size_t close = text.find('}', i);
    const std::string_view name =
        close == std::string_view::npos ? text.substr(i) : text.substr(i + 1, close - i - 1);
    Part part;
    if (name == "db") {
      part = Part::db;
      t.has_db_ = true;
    } else if (name == "table") {
      part = Part::table;
      t.has_table_ = true;
    } else if (name == "server") {
      part = Part::server;
    } else {
      return make_error(ErrorKind::usage, "--topic " + std::string(text) + ": unknown {" +
                                              std::string(name) +
                                              "}: the placeholders are {db}, {table} and {server}");
    }
    if (!literal.empty()) t.parts_.emplace_back(Part::text, std::move(literal));
    literal.clear();
    t.parts_.emplace_back(part, std::string());
    i = close;
  }
  if (!literal.empty()) t.parts_.emplace_back(Part::text, std::move(literal));
  if (t.parts_.empty()) return make_error(ErrorKind::usage, "--topic: the template is empty");
  return t;
}

std::string TopicTemplate::render(std::string_view db, std::string_view table) const {
  std::string out;
  for (const auto& [part, text] : parts_) {
    switch (part) {
      case Part::text:
        out += text;
        break;
      case Part::db:
        out += db;
        break;
      case Part::table:
        out += table;
        break;
      case Part::server:
        out += server_;
        break;
    }
  }
  return out;
}

bool valid_topic_name(std::string_view name) {
  if (name.empty() || name.size() > 249 || name == "." || name == "..") return false;
  for (const char ch : name) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
    if (!ok) return false;
  }
  return true;
}

// ---- the sink --------------------------------------------------------------------------------

KafkaSink::KafkaSink(const KafkaOptions& opts, TopicTemplate topic)
    : opts_(opts), template_(std::move(topic)) {}

KafkaSink::~KafkaSink() {
  if (!rk_) return;
  // What is still unacknowledged is after the checkpoint (sent again by the next run): drop it
  // rather than wait, so an interrupted or failed run exits promptly.
  if (rd_kafka_outq_len(rk_) > 0) {
    rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(rk_, 1000);
  }
  for (auto& [name, t] : topics_)
    if (t.handle) rd_kafka_topic_destroy(t.handle);
  rd_kafka_destroy(rk_);
}

Status KafkaSink::start() {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const std::string& key, const std::string& value) -> Status {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK)
      return make_error(ErrorKind::usage, "--kafka-option " + key + "=" + value + ": " + errstr);
    return {};
  };
  // dumpr's settings first; the user's after them win. Idempotence (no duplicates or reordering
  // from the producer's own retries) with acks=all (every in-sync replica has it); the Java
  // client's partitioner; no message timeout (an outage is waited out, never turned into loss);
  // a small queue (bounded memory: a full queue pauses the stream); lz4 batches.
  bool debug = false;
  Status s = [&]() -> Status {
    if (!opts_.brokers.empty()) DUMPR_TRY(set("bootstrap.servers", opts_.brokers));
    DUMPR_TRY(set("client.id", "dumpr"));
    DUMPR_TRY(set("enable.idempotence", "true"));
    DUMPR_TRY(set("acks", "all"));
    DUMPR_TRY(set("partitioner", "murmur2_random"));
    DUMPR_TRY(set("message.timeout.ms", "0"));
    DUMPR_TRY(set("queue.buffering.max.messages", "20000"));
    DUMPR_TRY(set("queue.buffering.max.kbytes", "16384"));
    DUMPR_TRY(set("linger.ms", "5"));
    // JSON compresses well (3-5x); lz4 costs the least CPU for it and halves the time a batch
    // spends on the wire and in the broker (scripts/bench --kafka). Any broker since 0.10.
    DUMPR_TRY(set("compression.type", "lz4"));
    for (const std::string& kv : opts_.settings) {
      const auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0)
        return make_error(ErrorKind::usage, "--kafka-option " + kv +
                                                ": expected KEY=VALUE, e.g. "
                                                "compression.type=zstd");
      const std::string key = kv.substr(0, eq);
      if (key == "transactional.id")
        return make_error(ErrorKind::usage,
                          "--kafka-option transactional.id: dumpr's Kafka sink does not run "
                          "Kafka transactions (exactly-once is not implemented); leave it out");
      if (key == "debug") debug = true;
      DUMPR_TRY(set(key, kv.substr(eq + 1)));
    }
    return {};
  }();
  if (!s) {
    rd_kafka_conf_destroy(conf);
    return s;
  }
  char servers[8];
  std::size_t servers_size = sizeof servers;
  if (rd_kafka_conf_get(conf, "bootstrap.servers", servers, &servers_size) != RD_KAFKA_CONF_OK ||
      servers_size <= 1) {
    rd_kafka_conf_destroy(conf);
    return make_error(ErrorKind::usage,
                      "--sink kafka needs --brokers HOST:PORT[,HOST:PORT...] (or "
                      "--kafka-option bootstrap.servers=...)");
  }
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_dr_msg_cb(conf, &KafkaSink::on_delivery);
  rd_kafka_conf_set_error_cb(conf, &KafkaSink::on_error);
  // librdkafka logs to stderr by default (every failed connection attempt during an outage);
  // dumpr reports an outage once through on_notice instead. `debug` keeps its logging.
  if (!debug)
    rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int, const char*, const char*) {});
  rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk_) {
    rd_kafka_conf_destroy(conf);
    return make_error(ErrorKind::usage, std::string("cannot make the Kafka producer: ") + errstr);
  }
  return {};
}

void KafkaSink::on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  static_cast<KafkaSink*>(opaque)->delivered(*m);
}

void KafkaSink::on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<KafkaSink*>(opaque);
  const auto code = static_cast<rd_kafka_resp_err_t>(err);
  if (code == RD_KAFKA_RESP_ERR__FATAL) {
    char why[512];
    const rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, why, sizeof why);
    self->fail(make_error(ErrorKind::delivery, std::string("the Kafka producer failed for good: ") +
                                                   rd_kafka_err2name(orig) + ": " + why + "; " +
                                                   hint(orig, "") + kCheckpointNote));
    return;
  }
  if (code == RD_KAFKA_RESP_ERR__AUTHENTICATION) {
    self->fail(make_error(ErrorKind::delivery,
                          std::string("Kafka authentication failed: ") + reason +
                              "; check the sasl.* and ssl.* settings (--kafka-option)" +
                              kCheckpointNote));
    return;
  }
  // Anything else is transient for the producer (it reconnects and retries by itself): an
  // outage, said once, until the messages in flight when it began are acknowledged. A lost
  // connection with nothing in flight (brokers close idle ones) is no outage unless every broker
  // is down.
  if (self->outage_) return;
  if (self->stats_.in_flight_messages == 0 && code != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) return;
  self->outage_ = true;
  self->delivered_in_outage_ = false;
  self->outage_seq_ = self->last_seq_;
  self->outage_start_ = Clock::now();
  if (self->opts_.on_notice)
    self->opts_.on_notice(std::string("Kafka: ") + reason +
                          "; waiting for the brokers (messages are kept and retried, the "
                          "checkpoint waits for their acknowledgement)");
}

void KafkaSink::delivered(const rd_kafka_message_t& m) {
  const auto seq = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(m._private));
  const std::uint64_t bytes = m.len + m.key_len;
  if (stats_.in_flight_messages > 0) --stats_.in_flight_messages;
  stats_.in_flight_bytes -= std::min(stats_.in_flight_bytes, bytes);
  if (m.err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || m.err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)
    return;  // dropped at shutdown, after the checkpoint
  if (m.err) {
    const std::string topic = m.rkt ? rd_kafka_topic_name(m.rkt) : std::string("?");
    fail(make_error(ErrorKind::delivery,
                    "Kafka refused record " + std::to_string(seq) + " for topic " + topic +
                        " (partition " + std::to_string(m.partition) + ", " +
                        std::to_string(m.len) + " bytes): " + rd_kafka_err2name(m.err) + ": " +
                        rd_kafka_err2str(m.err) + "; " + hint(m.err, topic) + kCheckpointNote));
    return;
  }
  ++stats_.delivered_messages;
  stats_.delivered_bytes += bytes;
  last_ack_ = Clock::now();
  if (outage_) delivered_in_outage_ = true;
  if (seq <= acked_ || seq - acked_ > outstanding_.size()) return;  // cannot be: not in flight
  --outstanding_[seq - acked_ - 1];
  while (!outstanding_.empty() && outstanding_.front() == 0) {
    outstanding_.pop_front();
    ++acked_;
  }
}

void KafkaSink::fail(Error e) {
  if (!failed_) failed_ = std::move(e);
}

Status KafkaSink::failure() const {
  if (failed_) return *failed_;
  return {};
}

void KafkaSink::note_recovery() {
  if (!outage_ || !delivered_in_outage_ || acked_ < outage_seq_) return;
  outage_ = false;
  if (opts_.on_notice) {
    const double secs = std::chrono::duration<double>(Clock::now() - outage_start_).count();
    char buf[96];
    std::snprintf(buf, sizeof buf, "Kafka: delivering again (after %.1f s)", secs);
    opts_.on_notice(buf);
  }
}

bool KafkaSink::give_up_waiting() const {
  return opts_.interrupted && opts_.interrupted() &&
         Clock::now() - std::max(last_ack_, wait_start_) > std::chrono::seconds(1);
}

Status KafkaSink::serve(int timeout_ms) {
  rd_kafka_poll(rk_, timeout_ms);
  note_recovery();
  return failure();
}

Result<KafkaSink::Topic*> KafkaSink::topic_for(const ChangeRecord& rec) {
  if (last_topic_ && rec.table == last_table_ && rec.database == last_db_) return last_topic_;
  lookup_.assign(rec.database);
  lookup_ += '\0';
  lookup_ += rec.table;
  auto it = topics_.find(lookup_);
  if (it == topics_.end()) {
    Topic t;
    t.name = template_.render(rec.database, rec.table);
    if (!valid_topic_name(t.name))
      return make_error(ErrorKind::delivery,
                        "table " + std::string(rec.database) + "." + std::string(rec.table) +
                            " goes to topic \"" + t.name +
                            "\", which is not a Kafka topic name (1 to 249 letters, digits, "
                            "'.', '_' or '-'): give a --topic template without the name, or "
                            "leave the table out" +
                            kCheckpointNote);
    t.handle = rd_kafka_topic_new(rk_, t.name.c_str(), nullptr);
    if (!t.handle)
      return make_error(ErrorKind::delivery,
                        "topic " + t.name + ": " + rd_kafka_err2str(rd_kafka_last_error()));
    if (template_.shared()) {
      std::string qualified(rec.database);
      qualified += '.';
      qualified += rec.table;
      t.key_prefix = "[";
      append_json_string(t.key_prefix, qualified);
      t.key_prefix += ',';
    }
    it = topics_.emplace(lookup_, std::move(t)).first;
  }
  last_topic_ = &it->second;
  last_db_.assign(rec.database);
  last_table_.assign(rec.table);
  return last_topic_;
}

Status KafkaSink::produce(Topic& t, const char* value, std::size_t value_len, std::uint64_t seq) {
  void* opaque = reinterpret_cast<void*>(static_cast<std::uintptr_t>(seq));
  bool waiting = false;
  while (rd_kafka_produce(t.handle, RD_KAFKA_PARTITION_UA, value ? RD_KAFKA_MSG_F_COPY : 0,
                          const_cast<char*>(value), value_len, key_.data(), key_.size(),
                          opaque) != 0) {
    const rd_kafka_resp_err_t err = rd_kafka_last_error();
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      fail(make_error(ErrorKind::delivery,
                      "Kafka refused record " + std::to_string(seq) + " for topic " + t.name +
                          " (" + std::to_string(value_len) + " bytes): " + rd_kafka_err2name(err) +
                          ": " + rd_kafka_err2str(err) + "; " + hint(err, t.name) +
                          kCheckpointNote));
      return *failed_;
    }
    // The queue is full (the brokers are slow or away): wait for room, serving reports, and let
    // the caller move the checkpoint over what was acknowledged meanwhile.
    if (!waiting) wait_start_ = Clock::now();
    waiting = true;
    DUMPR_TRY(serve(100));
    if (give_up_waiting()) return make_error(ErrorKind::io, "interrupted while waiting for Kafka");
    if (on_progress_) DUMPR_TRY(on_progress_());
  }
  ++stats_.in_flight_messages;
  stats_.in_flight_bytes += value_len + key_.size();
  return {};
}

Status KafkaSink::end_record(const ChangeRecord& rec, std::uint64_t seq) {
  if (failed_) return *failed_;
  auto topic = topic_for(rec);
  if (!topic) {
    fail(topic.take_error());
    return *failed_;
  }
  Topic& t = **topic;
  key_.assign(t.key_prefix);
  key_ += rec.id;
  if (!t.key_prefix.empty()) key_ += ']';
  const bool tombstone = opts_.tombstones && rec.op == ChangeOp::erase && rec.id != "null";
  outstanding_.push_back(tombstone ? 2 : 1);
  last_seq_ = seq;
  Status s = produce(t, value_.data(), value_.size(), seq);
  value_.clear();
  DUMPR_TRY(s);
  if (tombstone) DUMPR_TRY(produce(t, nullptr, 0, seq));
  if ((seq & 1023) == 0) return serve(0);
  return {};
}

void KafkaSink::mark(std::uint64_t seq) {
  marks_.emplace_back(seq, Clock::now());
}

// Acknowledgements arrive by themselves: flush only serves the reports that came, so the
// checkpoint can move over them, and never waits for a round trip to the brokers (the pipeline
// flushes every 50 ms while busy; waiting each time would stall the stream). drain() waits.
Status KafkaSink::flush(bool) {
  return serve(0);
}

Status KafkaSink::drain() {
  DUMPR_TRY(serve(0));
  // Every message acknowledged: rd_kafka_flush sends what lingers at once and serves the
  // reports; in short steps, so an interruption or a failure ends the wait and the checkpoint
  // follows what arrives meanwhile.
  wait_start_ = Clock::now();
  while (rd_kafka_outq_len(rk_) > 0) {
    rd_kafka_flush(rk_, 100);
    note_recovery();
    DUMPR_TRY(failure());
    if (give_up_waiting()) return make_error(ErrorKind::io, "interrupted while waiting for Kafka");
    if (on_progress_) DUMPR_TRY(on_progress_());
  }
  return failure();
}

std::uint64_t KafkaSink::acknowledged() {
  rd_kafka_poll(rk_, 0);
  note_recovery();
  while (!marks_.empty() && marks_.front().first <= acked_) marks_.pop_front();
  return acked_;
}

SinkStats KafkaSink::stats() const {
  SinkStats s = stats_;
  if (s.in_flight_messages > 0 && !marks_.empty())
    s.oldest_unacknowledged_s =
        std::chrono::duration<double>(Clock::now() - marks_.front().second).count();
  return s;
}

}  // namespace dumpr::sink

namespace dumpr {

bool kafka_available() {
  return true;
}

Result<std::unique_ptr<Sink>> make_kafka_sink(const KafkaOptions& opts) {
  auto topic = sink::TopicTemplate::parse(opts.topic, opts.server_name);
  if (!topic) return topic.take_error();
  auto s = std::make_unique<sink::KafkaSink>(opts, std::move(topic.value()));
  DUMPR_TRY(s->start());
  return std::unique_ptr<Sink>(std::move(s));
}

}  // namespace dumpr
