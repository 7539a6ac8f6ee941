#include "row/json_out.hpp"

#include <algorithm>

namespace dumpr::row {

namespace {

// 0: copy as is; otherwise the character after the backslash ('u' for \u00XX).
constexpr auto make_escape_table() {
  struct Table {
    char v[256]{};
  } t;
  for (int c = 0; c < 0x20; ++c) t.v[c] = 'u';
  t.v['\b'] = 'b';
  t.v['\f'] = 'f';
  t.v['\n'] = 'n';
  t.v['\r'] = 'r';
  t.v['\t'] = 't';
  t.v['"'] = '"';
  t.v['\\'] = '\\';
  return t;
}
constexpr auto kEscape = make_escape_table();

}  // namespace

void JsonOut::grow(std::size_t need) {
  std::size_t cap = std::max<std::size_t>({cap_ * 2, size_ + need, 256});
  char* p = new char[cap];
  if (size_) std::memcpy(p, data_, size_);
  delete[] data_;
  data_ = p;
  cap_ = cap;
}

void JsonOut::escape_utf8(std::string_view s) {
  // Worst case every byte becomes \u00XX (6 bytes).
  char* out = reserve(s.size() * 6);
  char* o = out;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    // Copy runs of plain bytes quickly.
    const auto* run = p;
    while (p < end && kEscape.v[*p] == 0) ++p;
    std::size_t n = static_cast<std::size_t>(p - run);
    if (n) {
      std::memcpy(o, run, n);
      o += n;
    }
    if (p == end) break;
    char e = kEscape.v[*p];
    *o++ = '\\';
    *o++ = e;
    if (e == 'u') {
      static constexpr char hex[] = "0123456789abcdef";
      *o++ = '0';
      *o++ = '0';
      *o++ = hex[*p >> 4];
      *o++ = hex[*p & 15];
    }
    ++p;
  }
  size_ += static_cast<std::size_t>(o - out);
}

namespace {

// True when none of the 8 bytes needs attention: no byte >= 0x80, < 0x20, '"' or '\\'.
inline bool plain8(const unsigned char* p) {
  std::uint64_t x;
  std::memcpy(&x, p, 8);
  constexpr std::uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
  const std::uint64_t below20 = (x - ones * 0x20) & ~x;
  const std::uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
  const std::uint64_t quote = (q - ones) & ~q, backslash = (b - ones) & ~b;
  return ((x | below20 | quote | backslash) & high) == 0;
}

}  // namespace

bool JsonOut::escape_utf8_validating(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  // Worst case: every byte becomes \u00XX (6) or U+FFFD (3).
  char* out = reserve(s.size() * 6);
  char* o = out;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  bool bad = false;
  while (p < end) {
    if (end - p >= 8 && plain8(p)) {
      std::memcpy(o, p, 8);
      o += 8;
      p += 8;
      continue;
    }
    const unsigned char c = *p;
    if (c < 0x80) {
      const char e = kEscape.v[c];
      if (e == 0) {
        *o++ = static_cast<char>(c);
      } else {
        *o++ = '\\';
        *o++ = e;
        if (e == 'u') {
          *o++ = '0';
          *o++ = '0';
          *o++ = hex[c >> 4];
          *o++ = hex[c & 15];
        }
      }
      ++p;
      continue;
    }
    // Sequence length and the second byte's range (Unicode Table 3-7).
    int len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
      len = 2;
    else if (c == 0xE0)
      len = 3, lo = 0xA0;
    else if (c >= 0xE1 && c <= 0xEC)
      len = 3;
    else if (c == 0xED)
      len = 3, hi = 0x9F;
    else if (c >= 0xEE && c <= 0xEF)
      len = 3;
    else if (c == 0xF0)
      len = 4, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3)
      len = 4;
    else if (c == 0xF4)
      len = 4, hi = 0x8F;
    int seen = 1;
    if (len && end - p > 1 && p[1] >= lo && p[1] <= hi) {
      seen = 2;
      while (seen < len && p + seen < end && (p[seen] & 0xC0) == 0x80) ++seen;
    }
    if (len && seen == len) {
      std::memcpy(o, p, static_cast<std::size_t>(len));
      o += len;
    } else {
      *o++ = '\xEF';
      *o++ = '\xBF';
      *o++ = '\xBD';
      bad = true;
    }
    p += seen;
  }
  size_ += static_cast<std::size_t>(o - out);
  return bad;
}

}  // namespace dumpr::row
