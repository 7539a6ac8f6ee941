// GTID sets (MySQL) and the checkpoint's GTID position: text and binary forms, and adding
// transactions, against a plain set of (uuid, tag, gno) as the oracle.
#include "binlog/gtid_set.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <tuple>

using dumpr::binlog::GtidPosition;
using dumpr::binlog::GtidSet;
using dumpr::binlog::Uuid;

namespace {

std::vector<std::uint8_t> from_hex(const std::string& h) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}

Uuid uuid_of(const std::string& text) {
  auto s = GtidSet::parse(text + ":1");
  REQUIRE(s);
  std::string t = s->to_string();
  Uuid u{};
  auto bytes = from_hex(t.substr(0, 8) + t.substr(9, 4) + t.substr(14, 4) + t.substr(19, 4) +
                        t.substr(24, 12));
  std::copy(bytes.begin(), bytes.end(), u.begin());
  return u;
}

const std::string kU1 = "6b22d1ac-f21a-11f1-b49f-02fc00000001";
const std::string kU2 = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

}  // namespace

TEST_CASE("GTID set text: MySQL's canonical form, tags after the untagged intervals") {
  auto s = GtidSet::parse(kU1 + ":1-9:abc:1:mytag:1");
  REQUIRE(s);
  CHECK(s->to_string() == kU1 + ":1-9:abc:1:mytag:1");
  // Order, case, spacing and newlines as the server may print them; a UUID named twice and
  // overlapping intervals merge; intervals after a tag are the tag's.
  auto t = GtidSet::parse(" " + kU2 + ":5-7:3 ,\n" +
                          std::string("6B22D1AC-F21A-11F1-B49F-02FC00000001") + ":MyTag:1:abc:1, " +
                          kU1 + ":1-4:5-9:2");
  REQUIRE(t);
  CHECK(t->to_string() == kU1 + ":1-9:abc:1:mytag:1," + kU2 + ":3:5-7");
  CHECK(GtidSet::parse("")->empty());
  for (const char* bad :
       {"x", "6b22d1ac-f21a-11f1-b49f-02fc0000000:1", "6b22d1ac-f21a-11f1-b49f-02fc00000001:0",
        "6b22d1ac-f21a-11f1-b49f-02fc00000001:5-3", "6b22d1ac-f21a-11f1-b49f-02fc00000001:1a",
        "6b22d1ac-f21a-11f1-b49f-02fc00000001:9tag:1", "6b22d1ac-f21a-11f1-b49f-02fc00000001::1",
        "6b22d1ac-f21a-11f1-b49f-02fc00000001:1,,"}) {
    INFO(bad);
    auto r = GtidSet::parse(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == dumpr::ErrorKind::usage);
    CHECK(r.error().message.find("expected MySQL's form") != std::string::npos);
  }
}

TEST_CASE("GTID set binary form: a MySQL 9.7 PREVIOUS_GTIDS body, tagged, decodes and re-encodes") {
  // mysql-bin.000003 at 127 (body without header and checksum), written by MySQL 9.7.4 after
  // SET gtid_next='AUTOMATIC:mytag' and 'AUTOMATIC:abc': Previous_gtids "...:1-9:abc:1:mytag:1".
  const auto body = from_hex(
      "01030000000000016b22d1acf21a11f1b49f02fc0000000100010000000000000001000000000000000a00000000"
      "00"
      "00006b22d1acf21a11f1b49f02fc0000000106616263010000000000000001000000000000000200000000000000"
      "6b"
      "22d1acf21a11f1b49f02fc000000010a6d79746167010000000000000001000000000000000200000000000000");
  auto s = GtidSet::decode(body);
  REQUIRE(s);
  CHECK(s->to_string() == kU1 + ":1-9:abc:1:mytag:1");
  const std::string enc = s->encode();
  CHECK(std::vector<std::uint8_t>(enc.begin(), enc.end()) == body);
  // Without tags: the untagged format, the count alone in the first 8 bytes.
  auto plain = GtidSet::parse(kU1 + ":1-3:7");
  const std::string penc = plain->encode();
  REQUIRE(penc.size() == 8 + 16 + 8 + 2 * 16);
  CHECK(penc[0] == 1);
  CHECK(penc[7] == 0);
  CHECK(GtidSet::decode(
            dumpr::binlog::Bytes(reinterpret_cast<const std::uint8_t*>(penc.data()), penc.size()))
            ->to_string() == kU1 + ":1-3:7");
  // Truncated or impossible bytes are errors, never a partial set.
  for (std::size_t cut : {std::size_t{0}, std::size_t{7}, std::size_t{20}, body.size() - 1}) {
    INFO(cut);
    CHECK_FALSE(GtidSet::decode(dumpr::binlog::Bytes(body.data(), cut)));
  }
}

TEST_CASE("GTID set: adding GTIDs in any order equals the plain set (randomised)") {
  // A new seed each run; DUMPR_GTID_SEED=N repeats the run a failure names.
  const char* given = std::getenv("DUMPR_GTID_SEED");
  const unsigned seed = given ? static_cast<unsigned>(std::stoul(given)) : std::random_device{}();
  INFO("seed " << seed << " (rerun with DUMPR_GTID_SEED=" << seed << ")");
  std::mt19937 rng(seed);
  const std::vector<std::string> tags = {"", "a", "tag_2", ""};
  for (int round = 0; round < 200; ++round) {
    GtidSet set;
    std::set<std::tuple<int, std::string, std::int64_t>> oracle;
    const int n = static_cast<int>(rng() % 60);
    const std::int64_t span = 1 + rng() % 40;
    for (int i = 0; i < n; ++i) {
      const int u = static_cast<int>(rng() % 2);
      const std::string& tag = tags[rng() % tags.size()];
      const std::int64_t gno = 1 + static_cast<std::int64_t>(rng() % span);
      set.add(uuid_of(u ? kU2 : kU1), tag, gno);
      oracle.emplace(u, tag, gno);
    }
    for (int u = 0; u < 2; ++u)
      for (const std::string& tag : tags)
        for (std::int64_t g = 0; g <= span + 1; ++g)
          REQUIRE(set.contains(uuid_of(u ? kU2 : kU1), tag, g) == (oracle.count({u, tag, g}) == 1));
    // Text and binary forms round-trip, and the text is canonical (parsing it prints it again).
    const std::string text = set.to_string();
    auto again = GtidSet::parse(text);
    REQUIRE(again);
    CHECK(*again == set);
    CHECK(again->to_string() == text);
    const std::string enc = set.encode();
    auto decoded = GtidSet::decode(
        dumpr::binlog::Bytes(reinterpret_cast<const std::uint8_t*>(enc.data()), enc.size()));
    REQUIRE(decoded);
    CHECK(*decoded == set);
  }
}

TEST_CASE(
    "checkpoint GTID position: MySQL sets grow by each commit; unknown until PREVIOUS_GTIDS") {
  dumpr::binlog::MysqlGtidEvent g;
  g.sid = uuid_of(kU1);
  auto committed = [&](GtidPosition& p, std::int64_t gno, const std::string& tag) {
    g.gno = gno;
    g.tag = tag;
    p.begin(g);
    const bool moved = p.commit();
    std::string out;
    p.write(out);
    return std::make_pair(moved, out);
  };
  GtidPosition known(kU1 + ":1-9:abc:1");
  CHECK(committed(known, 10, "") == std::make_pair(true, kU1 + ":1-10:abc:1"));
  CHECK(committed(known, 2, "abc") == std::make_pair(true, kU1 + ":1-10:abc:1-2"));
  g.anonymous = true;  // no GTID: nothing moves
  CHECK(committed(known, 0, "") == std::make_pair(false, kU1 + ":1-10:abc:1-2"));
  g.anonymous = false;

  // Without a start set: nothing is written until a file's start says what came before; the
  // transactions seen meanwhile are kept.
  GtidPosition unknown;
  CHECK(committed(unknown, 12, "") == std::make_pair(false, std::string()));
  const std::string prev = GtidSet::parse(kU1 + ":1-11")->encode();
  dumpr::binlog::PreviousGtidsEvent ev{
      dumpr::binlog::Bytes(reinterpret_cast<const std::uint8_t*>(prev.data()), prev.size())};
  REQUIRE(unknown.file_start(ev));
  CHECK(committed(unknown, 13, "") == std::make_pair(true, kU1 + ":1-13"));

  // MariaDB: each domain's last GTID.
  GtidPosition maria("0-1-5,2-1-7");
  dumpr::binlog::MariaGtidEvent m;
  m.domain_id = 2;
  m.server_id = 3;
  m.seq_no = 8;
  maria.begin(m);
  CHECK(maria.commit());
  m.domain_id = 1;
  m.seq_no = 1;
  maria.begin(m);
  CHECK(maria.commit());
  std::string out;
  maria.write(out);
  CHECK(out == "0-1-5,2-3-8,1-3-1");
}

TEST_CASE("MariaDB GTID position: parsed per domain; a purged or foreign one says which domain") {
  using dumpr::binlog::maria_position_gap;
  using dumpr::binlog::parse_maria_position;
  using Map = std::map<std::uint32_t, std::uint64_t>;
  auto parsed = [](std::string_view text) {
    auto r = parse_maria_position(text);
    REQUIRE_MESSAGE(r, text);
    return r.value();
  };
  CHECK(parsed("0-1-5,2-3-18446744073709551615") == Map{{0, 5}, {2, 18446744073709551615u}});
  CHECK(parsed("0-1-5, 1-2-9") == Map{{0, 5}, {1, 9}});  // as SELECT prints it
  CHECK(parsed("").empty());
  for (const char* bad : {"0-1", "0-1-", "x-1-5", "0-1-5,", "0-1-5,0-2-6", "0-1-5-6",
                          "4294967296-1-5", "0-1-18446744073709551616", "3e11fa47:1-5"}) {
    auto r = parse_maria_position(bad);
    REQUIRE_MESSAGE(!r, bad);
    CHECK(r.error().message.find("domain-server-seq") != std::string::npos);
  }
  // The oldest file starts after 0-1-10 and 1-1-3; the binlog ends at 0-1-20, 1-1-4.
  const Map start{{0, 10}, {1, 3}}, end{{0, 20}, {1, 4}};
  CHECK(maria_position_gap({{0, 10}, {1, 3}}, start, end).empty());
  CHECK(maria_position_gap({{0, 20}, {1, 4}}, start, end).empty());
  CHECK(maria_position_gap({{0, 9}, {1, 3}}, start, end).find("purged") != std::string::npos);
  CHECK(maria_position_gap({{0, 9}, {1, 3}}, start, end).find("domain 0)") != std::string::npos);
  CHECK(maria_position_gap({{0, 15}}, start, end).find("domain 1)") != std::string::npos);
  CHECK(maria_position_gap({{0, 21}, {1, 3}}, start, end).find("ahead") != std::string::npos);
  CHECK(maria_position_gap({{0, 15}, {1, 3}, {5, 1}}, start, end).find("domain 5") !=
        std::string::npos);
}
