#include "row/values.hpp"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <memory>

#include "row/charset.hpp"

namespace dumpr::row {

namespace {

// Writes v as exactly `width` decimal digits (zero padded) at p.
inline char* digits(char* p, unsigned v, int width) {
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
  digits(six, micro % 1000000, 6);
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

namespace {

using namespace simdjson;

std::string_view trim_token(std::string_view t) {
  while (!t.empty() &&
         (t.back() == ' ' || t.back() == '\n' || t.back() == '\r' || t.back() == '\t' ||
          t.back() == ',' || t.back() == ']' || t.back() == '}' || t.back() == ':'))
    t.remove_suffix(1);
  return t;
}

// JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?. Checked on the token
// itself, so numbers beyond a double's range (1e400, huge integers) are kept, as the server keeps
// them.
bool is_json_number(std::string_view t) {
  std::size_t i = 0, n = t.size();
  auto digits = [&] {
    std::size_t s = i;
    while (i < n && t[i] >= '0' && t[i] <= '9') ++i;
    return i > s;
  };
  if (i < n && t[i] == '-') ++i;
  if (i < n && t[i] == '0')
    ++i;
  else if (!digits())
    return false;
  if (i < n && t[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < n && (t[i] == '+' || t[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == n;
}

template <class V>
error_code emit(JsonOut& out, V&& v, int depth) {
  if (depth > 1000) return DEPTH_ERROR;
  ondemand::json_type type;
  if (auto e = v.type().get(type)) return e;
  switch (type) {
    case ondemand::json_type::object: {
      ondemand::object obj;
      if (auto e = v.get_object().get(obj)) return e;
      out.put('{');
      bool first = true;
      for (auto field : obj) {
        std::string_view key;
        if (auto e = field.unescaped_key().get(key)) return e;
        if (!first) out.put(',');
        first = false;
        out.put_string(key);
        out.put(':');
        if (auto e = emit(out, field.value(), depth + 1)) return e;
      }
      out.put('}');
      return SUCCESS;
    }
    case ondemand::json_type::array: {
      ondemand::array arr;
      if (auto e = v.get_array().get(arr)) return e;
      out.put('[');
      bool first = true;
      for (auto el : arr) {
        ondemand::value val;
        if (auto e = el.get(val)) return e;
        if (!first) out.put(',');
        first = false;
        if (auto e = emit(out, val, depth + 1)) return e;
      }
      out.put(']');
      return SUCCESS;
    }
    case ondemand::json_type::string: {
      std::string_view s;
      if (auto e = v.get_string().get(s)) return e;
      out.put_string(s);
      return SUCCESS;
    }
    case ondemand::json_type::number: {
      // Validate it is a number, then keep its token exactly as written.
      std::string_view tok = trim_token(v.raw_json_token());
      if (!is_json_number(tok)) return NUMBER_ERROR;
      out.put(tok);
      return SUCCESS;
    }
    case ondemand::json_type::boolean: {
      bool b;
      if (auto e = v.get_bool().get(b)) return e;
      out.put(b ? std::string_view("true") : std::string_view("false"));
      return SUCCESS;
    }
    case ondemand::json_type::null: {
      bool is_null = false;
      if (auto e = v.is_null().get(is_null)) return e;
      if (!is_null) return INCORRECT_TYPE;
      out.put_null();
      return SUCCESS;
    }
  }
  return INCORRECT_TYPE;
}

struct JsonScratch {
  ondemand::parser parser;
  std::unique_ptr<char[]> buf;
  std::size_t cap = 0;
};

}  // namespace

Status put_json_text(JsonOut& out, std::string_view json) {
  // White space around the value is insignificant; simdjson 3.0 misreads some scalar documents
  // with trailing white space ("null \n"), so it never sees it.
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!json.empty() && ws(json.front())) json.remove_prefix(1);
  while (!json.empty() && ws(json.back())) json.remove_suffix(1);
  thread_local JsonScratch scratch;
  if (scratch.cap < json.size() + SIMDJSON_PADDING) {
    scratch.cap = (json.size() + SIMDJSON_PADDING) * 2;
    scratch.buf.reset(new char[scratch.cap]);
  }
  std::memcpy(scratch.buf.get(), json.data(), json.size());
  std::memset(scratch.buf.get() + json.size(), 0, SIMDJSON_PADDING);
  const std::size_t mark = out.size();
  auto fail = [&](error_code e) -> Status {
    out.truncate(mark);
    return make_error(ErrorKind::corrupt, std::string("invalid JSON value: ") + error_message(e));
  };
  ondemand::document doc;
  if (auto e =
          scratch.parser.iterate(padded_string_view(scratch.buf.get(), json.size(), scratch.cap))
              .get(doc))
    return fail(e);
  // A document whose root is a scalar is read through a value-like interface as well.
  bool scalar = false;
  if (auto e = doc.is_scalar().get(scalar)) return fail(e);
  error_code err;
  if (scalar) {
    ondemand::json_type type;
    if (auto e = doc.type().get(type)) return fail(e);
    switch (type) {
      case ondemand::json_type::string: {
        std::string_view s;
        err = doc.get_string().get(s);
        if (!err) out.put_string(s);
        break;
      }
      case ondemand::json_type::number: {
        std::string_view tok;
        err = doc.raw_json_token().get(tok);
        if (!err) tok = trim_token(tok);
        if (!err && !is_json_number(tok)) err = NUMBER_ERROR;
        if (!err) out.put(tok);
        break;
      }
      case ondemand::json_type::boolean: {
        bool b;
        err = doc.get_bool().get(b);
        if (!err) out.put(b ? std::string_view("true") : std::string_view("false"));
        break;
      }
      case ondemand::json_type::null: {
        bool is_null = false;
        err = doc.is_null().get(is_null);
        if (!err && !is_null) err = INCORRECT_TYPE;
        if (!err) out.put_null();
        break;
      }
      default:
        err = INCORRECT_TYPE;
    }
  } else {
    ondemand::value root;
    if (auto e = doc.get_value().get(root)) return fail(e);
    err = emit(out, root, 0);
  }
  if (err) return fail(err);
  // Anything after the root value is an error (current_location fails only at the end).
  if (!scalar && !doc.current_location().error()) return fail(TRAILING_CONTENT);
  return {};
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
