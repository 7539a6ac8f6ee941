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

}  // namespace dumpr::row
