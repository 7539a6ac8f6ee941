#include "tail/prepared_xa.hpp"

#include <cctype>
#include <charconv>

#include "tail/transaction.hpp"

namespace dumpr::tail {

namespace {

constexpr char kHex[] = "0123456789abcdef";

void put_hex(std::string& out, std::string_view bytes) {
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
}

void skip_blanks(std::string_view& s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// One part of an xid: X'hex' or 'text' (a quote doubled or backslashed inside stands for
// itself), as bytes.
bool parse_part(std::string_view& s, std::string& bytes) {
  bytes.clear();
  skip_blanks(s);
  if (s.size() >= 2 && (s[0] == 'X' || s[0] == 'x') && s[1] == '\'') {
    s.remove_prefix(2);
    auto end = s.find('\'');
    if (end == std::string_view::npos || end % 2 != 0) return false;
    for (std::size_t i = 0; i < end; i += 2) {
      int hi = hex_digit(s[i]), lo = hex_digit(s[i + 1]);
      if (hi < 0 || lo < 0) return false;
      bytes += static_cast<char>(hi * 16 + lo);
    }
    s.remove_prefix(end + 1);
    return true;
  }
  if (s.empty() || (s[0] != '\'' && s[0] != '"')) return false;
  const char q = s[0];
  s.remove_prefix(1);
  while (!s.empty()) {
    char c = s.front();
    s.remove_prefix(1);
    if (c == '\\' && !s.empty()) {
      bytes += s.front();
      s.remove_prefix(1);
    } else if (c == q) {
      if (!s.empty() && s.front() == q) {
        bytes += q;
        s.remove_prefix(1);
      } else {
        return true;
      }
    } else {
      bytes += c;
    }
  }
  return false;
}

}  // namespace

std::string xid_text(std::int32_t format_id, std::string_view gtrid, std::string_view bqual) {
  std::string out = "X'";
  put_hex(out, gtrid);
  out += "',X'";
  put_hex(out, bqual);
  out += "',";
  out += std::to_string(format_id);
  return out;
}

bool parse_xid(std::string_view s, std::string& out) {
  std::string gtrid, bqual;
  std::int64_t format_id = 1;
  if (!parse_part(s, gtrid)) return false;
  skip_blanks(s);
  if (!s.empty() && s.front() == ',') {
    s.remove_prefix(1);
    if (!parse_part(s, bqual)) return false;
    skip_blanks(s);
    if (!s.empty() && s.front() == ',') {
      s.remove_prefix(1);
      skip_blanks(s);
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), format_id);
      if (ec != std::errc() || p == s.data()) return false;
      s.remove_prefix(static_cast<std::size_t>(p - s.data()));
    }
  }
  // What may follow: ONE PHASE, FOR MIGRATE and the like, a ';'.
  skip_blanks(s);
  if (!s.empty() && !std::isalpha(static_cast<unsigned char>(s.front())) && s.front() != ';')
    return false;
  out = xid_text(static_cast<std::int32_t>(format_id), gtrid, bqual);
  return true;
}

bool position_before(const PreparedXa& a, const PreparedXa& b) {
  if (a.file == b.file) return a.position < b.position;
  return file_number(a.file) < file_number(b.file);
}

}  // namespace dumpr::tail
