// Splitting an integer key's values [min, max] into contiguous ranges, for `load --jobs N`: each
// range becomes one chunk's `WHERE key >= from AND key < to` (the last one `key <= to`). Pure
// arithmetic on the key's text as the server prints it; header-only so the unit tests (which link
// no server code) check it at the extremes of BIGINT and BIGINT UNSIGNED.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dumpr::load {

struct KeyRange {
  std::string from;   // inclusive lower bound, as SQL integer text
  std::string to;     // upper bound: exclusive, or inclusive when `last`
  bool last = false;  // the range that ends at the maximum (`<= to`)
};

namespace detail {

// Signed keys become order-preserving unsigned ones by flipping the sign bit, so one unsigned
// arithmetic serves both (INT64_MIN -> 0, -1 -> 2^63 - 1, 0 -> 2^63, INT64_MAX -> 2^64 - 1).
constexpr std::uint64_t kSignBit = std::uint64_t{1} << 63;

inline std::optional<std::uint64_t> parse_key(std::string_view text, bool is_unsigned) {
  const char* end = text.data() + text.size();
  if (is_unsigned) {
    std::uint64_t u = 0;
    auto [p, ec] = std::from_chars(text.data(), end, u);
    if (ec != std::errc() || p != end) return std::nullopt;
    return u;
  }
  std::int64_t s = 0;
  auto [p, ec] = std::from_chars(text.data(), end, s);
  if (ec != std::errc() || p != end) return std::nullopt;
  return static_cast<std::uint64_t>(s) ^ kSignBit;
}

inline std::string key_text(std::uint64_t biased, bool is_unsigned) {
  char buf[24];
  char* end =
      is_unsigned
          ? std::to_chars(buf, buf + sizeof buf, biased).ptr
          : std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(biased ^ kSignBit)).ptr;
  return std::string(buf, end);
}

}  // namespace detail

// `parts` ranges of nearly equal width (they differ by at most one value) that together cover
// [min, max] exactly, in increasing order; fewer when the span holds fewer values. Empty when
// the bounds are not integers of the given signedness or min > max. No step overflows: the
// widest span (2^64 values) is computed as span = max - min, never span + 1.
inline std::vector<KeyRange> split_key_range(std::string_view min_text, std::string_view max_text,
                                             bool is_unsigned, std::uint64_t parts) {
  auto lo = detail::parse_key(min_text, is_unsigned);
  auto hi = detail::parse_key(max_text, is_unsigned);
  std::vector<KeyRange> out;
  if (!lo || !hi || *lo > *hi || parts == 0) return out;
  const std::uint64_t span = *hi - *lo;  // the number of values minus one
  const std::uint64_t k = span < parts - 1 ? span + 1 : parts;
  const std::uint64_t step = span / k, rem = span % k;
  // Range i starts at lo + step*i + min(i, rem): the first `rem` ranges are one value wider.
  auto start = [&](std::uint64_t i) { return *lo + step * i + std::min(i, rem); };
  out.reserve(k);
  for (std::uint64_t i = 0; i < k; ++i) {
    KeyRange r;
    r.from = detail::key_text(start(i), is_unsigned);
    r.last = i + 1 == k;
    r.to = detail::key_text(r.last ? *hi : start(i + 1), is_unsigned);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace dumpr::load
