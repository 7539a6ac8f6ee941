#include "sink/kafka_sink.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
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

// The delivery-report opaque of a checkpoint message (records have their number).
const auto kCheckpointMessage = static_cast<std::uint64_t>(UINTPTR_MAX);

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
    : opts_(opts), template_(std::move(topic)) {
  batch_bytes_.reserve(kBatchBytes + 64 * 1024);
  batch_.reserve(kBatchMessages + 1);
}

KafkaSink::~KafkaSink() {
  if (!rk_) return;
  // Exactly-once: an open transaction is aborted now rather than when its timeout ends it.
  if (eos_ && in_txn_) abort_transaction();
  // What is still unacknowledged is after the checkpoint (sent again by the next run): drop it
  // rather than wait, so an interrupted or failed run exits promptly.
  if (rd_kafka_outq_len(rk_) > 0) {
    rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(rk_, 1000);
  }
  for (auto& [name, t] : topics_)
    if (t.handle) rd_kafka_topic_destroy(t.handle);
  if (positions_) rd_kafka_topic_destroy(positions_);
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
  eos_ = !opts_.transactional_id.empty();
  Status s = [&]() -> Status {
    if (!opts_.brokers.empty()) DUMPR_TRY(set("bootstrap.servers", opts_.brokers));
    DUMPR_TRY(set("client.id", "dumpr"));
    DUMPR_TRY(set("enable.idempotence", "true"));
    DUMPR_TRY(set("acks", "all"));
    DUMPR_TRY(set("partitioner", "murmur2_random"));
    // Exactly-once: librdkafka's default message.timeout.ms, transaction.timeout.ms (a message
    // cannot outlive its transaction; an outage longer than that stops dumpr, see drain).
    if (eos_) {
      DUMPR_TRY(set("transactional.id", opts_.transactional_id));
    } else {
      DUMPR_TRY(set("message.timeout.ms", "0"));
    }
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
                          "--kafka-option transactional.id: dumpr sets it itself; for Kafka "
                          "transactions give --exactly-once NAME instead");
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
  if (eos_) {
    char ms[32];
    std::size_t ms_size = sizeof ms;
    if (rd_kafka_conf_get(conf, "transaction.timeout.ms", ms, &ms_size) == RD_KAFKA_CONF_OK)
      txn_timeout_ms_ = std::atoi(ms);
  }
  {
    char bytes[32];
    std::size_t bytes_size = sizeof bytes;
    if (rd_kafka_conf_get(conf, "message.max.bytes", bytes, &bytes_size) == RD_KAFKA_CONF_OK)
      max_message_bytes_ = std::strtoull(bytes, nullptr, 10);
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
  if (eos_) return init_transactions();
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
    if (self->eos_ &&
        (orig == RD_KAFKA_RESP_ERR__FENCED || orig == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
         orig == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH)) {
      self->fail(self->fenced_error(why));
      return;
    }
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
  if (seq == kCheckpointMessage) {
    if (m.err && m.err != RD_KAFKA_RESP_ERR__PURGE_QUEUE &&
        m.err != RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)
      fail(make_error(ErrorKind::delivery,
                      "Kafka refused the checkpoint for positions topic " + opts_.positions_topic +
                          ": " + rd_kafka_err2name(m.err) + ": " + rd_kafka_err2str(m.err) + "; " +
                          hint(m.err, opts_.positions_topic) +
                          "; the checkpoint stays at the last committed Kafka transaction"));
    return;
  }
  const std::uint64_t bytes = m.len + m.key_len;
  if (stats_.in_flight_messages > 0) --stats_.in_flight_messages;
  stats_.in_flight_bytes -= std::min(stats_.in_flight_bytes, bytes);
  if (m.err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || m.err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)
    return;  // dropped at shutdown, after the checkpoint
  // Exactly-once: a message times out after transaction.timeout.ms (librdkafka's default
  // message.timeout.ms then), i.e. its transaction could not be committed in time.
  if (eos_ && m.err == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT) {
    fail(timeout_error());
    return;
  }
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

void KafkaSink::poll(int timeout_ms) {
  const std::uint64_t before = stats_.delivered_messages;
  rd_kafka_poll(rk_, timeout_ms);
  if (stats_.delivered_messages != before) last_ack_ = Clock::now();
  note_recovery();
}

Status KafkaSink::serve(int timeout_ms) {
  poll(timeout_ms);
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

Status KafkaSink::send_batch() {
  if (failed_) {  // nothing more goes out after a failure
    drop_batch();
    return *failed_;
  }
  if (batch_.empty()) return {};
  Topic& t = *batch_topic_;
  batch_msgs_.resize(batch_.size());
  char* base = batch_bytes_.data();
  for (std::size_t i = 0; i < batch_.size(); ++i) {
    const Pending& p = batch_[i];
    rd_kafka_message_t& m = batch_msgs_[i];
    m = rd_kafka_message_t{};
    m.payload = p.tombstone ? nullptr : base + p.value_off;
    m.len = p.value_len;
    m.key = base + p.key_off;
    m.key_len = p.key_len;
    m._private = reinterpret_cast<void*>(static_cast<std::uintptr_t>(p.seq));
  }
  std::size_t from = 0;
  bool waiting = false;
  Status out;
  while (out && from < batch_msgs_.size()) {
    rd_kafka_produce_batch(t.handle, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                           batch_msgs_.data() + from, static_cast<int>(batch_msgs_.size() - from));
    // A full queue fails the message where it filled and every one after it (taken: a prefix).
    // Any other error fails that message alone: librdkafka still takes the ones after it.
    std::size_t full = batch_msgs_.size();
    const rd_kafka_message_t* refused = nullptr;
    for (std::size_t i = from; i < batch_msgs_.size(); ++i) {
      const rd_kafka_message_t& m = batch_msgs_[i];
      if (m.err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        full = i;
        break;
      }
      if (m.err) {
        if (!refused) refused = &m;
        continue;
      }
      ++stats_.in_flight_messages;
      stats_.in_flight_bytes += m.len + m.key_len;
    }
    if (refused) {
      // Messages of later records may be queued already: they are not sent if that can still be
      // helped (a restart sends them after the refused one, in order), and either way their
      // records stay unacknowledged with it.
      rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE);
      const auto seq =
          static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(refused->_private));
      fail(make_error(ErrorKind::delivery,
                      "Kafka refused record " + std::to_string(seq) + " for topic " + t.name +
                          " (" + std::to_string(refused->len) + " bytes): " +
                          rd_kafka_err2name(refused->err) + ": " + rd_kafka_err2str(refused->err) +
                          "; " + hint(refused->err, t.name) + kCheckpointNote));
      out = *failed_;
      break;
    }
    from = full;
    if (from == batch_msgs_.size()) break;
    // The queue is full (the brokers are slow or away): wait for room, serving reports, and let
    // the caller move the checkpoint over what was acknowledged meanwhile.
    if (!waiting) wait_start_ = Clock::now();
    waiting = true;
    out = serve(100);
    if (out && give_up_waiting())
      out = make_error(ErrorKind::io, "interrupted while waiting for Kafka");
    if (out && on_progress_) out = on_progress_();
  }
  // Messages not taken after an error are dropped: their records stay unacknowledged, so the
  // checkpoint never passes them.
  drop_batch();
  return out;
}

void KafkaSink::drop_batch() {
  // The bytes of the record being built (after the batch's) move to the front.
  batch_bytes_.erase(0, record_start_);
  record_start_ = 0;
  batch_.clear();
}

Status KafkaSink::end_record(const ChangeRecord& rec, std::uint64_t seq) {
  if (failed_) return *failed_;
  if (eos_ && !in_txn_) DUMPR_TRY(begin_transaction());
  auto topic = topic_for(rec);
  if (!topic) {
    fail(topic.take_error());
    return *failed_;
  }
  Topic& t = **topic;
  if (&t != batch_topic_) {
    DUMPR_TRY(send_batch());
    batch_topic_ = &t;
  }
  const std::size_t value_off = record_start_, value_len = batch_bytes_.size() - record_start_;
  const std::size_t key_off = batch_bytes_.size();
  batch_bytes_ += t.key_prefix;
  batch_bytes_ += rec.id;
  if (!t.key_prefix.empty()) batch_bytes_ += ']';
  const std::size_t key_len = batch_bytes_.size() - key_off;
  // librdkafka refuses a message whose key, value and record framing exceed message.max.bytes;
  // refused here, before it joins a batch whose later messages librdkafka would still take.
  if (value_len + key_len + kRecordV2MaxOverhead > max_message_bytes_) {
    fail(make_error(ErrorKind::delivery,
                    "record " + std::to_string(seq) + " for topic " + t.name + " is " +
                        std::to_string(value_len + key_len) +
                        " bytes with its key, more than message.max.bytes=" +
                        std::to_string(max_message_bytes_) + " lets librdkafka send; " +
                        hint(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, t.name) + kCheckpointNote));
    return *failed_;
  }
  // (Offsets fit: the batch is sent at 1 MiB, and one record is at most message.max.bytes, 1e9.)
  batch_.push_back(Pending{
      static_cast<std::uint32_t>(value_off), static_cast<std::uint32_t>(value_len),
      static_cast<std::uint32_t>(key_off), static_cast<std::uint32_t>(key_len), seq, false});
  const bool tombstone = opts_.tombstones && rec.op == ChangeOp::erase && rec.id != "null";
  if (tombstone)
    batch_.push_back(Pending{0, 0, static_cast<std::uint32_t>(key_off),
                             static_cast<std::uint32_t>(key_len), seq, true});
  outstanding_.push_back(tombstone ? 2 : 1);
  last_seq_ = seq;
  record_start_ = batch_bytes_.size();
  if (batch_.size() >= kBatchMessages || batch_bytes_.size() >= kBatchBytes)
    DUMPR_TRY(send_batch());
  if ((seq & 1023) == 0) {
    if (eos_) DUMPR_TRY(check_transaction_age());
    return serve(0);
  }
  return {};
}

void KafkaSink::mark(std::uint64_t seq) {
  marks_.emplace_back(seq, Clock::now());
}

// Acknowledgements arrive by themselves: flush only serves the reports that came, so the
// checkpoint can move over them, and never waits for a round trip to the brokers (the pipeline
// flushes every 50 ms while busy; waiting each time would stall the stream). drain() waits.
// Exactly-once: flush(true) commits the transaction, which waits for the acknowledgements.
Status KafkaSink::flush(bool durable) {
  if (eos_ && durable) return commit_transaction();
  DUMPR_TRY(send_batch());
  return serve(0);
}

Status KafkaSink::drain() {
  DUMPR_TRY(send_batch());
  DUMPR_TRY(serve(0));
  if (eos_) {
    // Records after the last whole source transaction (a run ending inside one) cannot be
    // committed without splitting it: the transaction is aborted and the restart sends it again.
    if (checkpoint_seq_ == last_seq_) return commit_transaction();
    if (in_txn_) abort_transaction();
    return failure();
  }
  return wait_delivered();
}

Status KafkaSink::wait_delivered() {
  // Every message acknowledged: rd_kafka_flush sends what lingers at once and serves the
  // reports; in short steps, so an interruption or a failure ends the wait and the checkpoint
  // follows what arrives meanwhile.
  wait_start_ = Clock::now();
  while (rd_kafka_outq_len(rk_) > 0) {
    const std::uint64_t before = stats_.delivered_messages;
    rd_kafka_flush(rk_, 100);
    if (stats_.delivered_messages != before) last_ack_ = Clock::now();
    note_recovery();
    DUMPR_TRY(failure());
    if (give_up_waiting()) return make_error(ErrorKind::io, "interrupted while waiting for Kafka");
    if (on_progress_) DUMPR_TRY(on_progress_());
  }
  return failure();
}

std::uint64_t KafkaSink::acknowledged() {
  poll(0);
  const std::uint64_t done = eos_ ? committed_ : acked_;
  while (!marks_.empty() && marks_.front().first <= done) marks_.pop_front();
  return done;
}

// ---- exactly-once ----------------------------------------------------------------------------

void KafkaSink::checkpoint(std::uint64_t seq, std::string_view json) {
  checkpoint_seq_ = seq;
  checkpoint_json_.assign(json);
  checkpoint_new_ = true;
}

Status KafkaSink::init_transactions() {
  positions_ = rd_kafka_topic_new(rk_, opts_.positions_topic.c_str(), nullptr);
  if (!positions_)
    return make_error(ErrorKind::usage, "--positions-topic " + opts_.positions_topic + ": " +
                                            rd_kafka_err2str(rd_kafka_last_error()));
  // This fences an older producer with the same transactional.id and has the coordinator abort
  // its open transaction. Brokers away: waited for, as an outage.
  bool told = false;
  while (true) {
    rd_kafka_error_t* e = rd_kafka_init_transactions(rk_, 5000);
    if (!e) break;
    if (!rd_kafka_error_is_retriable(e) || (opts_.interrupted && opts_.interrupted())) {
      Error err = make_error(
          ErrorKind::delivery,
          std::string("Kafka: cannot start transactions for transactional.id ") +
              opts_.transactional_id + ": " + rd_kafka_err2name(rd_kafka_error_code(e)) + ": " +
              rd_kafka_error_string(e) +
              (rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED
                   ? "; grant the producing principal WRITE and DESCRIBE on TransactionalId " +
                         opts_.transactional_id
                   : std::string("; check the brokers (Kafka 0.11 or later, with a "
                                 "transaction coordinator)")));
      rd_kafka_error_destroy(e);
      return err;
    }
    if (!told && opts_.on_notice)
      opts_.on_notice(std::string("Kafka: waiting for the transaction coordinator (") +
                      rd_kafka_error_string(e) + ")");
    told = true;
    rd_kafka_error_destroy(e);
  }
  return {};
}

Status KafkaSink::begin_transaction() {
  if (rd_kafka_error_t* e = rd_kafka_begin_transaction(rk_)) return transaction_failed(e, "begin");
  in_txn_ = true;
  txn_start_ = Clock::now();
  return {};
}

void KafkaSink::abort_transaction() {
  in_txn_ = false;
  drop_batch();  // records of the aborted transaction: a restart sends them again
  if (rd_kafka_error_t* e = rd_kafka_abort_transaction(rk_, 10000)) rd_kafka_error_destroy(e);
}

Status KafkaSink::check_transaction_age() {
  if (!in_txn_ || Clock::now() - txn_start_ < std::chrono::milliseconds(txn_timeout_ms_))
    return failure();
  abort_transaction();
  fail(timeout_error());
  return *failed_;
}

Status KafkaSink::commit_transaction() {
  DUMPR_TRY(send_batch());
  DUMPR_TRY(serve(0));
  // Nothing new, or the records given do not end a source transaction (the pipeline commits
  // between transactions, so this is a run ending inside one: see drain).
  if (!checkpoint_new_ || checkpoint_seq_ != last_seq_) return {};
  if (!in_txn_) DUMPR_TRY(begin_transaction());
  DUMPR_TRY(wait_delivered());
  DUMPR_TRY(check_transaction_age());
  const std::string& key = opts_.transactional_id;
  void* opaque = reinterpret_cast<void*>(static_cast<std::uintptr_t>(kCheckpointMessage));
  if (rd_kafka_produce(positions_, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                       checkpoint_json_.data(), checkpoint_json_.size(), key.data(), key.size(),
                       opaque) != 0) {
    const rd_kafka_resp_err_t err = rd_kafka_last_error();
    abort_transaction();
    fail(make_error(ErrorKind::delivery, "Kafka refused the checkpoint for positions topic " +
                                             opts_.positions_topic + ": " + rd_kafka_err2name(err) +
                                             ": " + rd_kafka_err2str(err)));
    return *failed_;
  }
  while (true) {
    rd_kafka_error_t* e = rd_kafka_commit_transaction(rk_, 5000);
    if (!e) break;
    if (rd_kafka_error_is_retriable(e) && !give_up_waiting()) {
      rd_kafka_error_destroy(e);
      DUMPR_TRY(check_transaction_age());
      continue;
    }
    return transaction_failed(e, "commit");
  }
  in_txn_ = false;
  committed_ = checkpoint_seq_;
  checkpoint_new_ = false;
  return failure();
}

Status KafkaSink::transaction_failed(rd_kafka_error_t* e, const char* step) {
  const rd_kafka_resp_err_t code = rd_kafka_error_code(e);
  const std::string what = std::string(rd_kafka_err2name(code)) + ": " + rd_kafka_error_string(e);
  const bool fatal = rd_kafka_error_is_fatal(e);
  const bool abortable = rd_kafka_error_txn_requires_abort(e);
  rd_kafka_error_destroy(e);
  const bool open_too_long =
      in_txn_ && Clock::now() - txn_start_ >= std::chrono::milliseconds(txn_timeout_ms_);
  if (abortable) abort_transaction();
  in_txn_ = false;
  if (open_too_long) {
    fail(timeout_error());
  } else if (code == RD_KAFKA_RESP_ERR__FENCED || code == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
             code == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH) {
    fail(fenced_error(what));
  } else {
    fail(make_error(ErrorKind::delivery,
                    std::string("Kafka transaction ") + step + " failed: " + what +
                        (fatal       ? " (fatal)"
                         : abortable ? " (aborted)"
                                     : "") +
                        "; nothing of this transaction is visible to read_committed consumers, "
                        "the checkpoint stays at the last committed one and a restart sends it "
                        "again"));
  }
  return *failed_;
}

Error KafkaSink::fenced_error(const std::string& detail) const {
  return make_error(
      ErrorKind::fenced,
      "Kafka fenced this producer (" + detail + "): another dumpr with the same --exactly-once " +
          "name (transactional.id " + opts_.transactional_id +
          ") started and took over; this one stops, its open transaction aborted, the "
          "checkpoint at the last committed transaction. Run one dumpr per --exactly-once name "
          "(the newer one carries on from the position in Kafka); if none other runs, a "
          "transaction was open longer than transaction.timeout.ms=" +
          std::to_string(txn_timeout_ms_) + " and the coordinator aborted it");
}

Error KafkaSink::timeout_error() const {
  const double secs = std::chrono::duration<double>(Clock::now() - txn_start_).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", secs);
  return make_error(
      ErrorKind::delivery,
      std::string("a Kafka transaction was open for ") + buf +
          " s, longer than transaction.timeout.ms=" + std::to_string(txn_timeout_ms_) +
          " allows (a source transaction too large to send within it, or Kafka too slow or "
          "away): the coordinator aborts it, so dumpr aborted it and stops. Nothing of it is "
          "committed (read_committed consumers see no part of it), the checkpoint stays at the "
          "last committed transaction, and a restart sends it again: raise --kafka-option "
          "transaction.timeout.ms=MS (at most the brokers' transaction.max.timeout.ms, 15 "
          "minutes by default)");
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

std::string exactly_once_id(const Position& identity, std::string_view name) {
  std::string id = "dumpr.";
  if (!identity.server_uuid.empty())
    id += identity.server_uuid;
  else
    id += "mariadb-" + std::to_string(identity.server_id);
  id += '.';
  id += name;
  return id;
}

Result<std::optional<std::string>> read_kafka_checkpoint(const KafkaOptions& opts) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The user's settings (security, SASL, TLS) too; producer-only ones are ignored by a consumer.
  if (!opts.brokers.empty())
    rd_kafka_conf_set(conf, "bootstrap.servers", opts.brokers.c_str(), err, sizeof err);
  for (const std::string& kv : opts.settings) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || kv.compare(0, eq, "transactional.id") == 0) continue;
    rd_kafka_conf_set(conf, kv.substr(0, eq).c_str(), kv.substr(eq + 1).c_str(), err, sizeof err);
  }
  rd_kafka_conf_set(conf, "group.id", "dumpr-positions-reader", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof err);
  rd_kafka_conf_set(conf, "isolation.level", "read_committed", err, sizeof err);
  // The partition's end is what is looked for: no waiting for more (500 ms by default).
  rd_kafka_conf_set(conf, "fetch.wait.max.ms", "10", err, sizeof err);
  rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int, const char*, const char*) {});
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    return make_error(ErrorKind::usage, std::string("cannot make the Kafka consumer: ") + err);
  }
  const std::string& topic = opts.positions_topic;
  const std::string& key = opts.transactional_id;
  auto failed = [&](const std::string& why) -> Error {
    return make_error(ErrorKind::delivery, "Kafka: cannot read the positions topic " + topic +
                                               ": " + why +
                                               "; check --brokers and the principal's READ on "
                                               "the topic");
  };
  Result<std::optional<std::string>> out = std::optional<std::string>();
  [&] {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    const rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, 30000);
    if (e) {
      rd_kafka_topic_destroy(rkt);
      out = failed(rd_kafka_err2str(e));
      return;
    }
    const rd_kafka_resp_err_t topic_err =
        md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
    const int partitions = md->topic_cnt == 1 ? md->topics[0].partition_cnt : 0;
    rd_kafka_metadata_destroy(md);
    if (topic_err || partitions <= 0) {  // no such topic yet: nothing stored
      rd_kafka_topic_destroy(rkt);
      if (topic_err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART &&
          topic_err != RD_KAFKA_RESP_ERR_NO_ERROR)
        out = failed(rd_kafka_err2str(topic_err));
      return;
    }
    // The partition the producer's murmur2 partitioner gives the key.
    const std::int32_t p =
        rd_kafka_msg_partitioner_murmur2(rkt, key.data(), key.size(), partitions, nullptr, nullptr);
    rd_kafka_topic_destroy(rkt);
    std::int64_t lo = 0, hi = 0;
    if (const auto we = rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, 30000)) {
      out = failed(rd_kafka_err2str(we));
      return;
    }
    if (hi <= lo) return;
    rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    const rd_kafka_resp_err_t ae = rd_kafka_assign(rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    if (ae) {
      out = failed(rd_kafka_err2str(ae));
      return;
    }
    std::optional<std::string> last;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (true) {
      if (std::chrono::steady_clock::now() > deadline) {
        out = failed("no end of partition within 30 s");
        return;
      }
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
      if (!m) continue;
      const rd_kafka_resp_err_t me = m->err;
      if (me == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        rd_kafka_message_destroy(m);
        break;
      }
      if (me) {
        const std::string why = rd_kafka_message_errstr(m);
        rd_kafka_message_destroy(m);
        out = failed(why);
        return;
      }
      if (m->key_len == key.size() && std::memcmp(m->key, key.data(), key.size()) == 0) {
        if (m->payload)
          last.emplace(static_cast<const char*>(m->payload), m->len);
        else
          last.reset();  // a tombstone: the position was deleted
      }
      rd_kafka_message_destroy(m);
    }
    out = std::move(last);
  }();
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

Result<std::unique_ptr<Sink>> make_kafka_sink(const KafkaOptions& opts) {
  auto topic = sink::TopicTemplate::parse(opts.topic, opts.server_name);
  if (!topic) return topic.take_error();
  auto s = std::make_unique<sink::KafkaSink>(opts, std::move(topic.value()));
  DUMPR_TRY(s->start());
  return std::unique_ptr<Sink>(std::move(s));
}

}  // namespace dumpr
