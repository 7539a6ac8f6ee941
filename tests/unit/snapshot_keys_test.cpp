// tail --snapshot's key handling that needs no server: an id's JSON taken apart (composite keys,
// strings with commas, brackets and escaped quotes), and integer keys compared exactly at the
// extremes of BIGINT and BIGINT UNSIGNED, as numbers and as --bigint-as-string strings; a
// seeded random check against the integers' own order. DECIMAL, TIME, dates and binary strings
// (base64) in the server's order, each checked against the values' own order with seeded random
// values (the seed is printed on a failure). And the checkpoint's optional "snapshot" member:
// read back as written, absent in older checkpoints.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "dumpr/position.hpp"
#include "row/json_out.hpp"
#include "row/values.hpp"
#include "snapshot/key_compare.hpp"

using dumpr::snapshot::compare_base64;
using dumpr::snapshot::compare_decimals;
using dumpr::snapshot::compare_fixed_texts;
using dumpr::snapshot::compare_times;
using dumpr::snapshot::decode_base64;

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

namespace {

int sign_of(long double d) {
  return d < 0 ? -1 : d > 0 ? 1 : 0;
}

// A DECIMAL(p, scale) value's text as the row core writes it: "-123.40".
std::string decimal_text(std::int64_t units, int scale) {
  const bool neg = units < 0;
  std::string digits = std::to_string(neg ? -units : units);
  if (scale > 0) {
    if (digits.size() <= static_cast<std::size_t>(scale))
      digits.insert(0, static_cast<std::size_t>(scale) + 1 - digits.size(), '0');
    digits.insert(digits.size() - static_cast<std::size_t>(scale), ".");
  }
  return "\"" + std::string(neg ? "-" : "") + digits + "\"";
}

std::string base64_of(const std::string& bytes) {
  dumpr::row::JsonOut out;
  dumpr::row::put_base64(out, bytes);
  return std::string(out.view());
}

}  // namespace

TEST_CASE("snapshot keys: DECIMAL compared as numbers, -0 equal to 0") {
  CHECK(compare_decimals("\"-10.50\"", "\"-9.99\"") < 0);
  CHECK(compare_decimals("\"10.50\"", "\"9.99\"") > 0);  // not the text's order
  CHECK(compare_decimals("\"-0.00\"", "\"0.00\"") == 0);
  CHECK(compare_decimals("\"0.01\"", "\"-0.01\"") > 0);
  CHECK(compare_decimals("\"12345678901234567890123456789.5\"",
                         "\"12345678901234567890123456789.4\"") > 0);
  CHECK(compare_decimals("\"7\"", "\"-7\"") > 0);  // scale 0

  const std::uint64_t seed = std::random_device{}();
  CAPTURE(seed);
  std::mt19937_64 r(seed);
  for (int i = 0; i < 20000; ++i) {
    const int scale = static_cast<int>(r() % 5);
    const auto pick = [&] { return static_cast<std::int64_t>(r() % 200001) - 100000; };
    const std::int64_t a = pick(), b = i % 4 ? pick() : a;
    REQUIRE(compare_decimals(decimal_text(a, scale), decimal_text(b, scale)) ==
            sign_of(static_cast<long double>(a) - static_cast<long double>(b)));
  }
}

TEST_CASE("snapshot keys: TIME, DATE, DATETIME and TIMESTAMP in time order") {
  CHECK(compare_times("\"-838:59:59.000000\"", "\"-01:00:00.000000\"") < 0);
  CHECK(compare_times("\"-01:00:00\"", "\"00:00:00\"") < 0);
  CHECK(compare_times("\"100:00:00\"", "\"99:59:59\"") > 0);  // not the text's order
  CHECK(compare_times("\"-100:00:00\"", "\"-99:59:59\"") < 0);
  CHECK(compare_times("\"-00:00:00.0\"", "\"00:00:00.0\"") == 0);
  CHECK(compare_fixed_texts("\"2024-01-31T13:45:00.123\"", "\"2024-01-31T13:45:00.124\"") < 0);
  CHECK(compare_fixed_texts("\"0000-00-00\"", "\"1000-01-01\"") < 0);
  CHECK(compare_fixed_texts("\"2038-01-19T03:14:07Z\"", "\"1970-01-01T00:00:01Z\"") > 0);

  const std::uint64_t seed = std::random_device{}();
  CAPTURE(seed);
  std::mt19937_64 r(seed);
  for (int i = 0; i < 20000; ++i) {
    // Seconds within TIME's range, written as the row core writes TIME(1).
    auto pick = [&] { return static_cast<std::int64_t>(r() % 6038400) - 3019200; };
    const std::int64_t a = pick() * 10 + static_cast<std::int64_t>(r() % 10);
    const std::int64_t b = i % 4 ? pick() * 10 + static_cast<std::int64_t>(r() % 10) : a;
    auto text = [](std::int64_t tenths) {
      dumpr::row::JsonOut out;
      const bool neg = tenths < 0;
      const std::uint64_t m = static_cast<std::uint64_t>(neg ? -tenths : tenths);
      const std::uint64_t s = m / 10;
      dumpr::row::put_time(out, neg, static_cast<unsigned>(s / 3600),
                           static_cast<unsigned>(s / 60 % 60), static_cast<unsigned>(s % 60),
                           static_cast<std::uint32_t>(m % 10) * 100000, 1);
      return std::string(out.view());
    };
    CAPTURE(text(a));
    CAPTURE(text(b));
    REQUIRE(compare_times(text(a), text(b)) == sign_of(static_cast<long double>(a - b)));
  }
}

TEST_CASE(
    "snapshot keys: binary strings in base64 compared as their bytes (memcmp, shorter first)") {
  CHECK(compare_base64(base64_of("A"), base64_of(std::string("A\0", 2))) < 0);
  CHECK(compare_base64(base64_of(std::string("\x40\xFF", 2)), base64_of("A")) < 0);
  CHECK(compare_base64(base64_of(""), base64_of(std::string(1, '\0'))) < 0);
  CHECK(compare_base64(base64_of("abc"), base64_of("abc")) == 0);

  const std::uint64_t seed = std::random_device{}();
  CAPTURE(seed);
  std::mt19937_64 r(seed);
  for (int i = 0; i < 20000; ++i) {
    // Few byte values and short strings: many common prefixes, zero bytes and equal strings.
    auto pick = [&] {
      std::string s(r() % 7, '\0');
      for (char& c : s) c = static_cast<char>("\x00\x01\x7F\x80\xFF"[r() % 5]);
      return s;
    };
    const std::string a = pick(), b = i % 4 ? pick() : a;
    const int c = a.compare(b);  // char_traits<char>::compare is memcmp: bytes unsigned
    REQUIRE(compare_base64(base64_of(a), base64_of(b)) == (c < 0 ? -1 : c > 0 ? 1 : 0));
    std::string back;
    decode_base64(base64_of(a), back);
    REQUIRE(back == a);
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
