#include "schema/sql_tokens.hpp"

#include <algorithm>
#include <cctype>

namespace dumpr::schema {

namespace {

bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}

}  // namespace

std::optional<std::vector<Token>> tokenize(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0, n = s.size();
  while (i < n) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '#' || (c == '-' && i + 2 < n && s[i + 1] == '-' &&
                            std::isspace(static_cast<unsigned char>(s[i + 2])))) {
      while (i < n && s[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      if (i + 2 < n && (s[i + 2] == '!' || s[i + 2] == 'M')) {
        // /*!50100 text */ or /*M!100100 text */: keep the text.
        i += 3;
        if (s[i - 1] == 'M' && i < n && s[i] == '!') ++i;
        while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        continue;  // the closing */ is skipped below
      }
      auto close = s.find("*/", i + 2);
      if (close == std::string_view::npos) return std::nullopt;
      i = close + 2;
    } else if (c == '*' && i + 1 < n && s[i + 1] == '/') {
      i += 2;  // end of an executable comment
    } else if (c == '`' || c == '"') {
      // `identifier` ("identifier" only matters under ANSI_QUOTES; read alike)
      std::string t;
      ++i;
      while (true) {
        if (i >= n) return std::nullopt;
        if (s[i] == c) {
          if (i + 1 < n && s[i + 1] == c) {
            t += c;
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        t += s[i++];
      }
      out.push_back({c == '`' ? Token::Type::quoted : Token::Type::string, std::move(t)});
    } else if (c == '\'') {
      std::string t;
      ++i;
      while (true) {
        if (i >= n) return std::nullopt;
        if (s[i] == '\\' && i + 1 < n) {
          t += s[i + 1];
          i += 2;
          continue;
        }
        if (s[i] == '\'') {
          if (i + 1 < n && s[i + 1] == '\'') {
            t += '\'';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        t += s[i++];
      }
      out.push_back({Token::Type::string, std::move(t)});
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      std::size_t start = i;
      while (i < n && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
      out.push_back({Token::Type::number, std::string(s.substr(start, i - start))});
    } else if (is_word_char(c)) {
      std::size_t start = i;
      while (i < n && is_word_char(s[i])) ++i;
      out.push_back({Token::Type::word, std::string(s.substr(start, i - start))});
    } else {
      out.push_back({Token::Type::punct, std::string(1, c)});
      ++i;
    }
  }
  out.push_back({Token::Type::end, {}});
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace dumpr::schema
