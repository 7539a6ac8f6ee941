// The key-range split of `load --jobs N`: ranges cover [min, max] exactly, in order, with nearly
// equal widths, at the extremes of BIGINT and BIGINT UNSIGNED.
#include "load/key_ranges.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

using dumpr::load::KeyRange;
using dumpr::load::split_key_range;

namespace {

std::uint64_t biased(const std::string& text, bool is_unsigned) {
  auto v = dumpr::load::detail::parse_key(text, is_unsigned);
  REQUIRE(v.has_value());
  return *v;
}

// Contiguous, increasing, first from = min, last to = max (inclusive), widths within one.
void check_cover(const std::vector<KeyRange>& r, const std::string& min, const std::string& max,
                 bool is_unsigned, std::uint64_t want_parts) {
  INFO("[" << min << ", " << max << "] in " << want_parts);
  REQUIRE(r.size() == want_parts);
  CHECK(r.front().from == min);
  CHECK(r.back().to == max);
  CHECK(r.back().last);
  std::uint64_t narrow = UINT64_MAX, wide = 0;
  for (std::size_t i = 0; i < r.size(); ++i) {
    const std::uint64_t from = biased(r[i].from, is_unsigned), to = biased(r[i].to, is_unsigned);
    if (i + 1 < r.size()) {
      CHECK(!r[i].last);
      CHECK(r[i].to == r[i + 1].from);
      REQUIRE(to > from);
    } else {
      REQUIRE(to >= from);
    }
    // Width minus one, so that a single range over all 2^64 values does not overflow.
    const std::uint64_t w = to - from - (i + 1 < r.size() ? 1 : 0);
    narrow = std::min(narrow, w);
    wide = std::max(wide, w);
  }
  CHECK(wide - narrow <= 1);
}

}  // namespace

TEST_CASE("key ranges: small spans, exact cover") {
  auto r = split_key_range("1", "10", false, 3);
  check_cover(r, "1", "10", false, 3);
  CHECK(r[0].to == "4");  // 1..3, 4..6, 7..10
  CHECK(r[1].to == "7");

  check_cover(split_key_range("7", "7", false, 4), "7", "7", false, 1);
  check_cover(split_key_range("-2", "1", false, 4), "-2", "1", false, 4);
  check_cover(split_key_range("-2", "1", false, 10), "-2", "1", false, 4);  // only 4 values
  check_cover(split_key_range("1", "1000000000000000", false, 4), "1", "1000000000000000", false,
              4);
  CHECK(split_key_range("1", "1000000000000000", false, 4)[0].to == "250000000000001");
}

TEST_CASE("key ranges: the extremes of BIGINT and BIGINT UNSIGNED") {
  const std::string umax = "18446744073709551615", smin = "-9223372036854775808",
                    smax = "9223372036854775807";
  check_cover(split_key_range("0", umax, true, 4), "0", umax, true, 4);
  check_cover(split_key_range("0", umax, true, 1), "0", umax, true, 1);
  check_cover(split_key_range("18446744073709551610", umax, true, 3), "18446744073709551610", umax,
              true, 3);
  check_cover(split_key_range(smin, smax, false, 4), smin, smax, false, 4);
  check_cover(split_key_range(smin, smax, false, 4096), smin, smax, false, 4096);
  check_cover(split_key_range(smin, "-9223372036854775806", false, 8), smin, "-9223372036854775806",
              false, 3);
  auto r = split_key_range(smin, smax, false, 2);
  CHECK(r[0].to == "0");
  // Unsigned text above INT64_MAX is not a signed key; a signed minus is not an unsigned one.
  CHECK(split_key_range("0", umax, false, 4).empty());
  CHECK(split_key_range("-1", "5", true, 4).empty());
  CHECK(split_key_range("5", "1", false, 4).empty());
  CHECK(split_key_range("1", "x", false, 4).empty());
}
