// SQL as tokens, for the statements dumpr reads from the binary log (DDL it applies to its table
// definitions, and the statements it must recognise: TRUNCATE, DROP, DML logged as a statement).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dumpr::schema {

struct Token {
  enum class Type { word, quoted, string, number, punct, end };
  Type type = Type::end;
  std::string text;  // identifiers unquoted; strings unescaped; words as written
};

// Splits SQL into tokens, ending with one of Type::end. Comments are dropped, except MySQL's
// executable comments /*! ... */, whose text is kept (the server runs it). nullopt: an
// unterminated quote or comment.
std::optional<std::vector<Token>> tokenize(std::string_view sql);

// ASCII case-insensitive equality (SQL keywords).
bool iequals(std::string_view a, std::string_view b);

std::string lower(std::string s);

}  // namespace dumpr::schema
