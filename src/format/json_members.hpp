// Walks the members of a row object dumpr wrote itself (compact, valid JSON): each member's key
// (the quoted name) and its value's text. For formats that list some columns (Maxwell's "old").
#pragma once

#include <cstddef>
#include <string_view>

namespace dumpr::format {

class MemberReader {
 public:
  explicit MemberReader(std::string_view object) : s_(object), i_(object.empty() ? 0 : 1) {}

  // The next member, or false after the last.
  bool next(std::string_view& key, std::string_view& value) {
    if (i_ == 0 || i_ >= s_.size() || s_[i_] == '}') return false;
    const std::size_t k = i_;
    i_ = skip(i_);
    key = s_.substr(k, i_ - k);
    ++i_;  // ':'
    const std::size_t v = i_;
    i_ = skip(i_);
    value = s_.substr(v, i_ - v);
    if (i_ < s_.size() && s_[i_] == ',') ++i_;
    return true;
  }

 private:
  // The end of the value starting at i.
  std::size_t skip(std::size_t i) const {
    int depth = 0;
    bool in_string = false;
    for (; i < s_.size(); ++i) {
      const char c = s_[i];
      if (in_string) {
        if (c == '\\')
          ++i;
        else if (c == '"' && (in_string = false, depth == 0))
          return i + 1;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (depth == 0) return i;
        if (--depth == 0) return i + 1;
      } else if ((c == ',' || c == ':') && depth == 0) {
        return i;
      }
    }
    return i;
  }

  std::string_view s_;
  std::size_t i_;
};

}  // namespace dumpr::format
