#include "row/column.hpp"

namespace dumpr::row {

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::signed_int:
      return "signed integer";
    case Kind::unsigned_int:
      return "unsigned integer";
    case Kind::year:
      return "year";
    case Kind::bit:
      return "bit";
    case Kind::float32:
      return "float";
    case Kind::float64:
      return "double";
    case Kind::decimal:
      return "decimal";
    case Kind::date:
      return "date";
    case Kind::datetime:
      return "datetime";
    case Kind::timestamp:
      return "timestamp";
    case Kind::time:
      return "time";
    case Kind::text:
      return "text";
    case Kind::binary:
      return "binary";
    case Kind::enumeration:
      return "enum";
    case Kind::set:
      return "set";
    case Kind::json:
      return "json";
    case Kind::geometry:
      return "geometry";
    case Kind::server_text:
      return "server text";
  }
  return "?";
}

}  // namespace dumpr::row
