// tail --snapshot's key handling that needs no server: an id's JSON taken apart (composite keys,
// strings with commas, brackets and escaped quotes), and integer keys compared exactly at the
// extremes of BIGINT and BIGINT UNSIGNED, as numbers and as --bigint-as-string strings; a
// seeded random check against the integers' own order. And the checkpoint's optional "snapshot"
// member: read back as written, absent in older checkpoints.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "dumpr/position.hpp"
#include "snapshot/key_compare.hpp"

using dumpr::snapshot::compare_integers;
using dumpr::snapshot::split_id;

TEST_CASE("snapshot keys: an id's JSON split into its elements") {
  std::vector<std::string_view> el;
  split_id("42", el);
  CHECK(el == std::vector<std::string_view>{"42"});
  split_id("\"a,b\"", el);
  CHECK(el == std::vector<std::string_view>{"\"a,b\""});
  split_id("[1,\"x]\\\",y\",-3]", el);
  CHECK(el == std::vector<std::string_view>{"1", "\"x]\\\",y\"", "-3"});
  split_id("[\"\",0]", el);
  CHECK(el == std::vector<std::string_view>{"\"\"", "0"});
}

TEST_CASE("snapshot keys: integers compared exactly, signed and unsigned, numbers and strings") {
  CHECK(compare_integers("-9223372036854775808", "9223372036854775807", false) < 0);
  CHECK(compare_integers("9223372036854775807", "-1", false) > 0);
  CHECK(compare_integers("18446744073709551615", "9223372036854775808", true) > 0);
  CHECK(compare_integers("\"18446744073709551615\"", "18446744073709551614", true) > 0);
  CHECK(compare_integers("\"-5\"", "\"-5\"", false) == 0);
  CHECK(compare_integers("10", "9", false) > 0);  // not the text's order

  const std::uint64_t seed = std::random_device{}();
  CAPTURE(seed);
  std::mt19937_64 r(seed);
  for (int i = 0; i < 20000; ++i) {
    const std::int64_t a = static_cast<std::int64_t>(r()) >> (r() % 64);
    const std::int64_t b = i % 3 ? static_cast<std::int64_t>(r()) >> (r() % 64) : a;
    const int want = a < b ? -1 : a > b ? 1 : 0;
    const std::string sa = std::to_string(a), sb = std::to_string(b);
    REQUIRE(compare_integers(sa, sb, false) == want);
    REQUIRE(compare_integers("\"" + sa + "\"", sb, false) == want);
    const std::uint64_t ua = r() >> (r() % 64), ub = i % 3 ? r() >> (r() % 64) : ua;
    REQUIRE(compare_integers(std::to_string(ua), std::to_string(ub), true) == (ua < ub   ? -1
                                                                               : ua > ub ? 1
                                                                                         : 0));
  }
}

TEST_CASE(
    "snapshot progress in the checkpoint: optional, round-trips, older files read as before") {
  auto old = dumpr::parse_checkpoint_json(
      R"({"file":"mariadb-bin.000003","position":1234,"server_id":1,"flavor":"mariadb"})", "old");
  REQUIRE(old.ok());
  CHECK(old->snapshot_json.empty());
  CHECK(dumpr::to_checkpoint_json(*old).find("snapshot") == std::string::npos);

  dumpr::Position p = *old;
  p.snapshot_json =
      R"([{"db":"d","table":"t","done":false,"last":[3,"a\"b"],"bound":[9,"z"],"rows":12}])";
  const std::string text = dumpr::to_checkpoint_json(p);
  auto back = dumpr::parse_checkpoint_json(text, "new");
  REQUIRE(back.ok());
  CHECK(back->snapshot_json == p.snapshot_json);
  CHECK(back->file == p.file);
  CHECK(back->position == p.position);
}
