#include "mysql/result_columns.hpp"

#include <cstring>
#include <string_view>

namespace dumpr::mysql {

namespace {

// MariaDB sends the data type name ("uuid", "inet6") and format ("json") of extended types as
// extended metadata (MARIADB_CLIENT_EXTENDED_METADATA).
std::string_view field_attr(const MYSQL_FIELD& f, enum mariadb_field_attr_t which) {
  MARIADB_CONST_STRING attr{};
  if (mariadb_field_attr(&attr, &f, which) == 0 && attr.str) return {attr.str, attr.length};
  return {};
}

}  // namespace

row::Column column_from_field(const MYSQL_FIELD& f) {
  using row::Kind;
  row::Column c;
  c.name.assign(f.name, f.name_length);
  c.collation = static_cast<std::uint16_t>(f.charsetnr);
  const bool is_unsigned = f.flags & UNSIGNED_FLAG;
  std::string_view type_name = field_attr(f, MARIADB_FIELD_ATTR_DATA_TYPE_NAME);
  std::string_view format = field_attr(f, MARIADB_FIELD_ATTR_FORMAT_NAME);
  switch (f.type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
      c.kind = is_unsigned ? Kind::unsigned_int : Kind::signed_int;
      break;
    case MYSQL_TYPE_YEAR:
      c.kind = Kind::year;
      break;
    case MYSQL_TYPE_BIT:
      c.kind = Kind::bit;
      c.bits = static_cast<std::uint16_t>(f.length);
      break;
    case MYSQL_TYPE_FLOAT:
      c.kind = Kind::float32;
      break;
    case MYSQL_TYPE_DOUBLE:
      c.kind = Kind::float64;
      break;
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL:
      c.kind = Kind::decimal;
      c.scale = static_cast<std::uint8_t>(f.decimals);
      break;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
      c.kind = Kind::date;
      break;
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_DATETIME2:
      c.kind = Kind::datetime;
      c.fsp = static_cast<std::uint8_t>(f.decimals > 6 ? 0 : f.decimals);
      break;
    case MYSQL_TYPE_TIMESTAMP:
    case MYSQL_TYPE_TIMESTAMP2:
      c.kind = Kind::timestamp;
      c.fsp = static_cast<std::uint8_t>(f.decimals > 6 ? 0 : f.decimals);
      break;
    case MYSQL_TYPE_TIME:
    case MYSQL_TYPE_TIME2:
      c.kind = Kind::time;
      c.fsp = static_cast<std::uint8_t>(f.decimals > 6 ? 0 : f.decimals);
      break;
    case MYSQL_TYPE_JSON:
      c.kind = Kind::json;
      break;
    case MYSQL_TYPE_GEOMETRY:
      c.kind = Kind::geometry;
      break;
    case MYSQL_TYPE_ENUM:
      c.kind = Kind::enumeration;
      break;
    case MYSQL_TYPE_SET:
      c.kind = Kind::set;
      break;
    default:
      if (f.flags & ENUM_FLAG)
        c.kind = Kind::enumeration;
      else if (f.flags & SET_FLAG)
        c.kind = Kind::set;
      else if (format == "json")
        c.kind = Kind::json;
      else if (type_name == "uuid" || type_name == "inet4" || type_name == "inet6") {
        c.kind = Kind::server_text;
        c.type_name = std::string(type_name);
      } else if (f.charsetnr == 63)
        c.kind = Kind::binary;
      else
        c.kind = Kind::text;
      break;
  }
  return c;
}

}  // namespace dumpr::mysql
