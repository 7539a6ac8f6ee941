// A column as the row-normalisation core sees it: a name and a logical kind that decides the JSON
// shape of its values. Both paths build these: load from the result set's field metadata and the
// table's definition, tail from the binlog's table map and the same definition. One Kind, one
// shape: this is where the same-shape promise starts. Everything else known about a kind (its
// SQL type names, type codes, binlog types, attributes) is in its row of row/kinds.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dumpr::row {

enum class Kind : std::uint8_t {
  signed_int,    // TINYINT..BIGINT                  -> JSON integer
  unsigned_int,  // ... UNSIGNED                      -> JSON integer
  year,          // YEAR                             -> JSON integer (0 stays 0)
  bit,           // BIT(n)                           -> JSON integer
  float32,       // FLOAT                            -> shortest number that reads back to the float
  float64,      // DOUBLE                           -> shortest number that reads back to the double
  decimal,      // DECIMAL(p,s)                     -> "1.50" (exactly s fraction digits)
  date,         // DATE                             -> "2024-01-31"
  datetime,     // DATETIME(n)                      -> "2024-01-31T13:45:00.123"
  timestamp,    // TIMESTAMP(n)                     -> "2024-01-31T13:45:00.123Z" (UTC)
  time,         // TIME(n)                          -> "-838:59:59.000000"
  text,         // CHAR/VARCHAR/TEXT in a charset   -> JSON string (UTF-8)
  binary,       // BINARY/VARBINARY/BLOB            -> base64 string
  enumeration,  // ENUM                             -> member name
  set,          // SET                              -> "a,b" in definition order
  json,         // JSON                             -> the JSON value itself
  geometry,     // GEOMETRY and subtypes            -> base64 of SRID + WKB
  server_text,  // MariaDB UUID/INET4/INET6         -> the text the server prints
  // The last kind: a new kind goes above and moves this. row/kinds.hpp has a row for each kind
  // up to here, which its static checks enforce.
  last_kind = server_text,
};

// The kind's name in messages ("unsigned integer").
const char* kind_name(Kind k);

struct Column {
  std::string name;  // as the table defines it, case kept (UTF-8)
  Kind kind = Kind::text;
  std::uint16_t collation = 0;       // collation id (charset) of text, enum and set columns
  std::uint8_t fsp = 0;              // fraction digits of DATETIME/TIMESTAMP/TIME (0..6)
  std::uint8_t precision = 0;        // DECIMAL precision
  std::uint8_t scale = 0;            // DECIMAL scale
  std::uint16_t bits = 0;            // BIT(n): n
  std::vector<std::string> members;  // ENUM/SET members in definition order, UTF-8
  std::string type_name;             // server type name for server_text ("uuid", "inet4", "inet6")
};

}  // namespace dumpr::row
