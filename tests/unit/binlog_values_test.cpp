// Bytes-level tests of the checked reader, CRC32 and the value layouts (DECIMAL, temporal).
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "binlog/crc32.hpp"
#include "binlog/reader.hpp"
#include "binlog/rows.hpp"

using namespace dumpr::binlog;
using Buf = std::vector<std::uint8_t>;

namespace {

std::string decimal_text(const Buf& b, unsigned p, unsigned s) {
  char buf[300];
  std::size_t n = decimal_to_text(Bytes(b), p, s, buf);
  return std::string(buf, n);
}

void put_be(Buf& b, std::uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

}  // namespace

TEST_CASE("ByteReader reads little- and big-endian integers and stops at the end") {
  const Buf b = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xFF};
  ByteReader r{Bytes(b)};
  CHECK(r.u16() == 0x0201);
  CHECK(r.uint_be(2) == 0x0304);
  CHECK(r.u24() == 0x070605);
  CHECK(r.remaining() == 2);
  CHECK(r.int_le(2) == static_cast<std::int16_t>(0xFF08));
  CHECK(r.at_end());
  CHECK(r.ok());
  // A read past the end fails, returns zero and poisons the reader.
  CHECK(r.u8() == 0);
  CHECK_FALSE(r.ok());
  CHECK(r.remaining() == 0);
  CHECK(r.bytes(0).empty());
}

TEST_CASE("ByteReader: a short multi-byte read consumes nothing and fails") {
  const Buf b = {0x01, 0x02, 0x03};
  ByteReader r{Bytes(b)};
  CHECK(r.u32() == 0);
  CHECK_FALSE(r.ok());
  CHECK(r.pos() == 0);
}

TEST_CASE("ByteReader: packed (length-encoded) integers") {
  const Buf b = {0xFA, 0xFC, 0x34, 0x12, 0xFD, 0x03, 0x02, 0x01, 0xFE, 1, 0, 0, 0, 0, 0, 0, 0x80};
  ByteReader r{Bytes(b)};
  CHECK(r.packed() == 250);
  CHECK(r.packed() == 0x1234);
  CHECK(r.packed() == 0x010203);
  CHECK(r.packed() == 0x8000000000000001ull);
  CHECK(r.ok());
  const Buf bad = {0xFB};
  ByteReader r2{Bytes(bad)};
  (void)r2.packed();
  CHECK_FALSE(r2.ok());
  // A string whose length claims more than is there fails instead of reading past the end.
  const Buf s = {0x05, 'a', 'b'};
  ByteReader r3{Bytes(s)};
  CHECK(r3.packed_chars().empty());
  CHECK_FALSE(r3.ok());
}

TEST_CASE("ByteReader: shrink removes a trailer") {
  const Buf b = {1, 2, 3, 4, 5, 6};
  ByteReader r{Bytes(b)};
  r.shrink(4);
  CHECK(r.remaining() == 2);
  CHECK(r.u16() == 0x0201);
  CHECK(r.at_end());
}

TEST_CASE("CRC32 of every length and split matches the bit-by-bit definition") {
  // The bitwise definition: reflected 0xEDB88320, initial and final xor 0xFFFFFFFF.
  auto reference = [](const std::uint8_t* p, std::size_t n) {
    std::uint32_t c = 0xFFFFFFFFu;
    for (std::size_t i = 0; i < n; ++i) {
      c ^= p[i];
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return ~c;
  };
  std::uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1103515245u + 12345u; };
  Buf data(9000);
  for (auto& b : data) b = static_cast<std::uint8_t>(next() >> 16);
  // Every length up to 300 (the folding path starts at 64 and works in 16-byte steps), then
  // long ones, at odd offsets, whole and split in two.
  for (std::size_t n = 0; n < 9000; n += (n < 300 ? 1 : 97)) {
    const std::size_t off = next() % 7;
    if (off + n > data.size()) break;
    const Bytes b = Bytes(data).subspan(off, n);
    const std::uint32_t want = reference(b.data(), b.size());
    INFO("length ", n, " offset ", off);
    CHECK(crc32(b) == want);
    const std::size_t cut = n ? next() % n : 0;
    CHECK(crc32(b.subspan(cut), crc32(b.first(cut))) == want);
  }
}

TEST_CASE("CRC32 is zlib's") {
  const std::string s = "123456789";
  CHECK(crc32(Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())) == 0xCBF43926u);
  CHECK(crc32(Bytes()) == 0u);
  // Chained computation equals the one-shot one (the FDE check relies on it).
  const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  CHECK(crc32(Bytes(p + 4, 5), crc32(Bytes(p, 4))) == 0xCBF43926u);
  const Buf a(1000, 0xA5);
  CHECK(crc32(Bytes(a)) == crc32(Bytes(a).subspan(7), crc32(Bytes(a).first(7))));
}

TEST_CASE("binary DECIMAL to text (strings/decimal.cc examples)") {
  // DECIMAL(14,4) 1234567890.1234: 1 leading digit in 1 byte, 9 digits in 4, 4 fraction digits
  // in 2; sign bit flipped.
  CHECK(decimal_binary_size(14, 4) == 7);
  CHECK(decimal_text({0x81, 0x0D, 0xFB, 0x38, 0xD2, 0x04, 0xD2}, 14, 4) == "1234567890.1234");
  // Negative: every byte inverted.
  CHECK(decimal_text({0x7E, 0xF2, 0x04, 0xC7, 0x2D, 0xFB, 0x2D}, 14, 4) == "-1234567890.1234");
  // DECIMAL(10,2) 0.01 and 0.00 keep exactly two fraction digits.
  CHECK(decimal_binary_size(10, 2) == 5);
  CHECK(decimal_text({0x80, 0x00, 0x00, 0x00, 0x01}, 10, 2) == "0.01");
  CHECK(decimal_text({0x80, 0x00, 0x00, 0x00, 0x00}, 10, 2) == "0.00");
  // DECIMAL(5,5) -0.99999: no integer digits -> "-0.99999".
  Buf neg;
  put_be(neg, 99999 ^ 0xFFFFFF, 3);
  neg[0] ^= 0x80;
  CHECK(decimal_text(neg, 5, 5) == "-0.99999");
  // DECIMAL(10,0) -1.
  Buf m1;
  put_be(m1, 0xFF, 1);        // leading digit group 0, inverted
  put_be(m1, 0xFFFFFFFE, 4);  // group 000000001, inverted
  m1[0] ^= 0x80;
  CHECK(decimal_text(m1, 10, 0) == "-1");
  // A group above 999999999 is invalid, not printed.
  CHECK(decimal_text({0x80 | 0x3B, 0x9A, 0xCA, 0x00, 0x00}, 9, 0) == "");
  // Wrong size for the precision is refused.
  CHECK(decimal_text({0x80}, 14, 4) == "");
}

TEST_CASE("DATETIME2 and TIMESTAMP2 fractions") {
  // '2024-02-29 23:59:59.999999' as DATETIME2(6).
  const std::uint64_t ym = 2024 * 13 + 2;
  const std::uint64_t ymd = ym << 5 | 29;
  const std::uint64_t hms = 23u << 12 | 59u << 6 | 59u;
  Buf b;
  put_be(b, (ymd << 17 | hms) + 0x8000000000ull, 5);
  put_be(b, 999999, 3);
  ByteReader r{Bytes(b)};
  auto d = datetime2_parts(r, 6);
  CHECK(r.at_end());
  CHECK(d.year == 2024);
  CHECK(d.month == 2);
  CHECK(d.day == 29);
  CHECK(d.hour == 23);
  CHECK(d.minute == 59);
  CHECK(d.second == 59);
  CHECK(d.micro == 999999);
  // fsp 1 and 2 store hundredths in one byte; 3 and 4 ten-thousandths in two.
  Buf f1 = {12};
  ByteReader r1{Bytes(f1)};
  CHECK(read_fraction(r1, 2) == 120000);
  Buf f3 = {0x04, 0xD2};
  ByteReader r3{Bytes(f3)};
  CHECK(read_fraction(r3, 4) == 123400);
}

TEST_CASE("TIME2: negative values with fractions borrow from the integer part") {
  // TIME(5,6) is the packed value plus 0x800000000000 in six big-endian bytes.
  auto time6 = [](std::int64_t hms, std::int64_t micro, bool negative) {
    std::int64_t packed = (hms << 24) + micro;
    if (negative) packed = -packed;
    Buf b;
    put_be(b, static_cast<std::uint64_t>(packed + 0x800000000000LL), 6);
    return b;
  };
  {
    // '-00:00:00.1' TIME(1): integer part -1, fraction byte 0x100 - 10.
    Buf b = {0x7F, 0xFF, 0xFF, 0xF6};
    ByteReader r{Bytes(b)};
    TimeParts t = time2_parts(r, 1);
    CHECK(t.negative);
    CHECK(t.hours == 0);
    CHECK(t.seconds == 0);
    CHECK(t.micro == 100000);
  }
  {
    // '838:59:59' TIME(0).
    Buf b;
    put_be(b, (838u << 12 | 59u << 6 | 59u) + 0x800000u, 3);
    ByteReader r{Bytes(b)};
    TimeParts t = time2_parts(r, 0);
    CHECK_FALSE(t.negative);
    CHECK(t.hours == 838);
    CHECK(t.minutes == 59);
    CHECK(t.seconds == 59);
  }
  {
    // '-12:34:56.000001' TIME(6): the 6-byte packed form.
    Buf b = time6(12 << 12 | 34 << 6 | 56, 1, true);
    ByteReader r{Bytes(b)};
    TimeParts t = time2_parts(r, 6);
    CHECK(t.negative);
    CHECK(t.hours == 12);
    CHECK(t.minutes == 34);
    CHECK(t.seconds == 56);
    CHECK(t.micro == 1);
  }
  {
    // '-01:02:03.4' TIME(3): two fraction bytes 0x10000 - 4000.
    Buf b;
    put_be(b, static_cast<std::uint64_t>(-(1LL << 12 | 2 << 6 | 3) - 1 + 0x800000), 3);
    put_be(b, 0x10000 - 4000, 2);
    ByteReader r{Bytes(b)};
    TimeParts t = time2_parts(r, 3);
    CHECK(t.negative);
    CHECK(t.hours == 1);
    CHECK(t.minutes == 2);
    CHECK(t.seconds == 3);
    CHECK(t.micro == 400000);
  }
}

TEST_CASE("epoch seconds to UTC parts") {
  auto d = utc_parts(2147483647);  // 2038-01-19 03:14:07
  CHECK(d.year == 2038);
  CHECK(d.month == 1);
  CHECK(d.day == 19);
  CHECK(d.hour == 3);
  CHECK(d.minute == 14);
  CHECK(d.second == 7);
  auto leap = utc_parts(951782400);  // 2000-02-29 00:00:00
  CHECK(leap.year == 2000);
  CHECK(leap.month == 2);
  CHECK(leap.day == 29);
  auto one = utc_parts(1);
  CHECK(one.year == 1970);
  CHECK(one.second == 1);
}
