// Random tables for the randomised differential test (random_diff_test.cpp): columns of every
// type of the server under test with its modifiers, random primary keys (single and composite, on
// every key-able type), random SQL literals with the edges of each type, and the value dumpr must
// write for a column, computed from the server's own text of it (not from dumpr's code): see man
// dumpr, VALUES. The SQL is that of the server's flavour (Flavor): MariaDB's UUID, INET4, INET6
// and NO PAD collations; MySQL's VECTOR, utf8mb4_0900 collations, a spatial column's SRID
// attribute and DEFAULT (expression) on BLOB, TEXT, JSON and GEOMETRY columns, without what
// MySQL refuses (a JSON number beyond a double, an SRID it does not know).
#pragma once

#include <algorithm>
#include <charconv>
#include <cinttypes>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "live/diff_support.hpp"

namespace dumpr_random {

using namespace dumpr_diff;

inline std::uint64_t uniu(Rng& r, std::uint64_t lo, std::uint64_t hi) {
  return std::uniform_int_distribution<std::uint64_t>(lo, hi)(r);
}

template <class T>
const T& pick(Rng& r, const std::vector<T>& v) {
  return v[static_cast<std::size_t>(uni(r, 0, static_cast<std::int64_t>(v.size()) - 1))];
}

inline std::string sq(const std::string& s) {
  return "'" + s + "'";
}

// ---------------------------------------------------------------------------------------------
// JSON in a canonical form, so that two texts of the same JSON value compare equal: no
// whitespace, object members in their order (duplicates kept), numbers as written, strings with
// their escapes decoded and written back one way (\" \\ and \u00xx for controls; a lone
// surrogate as \udxxx; everything else as raw UTF-8).

inline void canonical_string_body(std::string& out, std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : bytes) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
}

// A JSON string of raw bytes, canonical.
inline std::string json_string_of(std::string_view bytes) {
  std::string out = "\"";
  canonical_string_body(out, bytes);
  return out + "\"";
}

class JsonCanon {
 public:
  // The canonical text, or nullopt when `text` is not one JSON value.
  static std::optional<std::string> of(std::string_view text) {
    JsonCanon p(text);
    p.ws();
    if (!p.value(0)) return std::nullopt;
    p.ws();
    if (p.i_ != text.size()) return std::nullopt;
    return std::move(p.out_);
  }

 private:
  explicit JsonCanon(std::string_view t) : t_(t) {}
  bool eof() const { return i_ >= t_.size(); }
  char peek() const { return eof() ? '\0' : t_[i_]; }
  void ws() {
    while (!eof() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r')) ++i_;
  }
  bool hex4(unsigned& v) {
    if (i_ + 4 > t_.size()) return false;
    v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = t_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<unsigned>(c - 'A' + 10);
      else
        return false;
    }
    return true;
  }
  bool string() {
    if (peek() != '"') return false;
    ++i_;
    std::string raw;
    out_ += '"';
    auto flush = [&] {
      canonical_string_body(out_, raw);
      raw.clear();
    };
    while (!eof()) {
      unsigned char c = static_cast<unsigned char>(t_[i_++]);
      if (c == '"') {
        flush();
        out_ += '"';
        return true;
      }
      if (c < 0x20) return false;
      if (c != '\\') {
        raw += static_cast<char>(c);
        continue;
      }
      if (eof()) return false;
      char e = t_[i_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          raw += e;
          break;
        case 'b':
          raw += '\b';
          break;
        case 'f':
          raw += '\f';
          break;
        case 'n':
          raw += '\n';
          break;
        case 'r':
          raw += '\r';
          break;
        case 't':
          raw += '\t';
          break;
        case 'u': {
          unsigned cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF && t_.substr(i_, 2) == "\\u") {
            std::size_t save = i_;
            i_ += 2;
            unsigned lo = 0;
            if (hex4(lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
              append_utf8(raw,
                          static_cast<char32_t>(0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)));
              break;
            }
            i_ = save;
          }
          if (cp >= 0xD800 && cp <= 0xDFFF) {
            flush();
            out_ += fmt("\\u%04x", cp);
          } else {
            append_utf8(raw, static_cast<char32_t>(cp));
          }
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }
  bool digits() {
    std::size_t s = i_;
    while (!eof() && t_[i_] >= '0' && t_[i_] <= '9') ++i_;
    return i_ > s;
  }
  bool number() {
    std::size_t s = i_;
    if (peek() == '-') ++i_;
    if (peek() == '0')
      ++i_;
    else if (!digits())
      return false;
    if (peek() == '.') {
      ++i_;
      if (!digits()) return false;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++i_;
      if (peek() == '+' || peek() == '-') ++i_;
      if (!digits()) return false;
    }
    out_ += t_.substr(s, i_ - s);
    return true;
  }
  bool literal(std::string_view w) {
    if (t_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    out_ += w;
    return true;
  }
  bool value(int depth) {
    if (depth > 600) return false;
    ws();
    switch (peek()) {
      case '{': {
        ++i_;
        out_ += '{';
        ws();
        if (peek() == '}') {
          ++i_;
          out_ += '}';
          return true;
        }
        while (true) {
          ws();
          if (!string()) return false;
          ws();
          if (peek() != ':') return false;
          ++i_;
          out_ += ':';
          if (!value(depth + 1)) return false;
          ws();
          if (peek() == ',') {
            ++i_;
            out_ += ',';
            continue;
          }
          if (peek() != '}') return false;
          ++i_;
          out_ += '}';
          return true;
        }
      }
      case '[': {
        ++i_;
        out_ += '[';
        ws();
        if (peek() == ']') {
          ++i_;
          out_ += ']';
          return true;
        }
        while (true) {
          if (!value(depth + 1)) return false;
          ws();
          if (peek() == ',') {
            ++i_;
            out_ += ',';
            continue;
          }
          if (peek() != ']') return false;
          ++i_;
          out_ += ']';
          return true;
        }
      }
      case '"':
        return string();
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        return number();
    }
  }

  std::string_view t_;
  std::size_t i_ = 0;
  std::string out_;
};

// ---------------------------------------------------------------------------------------------
// Small text helpers.

inline std::string unhex(std::string_view h) {
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    throw std::runtime_error("not hex: " + std::string(1, c));
  };
  std::string out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2)
    out += static_cast<char>((nib(h[i]) << 4) | nib(h[i + 1]));
  return out;
}

// "-000123.40" -> "-123.40", "0000" -> "0" (ZEROFILL padding and YEAR's four digits).
inline std::string strip_leading_zeros(std::string s) {
  std::size_t start = s.starts_with('-') ? 1 : 0;
  std::size_t z = start;
  while (z + 1 < s.size() && s[z] == '0' && s[z + 1] != '.') ++z;
  return s.substr(0, start) + s.substr(z);
}

template <class F>
std::string shortest(F v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

inline std::string digits(Rng& r, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += static_cast<char>('0' + uni(r, 0, 9));
  return s;
}

inline int days_in(int y, int m) {
  static const int k[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return k[m - 1];
}

// ---------------------------------------------------------------------------------------------
// Columns.

enum class Type {
  Int,
  Decimal,
  Float,
  Double,
  Date,
  Datetime,
  Timestamp,
  Time,
  Year,
  Bit,
  Text,   // CHAR, VARCHAR, TINYTEXT..LONGTEXT in a character set
  Bytes,  // BINARY, VARBINARY, CHAR ... CHARACTER SET binary, TINYBLOB..LONGBLOB
  Json,
  Geometry,
  Enum,
  Set,
  Uuid,    // MariaDB
  Inet4,   // MariaDB
  Inet6,   // MariaDB
  Vector,  // MySQL 9: VECTOR(n), n FLOAT32 values, no NaN or infinity
};

// The server a table is written for: the types, modifiers and literals differ.
enum class Flavor { MariaDB, MySQL };

struct Column {
  std::string name;
  Type type = Type::Int;
  std::string sql_type;  // as written in CREATE TABLE, with its length, charset and collation
  int bits = 0;          // Int: 8 to 64; Bit: 1 to 64
  bool is_unsigned = false;
  int precision = 0, scale = 0;  // Decimal; Float and Double written (m,d) when precision > 0
  int fsp = 0;
  std::size_t length = 0;  // Text: characters; Bytes: bytes (a blob's limit)
  bool fixed = false;      // CHAR and BINARY
  bool blob = false;       // a TEXT or BLOB type (not logged under binlog_row_image=NOBLOB)
  std::string charset;     // Text, Enum, Set: latin1, utf8mb3 or utf8mb4
  std::vector<std::string> members;  // Enum, Set (UTF-8)
  std::string geometry;              // Geometry: the subtype
  int srid = -1;                     // Geometry on MySQL: the column's SRID attribute, or -1
  Flavor flavor = Flavor::MariaDB;   // the server it is written for
  bool nullable = true, invisible = false, in_key = false;
  std::string generated;    // the expression of a generated column, or empty
  std::string source;       // the column a generated column's expression reads
  bool stored = false;      // a STORED generated column (else VIRTUAL)
  std::string default_sql;  // the DEFAULT literal, or empty

  bool insertable() const { return generated.empty(); }

  std::string ddl() const {
    std::string s = name + " " + sql_type;
    if (!generated.empty()) {
      s += " AS (" + generated + (stored ? ") STORED" : ") VIRTUAL");
    } else {
      s += nullable ? " NULL" : " NOT NULL";
      if (!default_sql.empty()) s += " DEFAULT " + default_sql;
    }
    if (invisible) s += " INVISIBLE";
    return s;
  }
};

struct Table {
  std::string name;
  std::vector<Column> columns;   // in table order
  std::vector<std::size_t> key;  // indexes into columns, in PRIMARY KEY order

  std::string create_sql() const {
    std::string s = "CREATE TABLE " + name + " (";
    for (const auto& c : columns) s += "\n  " + c.ddl() + ",";
    s += "\n  PRIMARY KEY (";
    for (std::size_t i = 0; i < key.size(); ++i) s += (i ? ", " : "") + columns[key[i]].name;
    return s + ")\n) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4";
  }
  std::string key_list() const {
    std::string s;
    for (std::size_t i = 0; i < key.size(); ++i) s += (i ? ", " : "") + columns[key[i]].name;
    return s;
  }
  const Column* find(const std::string& name) const {
    for (const auto& c : columns)
      if (c.name == name) return &c;
    return nullptr;
  }
};

// ---------------------------------------------------------------------------------------------
// Character repertoires: code points a column's character set can hold (and, for utf8mb3, some
// it cannot: the server stores '?' for them).

inline const std::vector<std::pair<char32_t, char32_t>>& repertoire(const std::string& charset) {
  static const std::vector<std::pair<char32_t, char32_t>> latin1 = {
      {0x20, 0x7E}, {0x20, 0x7E}, {0xA0, 0xFF}, {0x00, 0x1F}};
  static const std::vector<std::pair<char32_t, char32_t>> bmp = {
      {0x20, 0x7E},     {0x20, 0x7E},      {0xA0, 0xFF},     {0x370, 0x3FF},
      {0x4E00, 0x9FFF}, {0xE000, 0xE0FF},  {0xFFFD, 0xFFFF}, {0x00, 0x1F},
      {0x2028, 0x2029}, {0x1F600, 0x1F64F}};  // the last: not in utf8mb3, stored as '?'
  static const std::vector<std::pair<char32_t, char32_t>> all = {
      {0x20, 0x7E},       {0x20, 0x7E},        {0xA0, 0xFF}, {0x400, 0x4FF},   {0x4E00, 0x9FFF},
      {0x1F300, 0x1F6FF}, {0x10000, 0x10FFFF}, {0x00, 0x1F}, {0xFFFD, 0xFFFF}, {0x2028, 0x2029}};
  if (charset == "latin1") return latin1;
  if (charset == "utf8mb3") return bmp;
  return all;
}

// Text of up to `max_chars` characters, sent as utf8mb4 bytes (the server converts): empty,
// short, full, longer than the column (the server cuts it), trailing spaces, NUL, 4-byte UTF-8.
inline std::string text_value(Rng& r, const std::string& charset, std::size_t max_chars,
                              bool big_ok) {
  std::size_t n;
  double p = std::uniform_real_distribution<double>(0, 1)(r);
  if (p < 0.1 || max_chars == 0)
    n = max_chars == 0 && chance(r, 0.3) ? 2 : 0;
  else if (p < 0.6)
    n = static_cast<std::size_t>(
        uni(r, 1, static_cast<std::int64_t>(std::min<std::size_t>(max_chars, 12))));
  else if (p < 0.9)
    n = static_cast<std::size_t>(
        uni(r, 0, static_cast<std::int64_t>(std::min<std::size_t>(max_chars, 400))));
  else if (p < 0.95)
    n = std::min<std::size_t>(max_chars, 2000);
  else
    n = std::min<std::size_t>(max_chars, 2000) + 3;  // too long: cut by the server
  if (big_ok && chance(r, 0.05)) n = static_cast<std::size_t>(uni(r, 20000, 300000));
  std::string s;
  const auto& rep = repertoire(charset);
  if (n > 5000) {  // big: a repeated pattern (quick to build, still every kind of byte)
    std::string unit;
    for (int i = 0; i < 16; ++i) {
      auto [lo, hi] = pick(r, rep);
      append_utf8(unit, static_cast<char32_t>(uniu(r, lo, hi)));
    }
    while (s.size() < n) s += unit;
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      auto [lo, hi] = pick(r, rep);
      char32_t cp = static_cast<char32_t>(uniu(r, lo, hi));
      if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
      append_utf8(s, cp);
    }
  }
  if (chance(r, 0.12)) s += chance(r, 0.5) ? " " : "  ";
  if (chance(r, 0.05)) s = " " + s;
  return sql_bytes(s, "utf8mb4");
}

// latin1 text as raw bytes (MariaDB's latin1 maps all 256).
inline std::string latin1_value(Rng& r, std::size_t max_bytes, bool big_ok) {
  std::size_t n = static_cast<std::size_t>(
      chance(r, 0.6)
          ? uni(r, 0, static_cast<std::int64_t>(std::min<std::size_t>(max_bytes, 12)))
          : uni(r, 0, static_cast<std::int64_t>(std::min<std::size_t>(max_bytes + 2, 3000))));
  if (big_ok && chance(r, 0.05)) n = static_cast<std::size_t>(uni(r, 20000, 300000));
  std::string s;
  for (std::size_t i = 0; i < n; ++i)
    s += static_cast<char>(chance(r, 0.6) ? uni(r, 0x20, 0x7E) : uni(r, 0, 255));
  if (chance(r, 0.12)) s += " ";
  return sql_bytes(s, "latin1");
}

// Bytes: random, invalid-looking UTF-8, trailing NULs, empty; big now and then.
inline std::string bytes_value(Rng& r, std::size_t max_bytes, bool big_ok) {
  static const std::vector<std::string> odd = {std::string("\xC3\x28", 2),
                                               std::string("\xFF\xFE", 2),
                                               std::string("\xED\xA0\x80", 3),
                                               std::string("\xC0\xAF", 2),
                                               std::string("\x80", 1),
                                               std::string("\0", 1),
                                               std::string(" ", 1),
                                               std::string("\xF8\x88\x80\x80\x80", 5)};
  std::size_t n = static_cast<std::size_t>(
      chance(r, 0.6)
          ? uni(r, 0, static_cast<std::int64_t>(std::min<std::size_t>(max_bytes, 16)))
          : uni(r, 0, static_cast<std::int64_t>(std::min<std::size_t>(max_bytes + 2, 3000))));
  if (big_ok && chance(r, 0.05)) n = static_cast<std::size_t>(uni(r, 20000, 400000));
  std::string s;
  if (n > 5000) {
    std::string unit;
    for (int i = 0; i < 64; ++i) unit += static_cast<char>(r() & 0xFF);
    while (s.size() < n) s += unit;
  } else {
    while (s.size() < n)
      s += chance(r, 0.2) ? pick(r, odd) : std::string(1, static_cast<char>(r() & 0xFF));
  }
  if (chance(r, 0.15)) s += std::string(2, '\0');
  return sql_bytes(s);
}

// ---------------------------------------------------------------------------------------------
// Values of each type: an SQL literal (or expression) in the writer's session (sql_mode '',
// time_zone '-03:00').

inline std::string int_literal(Rng& r, int bits, bool is_unsigned, bool narrow) {
  std::uint64_t umax = bits == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
  std::int64_t smax =
      bits == 64 ? std::numeric_limits<std::int64_t>::max() : (std::int64_t{1} << (bits - 1)) - 1;
  std::int64_t smin = -smax - 1;
  double p = std::uniform_real_distribution<double>(0, 1)(r);
  if (narrow ? p < 0.6 : p < 0.35) {
    if (is_unsigned) return std::to_string(uniu(r, 0, std::min<std::uint64_t>(umax, 40)));
    return std::to_string(
        uni(r, std::max<std::int64_t>(smin, -20), std::min<std::int64_t>(smax, 20)));
  }
  if (p < 0.8) {
    if (is_unsigned) {
      std::vector<std::string> e = {"0", "1", std::to_string(umax), std::to_string(umax - 1),
                                    std::to_string(umax / 2 + 1)};
      return pick(r, e);
    }
    std::vector<std::string> e = {"0",
                                  "-1",
                                  "1",
                                  std::to_string(smax),
                                  std::to_string(smax - 1),
                                  bits == 64 ? "-9223372036854775808" : std::to_string(smin),
                                  std::to_string(smin + 1)};
    return pick(r, e);
  }
  if (!narrow && chance(r, 0.1))  // out of range: the server clips it (a warning)
    return is_unsigned ? (chance(r, 0.5) ? "-1" : "18446744073709551616") : "-9223372036854775809";
  if (is_unsigned) return std::to_string(uniu(r, 0, umax));
  return std::to_string(uni(r, smin, smax));
}

inline std::string decimal_literal(Rng& r, int p, int s, bool is_unsigned, bool narrow) {
  const int ip = p - s;
  std::string max = (ip ? std::string(static_cast<std::size_t>(ip), '9') : "0") +
                    (s ? "." + std::string(static_cast<std::size_t>(s), '9') : "");
  if (chance(r, narrow ? 0.3 : 0.25)) {
    std::vector<std::string> e = {
        max, "0", s ? "0." + std::string(static_cast<std::size_t>(s - 1), '0') + "1" : "1", "-0",
        s ? "-0." + std::string(static_cast<std::size_t>(s), '0') : "-0"};
    if (!is_unsigned) e.push_back("-" + max);
    return pick(r, e);
  }
  int id = static_cast<int>(narrow || chance(r, 0.5) ? uni(r, 0, std::min(ip, 2)) : uni(r, 0, ip));
  int fd = static_cast<int>(narrow ? uni(r, 0, std::min(s, 1))
                                   : (chance(r, 0.8) ? uni(r, 0, s) : s + 2));
  std::string v = (!is_unsigned && chance(r, 0.4)) ? "-" : "";
  v += id ? digits(r, id) : "0";
  if (fd) v += "." + digits(r, fd);
  return v;
}

inline std::string float_literal(Rng& r, bool single, int m, int d) {
  if (m > 0) {  // FLOAT(m,d): a decimal that fits (or is rounded)
    std::string v = chance(r, 0.4) ? "-" : "";
    v += std::to_string(uni(r, 0, static_cast<std::int64_t>(std::pow(10, std::min(m - d, 9))) - 1));
    return v + "." + digits(r, d + static_cast<int>(uni(r, 0, 2)));
  }
  static const std::vector<std::string> fedges = {
      "0",   "-0e0",     "3.40282347e38", "-3.40282347e38", "1.17549435e-38", "1.40129846e-45",
      "0.1", "16777217", "1e-7",          "123456.789",     "-1.5",           "7e22",
      "0.3"};
  static const std::vector<std::string> dedges = {"0",
                                                  "-0e0",
                                                  "1.7976931348623157e308",
                                                  "-1.7976931348623157e308",
                                                  "2.2250738585072014e-308",
                                                  "4.9406564584124654e-324",
                                                  "0.1",
                                                  "1e21",
                                                  "1e-7",
                                                  "9007199254740993",
                                                  "0.30000000000000004",
                                                  "-2.5",
                                                  "1e22",
                                                  "1e23",
                                                  "123456789012345678"};
  switch (uni(r, 0, 4)) {
    case 0:
      return pick(r, single ? fedges : dedges);
    case 1:
      return fmt("%" PRId64 ".%02d", uni(r, -100000, 100000), static_cast<int>(uni(r, 0, 99)));
    case 2:
      return std::to_string(uni(r, -1000000, 1000000));
    default:
      if (single) {
        float f;
        do {
          std::uint32_t b = static_cast<std::uint32_t>(r());
          std::memcpy(&f, &b, 4);
        } while (!std::isfinite(f));
        return fmt("%.9e", static_cast<double>(f));
      } else {
        double x;
        do {
          std::uint64_t b = r();
          std::memcpy(&x, &b, 8);
        } while (!std::isfinite(x));
        return fmt("%.17e", x);
      }
  }
}

inline std::string date_text(Rng& r) {
  static const std::vector<std::string> edges = {
      "0000-00-00", "2024-00-15", "2024-05-00", "2024-02-29", "2000-02-29", "1900-02-29",
      "2023-02-29", "9999-12-31", "1000-01-01", "0001-01-01", "0000-01-01", "1970-01-01"};
  if (chance(r, 0.25)) return pick(r, edges);
  int y = static_cast<int>(chance(r, 0.8) ? uni(r, 1900, 2100) : uni(r, 1, 9999));
  int m = static_cast<int>(uni(r, 1, 12));
  return fmt("%04d-%02d-%02d", y, m, static_cast<int>(uni(r, 1, days_in(y, m))));
}

inline std::string frac_text(Rng& r, int fsp) {
  // Sometimes more digits than the column keeps (the server truncates them).
  int n = static_cast<int>(chance(r, 0.7) ? fsp : uni(r, 0, 6));
  return n ? "." + digits(r, n) : "";
}

inline std::string datetime_literal(Rng& r, int fsp) {
  if (chance(r, 0.15)) {
    static const std::vector<std::string> e = {"0000-00-00 00:00:00", "9999-12-31 23:59:59.999999",
                                               "1000-01-01 00:00:00", "2024-02-29 12:00:00.5",
                                               "0000-00-00 01:02:03", "2024-00-00 10:11:12.000001"};
    return sq(pick(r, e));
  }
  return sq(date_text(r) +
            fmt(" %02d:%02d:%02d", static_cast<int>(uni(r, 0, 23)), static_cast<int>(uni(r, 0, 59)),
                static_cast<int>(uni(r, 0, 59))) +
            frac_text(r, fsp));
}

inline std::string timestamp_literal(Rng& r, int fsp) {
  if (chance(r, 0.15)) {
    static const std::vector<std::string> e = {
        "'0000-00-00 00:00:00'",     "FROM_UNIXTIME(1)",      "FROM_UNIXTIME(2147483647.999999)",
        "FROM_UNIXTIME(2147483647)", "'1970-01-01 00:00:01'", "FROM_UNIXTIME(951782400)"};
    return pick(r, e);
  }
  if (chance(r, 0.5))
    return "FROM_UNIXTIME(" + std::to_string(uni(r, 1, 2147483647)) + frac_text(r, fsp) + ")";
  // Text in the session's zone (-03:00), within the TIMESTAMP range.
  int y = static_cast<int>(uni(r, 1971, 2037));
  int m = static_cast<int>(uni(r, 1, 12));
  return sq(fmt("%04d-%02d-%02d %02d:%02d:%02d", y, m, static_cast<int>(uni(r, 1, days_in(y, m))),
                static_cast<int>(uni(r, 0, 23)), static_cast<int>(uni(r, 0, 59)),
                static_cast<int>(uni(r, 0, 59))) +
            frac_text(r, fsp));
}

inline std::string time_literal(Rng& r, int fsp) {
  if (chance(r, 0.2)) {
    static const std::vector<std::string> e = {
        "838:59:59.999999", "-838:59:59.999999", "00:00:00",
        "-00:00:01",        "-00:00:00.5",       "-00:00:00.000001",
        "24:00:00",         "100:00:00.000001",  "-12:34:56.123456"};
    return sq(pick(r, e));
  }
  int h = static_cast<int>(chance(r, 0.6) ? uni(r, 0, 23) : uni(r, 0, 838));
  return sq(
      std::string(chance(r, 0.3) ? "-" : "") +
      fmt("%02d:%02d:%02d", h, static_cast<int>(uni(r, 0, 59)), static_cast<int>(uni(r, 0, 59))) +
      frac_text(r, fsp));
}

inline std::string year_literal(Rng& r) {
  static const std::vector<std::string> e = {"0",    "'0000'", "1901", "2155", "69",
                                             "'70'", "2000",   "'99'", "1",    "'00'"};
  if (chance(r, 0.3)) return pick(r, e);
  return std::to_string(uni(r, 1901, 2155));
}

inline std::string bit_literal(Rng& r, int n) {
  std::uint64_t max = n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
  if (chance(r, 0.25)) {
    std::vector<std::string> e = {"0", std::to_string(max), "b'1'", std::to_string(max / 2 + 1)};
    return pick(r, e);
  }
  if (chance(r, 0.2)) {  // a b'...' literal
    std::uint64_t v = uniu(r, 0, max);
    std::string b;
    for (int i = n - 1; i >= 0; --i) b += (v >> i) & 1 ? '1' : '0';
    return "b'" + b + "'";
  }
  return std::to_string(uniu(r, 0, max));
}

// JSON text: nesting, escapes, 4-byte UTF-8, wide and odd numbers, whitespace. MySQL refuses a
// number beyond a double (1e400), even under INSERT IGNORE.
inline std::string json_text(Rng& r, int depth, Flavor f) {
  static const std::vector<std::string> strs = {"\"\"",
                                                "\"a\"",
                                                "\"k e y\"",
                                                "\"\\u00e9\\ud83d\\ude80\"",
                                                "\"\\n\\t\\\"\\\\\\/\"",
                                                "\"\\u0000\"",
                                                "\"\xC3\xA9\xF0\x9F\x8E\x89\"",
                                                "\"\\u2028\\uFFFF\"",
                                                "\"<>&'\"",
                                                "\"0\""};
  static const std::vector<std::string> nums = {"0",
                                                "-0",
                                                "1.50",
                                                "1e400",
                                                "1E+2",
                                                "2.5e-3",
                                                "18446744073709551615",
                                                "-9223372036854775808",
                                                "123456789012345678901234567890",
                                                "0.1",
                                                "-1e-400",
                                                "1.7976931348623157e308",
                                                "100",
                                                "3.141592653589793238462643383279"};
  auto w = [&] { return chance(r, 0.15) ? std::string(chance(r, 0.5) ? " " : "\n ") : ""; };
  switch (uni(r, 0, depth >= 3 ? 3 : 5)) {
    case 0:
      return pick(r, std::vector<std::string>{"null", "true", "false"});
    case 1: {
      if (!chance(r, 0.5)) return std::to_string(uni(r, -100000, 100000));
      std::string n = pick(r, nums);
      return f == Flavor::MySQL && n == "1e400" ? "1e-400" : n;  // MySQL: 0.0
    }
    case 2:
    case 3:
      return pick(r, strs);
    case 4: {
      std::string s = "[" + w();
      for (int n = static_cast<int>(uni(r, 0, 4)), i = 0; i < n; ++i)
        s += (i ? "," + w() : "") + json_text(r, depth + 1, f) + w();
      return s + "]";
    }
    default: {
      std::string s = "{" + w();
      for (int n = static_cast<int>(uni(r, 0, 4)), i = 0; i < n; ++i)
        s += (i ? "," + w() : "") + pick(r, strs) + w() + ":" + w() + json_text(r, depth + 1, f);
      return s + w() + "}";
    }
  }
}

inline std::string json_literal(Rng& r, Flavor f) {
  if (chance(r, 0.1)) {
    std::string deep;
    int n = static_cast<int>(uni(r, 10, 31));  // the server refuses more than 32 levels
    for (int i = 0; i < n; ++i) deep += chance(r, 0.5) ? "[" : "{\"a\":";
    deep += "1";
    for (std::size_t i = deep.size(); i-- > 0;) {
      if (deep[i] == '[') deep += "]";
      if (deep[i] == '{') deep += "}";
    }
    return sql_bytes(deep, "utf8mb4");
  }
  std::string pad = chance(r, 0.2) ? " " : "";
  return sql_bytes(pad + json_text(r, 0, f) + pad, "utf8mb4");
}

// Geometry as WKT of the column's subtype, sometimes with an SRID.
inline std::string coord(Rng& r) {
  switch (uni(r, 0, 2)) {
    case 0:
      return std::to_string(uni(r, -180, 180));
    case 1:
      return fmt("%.3f", std::uniform_real_distribution<double>(-1000, 1000)(r));
    default:
      return fmt("%.17g", std::uniform_real_distribution<double>(-1e7, 1e7)(r));
  }
}
inline std::string wkt_points(Rng& r, int min) {
  std::string s;
  for (int n = static_cast<int>(uni(r, min, min + 3)), i = 0; i < n; ++i)
    s += (i ? ", " : "") + coord(r) + " " + coord(r);
  return s;
}
inline std::string wkt_polygon(Rng& r) {
  std::string first = coord(r) + " " + coord(r);
  return "((" + first + ", " + wkt_points(r, 2) + ", " + first + "))";
}
inline std::string wkt(Rng& r, const std::string& type) {
  if (type == "POINT") return "POINT(" + coord(r) + " " + coord(r) + ")";
  if (type == "LINESTRING") return "LINESTRING(" + wkt_points(r, 2) + ")";
  if (type == "POLYGON") return "POLYGON" + wkt_polygon(r);
  if (type == "MULTIPOINT") return "MULTIPOINT(" + wkt_points(r, 1) + ")";
  if (type == "MULTILINESTRING")
    return "MULTILINESTRING((" + wkt_points(r, 2) + "), (" + wkt_points(r, 2) + "))";
  if (type == "MULTIPOLYGON") return "MULTIPOLYGON(" + wkt_polygon(r) + ", " + wkt_polygon(r) + ")";
  static const std::vector<std::string> parts = {"POINT", "LINESTRING", "POLYGON"};
  if (type == "GEOMETRYCOLLECTION") {
    if (chance(r, 0.1)) return "GEOMETRYCOLLECTION EMPTY";
    return "GEOMETRYCOLLECTION(" + wkt(r, pick(r, parts)) + ", " + wkt(r, pick(r, parts)) + ")";
  }
  static const std::vector<std::string> any = {
      "POINT",           "LINESTRING",   "POLYGON",           "MULTIPOINT",
      "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION"};
  return wkt(r, pick(r, any));
}

// WKT of a POINT or MULTIPOINT in MySQL's SRID 4326, whose coordinates are latitude and
// longitude (the server refuses a latitude beyond 90 degrees).
inline std::string geographic_wkt(Rng& r, const std::string& type) {
  auto degrees = [&] {
    return chance(r, 0.3) ? std::to_string(uni(r, -90, 90))
                          : fmt("%.17g", std::uniform_real_distribution<double>(-90, 90)(r));
  };
  if (type == "POINT") return "POINT(" + degrees() + " " + degrees() + ")";
  std::string s = "MULTIPOINT(";
  for (int n = static_cast<int>(uni(r, 1, 4)), i = 0; i < n; ++i)
    s += (i ? ", " : "") + degrees() + " " + degrees();
  return s + ")";
}

inline std::string geometry_literal(Rng& r, const Column& c) {
  // MySQL knows no SRID 1, and SRID 4326 is geographic there (see geographic_wkt).
  static const std::vector<int> mariadb_srids = {0, 0, 0, 4326, 3857, 1};
  static const std::vector<int> mysql_srids = {0, 0, 0, 3857};
  const int srid =
      c.srid >= 0 ? c.srid : pick(r, c.flavor == Flavor::MySQL ? mysql_srids : mariadb_srids);
  const std::string text = c.flavor == Flavor::MySQL && srid == 4326 ? geographic_wkt(r, c.geometry)
                                                                     : wkt(r, c.geometry);
  return "ST_GeomFromText('" + text + "', " + std::to_string(srid) + ")";
}

// A MySQL VECTOR(n): n little-endian FLOAT32 as bytes (the server refuses NaN and infinity, and
// any other length), now and then through TO_VECTOR.
inline std::string vector_literal(Rng& r, std::size_t n) {
  static const std::vector<float> edges = {0.0f,
                                           -0.0f,
                                           1.0f,
                                           -1.5f,
                                           std::numeric_limits<float>::max(),
                                           std::numeric_limits<float>::lowest(),
                                           std::numeric_limits<float>::min(),
                                           std::numeric_limits<float>::denorm_min(),
                                           0.1f};
  if (n <= 16 && chance(r, 0.15)) {
    std::string s = "TO_VECTOR('[";
    for (std::size_t i = 0; i < n; ++i) s += (i ? "," : "") + std::to_string(uni(r, -1000, 1000));
    return s + "]')";
  }
  std::string b;
  for (std::size_t i = 0; i < n; ++i) {
    float f;
    if (chance(r, 0.2)) {
      f = pick(r, edges);
    } else {
      do {
        std::uint32_t bits = static_cast<std::uint32_t>(r());
        std::memcpy(&f, &bits, 4);
      } while (!std::isfinite(f));
    }
    char le[4];
    std::memcpy(le, &f, 4);  // x86: already little-endian
    b.append(le, 4);
  }
  return sql_bytes(b);
}

inline std::string uuid_literal(Rng& r, bool narrow) {
  static const std::vector<std::string> e = {
      "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
      "123e4567-e89b-12d3-a456-426614174000", "6ccd780c-baba-1026-9564-5b8c656024db",
      "01234567-89ab-cdef-0123-456789abcdef"};
  if (chance(r, narrow ? 0.3 : 0.2)) return sq(pick(r, e));
  std::string b;
  for (int i = 0; i < 16; ++i) b += static_cast<char>(narrow ? uni(r, 0, 3) : (r() & 0xFF));
  if (chance(r, 0.5)) {  // an RFC 4122 version (MariaDB stores versions 1 to 5 swapped)
    b[6] = static_cast<char>((b[6] & 0x0F) | (uni(r, 1, 5) << 4));
    b[8] = static_cast<char>((b[8] & 0x3F) | 0x80);
  }
  std::string h = hex(b);
  for (auto& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return sq(h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
            "-" + h.substr(20));
}

inline std::string inet6_literal(Rng& r, bool narrow) {
  static const std::vector<std::string> e = {"::",
                                             "::1",
                                             "::ffff:1.2.3.4",
                                             "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                                             "2001:db8::ff00:42:8329",
                                             "1::",
                                             "1:0:2:0:3:0:4:0",
                                             "0:0:1::"};
  if (chance(r, narrow ? 0.4 : 0.25)) return sq(pick(r, e));
  std::string s;
  for (int i = 0; i < 8; ++i)
    s += fmt(i ? ":%x" : "%x",
             chance(r, 0.4) ? 0 : static_cast<int>(uni(r, 0, narrow ? 3 : 0xFFFF)));
  return sq(s);
}

inline std::string inet4_literal(Rng& r) {
  if (chance(r, 0.2))
    return sq(pick(r, std::vector<std::string>{"0.0.0.0", "255.255.255.255", "127.0.0.1"}));
  return sq(fmt("%d.%d.%d.%d", static_cast<int>(uni(r, 0, 255)), static_cast<int>(uni(r, 0, 255)),
                static_cast<int>(uni(r, 0, 255)), static_cast<int>(uni(r, 0, 255))));
}

// Short key text from a small alphabet, so that keys collide (case, accents and trailing spaces
// under _ci and PAD SPACE collations, supplementary characters under general_ci).
inline std::string key_text(Rng& r, const Column& c) {
  static const std::vector<std::string> u = {"a",
                                             "A",
                                             "b",
                                             " ",
                                             "\xC3\xA9",
                                             "E",
                                             "e",
                                             "\xC3\x9F",
                                             "ss",
                                             "\xE6\x97\xA5",
                                             "\xF0\x9F\x9A\x80",
                                             "\xF0\x9F\x8E\x89",
                                             "z",
                                             "0"};
  static const std::vector<std::string> l = {"a",    "A",  "b",    " ",    "\xE9", "E", "e",
                                             "\xDF", "ss", "\x80", "\xFF", "z",    "0"};
  const bool latin1 = c.charset == "latin1";
  std::string s;
  for (int n = static_cast<int>(
           uni(r, 0, std::min<std::int64_t>(4, static_cast<std::int64_t>(c.length))));
       n > 0; --n)
    s += pick(r, latin1 ? l : u);
  return sql_bytes(s, latin1 ? "latin1" : "utf8mb4");
}

inline std::string key_bytes(Rng& r, std::size_t max) {
  static const std::vector<char> b = {'\0', ' ', 'A', 'a', '\xFF', '\x80'};
  std::string s;
  for (int n =
           static_cast<int>(uni(r, 0, std::min<std::int64_t>(4, static_cast<std::int64_t>(max))));
       n > 0; --n)
    s += pick(r, b);
  return sql_bytes(s);
}

inline std::string enum_literal(Rng& r, const Column& c) {
  double p = std::uniform_real_distribution<double>(0, 1)(r);
  if (p < 0.6) return sql_bytes(pick(r, c.members), "utf8mb4");
  if (p < 0.9) return std::to_string(uni(r, 1, static_cast<std::int64_t>(c.members.size())));
  return "'not a member'";  // the error value (index 0, '') with a warning
}

inline std::string set_literal(Rng& r, const Column& c) {
  double p = std::uniform_real_distribution<double>(0, 1)(r);
  if (p < 0.15) return "''";
  if (p < 0.3) {  // a bitmask
    std::uint64_t max =
        c.members.size() == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << c.members.size()) - 1;
    return std::to_string(uniu(r, 0, max));
  }
  std::string s;
  for (const auto& m : c.members)
    if (chance(r, c.members.size() > 8 ? 0.1 : 0.4)) s += (s.empty() ? "" : ",") + m;
  if (chance(r, 0.1) && !c.members.empty())
    s = c.members.back() + (s.empty() ? "" : "," + s);  // out of order
  return sql_bytes(s, "utf8mb4");
}

// A random value of the column: never NULL in a NOT NULL column; `key` draws from a narrow domain
// so that inserts and key changes collide.
inline std::string literal(Rng& r, const Column& c, bool key = false) {
  if (c.nullable && !key && chance(r, 0.08)) return "NULL";
  switch (c.type) {
    case Type::Int:
      return int_literal(r, c.bits, c.is_unsigned, key);
    case Type::Decimal:
      return decimal_literal(r, c.precision, c.scale, c.is_unsigned, key);
    case Type::Float:
      return float_literal(r, true, c.precision, c.scale);
    case Type::Double:
      return float_literal(r, false, c.precision, c.scale);
    case Type::Date:
      return sq(date_text(r));
    case Type::Datetime:
      return datetime_literal(r, c.fsp);
    case Type::Timestamp:
      return timestamp_literal(r, c.fsp);
    case Type::Time:
      return time_literal(r, c.fsp);
    case Type::Year:
      return year_literal(r);
    case Type::Bit:
      return bit_literal(r, c.bits);
    case Type::Text:
      if (key) return key_text(r, c);
      if (c.charset == "latin1") return latin1_value(r, c.length, c.length > 65535);
      return text_value(r, c.charset, c.length, c.length > 65535);
    case Type::Bytes:
      if (key) return key_bytes(r, c.length);
      return bytes_value(r, c.length, c.length > 65535);
    case Type::Json:
      return json_literal(r, c.flavor);
    case Type::Geometry:
      return geometry_literal(r, c);
    case Type::Vector:
      return vector_literal(r, c.length);
    case Type::Enum:
      return enum_literal(r, c);
    case Type::Set:
      return set_literal(r, c);
    case Type::Uuid:
      return uuid_literal(r, key);
    case Type::Inet4:
      return inet4_literal(r);
    case Type::Inet6:
      return inet6_literal(r, key);
  }
  return "NULL";
}

// ---------------------------------------------------------------------------------------------
// Random columns.

inline std::vector<std::string> enum_members(Rng& r, const std::string& charset, bool is_set,
                                             bool key) {
  // No member differs from another only in case or accents (the server refuses duplicates under
  // the column's collation), none ends in a space (the server strips it), none has a 4-byte
  // character (with binlog_row_metadata=MINIMAL those can only come out as '?': see man dumpr,
  // LIMITS), SET members have no comma.
  std::vector<std::string> pool = {
      "a",    "b",           "c d", "x'y", "Z", "\xC3\xBC-\xC3\x9F", "\xC3\xA9t\xC3\xA9",
      "q\"q", "back\\slash", "0"};
  if (charset != "latin1") pool.push_back("\xE6\x97\xA5\xE6\x9C\xAC");
  // An ENUM member '' is written as "", like the error value an invalid ENUM gets: as a key, the
  // two are one id (a known limit, man dumpr, LIMITS), so key columns have no '' member.
  if (!is_set && !key) pool.push_back("");
  std::vector<std::string> out;
  if (chance(r, 0.15)) {  // wide: two bytes of ENUM index, or all 64 SET members
    int n = is_set ? 64 : static_cast<int>(uni(r, 256, 300));
    for (int i = 0; i < n; ++i) out.push_back((is_set ? "s" : "m") + std::to_string(i));
    return out;
  }
  std::shuffle(pool.begin(), pool.end(), r);
  pool.resize(static_cast<std::size_t>(uni(r, 1, static_cast<std::int64_t>(pool.size()))));
  return pool;
}

inline std::string sql_member_list(const std::vector<std::string>& members) {
  std::string s;
  for (const auto& m : members) {
    std::string q;
    for (char c : m) {
      if (c == '\'')
        q += "''";
      else if (c == '\\')
        q += "\\\\";
      else
        q += c;
    }
    s += (s.empty() ? "'" : ",'") + q + "'";
  }
  return s;
}

// A character set and collation ("" the charset's default). NO PAD collations: MariaDB's
// *_nopad_*, MySQL's utf8mb4_0900_* (its default for utf8mb4).
inline std::string text_charset_clause(Rng& r, std::string& charset, Flavor f) {
  static const std::vector<std::string> latin1 = {"", "latin1_bin", "latin1_general_cs",
                                                  "latin1_nopad_bin", "latin1_german2_ci"};
  static const std::vector<std::string> mb3 = {"", "utf8mb3_bin", "utf8mb3_unicode_ci",
                                               "utf8mb3_general_nopad_ci"};
  static const std::vector<std::string> mb4 = {"",
                                               "utf8mb4_bin",
                                               "utf8mb4_unicode_ci",
                                               "utf8mb4_unicode_520_ci",
                                               "utf8mb4_nopad_bin",
                                               "utf8mb4_general_nopad_ci"};
  static const std::vector<std::string> my_latin1 = {"", "latin1_bin", "latin1_general_cs",
                                                     "latin1_german2_ci", "latin1_spanish_ci"};
  static const std::vector<std::string> my_mb3 = {"", "utf8mb3_bin", "utf8mb3_unicode_ci",
                                                  "utf8mb3_general_ci", "utf8mb3_unicode_520_ci"};
  static const std::vector<std::string> my_mb4 = {"",
                                                  "utf8mb4_bin",
                                                  "utf8mb4_general_ci",
                                                  "utf8mb4_unicode_ci",
                                                  "utf8mb4_0900_as_cs",
                                                  "utf8mb4_0900_bin",
                                                  "utf8mb4_unicode_520_ci",
                                                  "utf8mb4_ja_0900_as_cs",
                                                  "utf8mb4_de_pb_0900_ai_ci"};
  charset = pick(r, std::vector<std::string>{"latin1", "utf8mb3", "utf8mb4", "utf8mb4"});
  const bool my = f == Flavor::MySQL;
  const auto& colls = charset == "latin1"    ? (my ? my_latin1 : latin1)
                      : charset == "utf8mb3" ? (my ? my_mb3 : mb3)
                                             : (my ? my_mb4 : mb4);
  std::string coll = pick(r, colls);
  return " CHARACTER SET " + charset + (coll.empty() ? "" : " COLLATE " + coll);
}

// A column of a random type with random modifiers, in the SQL of flavour `f`. `key` limits it to
// the key-able types and to lengths an index holds; `budget` is what is left of the row's bytes
// (the server's 65535).
inline Column random_column(Rng& r, const std::string& name, bool key, std::size_t& budget,
                            Flavor f) {
  Column c;
  c.name = name;
  c.in_key = key;
  c.flavor = f;
  const bool my = f == Flavor::MySQL;
  static const std::vector<Type> all = {
      Type::Int,      Type::Int,       Type::Decimal, Type::Float, Type::Double, Type::Date,
      Type::Datetime, Type::Timestamp, Type::Time,    Type::Year,  Type::Bit,    Type::Text,
      Type::Text,     Type::Text,      Type::Bytes,   Type::Bytes, Type::Json,   Type::Geometry,
      Type::Enum,     Type::Set,       Type::Uuid,    Type::Inet4, Type::Inet6};
  static const std::vector<Type> keyable = {
      Type::Int,       Type::Int,  Type::Int,  Type::Decimal, Type::Date, Type::Datetime,
      Type::Timestamp, Type::Time, Type::Year, Type::Bit,     Type::Text, Type::Text,
      Type::Bytes,     Type::Enum, Type::Uuid, Type::Inet4,   Type::Inet6};
  static const std::vector<Type> my_all = {
      Type::Int,      Type::Int,       Type::Decimal, Type::Float, Type::Double, Type::Date,
      Type::Datetime, Type::Timestamp, Type::Time,    Type::Year,  Type::Bit,    Type::Text,
      Type::Text,     Type::Text,      Type::Bytes,   Type::Bytes, Type::Json,   Type::Geometry,
      Type::Enum,     Type::Set,       Type::Vector,  Type::Json};
  static const std::vector<Type> my_keyable = {
      Type::Int,  Type::Int,  Type::Int, Type::Decimal, Type::Date, Type::Datetime, Type::Timestamp,
      Type::Time, Type::Year, Type::Bit, Type::Text,    Type::Text, Type::Bytes,    Type::Enum};
  c.type = pick(r, key ? (my ? my_keyable : keyable) : (my ? my_all : all));
  switch (c.type) {
    case Type::Int: {
      static const std::vector<std::pair<std::string, int>> ints = {
          {"TINYINT", 8}, {"SMALLINT", 16}, {"MEDIUMINT", 24}, {"INT", 32}, {"BIGINT", 64}};
      auto [t, bits] = pick(r, ints);
      c.bits = bits;
      c.sql_type = t;
      if (!key && bits == 8 && chance(r, 0.1)) c.sql_type = "TINYINT(1)";  // BOOL
      if (c.sql_type.find('(') == std::string::npos && chance(r, 0.1))
        c.sql_type += "(" + std::to_string(uni(r, 1, 20)) + ")";
      c.is_unsigned = chance(r, 0.45);
      if (c.is_unsigned) c.sql_type += " UNSIGNED";
      if (chance(r, 0.12)) {
        c.is_unsigned = true;
        if (c.sql_type.find("UNSIGNED") == std::string::npos) c.sql_type += " UNSIGNED";
        c.sql_type += " ZEROFILL";
      }
      break;
    }
    case Type::Decimal: {
      c.precision = static_cast<int>(key ? uni(r, 1, 20) : uni(r, 1, 65));
      c.scale = static_cast<int>(uni(r, 0, std::min(c.precision, 30)));
      c.sql_type = fmt("DECIMAL(%d,%d)", c.precision, c.scale);
      if (chance(r, 0.15)) {
        c.is_unsigned = true;
        c.sql_type += " UNSIGNED";
      }
      if (chance(r, 0.1)) {
        c.is_unsigned = true;
        c.sql_type += c.sql_type.ends_with("UNSIGNED") ? " ZEROFILL" : " UNSIGNED ZEROFILL";
      }
      break;
    }
    case Type::Float:
    case Type::Double: {
      const bool single = c.type == Type::Float;
      c.sql_type = single ? "FLOAT"
                          : pick(r, std::vector<std::string>{"DOUBLE", "REAL", "DOUBLE PRECISION"});
      if (chance(r, 0.2)) {
        c.precision = static_cast<int>(uni(r, 2, single ? 9 : 16));
        c.scale = static_cast<int>(uni(r, 0, std::min(c.precision - 1, 6)));
        c.sql_type += fmt("(%d,%d)", c.precision, c.scale);
      } else if (chance(r, 0.1)) {  // FLOAT(p): single up to 24 bits of precision, else double
        int p = static_cast<int>(uni(r, 1, 53));
        c.type = p <= 24 ? Type::Float : Type::Double;
        c.sql_type = fmt("FLOAT(%d)", p);
      }
      if (chance(r, 0.1)) {
        c.is_unsigned = true;
        c.sql_type += " UNSIGNED";
      }
      break;
    }
    case Type::Date:
      c.sql_type = "DATE";
      break;
    case Type::Datetime:
    case Type::Timestamp:
    case Type::Time: {
      c.fsp = static_cast<int>(uni(r, 0, 6));
      std::string base = c.type == Type::Datetime    ? "DATETIME"
                         : c.type == Type::Timestamp ? "TIMESTAMP"
                                                     : "TIME";
      c.sql_type = chance(r, 0.2) && c.fsp == 0 ? base : fmt("%s(%d)", base.c_str(), c.fsp);
      break;
    }
    case Type::Year:
      c.sql_type = chance(r, 0.3) ? "YEAR(4)" : "YEAR";
      break;
    case Type::Bit:
      c.bits = static_cast<int>(chance(r, 0.3) ? pick(r, std::vector<int>{1, 8, 63, 64})
                                               : uni(r, 1, 64));
      c.sql_type = fmt("BIT(%d)", c.bits);
      break;
    case Type::Text: {
      const std::string cs = text_charset_clause(r, c.charset, f);
      const std::size_t mb = c.charset == "latin1" ? 1 : c.charset == "utf8mb3" ? 3 : 4;
      if (!key && chance(r, 0.3)) {
        static const std::vector<std::pair<std::string, std::size_t>> texts = {
            {"TINYTEXT", 255},
            {"TEXT", 65535},
            {"MEDIUMTEXT", 16777215},
            {"LONGTEXT", 4294967295u}};
        auto [t, max] = pick(r, texts);
        c.sql_type = t + cs;
        c.length = max / mb;
        c.blob = true;
      } else {
        c.fixed = chance(r, 0.4);
        std::size_t n = static_cast<std::size_t>(
            key ? uni(r, 1, 40)
                : (c.fixed ? uni(r, 0, 255) : (chance(r, 0.7) ? uni(r, 1, 64) : uni(r, 1, 2000))));
        if (n * mb + 2 > budget) n = 16;
        budget -= std::min(budget, n * mb + 2);
        c.length = n;
        c.sql_type = fmt("%s(%zu)", c.fixed ? "CHAR" : "VARCHAR", n) + cs;
      }
      break;
    }
    case Type::Bytes: {
      if (!key && chance(r, 0.35)) {
        static const std::vector<std::pair<std::string, std::size_t>> blobs = {
            {"TINYBLOB", 255},
            {"BLOB", 65535},
            {"MEDIUMBLOB", 16777215},
            {"LONGBLOB", 4294967295u}};
        auto [t, max] = pick(r, blobs);
        c.sql_type = t;
        c.length = max;
        c.blob = true;
      } else {
        c.fixed = chance(r, 0.4);
        std::size_t n = static_cast<std::size_t>(
            key ? uni(r, 1, 16)
                : (c.fixed ? uni(r, 0, 255) : (chance(r, 0.7) ? uni(r, 1, 64) : uni(r, 1, 3000))));
        if (n + 2 > budget) n = 16;
        budget -= std::min(budget, n + 2);
        c.length = n;
        if (c.fixed)
          c.sql_type =
              chance(r, 0.3) ? fmt("CHAR(%zu) CHARACTER SET binary", n) : fmt("BINARY(%zu)", n);
        else
          c.sql_type = chance(r, 0.3) ? fmt("VARCHAR(%zu) CHARACTER SET binary", n)
                                      : fmt("VARBINARY(%zu)", n);
      }
      break;
    }
    case Type::Json:
      c.sql_type = "JSON";
      c.blob = true;
      break;
    case Type::Geometry: {
      c.geometry = pick(r, std::vector<std::string>{"GEOMETRY", "GEOMETRY", "POINT", "LINESTRING",
                                                    "POLYGON", "MULTIPOINT", "MULTILINESTRING",
                                                    "MULTIPOLYGON", "GEOMETRYCOLLECTION"});
      c.sql_type = c.geometry;
      c.blob = true;
      if (my && chance(r, 0.3)) {  // MySQL's SRID attribute: every value of the column has it
        const bool points = c.geometry == "POINT" || c.geometry == "MULTIPOINT";
        c.srid = points && chance(r, 0.5) ? 4326 : pick(r, std::vector<int>{0, 3857});
        c.sql_type += " SRID " + std::to_string(c.srid);
      }
      break;
    }
    case Type::Vector:
      c.length = static_cast<std::size_t>(chance(r, 0.8) ? uni(r, 1, 16) : uni(r, 17, 4096));
      c.sql_type = fmt("VECTOR(%zu)", c.length);
      c.blob = true;  // MySQL stores it as a BLOB (NOBLOB leaves it out)
      break;
    case Type::Enum:
    case Type::Set: {
      const bool is_set = c.type == Type::Set;
      c.charset = pick(r, std::vector<std::string>{"latin1", "utf8mb3", "utf8mb4", "utf8mb4"});
      c.members = enum_members(r, c.charset, is_set, key);
      c.sql_type = std::string(is_set ? "SET(" : "ENUM(") + sql_member_list(c.members) +
                   ") CHARACTER SET " + c.charset;
      break;
    }
    case Type::Uuid:
      c.sql_type = "UUID";
      break;
    case Type::Inet4:
      c.sql_type = "INET4";
      break;
    case Type::Inet6:
      c.sql_type = "INET6";
      break;
  }
  if (key) {
    c.nullable = false;
    if (c.type == Type::Timestamp) c.default_sql = "'2001-02-03 04:05:06'";
    return c;
  }
  // NULL or NOT NULL (geometry and JSON stay nullable: a NULL for them in a multi-row insert
  // would be an empty value the server refuses), a default now and then, INVISIBLE now and then.
  c.nullable = c.type == Type::Geometry || c.type == Type::Json || chance(r, 0.7);
  if (c.type == Type::Timestamp && !c.nullable) c.default_sql = "'2001-02-03 04:05:06'";
  if (chance(r, 0.15)) {
    switch (c.type) {
      case Type::Int:
        c.default_sql = c.is_unsigned ? "7" : "-7";
        break;
      case Type::Decimal:
        c.default_sql = "'0'";
        break;
      case Type::Date:
        c.default_sql = "'2020-02-29'";
        break;
      case Type::Datetime:
        c.default_sql = "'1999-12-31 23:59:59.5'";
        break;
      case Type::Text:
        if (c.length >= 3)
          c.default_sql =
              "'d\xC3\xA9"
              "f'";
        // MySQL: a BLOB or TEXT column's default is an expression
        if (my && c.blob && !c.default_sql.empty()) c.default_sql = "(" + c.default_sql + ")";
        break;
      case Type::Enum:
        c.default_sql = sql_bytes(c.members.back(), "utf8mb4");
        break;
      case Type::Bytes:
        if (my && c.blob) c.default_sql = "(X'00FF20')";
        break;
      case Type::Json:
        if (my) c.default_sql = chance(r, 0.5) ? "(JSON_ARRAY())" : "(JSON_OBJECT('k', 1.5))";
        break;
      case Type::Geometry:  // of the column's subtype and SRID
        if (my && c.srid <= 0 && c.geometry == "POINT") c.default_sql = "(POINT(1, 2))";
        break;
      default:
        break;
    }
  }
  if (chance(r, 0.08) && (c.nullable || !c.default_sql.empty())) c.invisible = true;
  return c;
}

// Generated columns: an expression over a column that is already in the table.
inline std::optional<Column> random_generated(Rng& r, const std::string& name,
                                              const std::vector<Column>& cols) {
  std::vector<const Column*> ints, texts;
  for (const auto& c : cols) {
    if (!c.generated.empty()) continue;
    if (c.type == Type::Int) ints.push_back(&c);
    if (c.type == Type::Text && !c.blob && !c.fixed)
      texts.push_back(&c);  // CHAR: refused (padding)
  }
  Column g;
  g.name = name;
  g.stored = chance(r, 0.5);
  if (!ints.empty() && (texts.empty() || chance(r, 0.5))) {
    const Column* src = pick(r, ints);
    g.type = Type::Decimal;
    g.precision = 21;
    g.scale = 0;
    g.sql_type = "DECIMAL(21,0)";
    g.generated = "CAST(" + src->name + " AS DECIMAL(21,0)) + 1";
    g.source = src->name;
  } else if (!texts.empty()) {
    const Column* src = pick(r, texts);
    g.type = Type::Text;
    g.charset = "utf8mb4";
    g.length = src->length + 2;
    g.sql_type = fmt("VARCHAR(%zu) CHARACTER SET utf8mb4", g.length);
    g.generated = "CONCAT('<', " + src->name + ", '>')";
    g.source = src->name;
  } else {
    return std::nullopt;
  }
  g.invisible = chance(r, 0.1);
  return g;
}

// A table of 4 to 20 columns (1 to 3 of them the primary key, in any position and key order).
inline Table random_table(Rng& r, const std::string& name, Flavor f) {
  Table t;
  t.name = name;
  const int ncols = static_cast<int>(uni(r, 4, 20));
  const int nkey = static_cast<int>(chance(r, 0.5) ? 1 : chance(r, 0.7) ? 2 : 3);
  std::size_t budget = 40000;
  std::vector<bool> is_key(static_cast<std::size_t>(ncols), false);
  for (int k = 0; k < nkey;) {
    auto at = static_cast<std::size_t>(uni(r, 0, ncols - 1));
    if (!is_key[at]) {
      is_key[at] = true;
      ++k;
    }
  }
  for (int i = 0; i < ncols; ++i) {
    std::string cname = fmt("%s%d", is_key[static_cast<std::size_t>(i)] ? "k" : "c", i);
    if (!is_key[static_cast<std::size_t>(i)] && i > 0 && chance(r, 0.06)) {
      if (auto g = random_generated(r, "g" + std::to_string(i), t.columns)) {
        g->flavor = f;
        t.columns.push_back(*g);
        continue;
      }
    }
    t.columns.push_back(random_column(r, cname, is_key[static_cast<std::size_t>(i)], budget, f));
  }
  // At least one column outside the key that can be written.
  bool writable = false;
  for (const auto& c : t.columns) writable = writable || (!c.in_key && c.insertable());
  if (!writable) t.columns.push_back(random_column(r, fmt("c%d", ncols), false, budget, f));
  for (std::size_t i = 0; i < t.columns.size(); ++i)
    if (t.columns[i].in_key) t.key.push_back(i);
  std::shuffle(t.key.begin(), t.key.end(), r);
  return t;
}

// ---------------------------------------------------------------------------------------------
// The server's text of a column, and the value dumpr must write for it (man dumpr, VALUES).

// What to SELECT (in a session with time_zone '+00:00' and character set utf8mb4) to get the
// server's own text of the column's value.
inline std::string server_text_expr(const Column& c) {
  switch (c.type) {
    case Type::Float:
    case Type::Double:
      return "(" + c.name + " + 0e0)";  // the stored value exactly, as a double
    case Type::Bit:
      return "(" + c.name + " + 0)";
    case Type::Bytes:
    case Type::Geometry:
    case Type::Vector:
      return "HEX(" + c.name + ")";
    default:
      return c.name;
  }
}

struct Expected {
  enum Cmp { Exact, Float32, Float64 } cmp = Exact;
  std::string text;  // canonical JSON (for Float32/Float64: std::to_chars of the value)
};

inline Expected expected_value(const Column& c, const std::optional<std::string>& v) {
  if (!v) return {Expected::Exact, "null"};
  const std::string& s = *v;
  switch (c.type) {
    case Type::Int:
    case Type::Year:
    case Type::Bit:
      return {Expected::Exact, strip_leading_zeros(s)};
    case Type::Decimal:
      return {Expected::Exact, json_string_of(strip_leading_zeros(s))};
    case Type::Float:
      return {Expected::Float32, shortest(static_cast<float>(std::strtod(s.c_str(), nullptr)))};
    case Type::Double:
      return {Expected::Float64, shortest(std::strtod(s.c_str(), nullptr))};
    case Type::Datetime: {
      std::string t = s;
      if (t.size() > 10 && t[10] == ' ') t[10] = 'T';
      return {Expected::Exact, json_string_of(t)};
    }
    case Type::Timestamp: {
      std::string t = s;
      if (t.size() > 10 && t[10] == ' ') t[10] = 'T';
      return {Expected::Exact, json_string_of(t + "Z")};
    }
    case Type::Bytes:
    case Type::Geometry:
    case Type::Vector:  // bytes (man dumpr, VALUES)
      return {Expected::Exact, json_string_of(dumpr_live::base64(unhex(s)))};
    case Type::Json: {
      auto canon = JsonCanon::of(s);
      return {Expected::Exact, canon ? *canon : json_string_of(s)};
    }
    default:  // DATE, TIME, text, ENUM, SET, UUID, INET4, INET6: the text itself
      return {Expected::Exact, json_string_of(s)};
  }
}

// Whether dumpr's raw JSON text `actual` is the expected value.
inline bool matches(const Expected& e, const std::string& actual) {
  if (e.cmp == Expected::Exact) {
    auto canon = JsonCanon::of(actual);
    return canon && *canon == e.text;
  }
  if (actual == "null" || e.text == "null") return actual == e.text;
  char* end = nullptr;
  if (e.cmp == Expected::Float32) {
    float a = std::strtof(actual.c_str(), &end);
    return *end == '\0' && a == std::strtof(e.text.c_str(), nullptr);
  }
  double a = std::strtod(actual.c_str(), &end);
  return *end == '\0' && a == std::strtod(e.text.c_str(), nullptr);
}

// To find a row again: what to SELECT of a key column, and the WHERE condition matching it
// exactly (in the writer's session).
inline std::string key_select_expr(const Column& c) {
  switch (c.type) {
    case Type::Text:
    case Type::Bytes:
      return "HEX(" + c.name + ")";
    case Type::Year:
    case Type::Enum:
    case Type::Bit:
      return "(" + c.name + " + 0)";
    case Type::Int:
    case Type::Decimal:
      return c.name;
    default:
      return "CAST(" + c.name + " AS CHAR)";
  }
}

inline std::string key_condition(const Column& c, const std::string& text) {
  switch (c.type) {
    case Type::Text:
    case Type::Bytes:
      return "HEX(" + c.name + ") = '" + text + "'";
    case Type::Year:
    case Type::Enum:
    case Type::Bit:
      return "(" + c.name + " + 0) = " + text;
    case Type::Int:
    case Type::Decimal:
      return c.name + " = " + text;
    default:
      return c.name + " = '" + text + "'";
  }
}

}  // namespace dumpr_random
