// The column kinds in one table: one row per row::Kind with every fact the other places consult
// about it, so that adding a kind means a Kind value, a row here and (if its values are new) a
// writer in row/values, not a dozen scattered lists. The places that consult it:
//   schema/ddl, mysql/table_schema    the SQL type names (kind_of_sql_type) and the attributes a
//                                     kind carries (params, charset, implied_collation)
//   mysql/result_columns              the result set's type codes (kind_of_field_type)
//   binlog/table_map                  the table map's type codes (kind_of_field_type)
//   binlog/rows                       which binlog types a kind is read from (binlog_type_fits)
//                                     and how its values are written (written)
//   tail (building a table)           what a table map cannot tell (definition_only, signedness,
//                                     by_charset)
//   mysql/schema_history              the kind's id in the checkpoint (id, kind_of_id)
//   row/column                        the kind's name in messages (kind_name)
// The static checks in kinds.cpp fail the build while a row is missing, out of order or at odds
// with the rest of the table.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "row/column.hpp"

namespace dumpr::row {

// enum_field_types (MySQL include/field_types.h, MariaDB include/mysql_com.h): the column type
// codes of a binlog's table map and of a result set's field metadata; one numbering for both.
enum FieldType : std::uint8_t {
  kDecimal = 0,
  kTiny = 1,
  kShort = 2,
  kLong = 3,
  kFloat = 4,
  kDouble = 5,
  kNull = 6,
  kTimestamp = 7,
  kLongLong = 8,
  kInt24 = 9,
  kDate = 10,
  kTime = 11,
  kDateTime = 12,
  kYear = 13,
  kNewDate = 14,
  kVarchar = 15,
  kBit = 16,
  kTimestamp2 = 17,
  kDateTime2 = 18,
  kTime2 = 19,
  kTypedArray = 20,  // MySQL 8 multi-valued index helper; never carries row data
  kVector = 242,     // MySQL 9
  kBool = 244,       // MySQL 8: internal only
  kJson = 245,
  kNewDecimal = 246,
  kEnum = 247,
  kSet = 248,
  kTinyBlob = 249,
  kMediumBlob = 250,
  kLongBlob = 251,
  kBlob = 252,
  kVarString = 253,
  kString = 254,
  kGeometry = 255,
};

// Which of Column's attributes a kind carries: each source reads them from its own metadata
// (information_schema's NUMERIC_PRECISION, a DDL's type arguments, a table map's metadata, ...).
enum class KindParams : std::uint8_t {
  none,
  bits,         // BIT(n): Column::bits
  decimal,      // DECIMAL(p,s): Column::precision and scale
  fsp,          // fraction digits of a temporal value: Column::fsp
  members,      // ENUM/SET member names: Column::members
  server_type,  // the server's type name ("uuid", "inet4", "inet6"): Column::type_name
};

// How a value of the kind is written, as the binlog decoder chooses its output (binlog/rows.cpp).
enum class Written : std::uint8_t {
  native,       // by the binlog type's own decoder: numbers, dates and times
  text,         // text in the column's charset (base64 of the bytes in the binary charset)
  bytes,        // base64 of the bytes
  members,      // ENUM/SET member names (the stored number when the names are unknown)
  json,         // the JSON document (from binary JSON or from JSON text)
  server_text,  // the text the server prints for a binary value (UUID, INET4, INET6)
};

// How a SQL type name gives its kind (information_schema's DATA_TYPE, the types of a DDL).
enum class SqlRefine : std::uint8_t {
  none,       // always the kind of its row
  sign,       // UNSIGNED makes it unsigned_int
  precision,  // FLOAT(p) with p > 24 is a DOUBLE (float64)
  charset,    // in the binary charset (collation 63) it is binary
};

struct SqlType {
  std::string_view name;  // lower case, without arguments
  SqlRefine refine = SqlRefine::none;
};

struct KindInfo {
  Kind kind;
  std::string_view name;  // for messages ("unsigned integer"); kind_name()
  std::string_view id;    // stable id in the checkpoint's schema history ("uint")
  KindParams params = KindParams::none;
  // Values are text in the column's own charset: a collation comes from the definition or the
  // table map (text, ENUM, SET).
  bool charset = false;
  // The collation the type implies when a DDL names none (JSON: utf8mb4_bin; binary: 63).
  std::uint16_t implied_collation = 0;
  // signed_int and unsigned_int: which of the two is told by UNSIGNED / the table map's
  // SIGNEDNESS (logged only with binlog_row_metadata=FULL).
  bool signedness = false;
  // text and binary: which of the two is told by the charset (collation 63 is binary).
  bool by_charset = false;
  // A binlog table map cannot tell this kind (its type is a plain string: MariaDB's JSON is a
  // LONGTEXT, UUID/INET binary strings): the table's definition decides.
  bool definition_only = false;
  Written written = Written::native;
  std::span<const SqlType> sql_types;          // the SQL type names that give this kind
  std::span<const std::uint8_t> field_types;   // the type codes that name it in a table map
                                               // or a result set (string codes, whose kind the
                                               // charset or flags decide, are in no row)
  std::span<const std::uint8_t> binlog_types;  // the binlog types its values are read from
};

namespace kinds_detail {

using S = SqlType;
using R = SqlRefine;
using T = std::uint8_t;

inline constexpr S kIntSql[] = {{"tinyint", R::sign},
                                {"smallint", R::sign},
                                {"mediumint", R::sign},
                                {"int", R::sign},
                                {"integer", R::sign},
                                {"bigint", R::sign},
                                {"int1", R::sign},
                                {"int2", R::sign},
                                {"int3", R::sign},
                                {"int4", R::sign},
                                {"int8", R::sign},
                                {"middleint", R::sign},
                                {"bool"},
                                {"boolean"}};
inline constexpr S kSerialSql[] = {{"serial"}};
inline constexpr S kYearSql[] = {{"year"}};
inline constexpr S kBitSql[] = {{"bit"}};
inline constexpr S kFloatSql[] = {{"float", R::precision}, {"float4", R::precision}};
inline constexpr S kDoubleSql[] = {{"double"}, {"real"}, {"float8"}};
inline constexpr S kDecimalSql[] = {{"decimal"}, {"dec"}, {"numeric"}, {"fixed"}};
inline constexpr S kDateSql[] = {{"date"}};
inline constexpr S kDateTimeSql[] = {{"datetime"}};
inline constexpr S kTimestampSql[] = {{"timestamp"}};
inline constexpr S kTimeSql[] = {{"time"}};
inline constexpr S kTextSql[] = {
    {"char", R::charset},      {"varchar", R::charset},    {"tinytext", R::charset},
    {"text", R::charset},      {"mediumtext", R::charset}, {"longtext", R::charset},
    {"nchar", R::charset},     {"nvarchar", R::charset},   {"varchar2", R::charset},
    {"character", R::charset}, {"long", R::charset},       {"clob", R::charset}};
inline constexpr S kBinarySql[] = {{"binary"},     {"varbinary"}, {"tinyblob"}, {"blob"},
                                   {"mediumblob"}, {"longblob"},  {"vector"}};
inline constexpr S kEnumSql[] = {{"enum"}};
inline constexpr S kSetSql[] = {{"set"}};
inline constexpr S kJsonSql[] = {{"json"}};
inline constexpr S kGeometrySql[] = {
    {"geometry"},      {"point"},           {"linestring"},   {"polygon"},
    {"multipoint"},    {"multilinestring"}, {"multipolygon"}, {"geometrycollection"},
    {"geomcollection"}};
inline constexpr S kServerTextSql[] = {{"uuid"}, {"inet4"}, {"inet6"}};

inline constexpr T kIntTypes[] = {kTiny, kShort, kInt24, kLong, kLongLong};
inline constexpr T kYearTypes[] = {kYear};
inline constexpr T kBitTypes[] = {kBit};
inline constexpr T kFloatTypes[] = {kFloat};
inline constexpr T kDoubleTypes[] = {kDouble};
inline constexpr T kFloatOrDoubleTypes[] = {kFloat, kDouble};
inline constexpr T kDecimalTypes[] = {kDecimal, kNewDecimal};
inline constexpr T kNewDecimalTypes[] = {kNewDecimal};  // pre-5.0 DECIMAL is not decoded
inline constexpr T kDateTypes[] = {kDate, kNewDate};
inline constexpr T kDateTimeTypes[] = {kDateTime, kDateTime2};
inline constexpr T kTimestampTypes[] = {kTimestamp, kTimestamp2};
inline constexpr T kTimeTypes[] = {kTime, kTime2};
inline constexpr T kEnumTypes[] = {kEnum};
inline constexpr T kSetTypes[] = {kSet};
inline constexpr T kJsonTypes[] = {kJson};
inline constexpr T kGeometryTypes[] = {kGeometry};
// Strings and blobs: text or binary by charset, and what a definition says they hold.
inline constexpr T kStringTypes[] = {kString,   kVarchar,    kVarString, kBlob,
                                     kTinyBlob, kMediumBlob, kLongBlob};
inline constexpr T kShortStringTypes[] = {kString, kVarchar, kVarString};
inline constexpr T kBinaryReadTypes[] = {kString,     kVarchar,  kVarString, kBlob,  kTinyBlob,
                                         kMediumBlob, kLongBlob, kGeometry,  kVector};
inline constexpr T kJsonReadTypes[] = {kString,   kVarchar,    kVarString, kBlob,
                                       kTinyBlob, kMediumBlob, kLongBlob,  kJson};
inline constexpr T kGeometryReadTypes[] = {kBlob, kTinyBlob, kMediumBlob, kLongBlob, kGeometry};

}  // namespace kinds_detail

inline constexpr std::size_t kKindCount = static_cast<std::size_t>(Kind::last_kind) + 1;

// One row per Kind, in the enum's order (the static checks in kinds.cpp say so). The columns are
// KindInfo's fields, in order.
inline constexpr std::array<KindInfo, kKindCount> kKinds = [] {
  using namespace kinds_detail;
  using K = Kind;
  using P = KindParams;
  using W = Written;
  // clang-format off
  return std::array<KindInfo, kKindCount>{{
    //  kind             name                id             params          charset implied signedness by_charset def_only written         sql_types       field_types      binlog_types
    {K::signed_int,   "signed integer",   "sint",        P::none,        false,  0,      true,      false,     false,   W::native,      kIntSql,        kIntTypes,       kIntTypes},
    {K::unsigned_int, "unsigned integer", "uint",        P::none,        false,  0,      true,      false,     false,   W::native,      kSerialSql,     {},              kIntTypes},
    {K::year,         "year",             "year",        P::none,        false,  0,      false,     false,     false,   W::native,      kYearSql,       kYearTypes,      kYearTypes},
    {K::bit,          "bit",              "bit",         P::bits,        false,  0,      false,     false,     false,   W::native,      kBitSql,        kBitTypes,       kBitTypes},
    {K::float32,      "float",            "float",       P::none,        false,  0,      false,     false,     false,   W::native,      kFloatSql,      kFloatTypes,     kFloatTypes},
    {K::float64,      "double",           "double",      P::none,        false,  0,      false,     false,     false,   W::native,      kDoubleSql,     kDoubleTypes,    kFloatOrDoubleTypes},
    {K::decimal,      "decimal",          "decimal",     P::decimal,     false,  0,      false,     false,     false,   W::native,      kDecimalSql,    kDecimalTypes,   kNewDecimalTypes},
    {K::date,         "date",             "date",        P::none,        false,  0,      false,     false,     false,   W::native,      kDateSql,       kDateTypes,      kDateTypes},
    {K::datetime,     "datetime",         "datetime",    P::fsp,         false,  0,      false,     false,     false,   W::native,      kDateTimeSql,   kDateTimeTypes,  kDateTimeTypes},
    {K::timestamp,    "timestamp",        "timestamp",   P::fsp,         false,  0,      false,     false,     false,   W::native,      kTimestampSql,  kTimestampTypes, kTimestampTypes},
    {K::time,         "time",             "time",        P::fsp,         false,  0,      false,     false,     false,   W::native,      kTimeSql,       kTimeTypes,      kTimeTypes},
    {K::text,         "text",             "text",        P::none,        true,   0,      false,     true,      false,   W::text,        kTextSql,       {},              kStringTypes},
    {K::binary,       "binary",           "binary",      P::none,        false,  63,     false,     true,      false,   W::bytes,       kBinarySql,     {},              kBinaryReadTypes},
    {K::enumeration,  "enum",             "enum",        P::members,     true,   0,      false,     false,     false,   W::members,     kEnumSql,       kEnumTypes,      kEnumTypes},
    {K::set,          "set",              "set",         P::members,     true,   0,      false,     false,     false,   W::members,     kSetSql,        kSetTypes,       kSetTypes},
    {K::json,         "json",             "json",        P::none,        false,  46,     false,     false,     true,    W::json,        kJsonSql,       kJsonTypes,      kJsonReadTypes},
    {K::geometry,     "geometry",         "geometry",    P::none,        false,  0,      false,     false,     false,   W::bytes,       kGeometrySql,   kGeometryTypes,  kGeometryReadTypes},
    {K::server_text,  "server text",      "server_text", P::server_type, false,  0,      false,     false,     true,    W::server_text, kServerTextSql, {},              kShortStringTypes},
  }};
  // clang-format on
}();

constexpr const KindInfo& kind_info(Kind k) {
  return kKinds[static_cast<std::size_t>(k)];
}

// The kind for an UNSIGNED (is_unsigned) column of kind k: signed_int becomes unsigned_int.
constexpr Kind with_sign(Kind k, bool is_unsigned) {
  if (!kind_info(k).signedness) return k;
  return is_unsigned ? Kind::unsigned_int : Kind::signed_int;
}

// The kind for a column of kind k in collation `collation`: text in the binary charset (63) is
// binary.
constexpr Kind with_charset(Kind k, std::uint32_t collation) {
  if (!kind_info(k).by_charset) return k;
  return collation == 63 ? Kind::binary : Kind::text;
}

// The kind of a column of SQL type `type` (lower case, without arguments), or nullopt for a type
// dumpr does not know. Character types are text, or binary in the binary charset (collation 63);
// FLOAT(p) with p > 24 is a DOUBLE, which the caller tells with `float_precision`.
std::optional<Kind> kind_of_sql_type(std::string_view type, bool is_unsigned,
                                     std::uint16_t collation, unsigned float_precision = 0);

namespace kinds_detail {

inline constexpr std::uint8_t kNoKind = 0xFF;

// Type code -> the kind it names (kNoKind for string codes and unknown codes).
inline constexpr std::array<std::uint8_t, 256> kByFieldType = [] {
  std::array<std::uint8_t, 256> a{};
  a.fill(kNoKind);
  for (const KindInfo& k : kKinds)
    for (std::uint8_t t : k.field_types) a[t] = static_cast<std::uint8_t>(k.kind);
  return a;
}();

// Binlog type -> a bit per kind whose values can be read from it.
inline constexpr std::array<std::uint32_t, 256> kReadableAs = [] {
  std::array<std::uint32_t, 256> a{};
  for (const KindInfo& k : kKinds)
    for (std::uint8_t t : k.binlog_types) a[t] |= 1u << static_cast<unsigned>(k.kind);
  return a;
}();

}  // namespace kinds_detail

// The kind a type code names by itself in a table map or a result set (the signed one for
// integers: see with_sign), or nullopt for the string types (whose kind their charset, flags or
// the definition decides) and codes no kind has.
constexpr std::optional<Kind> kind_of_field_type(std::uint8_t code) {
  const std::uint8_t k = kinds_detail::kByFieldType[code];
  if (k == kinds_detail::kNoKind) return std::nullopt;
  return static_cast<Kind>(k);
}

// Whether values of a binlog column of (real) type `type` can be read as kind k.
constexpr bool binlog_type_fits(std::uint8_t type, Kind k) {
  return (kinds_detail::kReadableAs[type] >> static_cast<unsigned>(k)) & 1u;
}

// Whether the binlog decoder reads this (real) type as any kind: everything a MySQL 5.0+ or
// MariaDB server logs for a table, except pre-5.0 DECIMAL and the internal NULL, typed-array and
// BOOL types.
constexpr bool binlog_type_decodable(std::uint8_t type) {
  return kinds_detail::kReadableAs[type] != 0;
}

// The kind whose id (KindInfo::id) is `id`, or nullopt.
std::optional<Kind> kind_of_id(std::string_view id);

}  // namespace dumpr::row
