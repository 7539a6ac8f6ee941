// The checkpoint rule (src/delivery) and the formats (src/format), with a sink that acknowledges
// when the test says so: the checkpoint never passes a record the sink has not acknowledged.
#include "delivery/delivery.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "dumpr/format.hpp"
#include "dumpr/position.hpp"
#include "dumpr/sink.hpp"
#include "format/json_members.hpp"

using namespace dumpr;

namespace {

// Keeps each record's bytes; acknowledges up to `acks` (set by the test), like a broker.
class TestSink final : public Sink {
 public:
  std::vector<std::string> records;
  std::string current;
  std::uint64_t acks = 0;
  int durable_flushes = 0;
  Status put(std::string_view b) override {
    current.append(b);
    return {};
  }
  Status end_record(const ChangeRecord&, std::uint64_t seq) override {
    CHECK(seq == records.size() + 1);
    records.push_back(std::move(current));
    current.clear();
    return {};
  }
  Status flush(bool durable) override {
    durable_flushes += durable;
    return {};
  }
  std::uint64_t acknowledged() override { return acks; }
};

std::string temp_checkpoint() {
  char dir[] = "/tmp/dumpr-delivery-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  return std::string(dir) + "/pos.json";
}

Position at(std::uint64_t pos) {
  Position p;
  p.file = "mariadb-bin.000001";
  p.position = pos;
  return p;
}

ChangeRecord update_record() {
  ChangeRecord r;
  r.op = ChangeOp::update;
  r.database = "shop";
  r.table = "people";
  r.id = "7";
  r.row = R"({"id":7,"name":"b\"}","tags":{"a":[1,{"x":"}"}]},"n":2})";
  r.before = R"({"id":7,"name":"a","tags":{"a":[1,{"x":"}"}]},"n":1})";
  r.source.next_file = "mariadb-bin.000001";
  r.source.next_position = 400;
  r.source.event_file = "mariadb-bin.000001";
  r.source.event_position = 300;
  r.source.transaction_position = 256;
  r.source.time = 1700000000;
  r.source.server_id = 1;
  r.source.gtid = "0-1-5";
  return r;
}

std::string render(Format& f, const ChangeRecord& r) {
  TestSink s;
  REQUIRE(f.render(r, s).ok());
  return s.current;
}

}  // namespace

TEST_CASE("delivery: the checkpoint moves only over acknowledged transactions") {
  auto fmt = make_format({});
  REQUIRE(fmt.ok());
  TestSink sink;
  const std::string path = temp_checkpoint();
  delivery::Delivery d(**fmt, sink, path);
  ChangeRecord r = update_record();
  // Transaction 1: records 1-2; transaction 2: records 3-5.
  REQUIRE(d.record(r).ok());
  REQUIRE(d.record(r).ok());
  d.commit(at(1000));
  for (int i = 0; i < 3; ++i) REQUIRE(d.record(r).ok());
  d.commit(at(2000));
  CHECK(sink.records.size() == 5);

  REQUIRE(d.deliver().ok());  // nothing acknowledged: no checkpoint at all
  CHECK(sink.durable_flushes == 1);
  CHECK(access(path.c_str(), F_OK) != 0);
  CHECK(d.pending() == 2);

  sink.acks = 1;  // half of transaction 1
  REQUIRE(d.advance().ok());
  CHECK(access(path.c_str(), F_OK) != 0);

  sink.acks = 4;  // transaction 1 and part of 2
  CHECK(d.sink_moved());
  REQUIRE(d.advance().ok());
  auto p = read_checkpoint(path);
  REQUIRE(p.ok());
  CHECK(p->position == 1000);
  CHECK(d.pending() == 1);
  CHECK_FALSE(d.sink_moved());

  sink.acks = 5;
  REQUIRE(d.advance().ok());
  p = read_checkpoint(path);
  REQUIRE(p.ok());
  CHECK(p->position == 2000);
  CHECK(d.pending() == 0);
}

TEST_CASE("delivery: the cadence waits 50 ms, longer for big checkpoints") {
  auto fmt = make_format({});
  REQUIRE(fmt.ok());
  TestSink sink;
  delivery::Delivery d(**fmt, sink, "");
  REQUIRE(d.advance().ok());
  const auto now = delivery::Delivery::Clock::now();
  CHECK_FALSE(d.due(0, now));
  CHECK(d.due(0, now + std::chrono::milliseconds(60)));
  CHECK_FALSE(d.due(16 * 1000, now + std::chrono::milliseconds(60)));  // 1 s interval
  CHECK(d.due(16 * 1000, now + std::chrono::milliseconds(1100)));
  CHECK_FALSE(d.due(100 << 20, now + std::chrono::milliseconds(1900)));  // at most 2 s
  CHECK(d.due(100 << 20, now + std::chrono::milliseconds(2100)));
}

TEST_CASE("dumpr format: the head the stream built, or one built here, give the same line") {
  auto fmt = make_format({});
  REQUIRE(fmt.ok());
  ChangeRecord r = update_record();
  const std::string built = render(**fmt, r);
  CHECK(built == R"(["upsert","people",7,{"id":7,"name":"b\"}","tags":{"a":[1,{"x":"}"}]},"n":2},)"
                 R"({"ts":"2023-11-14T22:13:20Z","db":"shop","next_file":"mariadb-bin.000001",)"
                 R"("next_position":400,"gtid":"0-1-5"}])");
  const std::string head = R"(["upsert","people",7,)" + std::string(r.row) + ",";
  r.dumpr_head = head;
  CHECK(render(**fmt, r) == built);

  auto with_before = make_format({.before = true});
  REQUIRE(with_before.ok());
  const std::string b = render(**with_before, r);
  CHECK(b.substr(b.size() - r.before.size() - 12) ==
        R"(,"before":)" + std::string(r.before) + "}]");

  r.source.snapshot = true;
  CHECK(render(**fmt, r).ends_with(",null]"));
}

TEST_CASE("debezium and maxwell envelopes") {
  auto dbz = make_format({.name = "debezium", .server_name = "prod"});
  REQUIRE(dbz.ok());
  ChangeRecord r = update_record();
  std::string u = render(**dbz, r);
  CHECK(u.starts_with(R"({"before":{"id":7,"name":"a",)"));
  CHECK(u.find(R"("op":"u")") != std::string::npos);
  CHECK(u.find(R"("name":"prod","ts_ms":1700000000000,"snapshot":"false","db":"shop",)"
               R"("table":"people","server_id":1,"gtid":"0-1-5","file":"mariadb-bin.000001",)"
               R"("pos":300,"row":0,)") != std::string::npos);
  r.op = ChangeOp::erase;
  std::string d = render(**dbz, r);
  CHECK(d.starts_with(R"({"before":{"id":7,"name":"b\"}",)"));
  CHECK(d.find(R"("after":null,)") != std::string::npos);
  CHECK(d.find(R"("op":"d")") != std::string::npos);

  auto mx = make_format({.name = "maxwell"});
  REQUIRE(mx.ok());
  r = update_record();
  r.source.last_in_transaction = true;
  std::string m = render(**mx, r);
  CHECK(m.starts_with(R"({"database":"shop","table":"people","type":"update","ts":1700000000,)"
                      R"("xid":256,"commit":true,)"));
  // Only the changed columns' old values; the equal JSON column is left out.
  CHECK(m.ends_with(R"("data":)" + std::string(r.row) + R"(,"old":{"name":"a","n":1}})"));

  CHECK_FALSE(make_format({.name = "avro"}).ok());
  CHECK_FALSE(make_format({.name = "maxwell", .before = true}).ok());
}

TEST_CASE("member reader: keys and values of nested and escaped JSON") {
  format::MemberReader m(R"({"a":1,"b\"":"x,}","c":{"d":[1,2,{"e":"]"}]},"f":null})");
  std::string_view k, v;
  std::vector<std::string> seen;
  while (m.next(k, v)) seen.push_back(std::string(k) + "=" + std::string(v));
  CHECK(seen == std::vector<std::string>{R"("a"=1)", R"("b\""="x,}")",
                                         R"("c"={"d":[1,2,{"e":"]"}]})", R"("f"=null)"});
  format::MemberReader empty("{}");
  CHECK_FALSE(empty.next(k, v));
}
