// The differential proof of dumpr's central promise: a row read by `load` and the same row read
// from the binary log by `tail` are the same JSON, byte for byte, for every column type.
//
// One table holds a column of every MariaDB type and modifier. ~2000 rows of seeded random values
// (DUMPR_DIFF_SEED replays a run) and hand-picked edges are inserted, read by `load`, and read
// again by `tail` from a checkpoint taken before the inserts; then every row is updated (tail's
// after-images against a second load) and deleted (tail's before-images against that load).
// Every member of every content object is compared as raw JSON text; a difference names the
// column, the value inserted and both outputs. The whole run happens twice, under
// binlog_row_metadata FULL and MINIMAL, on a private server whose global time zone is +05:30
// while the inserting session uses -07:00.
#include <cfloat>
#include <cinttypes>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <functional>
#include <limits>

#include "live/diff_support.hpp"

using namespace dumpr_diff;
using dumpr_live::TempDir;

namespace {

std::uint64_t uniu(Rng& r, std::uint64_t lo, std::uint64_t hi) {
  return std::uniform_int_distribution<std::uint64_t>(lo, hi)(r);
}

template <class T>
const T& pick(Rng& r, const std::vector<T>& v) {
  return v[static_cast<std::size_t>(uni(r, 0, static_cast<std::int64_t>(v.size()) - 1))];
}

std::string sq(const std::string& s) {
  return "'" + s + "'";
}

// ---------------------------------------------------------------------------------------------
// Value generators: each returns an SQL literal.

using Gen = std::function<std::string(Rng&)>;

struct ColumnSpec {
  std::string name;
  std::string type;  // the DDL after the name
  Gen gen;           // empty for generated columns (not inserted)
  std::vector<std::string> edges;
};

// Integers of `bits` bits: mostly small, sometimes anywhere in the range.
Gen int_gen(int bits, bool is_unsigned) {
  return [=](Rng& r) {
    if (is_unsigned) {
      std::uint64_t max = bits == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
      return std::to_string(chance(r, 0.5) ? uniu(r, 0, std::min<std::uint64_t>(max, 1000))
                                           : uniu(r, 0, max));
    }
    std::int64_t max =
        bits == 64 ? std::numeric_limits<std::int64_t>::max() : (std::int64_t{1} << (bits - 1)) - 1;
    std::int64_t min = -max - 1;
    return std::to_string(chance(r, 0.5) ? uni(r, std::max<std::int64_t>(min, -1000),
                                               std::min<std::int64_t>(max, 1000))
                                         : uni(r, min, max));
  };
}

std::vector<std::string> int_edges(int bits, bool is_unsigned) {
  if (is_unsigned) {
    std::uint64_t max = bits == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
    return {"0", std::to_string(max), "1", std::to_string(max - 1), std::to_string(max / 2 + 1)};
  }
  std::int64_t max =
      bits == 64 ? std::numeric_limits<std::int64_t>::max() : (std::int64_t{1} << (bits - 1)) - 1;
  std::string min = bits == 64 ? "-9223372036854775808" : std::to_string(-max - 1);
  return {"0", std::to_string(max), min, "-1", "1", std::to_string(-max)};
}

std::string digits(Rng& r, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += static_cast<char>('0' + uni(r, 0, 9));
  return s;
}

// DECIMAL(p,s): sometimes fewer fraction digits than s (the server pads), leading zeros trimmed
// by the server.
Gen decimal_gen(int p, int s, bool is_unsigned = false) {
  return [=](Rng& r) {
    int int_digits =
        static_cast<int>(chance(r, 0.4) ? uni(r, 0, std::min(p - s, 3)) : uni(r, 0, p - s));
    int frac_digits = static_cast<int>(chance(r, 0.7) ? s : uni(r, 0, s));
    std::string v = (!is_unsigned && chance(r, 0.5)) ? "-" : "";
    v += int_digits ? digits(r, int_digits) : "0";
    if (frac_digits) v += "." + digits(r, frac_digits);
    return v;
  };
}

std::vector<std::string> decimal_edges(int p, int s, bool is_unsigned = false) {
  std::string max = (p - s ? std::string(static_cast<std::size_t>(p - s), '9') : "0") +
                    (s ? "." + std::string(static_cast<std::size_t>(s), '9') : "");
  std::string tiny = s ? "0." + std::string(static_cast<std::size_t>(s - 1), '0') + "1" : "1";
  std::vector<std::string> e = {max, "0", tiny,
                                s ? "-0." + std::string(static_cast<std::size_t>(s), '0') : "-0",
                                s ? "1." + std::string(static_cast<std::size_t>(s), '0') : "1"};
  if (!is_unsigned) {
    e.push_back("-" + max);
    e.push_back("-" + tiny);
  }
  if (p - s >= 10)
    e.push_back("1000000000" +
                std::string(s ? "." + std::string(static_cast<std::size_t>(s), '5') : ""));
  return e;
}

Gen float_gen() {
  return [](Rng& r) {
    switch (uni(r, 0, 3)) {
      case 0:
        return fmt("%" PRId64 ".%" PRId64, uni(r, -1000, 1000), uni(r, 0, 99));
      case 1:
        return std::to_string(uni(r, -100000, 100000));
      default: {
        float f;
        do {
          std::uint32_t bits = static_cast<std::uint32_t>(r());
          std::memcpy(&f, &bits, 4);
        } while (!std::isfinite(f));
        return fmt("%.9e", static_cast<double>(f));
      }
    }
  };
}

Gen double_gen() {
  return [](Rng& r) {
    switch (uni(r, 0, 3)) {
      case 0:
        return fmt("%" PRId64 ".%" PRId64, uni(r, -100000, 100000), uni(r, 0, 9999));
      case 1:
        return std::to_string(uni(r, -1000000000, 1000000000));
      default: {
        double d;
        do {
          std::uint64_t bits = r();
          std::memcpy(&d, &bits, 8);
        } while (!std::isfinite(d));
        return fmt("%.17e", d);
      }
    }
  };
}

// FLOAT(m,d) / DOUBLE(m,d): decimals that fit.
Gen fixed_float_gen(int m, int d) {
  return [=](Rng& r) {
    std::string v = chance(r, 0.5) ? "-" : "";
    v += std::to_string(uni(r, 0, static_cast<std::int64_t>(std::pow(10, m - d)) - 1));
    return v + "." + digits(r, d);
  };
}

int days_in(int y, int m) {
  static const int k[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return k[m - 1];
}

std::string random_date(Rng& r) {
  int y = static_cast<int>(chance(r, 0.8) ? uni(r, 1900, 2100) : uni(r, 1, 9999));
  int m = static_cast<int>(uni(r, 1, 12));
  int d = static_cast<int>(uni(r, 1, days_in(y, m)));
  return fmt("%04d-%02d-%02d", y, m, d);
}

std::string frac(Rng& r, int n) {
  return n ? "." + digits(r, n) : "";
}

Gen date_gen() {
  return [](Rng& r) { return sq(random_date(r)); };
}
Gen datetime_gen(int fsp) {
  return [=](Rng& r) {
    return sq(random_date(r) +
              fmt(" %02d:%02d:%02d", static_cast<int>(uni(r, 0, 23)),
                  static_cast<int>(uni(r, 0, 59)), static_cast<int>(uni(r, 0, 59))) +
              frac(r, fsp));
  };
}
// TIMESTAMP: an instant (FROM_UNIXTIME is read in the session's zone and stored as UTC).
Gen timestamp_gen(int fsp) {
  return [=](Rng& r) {
    return "FROM_UNIXTIME(" + std::to_string(uni(r, 1, 2147483647)) + frac(r, fsp) + ")";
  };
}
Gen time_gen(int fsp) {
  return [=](Rng& r) {
    int h = static_cast<int>(chance(r, 0.6) ? uni(r, 0, 23) : uni(r, 0, 838));
    return sq(
        std::string(chance(r, 0.3) ? "-" : "") +
        fmt("%02d:%02d:%02d", h, static_cast<int>(uni(r, 0, 59)), static_cast<int>(uni(r, 0, 59))) +
        frac(r, fsp));
  };
}

// Random text from code point ranges (the first ranges weigh more: ASCII is listed twice).
using Ranges = std::vector<std::pair<char32_t, char32_t>>;

const Ranges kUnicode = {{0x20, 0x7E},     {0x20, 0x7E},       {0x00, 0x1F},
                         {0xA0, 0xFF},     {0x370, 0x3FF},     {0x400, 0x4FF},
                         {0x4E00, 0x9FFF}, {0xE000, 0xF8FF},   {0xFFFD, 0xFFFF},
                         {0x2028, 0x2029}, {0x1F300, 0x1F6FF}, {0x10000, 0x10FFFF}};
const Ranges kBmp = {{0x20, 0x7E},   {0x20, 0x7E},   {0x00, 0x1F},     {0xA0, 0xFF},
                     {0x370, 0x3FF}, {0x400, 0x4FF}, {0x4E00, 0x9FFF}, {0xFFFD, 0xFFFD}};
const Ranges kSjis = {{0x20, 0x7E}, {0x3041, 0x3093}, {0x30A1, 0x30F6}, {0xFF61, 0xFF9F}};
const Ranges kCp1251 = {{0x20, 0x7E}, {0x410, 0x44F}, {0x401, 0x401}, {0x451, 0x451}};
const Ranges kGbk = {{0x20, 0x7E}, {0x4E00, 0x9FA5}};

std::string random_utf8(Rng& r, const Ranges& ranges, std::size_t max_chars) {
  std::size_t n = static_cast<std::size_t>(
      chance(r, 0.5) ? uni(r, 0, static_cast<std::int64_t>(std::min<std::size_t>(max_chars, 12)))
                     : uni(r, 0, static_cast<std::int64_t>(max_chars)));
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    auto [lo, hi] = pick(r, ranges);
    append_utf8(s, static_cast<char32_t>(uniu(r, lo, hi)));
  }
  return s;
}

// Text in a character set, sent as utf8mb4 bytes (the server converts): trailing spaces now and
// then (CHAR drops them on both paths; VARCHAR and TEXT keep them).
Gen text_gen(const Ranges& ranges, std::size_t max_chars) {
  return [&ranges, max_chars](Rng& r) {
    std::string s = random_utf8(r, ranges, max_chars);
    if (chance(r, 0.15) && s.size() + 2 <= max_chars) s += chance(r, 0.5) ? "  " : " ";
    return sql_bytes(s, "utf8mb4");
  };
}

// latin1: any byte (MariaDB's latin1 is cp1252 with the five holes mapped through).
Gen latin1_gen(std::size_t max_bytes) {
  return [=](Rng& r) {
    std::size_t n = static_cast<std::size_t>(uni(r, 0, static_cast<std::int64_t>(max_bytes)));
    std::string s;
    for (std::size_t i = 0; i < n; ++i)
      s += static_cast<char>(chance(r, 0.6) ? uni(r, 0x20, 0x7E) : uni(r, 0, 255));
    return sql_bytes(s, "latin1");
  };
}

std::string random_bytes(Rng& r, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<char>(r() & 0xFF);
  return s;
}

Gen bytes_gen(std::size_t max_bytes) {
  return [=](Rng& r) {
    std::size_t n = static_cast<std::size_t>(
        chance(r, 0.5) ? uni(r, 0, static_cast<std::int64_t>(std::min<std::size_t>(max_bytes, 16)))
                       : uni(r, 0, static_cast<std::int64_t>(max_bytes)));
    std::string s = random_bytes(r, n);
    if (chance(r, 0.2) && s.size() + 2 <= max_bytes) s += std::string(2, '\0');
    return sql_bytes(s);
  };
}

std::vector<std::string> utf8_edges(bool four_byte, std::size_t max_chars) {
  std::vector<std::string> e = {
      "''",
      sql_bytes("ab  ", "utf8mb4"),
      sql_bytes("   ", "utf8mb4"),
      sql_bytes(" lead", "utf8mb4"),
      sql_bytes("tab\there\nnl\r\x01 \"q\" \\ '", "utf8mb4"),
      sql_bytes(std::string("nul\0byte", 8), "utf8mb4"),
      sql_bytes("Zo\xC3\xAB \xC3\x9Cnicode \xE2\x80\xA8 \xEF\xBF\xBD", "utf8mb4")};
  if (four_byte) {
    std::string rockets;
    for (std::size_t i = 0; i < std::min<std::size_t>(max_chars, 40); ++i)
      rockets += "\xF0\x9F\x9A\x80";
    e.push_back(sql_bytes(rockets, "utf8mb4"));
    e.push_back(sql_bytes("\xF4\x8F\xBF\xBF max", "utf8mb4"));  // U+10FFFF
  }
  std::string full;
  for (std::size_t i = 0; i < max_chars; ++i) full += static_cast<char>('a' + i % 26);
  e.push_back(sql_bytes(full, "utf8mb4"));
  return e;
}

std::vector<std::string> latin1_edges(std::size_t max_bytes) {
  std::string all;
  for (int b = 0; b < 256 && all.size() < max_bytes; ++b) all += static_cast<char>(b);
  std::string high;
  for (int b = 0x80; b < 0x100 && high.size() < max_bytes; ++b) high += static_cast<char>(b);
  return {"''",
          sql_bytes("caf\xE9 ", "latin1"),
          sql_bytes(all, "latin1"),
          sql_bytes(high, "latin1"),
          sql_bytes("\x80\x81\x8D\x8F\x90\x9D\x9F", "latin1"),
          sql_bytes("trail  ", "latin1")};
}

std::vector<std::string> binary_edges(std::size_t max_bytes) {
  std::vector<std::string> e = {
      "''",
      sql_bytes(std::string("AB\0\0", 4)),
      sql_bytes(std::string(std::min<std::size_t>(max_bytes, 8), '\0')),
      sql_bytes("\xC3\x28 \xFF\xFE \xED\xA0\x80 \xC0\xAF \xF8\x88\x80\x80\x80"),
      sql_bytes("\x80"),
      sql_bytes("trailing space  "),
      sql_bytes(std::string("\0lead", 5))};
  std::string all;
  for (int b = 0; b < 256 && all.size() < max_bytes; ++b) all += static_cast<char>(b);
  e.push_back(sql_bytes(all));
  return e;
}

// ENUM and SET members.
std::vector<std::string> numbered(const std::string& prefix, int n) {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) v.push_back(prefix + std::to_string(i));
  return v;
}

std::string sql_list(const std::vector<std::string>& members) {
  std::string s;
  for (const auto& m : members) {
    if (!s.empty()) s += ",";
    std::string q;
    for (char c : m) q += c == '\'' ? std::string("''") : std::string(1, c);
    s += "'" + q + "'";
  }
  return s;
}

Gen enum_gen(std::vector<std::string> members) {
  return [members](Rng& r) { return sql_bytes(pick(r, members), "utf8mb4"); };
}

Gen set_gen(std::vector<std::string> members) {
  return [members](Rng& r) {
    std::string s;
    for (const auto& m : members)
      if (chance(r, members.size() > 8 ? 0.1 : 0.4)) s += (s.empty() ? "" : ",") + m;
    return sql_bytes(s, "utf8mb4");
  };
}

// JSON text with whitespace, escapes, wide and exotic numbers, nesting.
std::string ws(Rng& r) {
  return chance(r, 0.15) ? (chance(r, 0.5) ? " " : "\n  ") : "";
}

std::string json_string(Rng& r) {
  static const std::vector<std::string> pieces = {"a",
                                                  "key",
                                                  " ",
                                                  "\\u00e9",
                                                  "\\ud83d\\ude80",
                                                  "\\n",
                                                  "\\\"",
                                                  "\\\\",
                                                  "\\/",
                                                  "\\u0000",
                                                  "\\u001f",
                                                  "\\t",
                                                  "\xC3\xA9",
                                                  "\xF0\x9F\x8E\x89",
                                                  "\xE2\x98\x83",
                                                  "\\u2028",
                                                  "\\uFFFF",
                                                  "\\b\\f\\r",
                                                  "<>&'",
                                                  "0"};
  std::string s = "\"";
  for (int n = static_cast<int>(uni(r, 0, 6)); n > 0; --n) s += pick(r, pieces);
  return s + "\"";
}

std::string json_number(Rng& r) {
  static const std::vector<std::string> odd = {"9223372036854775807",
                                               "-9223372036854775808",
                                               "18446744073709551615",
                                               "18446744073709551616",
                                               "123456789012345678901234567890",
                                               "-0",
                                               "-0.0",
                                               "0.0",
                                               "1.50",
                                               "1e400",
                                               "1E+2",
                                               "1e-7",
                                               "2.5e-3",
                                               "0.1",
                                               "1.7976931348623157e308",
                                               "5e-324",
                                               "3.141592653589793238462643383279",
                                               "100",
                                               "1.0",
                                               "-1e-400"};
  switch (uni(r, 0, 4)) {
    case 0:
      return std::to_string(uni(r, -1000, 1000));
    case 1:
      return std::to_string(static_cast<std::int64_t>(r()));
    case 2: {
      // MySQL refuses a number beyond a double ("Number too big to be stored in double"); MariaDB
      // keeps the text. The same draw either way, so a seed makes the same rows on both.
      std::string n = pick(r, odd);
      if (n == "1e400" && dumpr_live::server_is_mysql()) n = "1.7976931348623157e308";
      return n;
    }
    case 3:
      return fmt("%" PRId64 ".%" PRId64, uni(r, -1000, 1000), uni(r, 0, 999));
    default: {
      double d;
      do {
        std::uint64_t bits = r();
        std::memcpy(&d, &bits, 8);
      } while (!std::isfinite(d));
      return fmt("%.17g", d);
    }
  }
}

std::string json_value(Rng& r, int depth) {
  int kind = static_cast<int>(uni(r, 0, depth >= 4 ? 5 : 7));
  switch (kind) {
    case 0:
      return "null";
    case 1:
      return chance(r, 0.5) ? "true" : "false";
    case 2:
    case 3:
      return json_number(r);
    case 4:
    case 5:
      return json_string(r);
    case 6: {
      std::string s = "[" + ws(r);
      for (int n = static_cast<int>(uni(r, 0, 4)), i = 0; i < n; ++i)
        s += (i ? "," + ws(r) : "") + json_value(r, depth + 1) + ws(r);
      return s + "]";
    }
    default: {
      std::string s = "{" + ws(r);
      for (int n = static_cast<int>(uni(r, 0, 4)), i = 0; i < n; ++i)
        s += (i ? "," + ws(r) : "") + json_string(r) + ws(r) + ":" + ws(r) +
             json_value(r, depth + 1);
      return s + ws(r) + "}";
    }
  }
}

std::string nested(int depth, bool objects) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += objects ? "{\"a\":" : "[";
  s += "1";
  for (int i = 0; i < depth; ++i) s += objects ? "}" : "]";
  return s;
}

Gen json_gen() {
  return [](Rng& r) {
    std::string v = json_value(r, 0);
    // A bare literal with whitespace around it has a test case of its own (below), so that its
    // failure does not hide this test's report of every other column.
    if (v == "null" || v == "true" || v == "false") return sql_bytes(v, "utf8mb4");
    return sql_bytes(ws(r) + v + ws(r), "utf8mb4");
  };
}

std::vector<std::string> json_edges() {
  std::vector<std::string> e;
  for (std::string j :
       {std::string("{}"),
        std::string("[]"),
        std::string("\"\""),
        std::string("0"),
        std::string("null"),
        std::string("true"),
        std::string("{\"big\": 123456789012345678901234567890, \"u64\": 18446744073709551615, "
                    "\"i64\": -9223372036854775808}"),
        std::string("[1.50, 0.1, 1e300, -0.0, 1E+2, 2.5e-3, 100.000]"),
        std::string("{\"esc\": \"\\u00e9\\ud83d\\ude80\\n\\\"\\\\\\/\\u0000\", \"raw\": "
                    "\"\xC3\xA9\xF0\x9F\x9A\x80\"}"),
        std::string("{\"e\": {}, \"a\": [], \"n\": [[], {}, [{}]]}"),
        nested(30, false),
        nested(30, true),
        std::string(" \n {\"spaced\" :\t[ 1 , 2 ] } \n"),
        std::string("{\"dup\": 1, \"dup\": 2}"),
        std::string("\"just a string\""),
        std::string("-1e-400"),
        std::string("1.7976931348623157e308"),
        std::string("false"),
        std::string(" \"s\" "),
        std::string("\n 12 \n")})
    e.push_back(sql_bytes(j, "utf8mb4"));
  return e;
}

// Geometry: WKT of the column's type (any type for GEOMETRY), with an SRID now and then.
std::string coord(Rng& r) {
  switch (uni(r, 0, 2)) {
    case 0:
      return std::to_string(uni(r, -180, 180));
    case 1:
      return fmt("%.2f", std::uniform_real_distribution<double>(-1000, 1000)(r));
    default:
      return fmt("%.17g", std::uniform_real_distribution<double>(-1e6, 1e6)(r));
  }
}
std::string wkt_point(Rng& r) {
  return coord(r) + " " + coord(r);
}
std::string wkt_points(Rng& r, int min) {
  std::string s;
  for (int n = static_cast<int>(uni(r, min, min + 4)), i = 0; i < n; ++i)
    s += (i ? ", " : "") + wkt_point(r);
  return s;
}
std::string wkt_ring(Rng& r) {
  std::string first = wkt_point(r);
  std::string s = first;
  for (int n = static_cast<int>(uni(r, 2, 5)), i = 0; i < n; ++i) s += ", " + wkt_point(r);
  return "(" + s + ", " + first + ")";
}
std::string wkt_polygon(Rng& r) {
  std::string s = wkt_ring(r);
  if (chance(r, 0.3)) s += ", " + wkt_ring(r);
  return "(" + s + ")";
}
std::string wkt(Rng& r, const std::string& type) {
  if (type == "POINT") return "POINT(" + wkt_point(r) + ")";
  if (type == "LINESTRING") return "LINESTRING(" + wkt_points(r, 2) + ")";
  if (type == "POLYGON") return "POLYGON" + wkt_polygon(r);
  if (type == "MULTIPOINT") return "MULTIPOINT(" + wkt_points(r, 1) + ")";
  if (type == "MULTILINESTRING") {
    std::string s;
    for (int n = static_cast<int>(uni(r, 1, 3)), i = 0; i < n; ++i)
      s += (i ? ", (" : "(") + wkt_points(r, 2) + ")";
    return "MULTILINESTRING(" + s + ")";
  }
  if (type == "MULTIPOLYGON") {
    std::string s;
    for (int n = static_cast<int>(uni(r, 1, 3)), i = 0; i < n; ++i)
      s += (i ? ", " : "") + wkt_polygon(r);
    return "MULTIPOLYGON(" + s + ")";
  }
  if (type == "GEOMETRYCOLLECTION") {
    static const std::vector<std::string> parts = {"POINT", "LINESTRING", "POLYGON"};
    std::string s;
    for (int n = static_cast<int>(uni(r, 1, 3)), i = 0; i < n; ++i)
      s += (i ? ", " : "") + wkt(r, pick(r, parts));
    return "GEOMETRYCOLLECTION(" + s + ")";
  }
  static const std::vector<std::string> any = {
      "POINT",           "LINESTRING",   "POLYGON",           "MULTIPOINT",
      "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION"};
  return wkt(r, pick(r, any));
}
Gen geometry_gen(std::string type) {
  return [type](Rng& r) {
    // MySQL takes only the SRIDs of its catalogue, and checks geographic ones (4326) for
    // latitudes and longitudes in range: there the random coordinates go in projected 3857.
    static const std::vector<int> srids = {0, 0, 4326, 3857, 1, 2147483647};
    static const std::vector<int> mysql_srids = {0, 0, 3857};
    return "ST_GeomFromText('" + wkt(r, type) + "', " +
           std::to_string(pick(r, dumpr_live::server_is_mysql() ? mysql_srids : srids)) + ")";
  };
}

Gen uuid_gen() {
  return [](Rng& r) {
    if (chance(r, 0.2)) return std::string("UUID()");
    std::string b = random_bytes(r, 16);
    if (chance(r, 0.5)) {  // an RFC 4122 version 1..5 (MariaDB swaps the time fields of some)
      b[6] = static_cast<char>((b[6] & 0x0F) | (uni(r, 1, 5) << 4));
      b[8] = static_cast<char>((b[8] & 0x3F) | 0x80);
    }
    std::string h = hex(b);
    return sq(h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" +
              h.substr(16, 4) + "-" + h.substr(20));
  };
}
Gen inet4_gen() {
  return [](Rng& r) {
    return sq(fmt("%d.%d.%d.%d", static_cast<int>(uni(r, 0, 255)), static_cast<int>(uni(r, 0, 255)),
                  static_cast<int>(uni(r, 0, 255)), static_cast<int>(uni(r, 0, 255))));
  };
}
Gen inet6_gen() {
  return [](Rng& r) {
    std::string s;
    for (int i = 0; i < 8; ++i) {
      int g = chance(r, 0.3) ? 0 : static_cast<int>(uni(r, 0, 0xFFFF));
      s += fmt(i ? ":%x" : "%x", g);
    }
    return sq(s);
  };
}

// ---------------------------------------------------------------------------------------------
// The table.

const std::vector<std::string> kEnumMembers = {
    "a", "b", "c d", "\xC3\xA9t\xC3\xA9", "\xF0\x9F\x9A\x80", "x'y", "Z"};
// Under binlog_row_metadata=MINIMAL the table map does not carry ENUM members, and MariaDB can
// only show members with 4-byte characters as '?' (its metadata is utf8mb3, in
// information_schema and SHOW CREATE TABLE alike): nobody can learn them. man dumpr says so.
const std::vector<std::string> kEnumMembers3 = {"a", "b", "c d", "\xC3\xA9t\xC3\xA9", "x'y", "Z"};
const std::vector<std::string> kSetMembers = {"x", "y", "z", "\xC3\xA9", "w w"};

std::vector<ColumnSpec> columns(bool four_byte_enum_members = true) {
  const std::vector<std::string>& kEnumMembers =
      four_byte_enum_members ? ::kEnumMembers : kEnumMembers3;
  std::vector<ColumnSpec> c;
  auto add = [&](std::string name, std::string type, Gen g, std::vector<std::string> edges) {
    c.push_back({std::move(name), std::move(type), std::move(g), std::move(edges)});
  };
  // Integers, every width, signed and unsigned; ZEROFILL; BOOL.
  const std::pair<const char*, int> ints[] = {
      {"TINYINT", 8}, {"SMALLINT", 16}, {"MEDIUMINT", 24}, {"INT", 32}, {"BIGINT", 64}};
  for (auto [t, bits] : ints) {
    std::string n = t;
    for (auto& ch : n) ch = static_cast<char>(std::tolower(ch));
    add("c_" + n, t, int_gen(bits, false), int_edges(bits, false));
    add("c_" + n + "_u", std::string(t) + " UNSIGNED", int_gen(bits, true), int_edges(bits, true));
  }
  add("c_int_zf", "INT(8) UNSIGNED ZEROFILL", int_gen(32, true), int_edges(32, true));
  add("c_bigint_zf", "BIGINT UNSIGNED ZEROFILL", int_gen(64, true), int_edges(64, true));
  add("c_bool", "BOOL", int_gen(8, false), {"0", "1", "-128", "127"});
  add("c_year", "YEAR", [](Rng& r) { return std::to_string(uni(r, 1901, 2155)); },
      {"0", "1901", "2155", "2000", "1970", "'0000'", "'69'", "'70'"});
  add("c_bit1", "BIT(1)", [](Rng& r) { return std::to_string(uni(r, 0, 1)); }, {"0", "1"});
  add("c_bit13", "BIT(13)", [](Rng& r) { return std::to_string(uni(r, 0, 8191)); },
      {"0", "8191", "b'1000000000000'", "1"});
  add("c_bit64", "BIT(64)", [](Rng& r) { return std::to_string(r()); },
      {"0", "18446744073709551615", "9223372036854775808", "1",
       "b'1111111111111111111111111111111111111111111111111111111111111110'"});
  // DECIMAL, from one digit to 65, scale 0 to 30.
  const std::pair<int, int> decimals[] = {{1, 0},   {5, 2},  {10, 0},  {9, 9},   {18, 9}, {20, 6},
                                          {38, 10}, {65, 0}, {65, 30}, {30, 30}, {19, 4}};
  for (auto [p, s] : decimals)
    add(fmt("c_dec_%d_%d", p, s), fmt("DECIMAL(%d,%d)", p, s), decimal_gen(p, s),
        decimal_edges(p, s));
  add("c_dec_u", "DECIMAL(12,4) UNSIGNED", decimal_gen(12, 4, true), decimal_edges(12, 4, true));
  // FLOAT and DOUBLE.
  add("c_float", "FLOAT", float_gen(),
      {"0", "-0e0", "3.40282347e38", "-3.40282347e38", "1.17549435e-38", "1.40129846e-45", "0.1",
       "1e-7", "16777217", "123456.789", "-1.5", "1e10", "7e22", "0.3"});
  add("c_double", "DOUBLE", double_gen(),
      {"0", "-0e0", "1.7976931348623157e308", "-1.7976931348623157e308", "2.2250738585072014e-308",
       "4.9406564584124654e-324", "0.1", "1e100", "1e21", "1e-7", "123456789012345678",
       "9007199254740993", "0.30000000000000004", "-2.5", "1e22", "1e23"});
  add("c_float_7_3", "FLOAT(7,3)", fixed_float_gen(7, 3), {"0", "9999.999", "-9999.999", "0.001"});
  add("c_double_12_4", "DOUBLE(12,4)", fixed_float_gen(12, 4),
      {"0", "99999999.9999", "-99999999.9999", "0.0001"});
  // Dates and times, every fraction width.
  add("c_date", "DATE", date_gen(),
      {"'0000-00-00'", "'2024-00-15'", "'2024-05-00'", "'0000-01-01'", "'1000-01-01'",
       "'9999-12-31'", "'0001-01-01'", "'2024-02-29'", "'2024-00-00'", "'0000-00-01'"});
  for (int fsp = 0; fsp <= 6; ++fsp) {
    std::string f = fsp ? "." + std::string(static_cast<std::size_t>(fsp), '9') : "";
    add(fmt("c_datetime%d", fsp), fmt("DATETIME(%d)", fsp), datetime_gen(fsp),
        {"'0000-00-00 00:00:00'", "'2024-00-00 10:11:12.5'", "'2024-05-00 00:00:00'",
         "'9999-12-31 23:59:59" + f + "'", "'1000-01-01 00:00:00'", "'0001-01-01 00:00:00.000001'",
         "'2024-02-29 12:00:00.5'", "'1970-01-01 00:00:00'", "'0000-00-00 01:02:03'"});
    add(fmt("c_timestamp%d", fsp), fmt("TIMESTAMP(%d) NULL", fsp), timestamp_gen(fsp),
        {"'0000-00-00 00:00:00'", "FROM_UNIXTIME(1)", "FROM_UNIXTIME(2147483647" + f + ")",
         "'2024-01-31 13:45:00.123456'", "FROM_UNIXTIME(1700000000.5)",
         "FROM_UNIXTIME(946684800)"});
    add(fmt("c_time%d", fsp), fmt("TIME(%d)", fsp), time_gen(fsp),
        {"'838:59:59" + f + "'", "'-838:59:59" + f + "'", "'00:00:00'", "'-00:00:01'",
         "'-00:00:00.5'", "'-00:00:00.000001'", "'24:00:00'", "'-12:34:56.123456'",
         "'100:00:00.000001'"});
  }
  // Text: utf8mb4 (general and binary collations), utf8mb3, latin1, and others.
  add("c_char_u", "CHAR(10) CHARACTER SET utf8mb4", text_gen(kUnicode, 10), utf8_edges(true, 10));
  add("c_char_u_bin", "CHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", text_gen(kUnicode, 10),
      utf8_edges(true, 10));
  add("c_char_u255", "CHAR(255) CHARACTER SET utf8mb4", text_gen(kUnicode, 255),
      utf8_edges(true, 255));
  add("c_varchar_u", "VARCHAR(300) CHARACTER SET utf8mb4", text_gen(kUnicode, 300),
      utf8_edges(true, 300));
  add("c_varchar_u_bin", "VARCHAR(60) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
      text_gen(kUnicode, 60), utf8_edges(true, 60));
  add("c_varchar_u3", "VARCHAR(60) CHARACTER SET utf8mb3", text_gen(kBmp, 60),
      utf8_edges(false, 60));
  add("c_char_l", "CHAR(10) CHARACTER SET latin1", latin1_gen(10), latin1_edges(10));
  add("c_char_l255", "CHAR(255) CHARACTER SET latin1", latin1_gen(255), latin1_edges(255));
  add("c_varchar_l", "VARCHAR(255) CHARACTER SET latin1", latin1_gen(255), latin1_edges(255));
  add("c_varchar_l256", "VARCHAR(256) CHARACTER SET latin1", latin1_gen(256), latin1_edges(256));
  add("c_varchar_l_bin", "VARCHAR(40) CHARACTER SET latin1 COLLATE latin1_bin", latin1_gen(40),
      latin1_edges(40));
  add("c_text_l", "TEXT CHARACTER SET latin1", latin1_gen(400), latin1_edges(400));
  add("c_varchar_utf16", "VARCHAR(40) CHARACTER SET utf16", text_gen(kUnicode, 40),
      utf8_edges(true, 40));
  add("c_varchar_utf32", "VARCHAR(20) CHARACTER SET utf32", text_gen(kUnicode, 20),
      utf8_edges(true, 20));
  add("c_char_ucs2", "CHAR(10) CHARACTER SET ucs2", text_gen(kBmp, 10), utf8_edges(false, 10));
  add("c_varchar_sjis", "VARCHAR(40) CHARACTER SET sjis", text_gen(kSjis, 40),
      {"''", sql_bytes("\xE3\x81\x82\xE3\x82\xA2\xEF\xBD\xB1 ascii", "utf8mb4")});
  add("c_varchar_cp1251", "VARCHAR(40) CHARACTER SET cp1251", text_gen(kCp1251, 40),
      {"''", sql_bytes("\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 \xD1\x91", "utf8mb4")});
  add("c_varchar_gbk", "VARCHAR(40) CHARACTER SET gbk", text_gen(kGbk, 40),
      {"''", sql_bytes("\xE4\xB8\xAD\xE6\x96\x87 ok", "utf8mb4")});
  add("c_tinytext", "TINYTEXT CHARACTER SET utf8mb4", text_gen(kUnicode, 60), utf8_edges(true, 60));
  add("c_text", "TEXT CHARACTER SET utf8mb4", text_gen(kUnicode, 400), utf8_edges(true, 400));
  {
    auto e = utf8_edges(true, 400);
    std::string big;
    while (big.size() < 70000) big += "m\xC3\xA9\xF0\x9F\x9A\x80 ";
    e.push_back(sql_bytes(big, "utf8mb4"));
    add("c_mediumtext", "MEDIUMTEXT CHARACTER SET utf8mb4", text_gen(kUnicode, 400), e);
    while (big.size() < 300000) big += "L\xC3\xA9\xF0\x9F\x9A\x80 ";
    e.push_back(sql_bytes(big, "utf8mb4"));
    add("c_longtext", "LONGTEXT CHARACTER SET utf8mb4", text_gen(kUnicode, 400), e);
  }
  // Binary strings.
  add("c_binary8", "BINARY(8)", bytes_gen(8), binary_edges(8));
  add("c_binary1", "BINARY(1)", bytes_gen(1),
      {"''", sql_bytes(std::string(1, '\0')), sql_bytes("\xFF")});
  add("c_char_binary", "CHAR(12) CHARACTER SET binary", bytes_gen(12), binary_edges(12));
  add("c_binary255", "BINARY(255)", bytes_gen(255), binary_edges(255));
  add("c_varbinary", "VARBINARY(300)", bytes_gen(300), binary_edges(300));
  add("c_varchar_binary", "VARCHAR(30) CHARACTER SET binary", bytes_gen(30), binary_edges(30));
  add("c_tinyblob", "TINYBLOB", bytes_gen(255), binary_edges(255));
  add("c_blob", "BLOB", bytes_gen(600), binary_edges(600));
  {
    auto e = binary_edges(600);
    e.push_back(sql_bytes(std::string(70000, '\xAB') + std::string(3, '\0')));
    add("c_mediumblob", "MEDIUMBLOB", bytes_gen(600), e);
    e.push_back(sql_bytes(std::string(300000, '\0') + "end"));
    add("c_longblob", "LONGBLOB", bytes_gen(600), e);
  }
  // ENUM and SET: small, and wide (two bytes of index; eight bytes of members).
  {
    auto e = std::vector<std::string>{"'not a member'"};  // sql_mode='': the error value ''
    for (auto& m : kEnumMembers) e.push_back(sql_bytes(m, "utf8mb4"));
    add("c_enum", "ENUM(" + sql_list(kEnumMembers) + ") CHARACTER SET utf8mb4",
        enum_gen(kEnumMembers), e);
  }
  add("c_enum_wide", "ENUM(" + sql_list(numbered("m", 300)) + ")", enum_gen(numbered("m", 300)),
      {"'m0'", "'m255'", "'m256'", "'m299'", "'nope'"});
  add("c_enum_latin1", "ENUM('caf\xC3\xA9','na\xC3\xAFve','') CHARACTER SET latin1",
      enum_gen({"caf\xC3\xA9", "na\xC3\xAFve", ""}), {"''", sql_bytes("caf\xC3\xA9", "utf8mb4")});
  add("c_set", "SET(" + sql_list(kSetMembers) + ") CHARACTER SET utf8mb4", set_gen(kSetMembers),
      {"''", "'x,y,z,\xC3\xA9,w w'", "'z,x'", "'w w'"});
  add("c_set_wide", "SET(" + sql_list(numbered("s", 64)) + ")", set_gen(numbered("s", 64)),
      {"''", "'s63'", "'s0,s63'", "'s31,s32'"});
  // JSON.
  add("c_json", "JSON", json_gen(), json_edges());
  // Generated (not inserted) and invisible columns (before GEOMETRY: see below).
  add("c_gen_virtual", "BIGINT AS (c_int_u + 1) VIRTUAL", nullptr, {});
  add("c_gen_stored",
      "VARCHAR(310) CHARACTER SET utf8mb4 AS (CONCAT('<', c_varchar_u, '>')) STORED", nullptr, {});
  add("c_gen_virtual_text", "VARCHAR(20) CHARACTER SET latin1 AS (UPPER(c_char_l)) VIRTUAL",
      nullptr, {});
  add("c_invisible", "INT INVISIBLE", int_gen(32, false), int_edges(32, false));
  add("c_invisible_text", "VARCHAR(30) CHARACTER SET utf8mb4 INVISIBLE", text_gen(kUnicode, 30),
      utf8_edges(true, 30));
  // Geometry and its subtypes.
  for (std::string t : {"GEOMETRY", "POINT", "LINESTRING", "POLYGON", "MULTIPOINT",
                        "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION"}) {
    std::string n = t;
    for (auto& ch : n) ch = static_cast<char>(std::tolower(ch));
    std::vector<std::string> e;
    if (t == "GEOMETRY" || t == "POINT")
      e = {"ST_GeomFromText('POINT(0 0)')", "ST_GeomFromText('POINT(-0 -0)')",
           dumpr_live::server_is_mysql() ? "ST_GeomFromText('POINT(1e300 -1e-300)', 3857)"
                                         : "ST_GeomFromText('POINT(1e300 -1e-300)', 4326)"};
    if (t == "GEOMETRY" || t == "GEOMETRYCOLLECTION")
      e.push_back("ST_GeomFromText('GEOMETRYCOLLECTION EMPTY')");
    add("c_" + n, t, geometry_gen(t), e);
  }
  // Text right after GEOMETRY columns: the character-set metadata of the columns that follow a
  // GEOMETRY must still line up.
  add("c_text_after_geometry", "VARCHAR(20) CHARACTER SET utf8mb4", text_gen(kUnicode, 20),
      utf8_edges(true, 20));
  // MariaDB's own types (MySQL has none of them).
  if (dumpr_live::server_is_mysql()) {
    dumpr_live::skipped_on_mysql("columns UUID, INET4, INET6", "MariaDB's own types");
    return c;
  }
  add("c_uuid", "UUID", uuid_gen(),
      {"'00000000-0000-0000-0000-000000000000'", "'ffffffff-ffff-ffff-ffff-ffffffffffff'",
       "'123e4567-e89b-12d3-a456-426614174000'", "'6ccd780c-baba-1026-9564-5b8c656024db'",
       "'01234567-89ab-cdef-0123-456789abcdef'"});
  add("c_inet4", "INET4", inet4_gen(),
      {"'0.0.0.0'", "'255.255.255.255'", "'192.0.2.1'", "'127.0.0.1'"});
  add("c_inet6", "INET6", inet6_gen(),
      {"'::'", "'::1'", "'::ffff:1.2.3.4'", "'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'",
       "'2001:db8::ff00:42:8329'", "'1::'"});
  return c;
}

std::string create_table_sql(const std::vector<ColumnSpec>& cols) {
  // `rev` changes with every UPDATE, so that no update leaves a row as it was (the server logs
  // no change for those).
  std::string s =
      "CREATE TABLE every_type (\n  id INT UNSIGNED NOT NULL PRIMARY KEY,\n  rev INT NOT NULL";
  for (const auto& c : cols) s += ",\n  " + c.name + " " + c.type;
  return s + "\n) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4";
}

// One row of literals (NULL sometimes, an edge sometimes, mostly random). Row `edge_row` < the
// number of edges of a column takes that edge, so every edge is inserted.
std::vector<std::string> make_row(Rng& r, const std::vector<ColumnSpec>& cols, std::size_t edge_row,
                                  bool first_pass) {
  std::vector<std::string> v;
  for (const auto& c : cols) {
    if (!c.gen) {
      v.emplace_back();
      continue;
    }
    if (first_pass && edge_row < c.edges.size()) {
      v.push_back(c.edges[edge_row]);
    } else if (chance(r, 0.06)) {
      v.push_back("NULL");
    } else if (!c.edges.empty() && chance(r, 0.1)) {
      v.push_back(pick(r, c.edges));
    } else {
      v.push_back(c.gen(r));
    }
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Comparing outputs.

struct Mismatch {
  std::string id, phase, load, tail, value;
};

// Compares one row: whole-content equality first (the promise), then member by member to name
// what differs. Records one entry per differing column.
void compare_row(const std::string& id, const std::string& phase, const std::string& load_content,
                 const std::string& tail_content, const std::vector<std::string>& literals,
                 const std::map<std::string, std::size_t>& col_index,
                 std::map<std::string, std::vector<Mismatch>>& by_column) {
  if (load_content == tail_content) return;
  auto lm = object_members(load_content), tm = object_members(tail_content);
  std::map<std::string, std::string> lmap(lm.begin(), lm.end()), tmap(tm.begin(), tm.end());
  auto literal = [&](const std::string& col) -> std::string {
    auto it = col_index.find(col);
    if (it == col_index.end() || it->second >= literals.size()) return "(not inserted)";
    std::string l = literals[it->second];
    if (l.empty()) return "(generated)";
    return l.size() > 300 ? l.substr(0, 300) + "... (" + std::to_string(l.size()) + " chars)" : l;
  };
  auto clip = [](const std::string& s) {
    return s.size() > 300 ? s.substr(0, 300) + "... (" + std::to_string(s.size()) + " bytes)" : s;
  };
  bool any = false;
  for (auto& [k, v] : lmap) {
    auto it = tmap.find(k);
    std::string tv = it == tmap.end() ? "(column missing)" : it->second;
    if (tv != v) {
      by_column[k].push_back({id, phase, clip(v), clip(tv), literal(k)});
      any = true;
    }
  }
  for (auto& [k, v] : tmap)
    if (!lmap.count(k)) {
      by_column[k].push_back({id, phase, "(column missing)", clip(v), literal(k)});
      any = true;
    }
  if (!any) {
    // Same members, different order.
    by_column["(member order)"].push_back({id, phase, clip(load_content), clip(tail_content), ""});
  }
}

std::map<std::string, std::string> contents_by_id(const std::vector<RawTuple>& ts,
                                                  const std::string& op) {
  std::map<std::string, std::string> m;
  for (const auto& t : ts) {
    REQUIRE_MESSAGE(t.op == op, "unexpected op " << t.op << " for id " << t.id);
    REQUIRE_MESSAGE(m.emplace(t.id, t.content).second, "id " << t.id << " twice");
  }
  return m;
}

// The old (MariaDB 5.3 / pre-MySQL-5.6) layouts of DATETIME, TIME and TIMESTAMP, which tables
// created with mysql56_temporal_format=OFF (or upgraded from old servers) still use.
std::vector<ColumnSpec> old_temporal_columns() {
  std::vector<ColumnSpec> out;
  for (const auto& c : columns())
    if (c.name.rfind("c_datetime", 0) == 0 || c.name.rfind("c_time", 0) == 0) out.push_back(c);
  return out;
}

// The differential run over one table: `label` names it in messages and in the database name.
void run_differential(const std::string& label, const std::string& metadata,
                      const std::vector<ColumnSpec>& cols, std::size_t kRows,
                      bool old_temporal_format = false) {
  DiffSandbox& sbx = diff_sandbox();
  const std::string db = "dumpr_diff_" + label;
  const std::uint64_t seed =
      test_seed("differential " + label + " (binlog_row_metadata=" + metadata + ")");
  Rng rng(seed);

  GlobalSetting zone(sbx.socket(), "time_zone", "+05:30");
  GlobalSetting meta(sbx.socket(), "binlog_row_metadata", metadata);

  std::map<std::string, std::size_t> col_index;
  for (std::size_t i = 0; i < cols.size(); ++i) col_index[cols[i].name] = i;
  std::size_t max_edges = 0;
  for (const auto& c : cols) max_edges = std::max(max_edges, c.edges.size());

  {
    Client admin(sbx.socket());
    admin.exec("DROP DATABASE IF EXISTS " + db);
    admin.exec("CREATE DATABASE " + db + " CHARACTER SET utf8mb4");
  }
  Client c(sbx.socket(), db);
  // DUMPR_DIFF_SQL_LOG=FILE: every statement of the run, to replay a failure by hand.
  std::unique_ptr<std::ofstream> sql_log;
  if (const char* p = std::getenv("DUMPR_DIFF_SQL_LOG"); p && *p)
    sql_log = std::make_unique<std::ofstream>(std::string(p) + "." + label, std::ios::trunc);
  auto exec = [&](const std::string& sql) {
    if (sql_log) *sql_log << sql << ";\n";
    c.exec(sql);
  };
  exec("SET SESSION sql_mode = '', time_zone = '-07:00', innodb_strict_mode = 0");
  REQUIRE(c.scalar("SELECT @@GLOBAL.binlog_row_metadata") == metadata);
  {
    std::optional<GlobalSetting> old_format;
    if (old_temporal_format) old_format.emplace(sbx.socket(), "mysql56_temporal_format", "OFF");
    exec(create_table_sql(cols));
  }

  TempDir dir;
  // The starting checkpoint, after the table exists (so under MINIMAL it records the table's
  // definition), before any row.
  RunResult pos = run_dumpr("position", sbx.socket(), db, {"--checkpoint", dir / "p0.json"});
  REQUIRE_MESSAGE(pos.exit_code == 0, "position: " << dumpr_live::describe(pos));

  std::string insert_cols = "id, rev";
  for (const auto& col : cols)
    if (col.gen) insert_cols += ", " + col.name;

  // Phase 1: inserts, batches of 25 rows per statement.
  std::vector<std::vector<std::string>> inserted(kRows + 1), updated(kRows + 1);
  {
    std::string sql;
    std::size_t in_batch = 0;
    for (std::size_t id = 1; id <= kRows; ++id) {
      inserted[id] = make_row(rng, cols, id - 1, id - 1 < max_edges);
      std::string values = "(" + std::to_string(id) + ", 1";
      for (std::size_t k = 0; k < cols.size(); ++k)
        if (cols[k].gen) values += ", " + inserted[id][k];
      values += ")";
      sql += (in_batch ? ",\n" : "INSERT INTO every_type (" + insert_cols + ") VALUES\n") + values;
      if (++in_batch == 25 || id == kRows) {
        exec(sql);
        sql.clear();
        in_batch = 0;
      }
    }
  }
  RunResult load1 = run_dumpr("load", sbx.socket(), db, {"every_type"});
  REQUIRE_MESSAGE(load1.exit_code == 0,
                  "load (after inserts): exit " << load1.exit_code << " stderr: " << load1.err);

  // Phase 2: every row updated to new random values (edges included), 40 rows a transaction.
  {
    std::string sql;
    for (std::size_t id = 1; id <= kRows; ++id) {
      updated[id] = make_row(rng, cols, 0, false);
      std::string set;
      for (std::size_t k = 0; k < cols.size(); ++k)
        if (cols[k].gen) set += (set.empty() ? "" : ", ") + cols[k].name + " = " + updated[id][k];
      sql += "UPDATE every_type SET rev = 2, " + set + " WHERE id = " + std::to_string(id) + ";\n";
      if (id % 40 == 0 || id == kRows) {
        exec("BEGIN;\n" + sql + "COMMIT");
        sql.clear();
      }
    }
  }
  RunResult load2 = run_dumpr("load", sbx.socket(), db, {"every_type"});
  REQUIRE_MESSAGE(load2.exit_code == 0,
                  "load (after updates): exit " << load2.exit_code << " stderr: " << load2.err);

  // Phase 3: every row deleted, in a few statements of different shapes.
  exec("DELETE FROM every_type WHERE id % 3 = 0");
  exec(
      "BEGIN; DELETE FROM every_type WHERE id <= 100; DELETE FROM every_type WHERE id % 2 = 0; "
      "COMMIT");
  exec("DELETE FROM every_type");

  RunResult tail = run_dumpr("tail", sbx.socket(), db,
                             {"--from", dir / "p0.json", "--until-end", "--tables", "every_type"});
  CHECK_MESSAGE(tail.exit_code == 0,
                label << ": tail: exit " << tail.exit_code << " stderr: " << tail.err);
  if (tail.exit_code != 0) return;

  // Warnings (U+FFFD replacements) must be the same on both paths; print them for the report.
  if (!load1.err.empty()) MESSAGE("load stderr: " << load1.err.substr(0, 2000));
  if (!tail.err.empty()) MESSAGE("tail stderr: " << tail.err.substr(0, 2000));

  auto l1 = contents_by_id(split_tuples(load1.out), "upsert");
  auto l2 = contents_by_id(split_tuples(load2.out), "upsert");
  REQUIRE(l1.size() == kRows);
  REQUIRE(l2.size() == kRows);
  for (const auto& t : split_tuples(load1.out)) REQUIRE(t.metadata == "null");

  // Tail: per id, the first upsert is the insert, the second the update, then the delete.
  std::map<std::string, std::string> t_ins, t_upd, t_del;
  std::size_t others = 0;
  for (const auto& t : split_tuples(tail.out)) {
    if (t.table != "every_type") {
      ++others;
      continue;
    }
    if (t.op == "upsert") {
      if (!t_ins.count(t.id))
        t_ins[t.id] = t.content;
      else if (!t_upd.count(t.id))
        t_upd[t.id] = t.content;
      else
        FAIL("a third upsert for id " << t.id);
    } else {
      REQUIRE(t.op == "delete");
      REQUIRE_MESSAGE(t_del.emplace(t.id, t.content).second, "id " << t.id << " deleted twice");
    }
  }
  CHECK(others == 0);
  CHECK(t_ins.size() == kRows);
  CHECK(t_upd.size() == kRows);
  CHECK(t_del.size() == kRows);

  // Every id of load and tail: the same text (ids are compared as keys, byte for byte).
  std::map<std::string, std::vector<Mismatch>> by_column;
  std::size_t rows_compared = 0;
  auto compare_phase = [&](const std::string& phase, const std::map<std::string, std::string>& load,
                           const std::map<std::string, std::string>& tail_rows,
                           const std::vector<std::vector<std::string>>& literals) {
    for (const auto& [id, content] : load) {
      auto it = tail_rows.find(id);
      CHECK_MESSAGE(it != tail_rows.end(), phase << ": load has id " << id << ", tail does not");
      if (it == tail_rows.end()) continue;
      std::size_t n = static_cast<std::size_t>(std::strtoull(id.c_str(), nullptr, 10));
      compare_row(id, phase, content, it->second,
                  n < literals.size() ? literals[n] : std::vector<std::string>{}, col_index,
                  by_column);
      ++rows_compared;
    }
    for (const auto& [id, content] : tail_rows)
      CHECK_MESSAGE(load.count(id), phase << ": tail has id " << id << ", load does not");
  };
  compare_phase("insert (tail after-image vs load #1)", l1, t_ins, inserted);
  compare_phase("update (tail after-image vs load #2)", l2, t_upd, updated);
  compare_phase("delete (tail before-image vs load #2)", l2, t_del, updated);

  std::size_t total = 0;
  for (const auto& [col, list] : by_column) {
    total += list.size();
    std::ostringstream msg;
    std::string type = "?";
    if (auto it = col_index.find(col); it != col_index.end()) type = cols[it->second].type;
    msg << label << ", binlog_row_metadata=" << metadata << ": column " << col << " (" << type
        << ") differs in " << list.size() << " of " << rows_compared << " compared rows";
    for (std::size_t i = 0; i < list.size() && i < 4; ++i)
      msg << "\n  [" << list[i].phase << "] id " << list[i].id << ", value " << list[i].value
          << "\n    load: " << list[i].load << "\n    tail: " << list[i].tail;
    CHECK_MESSAGE(list.empty(), msg.str());
  }
  CHECK_MESSAGE(total == 0, "seed " << seed << ": " << total << " differing values in "
                                    << by_column.size() << " columns");
  MESSAGE(label << ", binlog_row_metadata=" << metadata << ": compared " << rows_compared
                << " rows of " << cols.size() + 2 << " columns");

  Client admin(sbx.socket());
  admin.exec("DROP DATABASE IF EXISTS " + db);
}

}  // namespace

TEST_CASE("differential: load and tail agree on every type, binlog_row_metadata=FULL") {
  run_differential("full", "FULL", columns(), 2000);
}

TEST_CASE("differential: load and tail agree on every type, binlog_row_metadata=MINIMAL") {
  run_differential("minimal", "MINIMAL", columns(/*four_byte_enum_members=*/false), 2000);
}

// One table per column, so that a failure of one layout does not hide the others.
TEST_CASE(
    "differential: DATETIME, TIME and TIMESTAMP in their old (mysql56_temporal_format=OFF) "
    "layouts") {
  if (dumpr_live::server_is_mysql()) {
    dumpr_live::skipped_on_mysql("the old temporal layouts",
                                 "MySQL has no mysql56_temporal_format and cannot create them");
    return;
  }
  for (const auto& col : old_temporal_columns())
    run_differential("old_" + col.name, "FULL", {col}, 150, true);
}

// A JSON document that is a bare literal (null, true, false) with whitespace around it: valid
// JSON the server accepts, and the same value as the literal alone.
TEST_CASE("differential: JSON documents that are a bare literal with whitespace around it") {
  DiffSandbox& sbx = diff_sandbox();
  const std::string db = "dumpr_diff_json_literals";
  {
    Client admin(sbx.socket());
    admin.exec("DROP DATABASE IF EXISTS " + db);
    admin.exec("CREATE DATABASE " + db + " CHARACTER SET utf8mb4");
  }
  Client c(sbx.socket(), db);
  c.exec("CREATE TABLE j (id INT PRIMARY KEY, doc JSON)");
  TempDir dir;
  RunResult pos = run_dumpr("position", sbx.socket(), db, {"--checkpoint", dir / "p0.json"});
  REQUIRE_MESSAGE(pos.exit_code == 0, "position: " << dumpr_live::describe(pos));
  // id -> (document, its canonical form)
  const std::vector<std::pair<std::string, std::string>> docs = {
      {"null ", "null"},    {" null\n", "null"},    {"true ", "true"},    {"true\n  ", "true"},
      {" false ", "false"}, {"false\n  ", "false"}, {"null", "null"},     {" 1 ", "1"},
      {" \"s\" ", "\"s\""}, {" {} ", "{}"},         {"[null ]", "[null]"}};
  for (std::size_t i = 0; i < docs.size(); ++i)
    c.exec("INSERT INTO j VALUES (" + std::to_string(i + 1) + ", " +
           sql_bytes(docs[i].first, "utf8mb4") + ")");
  RunResult load = run_dumpr("load", sbx.socket(), db, {"j"});
  REQUIRE_MESSAGE(load.exit_code == 0, "load: " << dumpr_live::describe(load));
  RunResult tail = run_dumpr("tail", sbx.socket(), db, {"--from", dir / "p0.json", "--until-end"});
  CHECK_MESSAGE(load.err.empty(), "load warns: " << load.err);
  auto loaded = contents_by_id(split_tuples(load.out), "upsert");
  for (std::size_t i = 0; i < docs.size(); ++i) {
    const std::string id = std::to_string(i + 1);
    CHECK_MESSAGE(
        loaded[id] == "{\"id\":" + id + ",\"doc\":" + docs[i].second + "}",
        "load of JSON text " << sql_bytes(docs[i].first, "utf8mb4") << ": " << loaded[id]);
  }
  REQUIRE_MESSAGE(tail.exit_code == 0, "tail: exit " << tail.exit_code << " stderr: " << tail.err);
  std::map<std::string, std::string> tailed;
  for (const auto& t : split_tuples(tail.out)) tailed[t.id] = t.content;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    const std::string id = std::to_string(i + 1);
    CHECK_MESSAGE(tailed[id] == loaded[id], "JSON text " << sql_bytes(docs[i].first, "utf8mb4")
                                                         << "\n  load: " << loaded[id]
                                                         << "\n  tail: " << tailed[id]);
  }
  Client admin(sbx.socket());
  admin.exec("DROP DATABASE IF EXISTS " + db);
}
