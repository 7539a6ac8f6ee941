#include "row/json_out.hpp"

#include <algorithm>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace dumpr::row {

namespace {

// 0: copy as is; otherwise the character after the backslash ('u' for \u00XX).
constexpr auto make_escape_table() {
  struct Table {
    char v[256]{};
  } t;
  for (int c = 0; c < 0x20; ++c) t.v[c] = 'u';
  t.v[int{'\b'}] = 'b';
  t.v[int{'\f'}] = 'f';
  t.v[int{'\n'}] = 'n';
  t.v[int{'\r'}] = 'r';
  t.v[int{'\t'}] = 't';
  t.v[int{'"'}] = '"';
  t.v[int{'\\'}] = '\\';
  return t;
}
constexpr auto kEscape = make_escape_table();

}  // namespace

void JsonOut::grow(std::size_t need) {
  // An eighth more than asked: the closing bytes of a huge value (a row's end, its metadata)
  // then fit without copying it again. Pages never written cost no memory.
  const std::size_t want = size_ + need;
  std::size_t cap = std::max<std::size_t>({cap_ * 2, want + want / 8, 256});
  char* p = new char[cap];
  if (size_) std::memcpy(p, data_, size_);
  delete[] data_;
  data_ = p;
  cap_ = cap;
}

void JsonOut::escape_utf8(std::string_view s) {
  // Worst case every byte becomes \u00XX (6 bytes); at least 16 for the block copies.
  char* out = reserve(s.size() * 6 + 16);
  char* o = out;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
#if defined(__SSE2__)
  // Whole blocks of 16 bytes that need no escape (UTF-8 sequences pass as they are).
  while (end - p >= 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i hit =
        _mm_or_si128(_mm_cmpeq_epi8(_mm_and_si128(x, _mm_set1_epi8(static_cast<char>(0xE0))),
                                    _mm_setzero_si128()),
                     _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
                                  _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))));
    if (_mm_movemask_epi8(hit)) break;
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o), x);
    o += 16;
    p += 16;
  }
#endif
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

// How many of the 16 bytes at p need no attention (no byte >= 0x80, < 0x20, '"' or '\\'); 16
// when none does. Only for callers with 16 readable bytes at p.
inline unsigned plain_prefix16(const unsigned char* p) {
#if defined(__SSE2__)
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  // Signed: bytes >= 0x80 are negative, so "< 0x20" catches them as well.
  const __m128i hit = _mm_or_si128(
      _mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
      _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))));
  const unsigned m = static_cast<unsigned>(_mm_movemask_epi8(hit));
  return m ? static_cast<unsigned>(__builtin_ctz(m)) : 16;
#else
  unsigned k = 0;
  while (k < 16 && p[k] >= 0x20 && p[k] < 0x80 && p[k] != '"' && p[k] != '\\') ++k;
  return k;
#endif
}

}  // namespace

bool JsonOut::escape_utf8_validating(std::string_view s) {
  char* out = reserve(escape_room(s.size()));
  bool bad = false;
  char* o = escape_utf8_validating_to(out, s, bad);
  size_ += static_cast<std::size_t>(o - out);
  return bad;
}

char* JsonOut::escape_utf8_validating_to(char* o, std::string_view s, bool& bad) {
  static constexpr char hex[] = "0123456789abcdef";
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    if (end - p >= 16) {
      // Copy 16 bytes, keep the plain ones; a whole block is the common case.
      std::memcpy(o, p, 16);
      const unsigned k = plain_prefix16(p);
      o += k;
      p += k;
      if (k == 16) continue;
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
  return o;
}

namespace {
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;
}
}  // namespace

void unescape_json_body(std::string_view body, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c != '\\' || i + 1 >= body.size()) {
      out += c;
      continue;
    }
    switch (body[++i]) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u':
        if (i + 4 < body.size()) {
          out += static_cast<char>((hex_digit(body[i + 3]) << 4) | hex_digit(body[i + 4]));
          i += 4;
        }
        break;
      default:
        out += body[i];
        break;  // \" and \\ (and \/, never written)
    }
  }
}

}  // namespace dumpr::row
