#include "schema/column_types.hpp"

namespace dumpr::schema {

namespace {

bool any_of(std::string_view t, std::initializer_list<std::string_view> names) {
  for (std::string_view n : names)
    if (t == n) return true;
  return false;
}

}  // namespace

std::optional<row::Kind> kind_of_type(std::string_view t, bool is_unsigned, std::uint16_t collation,
                                      unsigned float_precision) {
  using row::Kind;
  if (any_of(t, {"tinyint", "smallint", "mediumint", "int", "integer", "bigint", "int1", "int2",
                 "int3", "int4", "int8", "middleint"}))
    return is_unsigned ? Kind::unsigned_int : Kind::signed_int;
  if (any_of(t, {"bool", "boolean"})) return Kind::signed_int;
  if (t == "serial") return Kind::unsigned_int;
  if (t == "year") return Kind::year;
  if (t == "bit") return Kind::bit;
  if (any_of(t, {"float", "float4"})) return float_precision > 24 ? Kind::float64 : Kind::float32;
  if (any_of(t, {"double", "real", "float8"})) return Kind::float64;
  if (any_of(t, {"decimal", "dec", "numeric", "fixed"})) return Kind::decimal;
  if (t == "date") return Kind::date;
  if (t == "datetime") return Kind::datetime;
  if (t == "timestamp") return Kind::timestamp;
  if (t == "time") return Kind::time;
  if (t == "enum") return Kind::enumeration;
  if (t == "set") return Kind::set;
  if (t == "json") return Kind::json;
  if (any_of(t, {"uuid", "inet4", "inet6"})) return Kind::server_text;
  if (any_of(t, {"geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
                 "multipolygon", "geometrycollection", "geomcollection"}))
    return Kind::geometry;
  if (any_of(t, {"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "vector"}))
    return Kind::binary;
  if (any_of(t, {"char", "varchar", "tinytext", "text", "mediumtext", "longtext", "nchar",
                 "nvarchar", "varchar2", "character", "long", "clob"}))
    return collation == 63 ? Kind::binary : Kind::text;
  return std::nullopt;
}

}  // namespace dumpr::schema
