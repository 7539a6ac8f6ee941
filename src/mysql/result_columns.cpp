#include "mysql/result_columns.hpp"

#include <cstring>
#include <string_view>

#include "row/kinds.hpp"

namespace dumpr::mysql {

namespace {

// The result set's type codes are the ones the kind table lists (row::FieldType).
constexpr bool same_code(enum_field_types a, row::FieldType b) {
  return static_cast<int>(a) == static_cast<int>(b);
}
static_assert(
    same_code(MYSQL_TYPE_DECIMAL, row::kDecimal) && same_code(MYSQL_TYPE_TINY, row::kTiny) &&
    same_code(MYSQL_TYPE_SHORT, row::kShort) && same_code(MYSQL_TYPE_LONG, row::kLong) &&
    same_code(MYSQL_TYPE_FLOAT, row::kFloat) && same_code(MYSQL_TYPE_DOUBLE, row::kDouble) &&
    same_code(MYSQL_TYPE_NULL, row::kNull) && same_code(MYSQL_TYPE_TIMESTAMP, row::kTimestamp) &&
    same_code(MYSQL_TYPE_LONGLONG, row::kLongLong) && same_code(MYSQL_TYPE_INT24, row::kInt24) &&
    same_code(MYSQL_TYPE_DATE, row::kDate) && same_code(MYSQL_TYPE_TIME, row::kTime) &&
    same_code(MYSQL_TYPE_DATETIME, row::kDateTime) && same_code(MYSQL_TYPE_YEAR, row::kYear) &&
    same_code(MYSQL_TYPE_NEWDATE, row::kNewDate) && same_code(MYSQL_TYPE_VARCHAR, row::kVarchar) &&
    same_code(MYSQL_TYPE_BIT, row::kBit) && same_code(MYSQL_TYPE_TIMESTAMP2, row::kTimestamp2) &&
    same_code(MYSQL_TYPE_DATETIME2, row::kDateTime2) && same_code(MYSQL_TYPE_TIME2, row::kTime2) &&
    same_code(MYSQL_TYPE_JSON, row::kJson) && same_code(MYSQL_TYPE_NEWDECIMAL, row::kNewDecimal) &&
    same_code(MYSQL_TYPE_ENUM, row::kEnum) && same_code(MYSQL_TYPE_SET, row::kSet) &&
    same_code(MYSQL_TYPE_TINY_BLOB, row::kTinyBlob) &&
    same_code(MYSQL_TYPE_MEDIUM_BLOB, row::kMediumBlob) &&
    same_code(MYSQL_TYPE_LONG_BLOB, row::kLongBlob) && same_code(MYSQL_TYPE_BLOB, row::kBlob) &&
    same_code(MYSQL_TYPE_VAR_STRING, row::kVarString) &&
    same_code(MYSQL_TYPE_STRING, row::kString) && same_code(MYSQL_TYPE_GEOMETRY, row::kGeometry));

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
  if (std::optional<Kind> k = row::kind_of_field_type(static_cast<std::uint8_t>(f.type))) {
    c.kind = row::with_sign(*k, is_unsigned);
    const auto fsp = static_cast<std::uint8_t>(f.decimals > 6 ? 0 : f.decimals);
    switch (row::kind_info(c.kind).params) {
      case row::KindParams::bits:
        c.bits = static_cast<std::uint16_t>(f.length);
        break;
      case row::KindParams::decimal:
        c.scale = static_cast<std::uint8_t>(f.decimals);
        break;
      case row::KindParams::fsp:
        c.fsp = fsp;
        break;
      default:  // ENUM/SET members and type names are not in the result's metadata
        break;
    }
    return c;
  }
  // The string types: what they hold is in the flags and MariaDB's extended metadata.
  if (f.flags & ENUM_FLAG)
    c.kind = Kind::enumeration;
  else if (f.flags & SET_FLAG)
    c.kind = Kind::set;
  else if (format == "json")
    c.kind = Kind::json;
  else if (row::kind_of_sql_type(type_name, false, 0) == Kind::server_text) {
    c.kind = Kind::server_text;
    c.type_name = std::string(type_name);
  } else
    c.kind = row::with_charset(Kind::text, f.charsetnr);
  return c;
}

}  // namespace dumpr::mysql
