// Keys as the output writes them (an id's JSON: a scalar, or an array for a composite key), taken
// apart and compared where dumpr can do it exactly: integers (signed or unsigned, as JSON numbers
// or, with --bigint-as-string, strings of digits). Pure and header-only: the unit tests check it
// at the extremes of BIGINT and BIGINT UNSIGNED.
#pragma once

#include <charconv>
#include <cstdint>
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

}  // namespace dumpr::snapshot
