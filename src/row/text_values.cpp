#include "row/text_values.hpp"

#include <charconv>

#include "row/values.hpp"

namespace dumpr::row {

namespace {

// Parses an unsigned decimal field of any width at s[i..], advancing i.
unsigned field(const char* s, std::size_t n, std::size_t& i) {
  unsigned v = 0;
  while (i < n && s[i] >= '0' && s[i] <= '9') v = v * 10 + static_cast<unsigned>(s[i++] - '0');
  return v;
}

// ".123" -> 123000 microseconds.
std::uint32_t micros(const char* s, std::size_t n, std::size_t& i) {
  if (i >= n || s[i] != '.') return 0;
  ++i;
  std::uint32_t v = 0;
  int digits = 0;
  while (i < n && s[i] >= '0' && s[i] <= '9') {
    if (digits < 6) v = v * 10 + static_cast<std::uint32_t>(s[i] - '0');
    ++digits;
    ++i;
  }
  for (; digits < 6; ++digits) v *= 10;
  return v;
}

DateTimeParts parse_datetime(const char* s, std::size_t n) {
  DateTimeParts p;
  std::size_t i = 0;
  p.year = field(s, n, i);
  ++i;
  p.month = field(s, n, i);
  ++i;
  p.day = field(s, n, i);
  if (i < n) {
    ++i;
    p.hour = field(s, n, i);
    ++i;
    p.minute = field(s, n, i);
    ++i;
    p.second = field(s, n, i);
    p.micro = micros(s, n, i);
  }
  return p;
}

}  // namespace

bool put_server_text(JsonOut& out, const Column& col, const ValueOptions& opt, const char* s,
                     std::size_t n) {
  switch (col.kind) {
    case Kind::signed_int:
    case Kind::unsigned_int: {
      // The server's text of an integer is its exact decimal digits, but ZEROFILL columns come
      // zero-padded ("00042"), which JSON forbids: drop the padding.
      std::size_t i = 0;
      if (n > 0 && s[0] == '-') out.put('-'), i = 1;
      while (i + 1 < n && s[i] == '0') ++i;
      out.put(std::string_view(s + i, n - i));
      return true;
    }
    case Kind::year: {
      unsigned y = 0;
      std::from_chars(s, s + n, y);
      put_year(out, y);
      return true;
    }
    case Kind::bit: {
      std::uint64_t v = 0;
      for (std::size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
      put_bit(out, v);
      return true;
    }
    case Kind::float32:
    case Kind::float64: {
      double d = 0;
      auto r = std::from_chars(s, s + n, d);
      if (r.ec != std::errc()) {
        out.put_null();
        return false;
      }
      if (col.kind == Kind::float32)
        put_float(out, static_cast<float>(d));
      else
        put_double(out, d);
      return true;
    }
    case Kind::decimal: {
      // ZEROFILL pads the integer part too ("000012.50"); the binlog's value has no padding.
      const std::size_t sign = n > 0 && s[0] == '-' ? 1 : 0;
      std::size_t i = sign;
      while (i + 1 < n && s[i] == '0' && s[i + 1] != '.') ++i;
      if (i == sign) {
        put_decimal(out, std::string_view(s, n));
      } else {
        out.put('"');
        if (sign) out.put('-');
        out.put(std::string_view(s + i, n - i));
        out.put('"');
      }
      return true;
    }
    case Kind::date: {
      DateTimeParts p = parse_datetime(s, n);
      put_date(out, opt, p.year, p.month, p.day);
      return true;
    }
    case Kind::datetime:
    case Kind::timestamp:
      put_datetime(out, opt, parse_datetime(s, n), col.fsp, col.kind == Kind::timestamp);
      return true;
    case Kind::time: {
      std::size_t i = 0;
      bool neg = n > 0 && s[0] == '-';
      if (neg) ++i;
      unsigned h = field(s, n, i);
      ++i;
      unsigned m = field(s, n, i);
      ++i;
      unsigned sec = field(s, n, i);
      std::uint32_t us = micros(s, n, i);
      put_time(out, neg, h, m, sec, us, col.fsp);
      return true;
    }
    case Kind::text:
    case Kind::enumeration:
    case Kind::set:
    case Kind::server_text:
      return !put_text(out, std::string_view(s, n), col.collation);
    case Kind::binary:
    case Kind::geometry:
      put_base64(out, std::string_view(s, n));
      return true;
    case Kind::json:
      return put_json_column(out, std::string_view(s, n), col.collation);
  }
  out.put_null();
  return false;
}

}  // namespace dumpr::row
