// MySQL binary JSON -> JSON text, from hand-made documents (layout: sql-common/json_binary.h).
#include <doctest/doctest.h>

#include <charconv>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "binlog/json_binary.hpp"

using namespace dumpr;
using namespace dumpr::binlog;
using Buf = std::vector<std::uint8_t>;

namespace {

std::string text(const Buf& doc) {
  row::JsonOut out;
  Status s = json_binary_to_text(Bytes(doc), out);
  if (!s.ok()) return "ERROR";
  return std::string(out.view());
}

Buf double_doc(double d) {
  Buf b = {0x0B};
  std::uint64_t u;
  std::memcpy(&u, &d, 8);
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::uint8_t>(u >> (8 * i)));
  return b;
}

Buf opaque_packed(std::uint8_t field_type, std::int64_t packed) {
  Buf b = {0x0F, field_type, 8};
  for (int i = 0; i < 8; ++i)
    b.push_back(static_cast<std::uint8_t>(static_cast<std::uint64_t>(packed) >> (8 * i)));
  return b;
}

std::int64_t packed_datetime(unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi,
                             unsigned s, unsigned micro) {
  const std::int64_t ymd = (static_cast<std::int64_t>(y) * 13 + mo) << 5 | d;
  const std::int64_t hms = h << 12 | mi << 6 | s;
  return ((ymd << 17 | hms) << 24) + micro;
}

}  // namespace

TEST_CASE("binary JSON scalars") {
  CHECK(text({0x04, 0x00}) == "null");
  CHECK(text({0x04, 0x01}) == "true");
  CHECK(text({0x04, 0x02}) == "false");
  CHECK(text({0x05, 0xFB, 0xFF}) == "-5");
  CHECK(text({0x06, 0xFF, 0xFF}) == "65535");
  CHECK(text({0x07, 0x00, 0x00, 0x00, 0x80}) == "-2147483648");
  CHECK(text({0x08, 0xFF, 0xFF, 0xFF, 0xFF}) == "4294967295");
  CHECK(text({0x09, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}) == "-1");
  CHECK(text({0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}) == "18446744073709551615");
  CHECK(text({0x0C, 0x03, 'a', '"', 'b'}) == "\"a\\\"b\"");
  CHECK(text({}) == "null");  // an empty document
}

TEST_CASE("binary JSON doubles print as MySQL prints them") {
  // Texts as MySQL 9.7.4 printed them (SELECT CAST('[...]' AS JSON)).
  CHECK(text(double_doc(1.0)) == "1.0");
  CHECK(text(double_doc(-0.5)) == "-0.5");
  CHECK(text(double_doc(0.1)) == "0.1");
  CHECK(text(double_doc(1e300)) == "1e300");
  CHECK(text(double_doc(1.2345678901234568e20)) == "1.2345678901234568e20");
  CHECK(text(double_doc(123456789.0)) == "123456789.0");
  CHECK(text(double_doc(1e14)) == "100000000000000.0");
  CHECK(text(double_doc(1e15)) == "1e15");
  CHECK(text(double_doc(1234567890123456.8)) == "1234567890123456.8");
  CHECK(text(double_doc(12345678901234567.0)) == "1.2345678901234568e16");
  CHECK(text(double_doc(1e-7)) == "0.0000001");
  CHECK(text(double_doc(1.234e-15)) == "0.000000000000001234");
  CHECK(text(double_doc(1e-16)) == "1e-16");
  CHECK(text(double_doc(-0.0)) == "-0.0");
  CHECK(text(double_doc(0.0)) == "0.0");
  CHECK(text(double_doc(5e-324)) == "5e-324");
  CHECK(text(double_doc(-1.7976931348623157e308)) == "-1.7976931348623157e308");
  // JSON has no NaN or infinity, and MySQL stores none: such bits are a corrupt document.
  CHECK(text(double_doc(std::numeric_limits<double>::quiet_NaN())) == "ERROR");
  CHECK(text(double_doc(-std::numeric_limits<double>::infinity())) == "ERROR");
}

// tests/data/json-doubles/mysql-9.7.4.tsv: 6,721 doubles (edges, every power of two, powers of
// ten over the whole range, random bit patterns), each as written into a JSON column and as
// MySQL 9.7.4 printed it back (made by tests/data/json-doubles/make.sh; see its README).
TEST_CASE("binary JSON doubles: byte for byte as MySQL 9.7 prints them, over 6,721 doubles") {
  const std::string path = std::string(DUMPR_TEST_DATA) + "/json-doubles/mysql-9.7.4.tsv";
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::string line;
  int lines = 0, wrong = 0;
  while (std::getline(in, line)) {
    ++lines;
    const auto tab = line.find('\t');
    REQUIRE_MESSAGE(tab != std::string::npos, path << ":" << lines << ": no tab");
    const std::string written = line.substr(0, tab), server = line.substr(tab + 1);
    double d = 0;
    const auto [ptr, ec] = std::from_chars(written.data(), written.data() + written.size(), d);
    REQUIRE_MESSAGE((ec == std::errc() && ptr == written.data() + written.size()),
                    path << ":" << lines << ": not a double: " << written);
    // The server's text reads back as the double it was given: the data holds what it stored.
    double back = 0;
    std::from_chars(server.data(), server.data() + server.size(), back);
    REQUIRE_MESSAGE(std::memcmp(&back, &d, 8) == 0, path << ":" << lines << ": " << server);
    const std::string ours = text(double_doc(d));
    if (ours != server && ++wrong <= 20)
      FAIL_CHECK(path << ":" << lines << ": " << written << ": MySQL " << server << ", dumpr "
                      << ours);
  }
  CHECK(lines == 6721);
  CHECK(wrong == 0);
}

TEST_CASE("binary JSON small object with a nested array and inlined values") {
  // {"a":1,"b":[true,null]}
  const Buf doc = {0x00,                                // small object
                   0x02, 0x00, 0x1E, 0x00,              // 2 members, 30 bytes
                   0x12, 0x00, 0x01, 0x00,              // key "a" at 18, length 1
                   0x13, 0x00, 0x01, 0x00,              // key "b" at 19
                   0x05, 0x01, 0x00,                    // int16 1, inlined
                   0x02, 0x14, 0x00,                    // small array at 20
                   'a',  'b',  0x02, 0x00, 0x0A, 0x00,  // 2 elements, 10 bytes
                   0x04, 0x01, 0x00,                    // true
                   0x04, 0x00, 0x00};                   // null
  CHECK(text(doc) == "{\"a\":1,\"b\":[true,null]}");
}

TEST_CASE("binary JSON large array inlines int32") {
  const Buf doc = {0x03,                                            // large array
                   0x01, 0x00, 0x00, 0x00, 0x0D, 0x00, 0x00, 0x00,  // 1 element, 13 bytes
                   0x07, 0x2A, 0x00, 0x00, 0x00};                   // int32 42 inlined
  CHECK(text(doc) == "[42]");
}

TEST_CASE("binary JSON opaque values: DECIMAL, DATE, DATETIME, TIME, other") {
  // DECIMAL(14,4) 1234567890.1234: precision, scale, binary decimal.
  CHECK(text({0x0F, 246, 9, 14, 4, 0x81, 0x0D, 0xFB, 0x38, 0xD2, 0x04, 0xD2}) == "1234567890.1234");
  CHECK(text(opaque_packed(10, packed_datetime(2015, 1, 15, 0, 0, 0, 0))) == "\"2015-01-15\"");
  CHECK(text(opaque_packed(12, packed_datetime(2015, 1, 15, 23, 24, 25, 7))) ==
        "\"2015-01-15 23:24:25.000007\"");
  const std::int64_t t = -((std::int64_t{1} << 12 | 2 << 6 | 3) << 24 | 500000);
  CHECK(text(opaque_packed(11, t)) == "\"-01:02:03.500000\"");
  // Anything else: base64 with its MySQL type number.
  CHECK(text({0x0F, 252, 3, 'a', 'b', 'c'}) == "\"base64:type252:YWJj\"");
}

TEST_CASE("binary JSON: corrupt documents are errors, not crashes") {
  CHECK(text({0x0C, 0x05, 'a'}) == "ERROR");                                 // string too long
  CHECK(text({0x00, 0x01, 0x00, 0x40, 0x00}) == "ERROR");                    // size past the end
  CHECK(text({0x02, 0x01, 0x00, 0x07, 0x00, 0x0C, 0x63, 0x00}) == "ERROR");  // offset out
  CHECK(text({0x04, 0x07}) == "ERROR");                                      // unknown literal
  CHECK(text({0x0D}) == "ERROR");                                            // unknown type
  CHECK(text({0x05, 0x01}) == "ERROR");                                      // truncated int16
  // Deep nesting: each array holds the next one; the depth limit stops it.
  Buf deep;
  const int levels = 400;
  for (int i = 0; i < levels; ++i) {
    const std::uint16_t size = static_cast<std::uint16_t>(7 + (levels - 1 - i) * 8 + 1);
    (void)size;
  }
  // Build from the inside out: innermost [] then wrap.
  Buf inner = {0x00, 0x00, 0x04, 0x00};  // empty small array body (count 0, size 4)
  for (int i = 0; i < levels; ++i) {
    Buf wrap = {0x01, 0x00};
    const std::size_t size = 4 + 3 + inner.size();
    wrap.push_back(static_cast<std::uint8_t>(size));
    wrap.push_back(static_cast<std::uint8_t>(size >> 8));
    wrap.push_back(0x02);  // element type: small array
    wrap.push_back(0x07);  // at offset 7
    wrap.push_back(0x00);
    wrap.insert(wrap.end(), inner.begin(), inner.end());
    inner = wrap;
  }
  Buf doc = {0x02};
  doc.insert(doc.end(), inner.begin(), inner.end());
  CHECK(text(doc) == "ERROR");
}

TEST_CASE("partial JSON update: diffs applied to the before image") {
  // {"a":1,"b":[true,null]}
  const Buf before = {0x00, 0x02, 0x00, 0x1E, 0x00, 0x12, 0x00, 0x01, 0x00, 0x13, 0x00,
                      0x01, 0x00, 0x05, 0x01, 0x00, 0x02, 0x14, 0x00, 'a',  'b',  0x02,
                      0x00, 0x0A, 0x00, 0x04, 0x01, 0x00, 0x04, 0x00, 0x00};
  Buf diffs;
  auto path = [&](std::string_view p) {
    diffs.push_back(static_cast<std::uint8_t>(p.size()));
    diffs.insert(diffs.end(), p.begin(), p.end());
  };
  diffs.push_back(0);  // REPLACE $.a 26
  path("$.a");
  diffs.insert(diffs.end(), {3, 0x05, 0x1A, 0x00});
  diffs.push_back(1);  // INSERT $.b[1] false
  path("$.b[1]");
  diffs.insert(diffs.end(), {2, 0x04, 0x02});
  diffs.push_back(2);  // REMOVE $.b[0]
  path("$.b[0]");
  diffs.push_back(1);  // INSERT $.ab "x": after "b" in MySQL's key order (length first)
  path("$.ab");
  diffs.insert(diffs.end(), {3, 0x0C, 0x01, 'x'});
  row::JsonOut out;
  REQUIRE(apply_json_diff(Bytes(before), Bytes(diffs), out).ok());
  CHECK(out.view() == "{\"a\":26,\"b\":[false,null],\"ab\":\"x\"}");

  // Replacing a path that does not exist, or a truncated diff, is an error.
  const Buf missing = {0, 3, '$', '.', 'z', 3, 0x05, 0x1A, 0x00};
  row::JsonOut o2;
  CHECK_FALSE(apply_json_diff(Bytes(before), Bytes(missing), o2).ok());
  const Buf cut = {0, 3, '$', '.', 'a', 3, 0x05};
  row::JsonOut o3;
  CHECK_FALSE(apply_json_diff(Bytes(before), Bytes(cut), o3).ok());
  // A quoted key with a space.
  const Buf quoted = {1, 8, '$', '.', '"', 'k', ' ', 'y', '"', ' ', 2, 0x04, 0x01};
  row::JsonOut o4;
  CHECK_FALSE(apply_json_diff(Bytes(before), Bytes(quoted), o4).ok());  // trailing junk in path
  const Buf quoted_ok = {1, 7, '$', '.', '"', 'k', ' ', 'y', '"', 2, 0x04, 0x01};
  row::JsonOut o5;
  REQUIRE(apply_json_diff(Bytes(before), Bytes(quoted_ok), o5).ok());
  CHECK(o5.view() == "{\"a\":1,\"b\":[true,null],\"k y\":true}");
}
