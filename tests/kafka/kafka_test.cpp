// dumpr tail/load --sink kafka against librdkafka's mock cluster (tests/kafka/mock_broker.cpp):
// the rows arrive once each, keyed and partitioned as the Java client would, in order per key;
// an outage loses nothing and holds the checkpoint back; kill -9 loses nothing and repeats only
// what is after the checkpoint; injected errors: retriable ones pass, a permanent one stops
// with exit 11 and the checkpoint at the last acknowledged transaction. The oracle for what
// should arrive is the same tail written to stdout.
#include <algorithm>
#include <random>
#include <set>

#include "kafka/kafka_support.hpp"

using namespace dumpr_kafka;

namespace {

constexpr int kDeliveryExit = 11;

std::uint64_t test_seed() {
  if (const char* s = std::getenv("DUMPR_TEST_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

// Two tables: a single-column key and a composite one.
void make_tables(const std::string& db) {
  Sql sql;
  sql.exec("CREATE TABLE `" + db +
           "`.items (id INT PRIMARY KEY, v VARCHAR(40), n INT) ENGINE=InnoDB");
  sql.exec("CREATE TABLE `" + db +
           "`.pairs (a INT, b VARCHAR(8), v INT, PRIMARY KEY (a, b)) ENGINE=InnoDB");
}

// Random transactions of inserts, updates and deletes on both tables.
class Writer {
 public:
  Writer(const std::string& db, std::uint64_t seed) : c_(server().socket, db), rng_(seed) {}

  void transaction() {
    std::string sql = "BEGIN;";
    const int n = 1 + static_cast<int>(rng_() % 4);
    for (int i = 0; i < n; ++i) sql += statement();
    sql += "COMMIT;";
    c_.exec(sql);
  }

 private:
  std::string statement() {
    const int kind = static_cast<int>(rng_() % 10);
    const bool pairs = rng_() % 3 == 0;
    if (pairs) {
      const int a = static_cast<int>(rng_() % 20);
      const std::string b = "'" + std::string(1, static_cast<char>('a' + rng_() % 3)) + "'";
      if (kind < 5)
        return "REPLACE INTO pairs VALUES (" + std::to_string(a) + "," + b + "," +
               std::to_string(rng_() % 1000) + ");";
      if (kind < 8) return "UPDATE pairs SET v = v + 1 WHERE a = " + std::to_string(a) + ";";
      return "DELETE FROM pairs WHERE a = " + std::to_string(a) + " AND b = " + b + ";";
    }
    const int id = static_cast<int>(rng_() % 60);
    if (kind < 5)
      return "INSERT INTO items VALUES (" + std::to_string(id) + ",'v" +
             std::to_string(rng_() % 100000) + "'," + std::to_string(rng_() % 100) +
             ") ON DUPLICATE KEY UPDATE n = n + 1;";
    if (kind < 7)
      return "UPDATE items SET v = CONCAT(v, 'x') WHERE id = " + std::to_string(id) + ";";
    if (kind < 8) return "UPDATE items SET n = n + 1 WHERE id < " + std::to_string(id) + ";";
    return "DELETE FROM items WHERE id = " + std::to_string(id) + ";";
  }

  Client c_;
  std::mt19937_64 rng_;
};

std::vector<std::string> tail_base(const std::string& db, const std::string& from) {
  std::vector<std::string> a = {"tail"};
  for (auto& c : conn_args(db)) a.push_back(c);
  a.push_back("--from");
  a.push_back(from);
  return a;
}

// The oracle: the same tail to stdout, from a copy of the starting checkpoint.
std::vector<std::string> oracle_lines(const std::string& db, const std::string& ck0,
                                      const TempDir& tmp) {
  const std::string copy = tmp / "oracle.json";
  write_file(copy, read_file(ck0));
  auto a = tail_base(db, copy);
  a.push_back("--until-end");
  RunResult r = dumpr(a);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  return split_lines(r.out);
}

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& more) {
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

// The messages of the test's two topics, with key and partition checked for every message
// (keys plain ids unless `shared_prefix`, then ["db.table",id]) and each tombstone right after
// its delete. Returns the values (tombstones left out).
// op, table and id of a tuple (load's have no metadata, so parse_tuple does not take them).
struct Head {
  std::string op, table, id;
};
Head head_of(const std::string& line) {
  std::string_view s = line;
  std::vector<std::string_view> parts;
  std::size_t i = 1;
  while (i < s.size() && s[i] != ']' && parts.size() < 3) {
    const std::size_t end = dumpr_tail::detail::skip_value(s, i);
    REQUIRE_MESSAGE(end != std::string_view::npos, "bad tuple: " << line);
    parts.push_back(s.substr(i, end - i));
    i = end + 1;
  }
  REQUIRE_MESSAGE(parts.size() == 3, "bad tuple: " << line);
  return {dumpr_tail::detail::json_string(parts[0]), dumpr_tail::detail::json_string(parts[1]),
          std::string(parts[2])};
}

struct Received {
  std::vector<std::string> values;
  std::map<std::string, std::vector<std::string>> by_key;  // key -> values, in Kafka order
  std::size_t tombstones = 0;
};

void collect(const MockBroker& mb, const std::string& topic, bool shared, Received& out,
             const std::string& db = "") {
  TopicContents t = consume_all(mb.bootstrap(), topic);
  const Message* prev = nullptr;
  for (const Message& m : t.messages) {
    CHECK_MESSAGE(m.partition == java_partition(m.key, t.partitions),
                  "key " << m.key << " in partition " << m.partition << " of " << t.partitions);
    if (!m.value) {
      ++out.tombstones;
      REQUIRE_MESSAGE(prev != nullptr, "a tombstone first in its partition: " << m.key);
      CHECK(prev->partition == m.partition);
      CHECK(prev->key == m.key);
      CHECK(prev->value.has_value());
      if (prev->value) CHECK(head_of(*prev->value).op == "delete");
      prev = &m;
      continue;
    }
    const Head tu = head_of(*m.value);
    const std::string tu_db = db.empty() ? parse_tuple(*m.value).db : db;
    const std::string want_key =
        shared ? "[\"" + tu_db + "." + tu.table + "\"," + tu.id + "]" : tu.id;
    CHECK_MESSAGE(m.key == want_key, "value " << *m.value);
    out.values.push_back(*m.value);
    out.by_key[tu.table + " " + m.key].push_back(*m.value);
    prev = &m;
  }
}

// Per key, the oracle's lines in order.
std::map<std::string, std::vector<std::string>> oracle_by_key(const std::vector<std::string>& lines,
                                                              bool shared) {
  std::map<std::string, std::vector<std::string>> by_key;
  for (const std::string& l : lines) {
    const Tuple tu = parse_tuple(l);
    const std::string key = shared ? "[\"" + tu.db + "." + tu.table + "\"," + tu.id + "]" : tu.id;
    by_key[tu.table + " " + key].push_back(l);
  }
  return by_key;
}

// The topics of make_tables' two tables (dumpr.DB.items and dumpr.DB.pairs) hold the oracle:
// each row once (no loss, no duplicate), and per key in the binlog's order. Returns what they
// held, for further checks.
Received check_each_row_once(const MockBroker& mb, const std::string& db,
                             const std::vector<std::string>& oracle) {
  Received got;
  collect(mb, "dumpr." + db + ".items", false, got);
  collect(mb, "dumpr." + db + ".pairs", false, got);
  auto sorted_got = got.values, sorted_want = oracle;
  std::sort(sorted_got.begin(), sorted_got.end());
  std::sort(sorted_want.begin(), sorted_want.end());
  CHECK(sorted_got.size() == sorted_want.size());
  CHECK(sorted_got == sorted_want);
  CHECK(got.by_key == oracle_by_key(oracle, false));
  return got;
}

std::size_t deletes_in(const std::vector<std::string>& lines) {
  std::size_t n = 0;
  for (const std::string& l : lines) n += parse_tuple(l).op == "delete";
  return n;
}

}  // namespace

TEST_CASE("kafka: murmur2 as the Java client computes it (Kafka's own UtilsTest vectors)") {
  CHECK(static_cast<std::int32_t>(java_murmur2("21")) == -973932308);
  CHECK(static_cast<std::int32_t>(java_murmur2("foobar")) == -790332482);
  CHECK(static_cast<std::int32_t>(java_murmur2("a-little-bit-long-string")) == -985981536);
  CHECK(static_cast<std::int32_t>(java_murmur2("a-little-bit-longer-string")) == -1486304829);
  CHECK(static_cast<std::int32_t>(
            java_murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")) == -58897971);
  CHECK(static_cast<std::int32_t>(java_murmur2("abc")) == 479470107);
}

TEST_CASE("kafka: every row of a tail arrives once, in order per key, keyed and partitioned") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (DUMPR_TEST_SEED=" << seed << " repeats it)");
  MockBroker mb;
  TestDatabase db("kafka_exact");
  make_tables(db.name());
  mb.command("topic dumpr.kafka_exact.items 3");
  mb.command("topic dumpr.kafka_exact.pairs 5");
  TempDir tmp;
  const std::string ck0 = tmp / "ck0.json", ck = tmp / "ck.json";
  write_position(db.name(), ck0);
  write_file(ck, read_file(ck0));
  Writer w(db.name(), seed);
  for (int i = 0; i < 80; ++i) w.transaction();
  const auto oracle = oracle_lines(db.name(), ck0, tmp);
  REQUIRE(oracle.size() > 80);

  RunResult r = dumpr(with(tail_base(db.name(), ck), {"--until-end", "--sink", "kafka", "--brokers",
                                                      mb.bootstrap(), "--tombstones"}));
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  CHECK(r.out.empty());
  Client root(server().socket);
  CHECK(read_checkpoint_pos(ck) == master_status(root));

  const Received got = check_each_row_once(mb, "kafka_exact", oracle);
  CHECK(got.tombstones == deletes_in(oracle));

  // One topic for both tables ({table} left out): keys name their table; the topic is made by
  // the brokers on first use (the mock cluster's 4 partitions).
  write_file(ck, read_file(ck0));
  r = dumpr(with(tail_base(db.name(), ck), {"--until-end", "--sink", "kafka", "--brokers",
                                            mb.bootstrap(), "--topic", "all.{db}"}));
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  Received shared;
  collect(mb, "all.kafka_exact", true, shared);
  CHECK(shared.tombstones == 0);
  CHECK(shared.by_key == oracle_by_key(oracle, true));
}

TEST_CASE("kafka: a broker outage pauses the tail, holds the checkpoint back, loses nothing") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed);
  MockBroker mb;
  TestDatabase db("kafka_outage");
  make_tables(db.name());
  mb.command("topic dumpr.kafka_outage.items 3");
  mb.command("topic dumpr.kafka_outage.pairs 3");
  TempDir tmp;
  const std::string ck0 = tmp / "ck0.json", ck = tmp / "ck.json";
  write_position(db.name(), ck0);
  write_file(ck, read_file(ck0));
  Writer w(db.name(), seed);
  Client root(server().socket);

  std::vector<std::string> args = {DUMPR_BINARY};
  for (auto& a : with(tail_base(db.name(), ck), {"--sink", "kafka", "--brokers", mb.bootstrap()}))
    args.push_back(a);
  Background tail(args);
  for (int i = 0; i < 20; ++i) w.transaction();
  Pos before_outage = master_status(root);
  REQUIRE_MESSAGE(tail.wait_until([&] { return read_checkpoint_pos(ck) == before_outage; }, 20),
                  tail.err());

  mb.command("down -1");
  for (int i = 0; i < 20; ++i) w.transaction();
  const Pos end = master_status(root);
  // While the brokers are away nothing is acknowledged: the checkpoint must not move.
  for (int i = 0; i < 15; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    REQUIRE_MESSAGE(read_checkpoint_pos(ck) == before_outage,
                    "checkpoint moved while every broker was down");
    REQUIRE(tail.running());
  }
  mb.command("up -1");
  REQUIRE_MESSAGE(tail.wait_until([&] { return read_checkpoint_pos(ck) == end; }, 30), tail.err());
  // A stop while messages are in flight waits for them before the last checkpoint (the rest is
  // sent by the next run): no message twice below. Slow brokers keep them in flight a while.
  for (int b = 1; b <= 3; ++b) mb.command("rtt " + std::to_string(b) + " 400");
  for (int i = 0; i < 30; ++i) w.transaction();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  tail.signal(SIGTERM);
  REQUIRE(tail.wait_exit(20) == std::optional<int>(0));
  const std::string err = tail.err();
  CHECK_MESSAGE(count_occurrences(err, "waiting for the brokers") == 1, err);
  CHECK_MESSAGE(count_occurrences(err, "delivering again") == 1, err);
  for (int b = 1; b <= 3; ++b) mb.command("rtt " + std::to_string(b) + " 0");
  RunResult rest = dumpr(with(tail_base(db.name(), ck),
                              {"--until-end", "--sink", "kafka", "--brokers", mb.bootstrap()}));
  REQUIRE_MESSAGE(rest.exit_code == 0, describe(rest));

  const auto oracle = oracle_lines(db.name(), ck0, tmp);
  check_each_row_once(mb, "kafka_outage", oracle);  // idempotent retries: no duplicate either
}

TEST_CASE("kafka: kill -9 at random points loses nothing, repeats only after the checkpoint") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (DUMPR_TEST_SEED=" << seed << " repeats it)");
  std::mt19937_64 rng(seed);
  MockBroker mb;
  TestDatabase db("kafka_kill");
  make_tables(db.name());
  mb.command("topic dumpr.kafka_kill.items 6");
  mb.command("topic dumpr.kafka_kill.pairs 3");
  TempDir tmp;
  const std::string ck0 = tmp / "ck0.json", ck = tmp / "ck.json";
  write_position(db.name(), ck0);
  write_file(ck, read_file(ck0));

  std::atomic<bool> stop{false};
  std::string writer_error;
  std::thread writer([&] {
    try {
      Writer w(db.name(), seed + 1);
      // At most ~2 MB per partition: the mock cluster keeps 5 MB.
      for (int i = 0; i < 2500 && !stop; ++i) w.transaction();
    } catch (const std::exception& e) {
      writer_error = e.what();
    }
  });
  StopAndJoin join(stop, writer);

  std::vector<std::string> args = {DUMPR_BINARY};
  for (auto& a : with(tail_base(db.name(), ck), {"--sink", "kafka", "--brokers", mb.bootstrap()}))
    args.push_back(a);
  std::vector<Pos> kills;  // the checkpoint each restart began from
  for (int round = 0; round < 4; ++round) {
    Background tail(args);
    const auto ms = 200 + rng() % 800;
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    REQUIRE_MESSAGE(tail.running(), tail.err());
    tail.signal(SIGKILL);
    REQUIRE(tail.wait_exit(10) == std::optional<int>(128 + SIGKILL));
    kills.push_back(read_checkpoint_pos(ck));
    MESSAGE("round " << round << ": killed after " << ms << " ms at checkpoint " << kills.back());
  }
  stop = true;
  writer.join();
  REQUIRE(writer_error.empty());
  RunResult r = dumpr(with(tail_base(db.name(), ck),
                           {"--until-end", "--sink", "kafka", "--brokers", mb.bootstrap()}));
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));

  const auto oracle = oracle_lines(db.name(), ck0, tmp);
  Received got;
  collect(mb, "dumpr.kafka_kill.items", false, got);
  collect(mb, "dumpr.kafka_kill.pairs", false, got);
  std::map<std::string, int> count;
  for (const std::string& v : got.values) ++count[v];
  // A record is sent again by a run that starts at K when its transaction starts at or after K.
  // A record's next position is its transaction's start, except for the transaction's last
  // record, whose next position is the transaction's end.
  std::size_t lost = 0, extra = 0, repeated = 0;
  for (std::size_t i = 0; i < oracle.size(); ++i) {
    const Tuple t = parse_tuple(oracle[i]);
    const bool last = i + 1 == oracle.size() || parse_tuple(oracle[i + 1]).gtid != t.gtid;
    int allowed = 1;
    for (const Pos& k : kills)
      if (last ? before(k, t.next()) : !before(t.next(), k)) ++allowed;
    const int n = count[oracle[i]];
    if (n == 0) ++lost;
    if (n > allowed) ++extra;
    if (n > 1) ++repeated;
    CHECK_MESSAGE(n >= 1, "lost: " << oracle[i]);
    CHECK_MESSAGE(n <= allowed, n << " copies, at most " << allowed << " allowed: " << oracle[i]);
  }
  CHECK(lost == 0);
  CHECK(extra == 0);
  std::set<std::string> known(oracle.begin(), oracle.end());
  for (const auto& [v, n] : count) CHECK_MESSAGE(known.count(v) == 1, "not in the binlog: " << v);
  MESSAGE(oracle.size() << " rows, " << got.values.size() << " messages, " << repeated
                        << " rows sent again after a kill");
}

TEST_CASE("kafka: full batches into a small queue: each row once, in order per key") {
  // The sink hands librdkafka batches of up to 1000 messages; with a queue of 64 messages and a
  // slow broker nearly every batch is taken only in part (the rest refused as the queue is full,
  // then sent again from where it stopped). Big source transactions on both tables, so batches
  // fill up and also end at each change of topic.
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (DUMPR_TEST_SEED=" << seed << " repeats it)");
  MockBroker mb;
  TestDatabase db("kafka_batches");
  make_tables(db.name());
  mb.command("topic dumpr.kafka_batches.items 3");
  mb.command("topic dumpr.kafka_batches.pairs 2");
  mb.command("rtt 1 5");
  TempDir tmp;
  const std::string ck0 = tmp / "ck0.json", ck = tmp / "ck.json";
  write_position(db.name(), ck0);
  write_file(ck, read_file(ck0));
  Client c(server().socket, db.name());
  std::mt19937_64 rng(seed);
  for (int t = 0; t < 3; ++t) {
    std::string sql = "BEGIN;";
    for (int i = 0; i < 12; ++i) {
      const bool pairs = rng() % 2 == 0;
      const int n = 100 + static_cast<int>(rng() % 400);
      const int base = (t * 12 + i) * 1000;
      std::string rows;
      for (int k = 0; k < n; ++k) {
        if (!rows.empty()) rows += ',';
        rows += pairs ? "(" + std::to_string(base + k) + ",'" + std::string(1, 'a' + k % 3) + "'," +
                            std::to_string(rng() % 1000) + ")"
                      : "(" + std::to_string(base + k) + ",'v" + std::to_string(rng() % 1000) +
                            "'," + std::to_string(k) + ")";
      }
      sql += std::string(pairs ? "INSERT INTO pairs VALUES " : "INSERT INTO items VALUES ") + rows +
             ";";
      if (rng() % 3 == 0)
        sql += "UPDATE items SET n = n + 1 WHERE id % 7 = " + std::to_string(rng() % 7) + ";";
    }
    sql += "COMMIT;";
    c.exec(sql);
  }
  const auto oracle = oracle_lines(db.name(), ck0, tmp);
  REQUIRE(oracle.size() > 3000);

  RunResult r = dumpr(
      with(tail_base(db.name(), ck), {"--until-end", "--sink", "kafka", "--brokers", mb.bootstrap(),
                                      "--kafka-option", "queue.buffering.max.messages=64"}));
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  Client root(server().socket);
  CHECK(read_checkpoint_pos(ck) == master_status(root));
  check_each_row_once(mb, "kafka_batches", oracle);
  mb.command("rtt 1 0");
}

TEST_CASE("kafka: a row larger than message.max.bytes stops with exit 11; nothing after it goes") {
  // The big row sits in the middle of a batch: librdkafka refuses it but would still take the
  // messages after it, so dumpr refuses it before it joins a batch, naming the setting. (Without
  // that, the later messages are mostly purged at the failed run's end before they go out: the
  // message check is what fails then.)
  MockBroker mb;
  TestDatabase db("kafka_too_large");
  mb.command("topic dumpr.kafka_too_large.t 2");
  Client c(server().socket, db.name());
  c.exec("CREATE TABLE t (id INT PRIMARY KEY, body TEXT) ENGINE=InnoDB");
  TempDir tmp;
  const std::string ck = tmp / "ck.json";
  write_position(db.name(), ck);
  const std::string ck_before = read_file(ck);
  std::string sql = "BEGIN;";
  for (int id = 1; id <= 40; ++id)
    sql += "INSERT INTO t VALUES (" + std::to_string(id) + ", REPEAT('x', " +
           std::to_string(id == 20 ? 5000 : 100) + "));";
  sql += "COMMIT; INSERT INTO t VALUES (41, 'after');";
  c.exec(sql);

  RunResult r = dumpr(
      with(tail_base(db.name(), ck), {"--until-end", "--sink", "kafka", "--brokers", mb.bootstrap(),
                                      "--kafka-option", "message.max.bytes=3000"}));
  CHECK_MESSAGE(r.exit_code == kDeliveryExit, describe(r));
  CHECK_MESSAGE(r.err.find("message.max.bytes=3000") != std::string::npos, r.err);
  CHECK_MESSAGE(r.err.find("max.message.bytes") != std::string::npos, r.err);  // the hint
  CHECK(read_file(ck) == ck_before);
  const TopicContents got = consume_all(mb.bootstrap(), "dumpr.kafka_too_large.t");
  for (const Message& m : got.messages) {
    REQUIRE(m.value.has_value());
    CHECK_MESSAGE(std::stoi(head_of(*m.value).id) < 20, "sent after the refused row: " << *m.value);
  }
}

TEST_CASE("kafka: retriable produce errors pass; a permanent one stops with exit 11") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed);
  MockBroker mb;
  TestDatabase db("kafka_errors");
  make_tables(db.name());
  mb.command("topic dumpr.kafka_errors.items 2");
  mb.command("topic dumpr.kafka_errors.pairs 2");
  TempDir tmp;
  const std::string ck0 = tmp / "ck0.json", ck = tmp / "ck.json";
  write_position(db.name(), ck0);
  write_file(ck, read_file(ck0));
  Writer w(db.name(), seed);
  Client root(server().socket);
  for (int i = 0; i < 20; ++i) w.transaction();

  // Retriable: the producer retries them (idempotently); all arrive once.
  mb.command("produce-errors 6 NOT_LEADER_FOR_PARTITION REQUEST_TIMED_OUT NOT_ENOUGH_REPLICAS");
  RunResult r = dumpr(with(tail_base(db.name(), ck),
                           {"--until-end", "--sink", "kafka", "--brokers", mb.bootstrap()}));
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  const Pos first = master_status(root);
  CHECK(read_checkpoint_pos(ck) == first);
  auto oracle = oracle_lines(db.name(), ck0, tmp);
  Received got;
  collect(mb, "dumpr.kafka_errors.items", false, got);
  collect(mb, "dumpr.kafka_errors.pairs", false, got);
  std::sort(got.values.begin(), got.values.end());
  std::sort(oracle.begin(), oracle.end());
  CHECK(got.values == oracle);

  // Permanent: every Produce refused (topic authorisation): exit 11, a message naming the
  // error, and the checkpoint where the last acknowledged transaction left it.
  for (int i = 0; i < 5; ++i) w.transaction();
  mb.command("produce-errors 1000 TOPIC_AUTHORIZATION_FAILED");
  r = dumpr(with(tail_base(db.name(), ck),
                 {"--until-end", "--sink", "kafka", "--brokers", mb.bootstrap()}));
  CHECK_MESSAGE(r.exit_code == kDeliveryExit, describe(r));
  CHECK_MESSAGE(r.err.find("TOPIC_AUTHORIZATION_FAILED") != std::string::npos, r.err);
  CHECK_MESSAGE(r.err.find("grant") != std::string::npos, r.err);
  CHECK(read_checkpoint_pos(ck) == first);
  mb.command("clear-errors");
}

TEST_CASE("kafka: options are checked before anything is sent") {
  TestDatabase db("kafka_opts");
  make_tables(db.name());
  TempDir tmp;
  const std::string ck = tmp / "ck.json";
  write_position(db.name(), ck);
  const std::string before = read_file(ck);
  auto run = [&](const std::vector<std::string>& extra) {
    return dumpr(with(tail_base(db.name(), ck), with({"--until-end"}, extra)));
  };
  RunResult r = run({"--brokers", "127.0.0.1:1"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("--brokers goes with --sink kafka") != std::string::npos, r.err);
  r = run({"--sink", "kafka"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("needs --brokers") != std::string::npos, r.err);
  r = run({"--sink", "kafka", "--brokers", "127.0.0.1:1", "--topic", "x.{schema}"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("unknown {schema}") != std::string::npos, r.err);
  r = run({"--sink", "kafka", "--brokers", "127.0.0.1:1", "--kafka-option", "acks"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("expected KEY=VALUE") != std::string::npos, r.err);
  r = run({"--sink", "kafka", "--brokers", "127.0.0.1:1", "--kafka-option", "transactional.id=x"});
  CHECK(r.exit_code == 2);
  r = run({"--sink", "kafka", "--brokers", "127.0.0.1:1", "--output", tmp / "out"});
  CHECK(r.exit_code == 2);
  CHECK(read_file(ck) == before);
  // A table whose topic name Kafka refuses: exit 11 before its first message, checkpoint kept.
  Sql sql;
  sql.exec("CREATE TABLE `" + db.name() + "`.`odd name` (id INT PRIMARY KEY)");
  write_position(db.name(), ck);
  const std::string at_start = read_file(ck);
  sql.exec("INSERT INTO `" + db.name() + "`.`odd name` VALUES (1)");
  MockBroker mb(1);
  r = run({"--sink", "kafka", "--brokers", mb.bootstrap()});
  CHECK(r.exit_code == kDeliveryExit);
  CHECK_MESSAGE(r.err.find("not a Kafka topic name") != std::string::npos, r.err);
  CHECK(read_file(ck) == at_start);

  // kafka-option= lines of the [dumpr] group reach librdkafka (which refuses this one).
  const std::string cnf = tmp / "my.cnf";
  write_file(cnf,
             "[client]\nkafka-option=client.group.is.not.read=1\n[dumpr]\n"
             "kafka-option=no.such.setting=1\n");
  std::vector<std::string> a = {
      "tail",          "--defaults-file", cnf,           "--socket",
      server().socket, "--user",          server().user, "--password=" + server().password,
      "--database",    db.name(),         "--from",      ck,
      "--until-end",   "--sink",          "kafka",       "--brokers",
      "127.0.0.1:1"};
  r = dumpr(a);
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("no.such.setting") != std::string::npos, r.err);
  CHECK(read_file(ck) == at_start);
}

TEST_CASE("kafka: load sends the snapshot; its checkpoint only once Kafka has every row") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed);
  MockBroker mb;
  TestDatabase db("kafka_load");
  make_tables(db.name());
  Writer w(db.name(), seed);
  for (int i = 0; i < 60; ++i) w.transaction();
  TempDir tmp;
  RunResult want = dumpr_load(db.name(), {});
  REQUIRE_MESSAGE(want.exit_code == 0, describe(want));
  const auto oracle = split_lines(want.out);
  REQUIRE(!oracle.empty());

  // Brokers away: the load waits, and is stopped with no checkpoint written.
  mb.command("down -1");
  const std::string ck = tmp / "ck.json";
  std::vector<std::string> args = {DUMPR_BINARY, "load"};
  for (auto& c : conn_args(db.name())) args.push_back(c);
  for (auto& a : {std::string("--checkpoint"), ck, std::string("--sink"), std::string("kafka"),
                  std::string("--brokers"), mb.bootstrap(), std::string("--topic"),
                  std::string("snap.{table}")})
    args.push_back(a);
  {
    Background load(args);
    std::this_thread::sleep_for(std::chrono::seconds(2));
    REQUIRE_MESSAGE(load.running(), load.err());
    CHECK(!std::filesystem::exists(ck));
    load.signal(SIGTERM);
    CHECK(load.wait_exit(20) == std::optional<int>(130));
    CHECK(!std::filesystem::exists(ck));
  }
  mb.command("up -1");
  args.erase(args.begin());
  RunResult r = dumpr(args);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  CHECK(std::filesystem::exists(ck));
  Received got;
  collect(mb, "snap.items", true, got, db.name());
  collect(mb, "snap.pairs", true, got, db.name());
  // The stopped run may have left some rows in Kafka (sent, never acknowledged to it): each row
  // at least once, and the last run's copy of every row.
  std::set<std::string> want_set(oracle.begin(), oracle.end()),
      got_set(got.values.begin(), got.values.end());
  CHECK(got_set == want_set);
}

// ---- exactly-once (--exactly-once NAME) ------------------------------------------------------
//
// What librdkafka 2.0.2's mock cluster (Debian's version) does with transactions, read in its
// source (src/rdkafka_mock_handlers.c at v2.0.2): InitProducerId, AddPartitionsToTxn, EndTxn
// are answered, and each checks the producer id and epoch it is given; but
//   - every InitProducerId with a transactional.id makes a NEW producer id (epoch 0): a second
//     instance with the same transactional.id does not fence the first;
//   - EndTxn writes no transaction markers (control records) into the partitions, and a Fetch
//     answers LastStableOffset = the partition's end and no aborted transactions: a
//     read_committed consumer of the mock sees every message, committed, aborted or still open;
//   - the coordinator never aborts a transaction for its age (transaction.timeout.ms).
// So these tests assert what the wire protocol shows without those: which positions (one
// checkpoint message per Kafka transaction, written after the transaction's records were
// acknowledged) each run committed, and that the records of committed transactions are each row
// exactly once; fencing is the error a real coordinator answers a fenced producer
// (PRODUCER_FENCED on EndTxn), injected; the timeout is dumpr's own check. The filtering of
// aborted messages by a read_committed consumer is Kafka's part and is not shown here.
namespace {

const std::string kPositions = "eos.positions";

std::vector<std::string> eos_args(const std::string& db, const std::string& ck,
                                  const MockBroker& mb, const std::string& name,
                                  const std::vector<std::string>& extra = {}) {
  return with(tail_base(db, ck), with({"--sink", "kafka", "--brokers", mb.bootstrap(),
                                       "--exactly-once", name, "--positions-topic", kPositions},
                                      extra));
}

// The transactional.id dumpr derives for `name` from the sandbox server's identity.
std::string expected_id(const std::string& name) {
  Client c(server().socket);
  auto rows = c.query("SELECT @@version, @@server_id");
  if (rows[0][0]->find("MariaDB") != std::string::npos)
    return "dumpr.mariadb-" + *rows[0][1] + "." + name;
  return "dumpr." + *c.query("SELECT @@server_uuid")[0][0] + "." + name;
}

// Per partition, the offset after its last message now.
std::map<int, std::int64_t> ends_of(const MockBroker& mb, const std::string& topic) {
  std::map<int, std::int64_t> ends;
  for (const Message& m : consume_all(mb.bootstrap(), topic).messages)
    ends[m.partition] = m.offset + 1;
  return ends;
}

// Which run wrote `m`, from the ends each finished run left; the last run after them.
std::size_t run_of(const std::vector<std::map<int, std::int64_t>>& ends, const Message& m) {
  for (std::size_t r = 0; r < ends.size(); ++r) {
    auto it = ends[r].find(m.partition);
    if (it != ends[r].end() && m.offset < it->second) return r;
  }
  return ends.size();
}

Pos pos_of_json(const std::string& json, const TempDir& tmp) {
  write_file(tmp / "pos-of.json", json);
  return read_checkpoint_pos(tmp / "pos-of.json");
}

// The checkpoint messages of `id` in the positions topic, in order, each in the partition the
// Java client's partitioner gives the key.
std::vector<Message> positions_of(const MockBroker& mb, const std::string& id) {
  TopicContents t = consume_all(mb.bootstrap(), kPositions);
  std::vector<Message> out;
  for (Message& m : t.messages) {
    if (m.key != id) continue;
    CHECK(m.partition == java_partition(m.key, t.partitions));
    REQUIRE(m.value.has_value());
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

TEST_CASE("kafka exactly-once: kill -9 at random points; each row once in committed transactions") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (DUMPR_TEST_SEED=" << seed << " repeats it)");
  std::mt19937_64 rng(seed);
  MockBroker mb;
  TestDatabase db("kafka_eos_kill");
  make_tables(db.name());
  mb.command("topic dumpr.kafka_eos_kill.items 6");
  mb.command("topic dumpr.kafka_eos_kill.pairs 3");
  mb.command("topic " + kPositions + " 3");
  TempDir tmp;
  const std::string ck0 = tmp / "ck0.json", ck = tmp / "ck.json";
  write_position(db.name(), ck0);
  write_file(ck, read_file(ck0));
  const std::string id = expected_id("kill");

  std::atomic<bool> stop{false};
  std::string writer_error;
  std::thread writer([&] {
    try {
      Writer w(db.name(), seed + 1);
      for (int i = 0; i < 1500 && !stop; ++i) {  // about 5 s: through every round
        w.transaction();
        std::this_thread::sleep_for(std::chrono::milliseconds(3));
      }
    } catch (const std::exception& e) {
      writer_error = e.what();
    }
  });
  StopAndJoin join(stop, writer);

  std::vector<std::string> args = {DUMPR_BINARY};
  for (auto& a : eos_args(db.name(), ck, mb, "kill")) args.push_back(a);
  // What each killed run left in the three topics (the offsets after its last message).
  std::vector<std::map<int, std::int64_t>> ends_items, ends_pairs, ends_pos;
  std::size_t stale_restarts = 0;
  for (int round = 0; round < 4; ++round) {
    // Every other restart finds the checkpoint file stale (a cache lost or restored from a
    // backup): Kafka's position must win, and the difference be said.
    const bool stale = round % 2 == 1;
    if (stale) write_file(ck, read_file(ck0));
    const bool kafka_has = !positions_of(mb, id).empty();
    Background tail(args);
    if (stale && kafka_has) {  // the kill comes after the start position was chosen
      const auto deadline = Clock::now() + std::chrono::seconds(10);
      while (tail.err().find("starting from") == std::string::npos && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const auto ms = 300 + rng() % 900;
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    REQUIRE_MESSAGE(tail.running(), tail.err());
    tail.signal(SIGKILL);
    REQUIRE(tail.wait_exit(10) == std::optional<int>(128 + SIGKILL));
    if (stale && kafka_has) {
      ++stale_restarts;
      CHECK_MESSAGE(tail.err().find("differs from the checkpoint file") != std::string::npos,
                    tail.err());
      CHECK_MESSAGE(tail.err().find("starting from Kafka's") != std::string::npos, tail.err());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the mock takes what was sent
    ends_items.push_back(ends_of(mb, "dumpr.kafka_eos_kill.items"));
    ends_pairs.push_back(ends_of(mb, "dumpr.kafka_eos_kill.pairs"));
    ends_pos.push_back(ends_of(mb, kPositions));
    MESSAGE("round " << round << ": killed after " << ms << " ms, checkpoint file at "
                     << read_checkpoint_pos(ck));
  }
  stop = true;
  writer.join();
  REQUIRE(writer_error.empty());
  write_file(ck, read_file(ck0));  // stale once more
  RunResult r = dumpr(with(eos_args(db.name(), ck, mb, "kill"), {"--until-end"}));
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  CHECK_MESSAGE(r.err.find("differs from the checkpoint file") != std::string::npos, r.err);
  Client root(server().socket);
  const Pos end = master_status(root);
  CHECK(read_checkpoint_pos(ck) == end);

  // The oracle: every row, and where each source transaction ends.
  const auto oracle = oracle_lines(db.name(), ck0, tmp);
  std::map<std::string, Pos> txn_end;  // gtid -> the end of its transaction
  for (const std::string& l : oracle) {
    const Tuple t = parse_tuple(l);
    REQUIRE_MESSAGE(t.has_gtid, "the test needs GTIDs: " << l);
    txn_end[t.gtid] = t.next();  // the last row's next position is the transaction's end
  }
  std::set<std::string> ends_set;
  for (const auto& [g, p] : txn_end) ends_set.insert(p.file + ":" + std::to_string(p.pos));
  const Pos start = read_checkpoint_pos(ck0);
  ends_set.insert(start.file + ":" + std::to_string(start.pos));

  // Per run, the last position it committed; a run that committed none leaves the one before.
  const std::size_t runs = ends_pos.size() + 1;
  std::vector<Pos> limit(runs, start);
  std::vector<bool> wrote(runs, false);
  for (const Message& m : positions_of(mb, id)) {
    const Pos p = pos_of_json(*m.value, tmp);
    // A Kafka transaction ends where a source transaction ends, never inside one.
    CHECK_MESSAGE(ends_set.count(p.file + ":" + std::to_string(p.pos)) == 1,
                  "a position inside a source transaction: " << p);
    const std::size_t run = run_of(ends_pos, m);
    CHECK_MESSAGE(!before(p, limit[run]), "positions go back: " << p << " after " << limit[run]);
    limit[run] = p;
    wrote[run] = true;
  }
  for (std::size_t run = 1; run < runs; ++run)
    if (!wrote[run] || before(limit[run], limit[run - 1])) limit[run] = limit[run - 1];
  CHECK(limit.back() == end);

  // A row's message is committed when its transaction ends at or before the last position its
  // run committed: those are what read_committed consumers of a real cluster see. The others
  // (a killed run's open transaction) the mock shows too; Kafka would have aborted them.
  std::map<std::string, int> committed;
  std::size_t uncommitted = 0, messages = 0;
  for (const std::string topic : {"dumpr.kafka_eos_kill.items", "dumpr.kafka_eos_kill.pairs"}) {
    const auto& ends = topic.ends_with("items") ? ends_items : ends_pairs;
    for (const Message& m : consume_all(mb.bootstrap(), topic).messages) {
      REQUIRE(m.value.has_value());
      ++messages;
      const Tuple t = parse_tuple(*m.value);
      const std::size_t run = run_of(ends, m);
      auto it = txn_end.find(t.gtid);
      REQUIRE_MESSAGE(it != txn_end.end(), "not in the binlog: " << *m.value);
      if (before(limit[run], it->second)) {
        ++uncommitted;
        CHECK_MESSAGE(run + 1 < runs, "the last run left an uncommitted row: " << *m.value);
      } else {
        ++committed[*m.value];
      }
    }
  }
  std::size_t lost = 0, duplicated = 0;
  for (const std::string& l : oracle) {
    const int n = committed[l];
    lost += n == 0;
    duplicated += n > 1;
    CHECK_MESSAGE(n == 1, n << " committed copies of " << l);
  }
  CHECK(lost == 0);
  CHECK(duplicated == 0);
  CHECK(committed.size() == oracle.size());
  CHECK(stale_restarts >= 1);
  MESSAGE(oracle.size() << " rows, " << messages << " messages, " << uncommitted
                        << " in transactions a kill left open (aborted in a real cluster)");
}

TEST_CASE("kafka exactly-once: the position is read back from Kafka; a stale file is named") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed);
  MockBroker mb;
  TestDatabase db("kafka_eos_pos");
  make_tables(db.name());
  mb.command("topic dumpr.kafka_eos_pos.items 2");
  mb.command("topic dumpr.kafka_eos_pos.pairs 2");
  mb.command("topic " + kPositions + " 5");
  TempDir tmp;
  const std::string ck0 = tmp / "ck0.json", ck = tmp / "ck.json";
  write_position(db.name(), ck0);
  write_file(ck, read_file(ck0));
  const std::string id = expected_id("pos");
  Writer w(db.name(), seed);
  Client root(server().socket);
  for (int i = 0; i < 30; ++i) w.transaction();

  RunResult r = dumpr(with(eos_args(db.name(), ck, mb, "pos"), {"--until-end"}));
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  CHECK_MESSAGE(r.err.find("no checkpoint in Kafka yet; starting from the checkpoint file") !=
                    std::string::npos,
                r.err);
  const Pos first = master_status(root);
  CHECK(read_checkpoint_pos(ck) == first);
  auto stored = positions_of(mb, id);
  REQUIRE(!stored.empty());
  CHECK(pos_of_json(*stored.back().value, tmp) == first);
  CHECK(*stored.back().value == read_file(ck));  // the same JSON as the file

  // The file goes stale (restored from a backup): Kafka's position wins, and stderr says so.
  for (int i = 0; i < 20; ++i) w.transaction();
  write_file(ck, read_file(ck0));
  r = dumpr(with(eos_args(db.name(), ck, mb, "pos"), {"--until-end"}));
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  CHECK_MESSAGE(r.err.find("differs from the checkpoint file " + ck) != std::string::npos, r.err);
  CHECK_MESSAGE(r.err.find("starting from Kafka's") != std::string::npos, r.err);
  const Pos second = master_status(root);
  CHECK(read_checkpoint_pos(ck) == second);
  CHECK(pos_of_json(*positions_of(mb, id).back().value, tmp) == second);
  // Each row once: nothing of the first run sent again.
  const auto oracle = oracle_lines(db.name(), ck0, tmp);
  Received got;
  collect(mb, "dumpr.kafka_eos_pos.items", false, got);
  collect(mb, "dumpr.kafka_eos_pos.pairs", false, got);
  auto sorted_got = got.values, sorted_want = oracle;
  std::sort(sorted_got.begin(), sorted_got.end());
  std::sort(sorted_want.begin(), sorted_want.end());
  CHECK(sorted_got == sorted_want);

  // File and Kafka agree: nothing said.
  r = dumpr(with(eos_args(db.name(), ck, mb, "pos"), {"--until-end"}));
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  CHECK_MESSAGE(r.err.find("differs") == std::string::npos, r.err);

  // load --exactly-once: the snapshot in one transaction, its position in the positions topic,
  // where a tail with the same name starts.
  std::vector<std::string> load = {"load"};
  for (auto& c : conn_args(db.name())) load.push_back(c);
  for (const std::string a :
       {"--sink", "kafka", "--brokers", mb.bootstrap().c_str(), "--topic", "snap.{table}",
        "--exactly-once", "snap", "--positions-topic", kPositions.c_str()})
    load.push_back(a);
  r = dumpr(load);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  auto snap = positions_of(mb, expected_id("snap"));
  REQUIRE(snap.size() == 1);
  CHECK(pos_of_json(*snap.back().value, tmp) == master_status(root));
}

TEST_CASE(
    "kafka exactly-once: a fenced instance stops with exit 12, checkpoint at its last commit") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed);
  MockBroker mb;
  TestDatabase db("kafka_eos_fence");
  make_tables(db.name());
  mb.command("topic dumpr.kafka_eos_fence.items 2");
  mb.command("topic dumpr.kafka_eos_fence.pairs 2");
  mb.command("topic " + kPositions + " 1");
  TempDir tmp;
  const std::string ck0 = tmp / "ck0.json", ck = tmp / "ck.json";
  write_position(db.name(), ck0);
  write_file(ck, read_file(ck0));
  const std::string id = expected_id("fence");

  std::atomic<bool> stop{false};
  std::string writer_error;
  std::thread writer([&] {
    try {
      Writer w(db.name(), seed);
      for (int i = 0; i < 3000 && !stop; ++i) {
        w.transaction();
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    } catch (const std::exception& e) {
      writer_error = e.what();
    }
  });
  StopAndJoin join(stop, writer);
  std::vector<std::string> args = {DUMPR_BINARY};
  for (auto& a : eos_args(db.name(), ck, mb, "fence")) args.push_back(a);
  Background tail(args);
  // A few transactions committed, then the coordinator's answer to a fenced producer (a newer
  // instance's InitProducerId bumped the epoch; the mock cannot do that itself).
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  while (positions_of(mb, id).size() < 3 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  REQUIRE_MESSAGE(tail.running(), tail.err());
  mb.command("request-errors EndTxn 1 PRODUCER_FENCED");
  const auto code = tail.wait_exit(20);
  stop = true;
  CHECK_MESSAGE(code == std::optional<int>(12), tail.err());
  const std::string err = tail.err();
  CHECK_MESSAGE(err.find("Kafka fenced this producer") != std::string::npos, err);
  CHECK_MESSAGE(err.find("Run one dumpr per --exactly-once name") != std::string::npos, err);
  // The fenced transaction's checkpoint message is the last one (the mock shows it; a real
  // cluster aborts it); the file holds the one before: the last committed transaction.
  const auto stored = positions_of(mb, id);
  REQUIRE(stored.size() >= 2);
  CHECK(read_checkpoint_pos(ck) == pos_of_json(*stored[stored.size() - 2].value, tmp));
  CHECK(read_checkpoint_pos(ck) != pos_of_json(*stored.back().value, tmp));
}

TEST_CASE("kafka exactly-once: a source transaction longer than transaction.timeout.ms stops") {
  MockBroker mb;
  TestDatabase db("kafka_eos_big");
  Sql sql;
  sql.exec("CREATE TABLE `" + db.name() + "`.big (id INT PRIMARY KEY, v INT) ENGINE=InnoDB");
  sql.exec("CREATE TABLE `" + db.name() + "`.d (x INT) ENGINE=InnoDB");
  sql.exec("INSERT INTO `" + db.name() + "`.d VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)");
  mb.command("topic dumpr.kafka_eos_big.big 4");
  mb.command("topic " + kPositions + " 1");
  TempDir tmp;
  const std::string ck0 = tmp / "ck0.json", ck = tmp / "ck.json";
  write_position(db.name(), ck0);
  write_file(ck, read_file(ck0));
  const std::string id = expected_id("big");
  // dumpr started (its producer and the positions read at full speed), then the brokers slowed
  // down (300 ms a request) and one source transaction of 30000 rows: with a small queue it
  // cannot be sent within transaction.timeout.ms=1000.
  std::vector<std::string> args = {DUMPR_BINARY};
  for (auto& a : eos_args(db.name(), ck, mb, "big",
                          {"--kafka-option", "transaction.timeout.ms=1000", "--kafka-option",
                           "queue.buffering.max.messages=2000"}))
    args.push_back(a);
  Background tail(args);
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (tail.err().find("starting from") == std::string::npos && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE_MESSAGE(tail.running(), tail.err());
  for (int b = 1; b <= 3; ++b) mb.command("rtt " + std::to_string(b) + " 300");
  sql.exec("INSERT INTO `" + db.name() +
           "`.big SELECT a.x + 10 * b.x + 100 * c.x + 1000 * e.x + 10000 * f.x, 1 FROM `" +
           db.name() + "`.d a, `" + db.name() + "`.d b, `" + db.name() + "`.d c, `" + db.name() +
           "`.d e, `" + db.name() + "`.d f WHERE f.x < 3");
  const auto code = tail.wait_exit(30);
  for (int b = 1; b <= 3; ++b) mb.command("rtt " + std::to_string(b) + " 0");
  CHECK_MESSAGE(code == std::optional<int>(kDeliveryExit), tail.err());
  CHECK_MESSAGE(tail.err().find("longer than transaction.timeout.ms=1000") != std::string::npos,
                tail.err());
  CHECK_MESSAGE(tail.err().find("raise --kafka-option transaction.timeout.ms") != std::string::npos,
                tail.err());
  CHECK(read_file(ck) == read_file(ck0));  // nothing committed
  CHECK(positions_of(mb, id).empty());

  // The restart with time enough sends it again, whole, in one Kafka transaction.
  RunResult r = dumpr(with(eos_args(db.name(), ck, mb, "big"), {"--until-end"}));
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  Client root(server().socket);
  CHECK(read_checkpoint_pos(ck) == master_status(root));
  const auto stored = positions_of(mb, id);
  REQUIRE(stored.size() == 1);
  CHECK(pos_of_json(*stored.back().value, tmp) == master_status(root));
}

TEST_CASE("kafka exactly-once: options refused before anything is sent") {
  TestDatabase db("kafka_eos_opts");
  make_tables(db.name());
  TempDir tmp;
  const std::string ck = tmp / "ck.json";
  write_position(db.name(), ck);
  const std::string before_text = read_file(ck);
  auto run = [&](const std::vector<std::string>& extra) {
    return dumpr(with(tail_base(db.name(), ck), with({"--until-end"}, extra)));
  };
  auto refused = [](const RunResult& r, const std::string& why) {
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK_MESSAGE(r.err.find(why) != std::string::npos, r.err);
  };
  refused(run({"--exactly-once", "x"}), "--exactly-once goes with --sink kafka");
  refused(run({"--sink", "kafka", "--brokers", "127.0.0.1:1", "--positions-topic", "p"}),
          "--positions-topic goes with --exactly-once");
  refused(run({"--sink", "kafka", "--brokers", "127.0.0.1:1", "--exactly-once", "a b"}),
          "a NAME of 1 to 100");
  refused(run({"--sink", "kafka", "--brokers", "127.0.0.1:1", "--exactly-once", "x",
               "--positions-topic", "bad topic"}),
          "not a Kafka topic name");
  refused(
      run({"--sink", "kafka", "--brokers", "127.0.0.1:1", "--kafka-option", "transactional.id=x"}),
      "give --exactly-once NAME instead");
  refused(run({"--sink", "kafka", "--brokers", "127.0.0.1:1", "--exactly-once", "x", "--output",
               tmp / "out"}),
          "give one of them");
  refused(dumpr({"tail", "--binlog-file", tmp / "none", "--sink", "kafka", "--brokers",
                 "127.0.0.1:1", "--exactly-once", "x"}),
          "--exactly-once needs a live server");
  std::vector<std::string> load = {"load"};
  for (auto& c : conn_args(db.name())) load.push_back(c);
  load.push_back("--exactly-once");
  load.push_back("x");
  refused(dumpr(load), "--exactly-once goes with --sink kafka");
  CHECK(read_file(ck) == before_text);
}
