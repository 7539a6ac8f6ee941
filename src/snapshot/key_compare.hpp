// Keys as the output writes them (an id's JSON: a scalar, or an array for a composite key), taken
// apart and compared where dumpr can do it exactly, in the order the server's index has them:
// integers (signed or unsigned, as JSON numbers or, with --bigint-as-string, strings of digits),
// DECIMAL ("-12.50"), dates and times (row/values.hpp's fixed-width texts), TIME
// ("-838:59:59.000000") and binary strings (base64, compared as the bytes they stand for).
// Text and MariaDB's UUID/INET types are compared by the server (online_snapshot.cpp). Pure and
// header-only: the unit tests check it at the extremes and against seeded random values.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dumpr::snapshot {

// A JSON string's body (the quotes taken off); anything else as it is.
inline std::string_view unquote(std::string_view e) {
  if (e.size() >= 2 && e.front() == '"' && e.back() == '"') return e.substr(1, e.size() - 2);
  return e;
}

// Splits an id's JSON into its elements' JSON texts (one for a scalar).
inline void split_id(std::string_view id, std::vector<std::string_view>& out) {
  out.clear();
  if (id.empty() || id.front() != '[') {
    out.push_back(id);
    return;
  }
  std::size_t start = 1;
  bool in_string = false;
  for (std::size_t i = 1; i < id.size(); ++i) {
    const char c = id[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == ',' || c == ']') {
      out.push_back(id.substr(start, i - start));
      start = i + 1;
    }
  }
}

// Compares two integer elements: <0, 0, >0.
inline int compare_integers(std::string_view a, std::string_view b, bool is_unsigned) {
  a = unquote(a);
  b = unquote(b);
  if (is_unsigned) {
    std::uint64_t x = 0, y = 0;
    std::from_chars(a.data(), a.data() + a.size(), x);
    std::from_chars(b.data(), b.data() + b.size(), y);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  std::int64_t x = 0, y = 0;
  std::from_chars(a.data(), a.data() + a.size(), x);
  std::from_chars(b.data(), b.data() + b.size(), y);
  return x < y ? -1 : x > y ? 1 : 0;
}

// Compares the magnitudes of two unsigned decimal texts "digits[.digits]".
inline int compare_unsigned_decimals(std::string_view a, std::string_view b) {
  const std::size_t da = std::min(a.find('.'), a.size()), db = std::min(b.find('.'), b.size());
  std::string_view ia = a.substr(0, da), ib = b.substr(0, db);
  while (ia.size() > 1 && ia.front() == '0') ia.remove_prefix(1);
  while (ib.size() > 1 && ib.front() == '0') ib.remove_prefix(1);
  if (ia.size() != ib.size()) return ia.size() < ib.size() ? -1 : 1;
  if (int c = ia.compare(ib); c != 0) return c < 0 ? -1 : 1;
  const std::string_view fa = da < a.size() ? a.substr(da + 1) : std::string_view();
  const std::string_view fb = db < b.size() ? b.substr(db + 1) : std::string_view();
  for (std::size_t i = 0; i < fa.size() || i < fb.size(); ++i) {
    const char x = i < fa.size() ? fa[i] : '0', y = i < fb.size() ? fb[i] : '0';
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

inline bool all_zero_digits(std::string_view s) {
  return s.find_first_not_of("0.:") == std::string_view::npos;
}

// Unquotes a DECIMAL or TIME element and takes its '-' off; whether it is negative (a negative
// zero, "-0.00" or "-00:00:00", is not).
inline bool take_sign(std::string_view& s) {
  s = unquote(s);
  if (s.empty() || s.front() != '-') return false;
  s.remove_prefix(1);
  return !all_zero_digits(s);
}

// Compares two DECIMAL elements ("-12.50", strings): <0, 0, >0. -0 equals 0.
inline int compare_decimals(std::string_view a, std::string_view b) {
  const bool na = take_sign(a), nb = take_sign(b);
  if (na != nb) return na ? -1 : 1;
  const int m = compare_unsigned_decimals(a, b);
  return na ? -m : m;
}

// Compares two TIME elements ("-838:59:59.000000": a sign, two or three hour digits, then a
// fixed-width rest): <0, 0, >0.
inline int compare_times(std::string_view a, std::string_view b) {
  const bool na = take_sign(a), nb = take_sign(b);
  if (na != nb) return na ? -1 : 1;
  const std::size_t ha = std::min(a.find(':'), a.size()), hb = std::min(b.find(':'), b.size());
  int m = 0;
  if (ha != hb)
    m = ha < hb ? -1 : 1;
  else if (int c = a.compare(b); c != 0)
    m = c < 0 ? -1 : 1;
  return na ? -m : m;
}

// Compares two texts of one fixed-width shape whose byte order is their order: DATE
// "2024-01-31", DATETIME "2024-01-31T13:45:00.123", TIMESTAMP "...Z" (one column: one width).
inline int compare_fixed_texts(std::string_view a, std::string_view b) {
  const int c = unquote(a).compare(unquote(b));
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

// A base64 digit's value (A-Z a-z 0-9 + /), or -1 (padding, anything else).
inline int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Compares two binary strings written in base64 as their bytes compare (memcmp, then the shorter
// first), without decoding them: the digits are the bytes' bits six at a time, and the zero bits
// that pad the last digit make a shorter string compare equal to its extension up to there, so
// the digit count decides then (n bytes take ceil(8n/6) digits, more for every extra byte).
inline int compare_base64(std::string_view a, std::string_view b) {
  a = unquote(a);
  b = unquote(b);
  std::size_t i = 0;
  for (;; ++i) {
    const int x = i < a.size() ? base64_value(a[i]) : -1;
    const int y = i < b.size() ? base64_value(b[i]) : -1;
    if (x < 0 || y < 0) return x < 0 && y < 0 ? 0 : x < 0 ? -1 : 1;
    if (x != y) return x < y ? -1 : 1;
  }
}

// Appends the bytes a base64 text stands for.
inline void decode_base64(std::string_view text, std::string& out) {
  text = unquote(text);
  unsigned acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = base64_value(c);
    if (v < 0) break;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
}

}  // namespace dumpr::snapshot
