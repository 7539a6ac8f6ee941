#include "row/values.hpp"

#include <charconv>
#include <cmath>
#include <cstring>

#include "row/charset.hpp"

namespace dumpr::row {

namespace {

constexpr auto make_pairs() {
  struct Pairs {
    char v[200]{};
  } t;
  for (int i = 0; i < 100; ++i) {
    t.v[2 * i] = static_cast<char>('0' + i / 10);
    t.v[2 * i + 1] = static_cast<char>('0' + i % 10);
  }
  return t;
}
constexpr auto kPairs = make_pairs();  // "00", "01", ... "99"

// Writes v % 100 as two digits at p.
inline char* two_digits(char* p, unsigned v) {
  std::memcpy(p, kPairs.v + 2 * (v % 100), 2);
  return p + 2;
}

// Writes v as exactly `width` decimal digits (zero padded) at p.
inline char* digits(char* p, unsigned v, int width) {
  if (width == 2) return two_digits(p, v);
  if (width == 4) return two_digits(two_digits(p, v / 100), v);
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return p + width;
}

// Writes at least `min_width` digits of v.
inline char* digits_min(char* p, unsigned v, int min_width) {
  char tmp[12];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  while (n < min_width) tmp[n++] = '0';
  while (n) *p++ = tmp[--n];
  return p;
}

inline char* fraction(char* p, std::uint32_t micro, unsigned fsp) {
  if (fsp == 0) return p;
  if (fsp > 6) fsp = 6;
  *p++ = '.';
  char six[6];
  micro %= 1000000;
  two_digits(two_digits(two_digits(six, micro / 10000), micro / 100), micro);
  for (unsigned i = 0; i < fsp; ++i) *p++ = six[i];
  return p;
}

}  // namespace

void put_int(JsonOut& out, std::int64_t v) {
  char* p = out.reserve(24);
  out.advance(static_cast<std::size_t>(std::to_chars(p, p + 24, v).ptr - p));
}

void put_uint(JsonOut& out, std::uint64_t v) {
  char* p = out.reserve(24);
  out.advance(static_cast<std::size_t>(std::to_chars(p, p + 24, v).ptr - p));
}

void put_float(JsonOut& out, float v) {
  if (!std::isfinite(v)) return out.put_null();
  char* p = out.reserve(32);
  out.advance(static_cast<std::size_t>(std::to_chars(p, p + 32, v).ptr - p));
}

void put_double(JsonOut& out, double v) {
  if (!std::isfinite(v)) return out.put_null();
  char* p = out.reserve(32);
  out.advance(static_cast<std::size_t>(std::to_chars(p, p + 32, v).ptr - p));
}

void put_decimal(JsonOut& out, std::string_view text) {
  out.put('"');
  out.put(text);
  out.put('"');
}

void put_date(JsonOut& out, const ValueOptions& opt, unsigned year, unsigned month, unsigned day) {
  if (opt.zero_dates_as_null && (year == 0 || month == 0 || day == 0)) return out.put_null();
  char* p = out.reserve(16);
  char* o = p;
  *o++ = '"';
  o = digits(o, year, 4);
  *o++ = '-';
  o = digits(o, month, 2);
  *o++ = '-';
  o = digits(o, day, 2);
  *o++ = '"';
  out.advance(static_cast<std::size_t>(o - p));
}

void put_datetime(JsonOut& out, const ValueOptions& opt, const DateTimeParts& v, unsigned fsp,
                  bool utc) {
  if (opt.zero_dates_as_null && (v.year == 0 || v.month == 0 || v.day == 0)) return out.put_null();
  char* p = out.reserve(40);
  char* o = p;
  *o++ = '"';
  o = digits(o, v.year, 4);
  *o++ = '-';
  o = digits(o, v.month, 2);
  *o++ = '-';
  o = digits(o, v.day, 2);
  *o++ = 'T';
  o = digits(o, v.hour, 2);
  *o++ = ':';
  o = digits(o, v.minute, 2);
  *o++ = ':';
  o = digits(o, v.second, 2);
  o = fraction(o, v.micro, fsp);
  if (utc) *o++ = 'Z';
  *o++ = '"';
  out.advance(static_cast<std::size_t>(o - p));
}

void put_time(JsonOut& out, bool negative, unsigned hours, unsigned minutes, unsigned seconds,
              std::uint32_t micro, unsigned fsp) {
  char* p = out.reserve(40);
  char* o = p;
  *o++ = '"';
  if (negative) *o++ = '-';
  o = digits_min(o, hours, 2);
  *o++ = ':';
  o = digits(o, minutes, 2);
  *o++ = ':';
  o = digits(o, seconds, 2);
  o = fraction(o, micro, fsp);
  *o++ = '"';
  out.advance(static_cast<std::size_t>(o - p));
}

bool put_text(JsonOut& out, std::string_view bytes, std::uint16_t collation) {
  out.put('"');
  bool bad = append_as_utf8(out, bytes, collation);
  out.put('"');
  return bad;
}

void put_base64(JsonOut& out, std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t n = bytes.size();
  char* p = out.reserve((n + 2) / 3 * 4 + 2);
  char* o = p;
  *o++ = '"';
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    std::uint32_t v = (std::uint32_t{s[i]} << 16) | (std::uint32_t{s[i + 1]} << 8) | s[i + 2];
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = kAlphabet[(v >> 6) & 63];
    *o++ = kAlphabet[v & 63];
  }
  if (n - i == 1) {
    std::uint32_t v = std::uint32_t{s[i]} << 16;
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = '=';
    *o++ = '=';
  } else if (n - i == 2) {
    std::uint32_t v = (std::uint32_t{s[i]} << 16) | (std::uint32_t{s[i + 1]} << 8);
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = kAlphabet[(v >> 6) & 63];
    *o++ = '=';
  }
  *o++ = '"';
  out.advance(static_cast<std::size_t>(o - p));
}

bool put_json_column(JsonOut& out, std::string_view text, std::uint16_t collation) {
  if (put_json_text(out, text)) return true;
  put_text(out, text, collation);
  return false;
}

void put_enum(JsonOut& out, const Column& col, std::uint64_t index) {
  if (index == 0 || index > col.members.size()) {
    // The server stores 0 for a value that was not a member (non-strict mode): it shows "".
    out.put(std::string_view("\"\""));
    return;
  }
  out.put_string(col.members[index - 1]);
}

void put_set(JsonOut& out, const Column& col, std::uint64_t bits) {
  out.put('"');
  bool first = true;
  for (std::size_t i = 0; i < col.members.size() && i < 64; ++i) {
    if (bits & (std::uint64_t{1} << i)) {
      if (!first) out.put(',');
      first = false;
      out.escape_utf8(col.members[i]);
    }
  }
  out.put('"');
}

}  // namespace dumpr::row
