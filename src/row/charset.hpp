// Character sets: which one a collation id belongs to, and conversion of its bytes to UTF-8.
// The server sends (load) and logs (tail) text in the column's own character set; both paths
// convert here, so text is the same JSON whichever path read it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "row/json_out.hpp"

namespace dumpr::row {

enum class Charset : std::uint8_t {
  utf8,    // utf8mb3 and utf8mb4
  latin1,  // MySQL's latin1, which is Windows-1252 with the five holes mapped to C1 controls
  ascii,
  binary,
  ucs2,
  utf16,  // big-endian
  utf16le,
  utf32,    // big-endian
  other,    // a legacy charset converted with iconv (see iconv_name)
  unknown,  // an id we do not know: treated as UTF-8 (invalid bytes replaced)
};

Charset charset_of(std::uint16_t collation);

// The iconv name of a legacy charset's collation, or nullptr.
const char* iconv_name(std::uint16_t collation);

// Appends `bytes` (in the collation's charset) to `out` as the escaped body of a JSON string.
// Invalid sequences become U+FFFD; returns true when any did.
bool append_as_utf8(JsonOut& out, std::string_view bytes, std::uint16_t collation);

// `bytes` in the collation's charset as plain UTF-8 (not escaped), for names and ENUM/SET
// members read once per table, not per value.
std::string to_utf8(std::string_view bytes, std::uint16_t collation);

// Appends UTF-8 (validating: invalid sequences become U+FFFD, maximal subpart per WHATWG).
bool append_utf8_validated(JsonOut& out, std::string_view bytes);

}  // namespace dumpr::row
