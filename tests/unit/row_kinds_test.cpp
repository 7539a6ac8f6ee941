// The kind table (src/row/kinds.hpp): its facts as the places that consult it see them. The
// table's completeness and self-consistency are static checks in kinds.cpp; these tests pin what
// must not move (the checkpoint ids) and check each consumer gives what the table says.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>

#include "binlog/rows.hpp"
#include "binlog/table_map.hpp"
#include "row/kinds.hpp"

using namespace dumpr;
using row::Kind;

namespace {

std::vector<Kind> all_kinds() {
  std::vector<Kind> out;
  for (std::size_t i = 0; i < row::kKindCount; ++i) out.push_back(static_cast<Kind>(i));
  return out;
}

}  // namespace

TEST_CASE("kinds: one row per kind, in order, and the checkpoint ids never change") {
  // The ids are written in checkpoints ("tables" in pos.json): a renamed id makes every older
  // checkpoint unreadable. This list is the file format.
  const std::map<Kind, std::string> ids = {
      {Kind::signed_int, "sint"},   {Kind::unsigned_int, "uint"},
      {Kind::year, "year"},         {Kind::bit, "bit"},
      {Kind::float32, "float"},     {Kind::float64, "double"},
      {Kind::decimal, "decimal"},   {Kind::date, "date"},
      {Kind::datetime, "datetime"}, {Kind::timestamp, "timestamp"},
      {Kind::time, "time"},         {Kind::text, "text"},
      {Kind::binary, "binary"},     {Kind::enumeration, "enum"},
      {Kind::set, "set"},           {Kind::json, "json"},
      {Kind::geometry, "geometry"}, {Kind::server_text, "server_text"}};
  REQUIRE(row::kKindCount == ids.size());
  std::set<std::string> names;
  for (Kind k : all_kinds()) {
    CAPTURE(static_cast<int>(k));
    CHECK(row::kind_info(k).kind == k);
    CHECK(row::kind_info(k).id == ids.at(k));
    CHECK(row::kind_of_id(ids.at(k)) == k);
    CHECK(std::string(row::kind_name(k)) == row::kind_info(k).name);
    CHECK(names.insert(row::kind_name(k)).second);
  }
  CHECK_FALSE(row::kind_of_id("integer").has_value());
  CHECK_FALSE(row::kind_of_id("").has_value());
}

TEST_CASE("kinds: every SQL type name gives its row's kind, refined by sign, charset, precision") {
  for (Kind k : all_kinds()) {
    for (const row::SqlType& s : row::kind_info(k).sql_types) {
      CAPTURE(s.name);
      // Signed, a text charset, no precision: the row's own kind.
      CHECK(row::kind_of_sql_type(s.name, false, 33, 0) == k);
      const Kind as_unsigned = s.refine == row::SqlRefine::sign ? Kind::unsigned_int : k;
      CHECK(row::kind_of_sql_type(s.name, true, 33, 0) == as_unsigned);
      const Kind in_binary = s.refine == row::SqlRefine::charset ? Kind::binary : k;
      CHECK(row::kind_of_sql_type(s.name, false, 63, 0) == in_binary);
      const Kind wide = s.refine == row::SqlRefine::precision ? Kind::float64 : k;
      CHECK(row::kind_of_sql_type(s.name, false, 33, 25) == wide);
      CHECK(row::kind_of_sql_type(s.name, false, 33, 24) == k);
    }
  }
  // What the servers mean by these names (as before the table).
  CHECK(row::kind_of_sql_type("int", true, 0) == Kind::unsigned_int);
  CHECK(row::kind_of_sql_type("bigint", false, 0) == Kind::signed_int);
  CHECK(row::kind_of_sql_type("bool", true, 0) == Kind::signed_int);
  CHECK(row::kind_of_sql_type("serial", false, 0) == Kind::unsigned_int);
  CHECK(row::kind_of_sql_type("decimal", true, 0) == Kind::decimal);
  CHECK(row::kind_of_sql_type("float", false, 0, 53) == Kind::float64);
  CHECK(row::kind_of_sql_type("real", false, 0) == Kind::float64);
  CHECK(row::kind_of_sql_type("varchar", false, 45) == Kind::text);
  CHECK(row::kind_of_sql_type("char", false, 63) == Kind::binary);
  CHECK(row::kind_of_sql_type("blob", false, 0) == Kind::binary);
  CHECK(row::kind_of_sql_type("longtext", false, 46) == Kind::text);
  CHECK(row::kind_of_sql_type("inet6", false, 0) == Kind::server_text);
  CHECK(row::kind_of_sql_type("point", false, 0) == Kind::geometry);
  CHECK(row::kind_of_sql_type("json", false, 0) == Kind::json);
  CHECK_FALSE(row::kind_of_sql_type("INT", false, 0).has_value());  // callers lower-case
  CHECK_FALSE(row::kind_of_sql_type("frobnicate", false, 0).has_value());
}

TEST_CASE("kinds: a table map's type codes give the kinds of the table") {
  auto kind_from_map = [](binlog::TableColumn col) {
    binlog::TableMap map;
    map.columns.push_back(std::move(col));
    return binlog::columns_from_table_map(map).at(0);
  };
  for (Kind k : all_kinds()) {
    for (std::uint8_t code : row::kind_info(k).field_types) {
      CAPTURE(binlog::column_type_name(code));
      CHECK(row::kind_of_field_type(code) == k);
      binlog::TableColumn t;
      t.type = t.real_type = code;
      CHECK(kind_from_map(t).kind == k);
    }
  }
  binlog::TableColumn t;
  t.type = t.real_type = binlog::kLong;
  t.is_unsigned = true;
  CHECK(kind_from_map(t).kind == Kind::unsigned_int);
  t = {};
  t.type = t.real_type = binlog::kNewDecimal;
  t.meta = 12 << 8 | 3;
  CHECK(kind_from_map(t).kind == Kind::decimal);
  CHECK(kind_from_map(t).precision == 12);
  CHECK(kind_from_map(t).scale == 3);
  t = {};
  t.type = t.real_type = binlog::kDateTime2;
  t.meta = 4;
  CHECK(kind_from_map(t).fsp == 4);
  t.type = t.real_type = binlog::kDateTime;
  CHECK(kind_from_map(t).fsp == 0);  // the old type's width is not in the map
  t = {};
  t.type = t.real_type = binlog::kBit;
  t.meta = 1 << 8 | 3;  // 11 bits
  CHECK(kind_from_map(t).bits == 11);
  // The string codes name no kind: the charset decides, and without one the type.
  for (std::uint8_t code : {binlog::kVarchar, binlog::kBlob, binlog::kString}) {
    CAPTURE(binlog::column_type_name(code));
    CHECK_FALSE(row::kind_of_field_type(code).has_value());
    t = {};
    t.type = t.real_type = code;
    t.collation = 63;
    CHECK(kind_from_map(t).kind == Kind::binary);
    t.collation = 45;
    CHECK(kind_from_map(t).kind == Kind::text);
    CHECK(kind_from_map(t).collation == 45);
    t.collation.reset();
    CHECK(kind_from_map(t).kind == (code == binlog::kString ? Kind::text : Kind::binary));
  }
  t = {};
  t.type = t.real_type = binlog::kVector;
  CHECK(kind_from_map(t).kind == Kind::binary);
}

TEST_CASE("kinds: a decode plan takes exactly the kinds each binlog type can be read as") {
  struct TypeCase {
    std::uint8_t type, real_type;
    std::uint16_t meta;
    std::set<Kind> kinds;  // as binlog/rows.cpp's kind_fits said before the table
  };
  using K = Kind;
  const std::set<Kind> strings = {K::text, K::binary, K::server_text, K::json};
  const std::set<Kind> blobs = {K::text, K::binary, K::json, K::geometry};
  const std::vector<TypeCase> cases = {
      {binlog::kTiny, binlog::kTiny, 0, {K::signed_int, K::unsigned_int}},
      {binlog::kShort, binlog::kShort, 0, {K::signed_int, K::unsigned_int}},
      {binlog::kInt24, binlog::kInt24, 0, {K::signed_int, K::unsigned_int}},
      {binlog::kLong, binlog::kLong, 0, {K::signed_int, K::unsigned_int}},
      {binlog::kLongLong, binlog::kLongLong, 0, {K::signed_int, K::unsigned_int}},
      {binlog::kFloat, binlog::kFloat, 4, {K::float32, K::float64}},
      {binlog::kDouble, binlog::kDouble, 8, {K::float64}},
      {binlog::kNewDecimal, binlog::kNewDecimal, 10 << 8 | 2, {K::decimal}},
      {binlog::kYear, binlog::kYear, 0, {K::year}},
      {binlog::kBit, binlog::kBit, 1 << 8, {K::bit}},
      {binlog::kDate, binlog::kDate, 0, {K::date}},
      {binlog::kNewDate, binlog::kNewDate, 0, {K::date}},
      {binlog::kDateTime, binlog::kDateTime, 0, {K::datetime}},
      {binlog::kDateTime2, binlog::kDateTime2, 3, {K::datetime}},
      {binlog::kTimestamp, binlog::kTimestamp, 0, {K::timestamp}},
      {binlog::kTimestamp2, binlog::kTimestamp2, 3, {K::timestamp}},
      {binlog::kTime, binlog::kTime, 0, {K::time}},
      {binlog::kTime2, binlog::kTime2, 3, {K::time}},
      {binlog::kString, binlog::kEnum, binlog::kEnum << 8 | 1, {K::enumeration}},
      {binlog::kString, binlog::kSet, binlog::kSet << 8 | 1, {K::set}},
      {binlog::kString, binlog::kString, 0xFE << 8 | 10, strings},
      {binlog::kVarchar, binlog::kVarchar, 100, strings},
      {binlog::kVarString, binlog::kVarString, 100, strings},
      {binlog::kBlob, binlog::kBlob, 2, blobs},
      {binlog::kTinyBlob, binlog::kTinyBlob, 1, blobs},
      {binlog::kMediumBlob, binlog::kMediumBlob, 3, blobs},
      {binlog::kLongBlob, binlog::kLongBlob, 4, blobs},
      {binlog::kJson, binlog::kJson, 4, {K::json}},
      {binlog::kGeometry, binlog::kGeometry, 4, {K::geometry, K::binary}},
      {binlog::kVector, binlog::kVector, 4, {K::binary}},
  };
  for (const TypeCase& tc : cases) {
    binlog::TableMap map;
    map.database = "d";
    map.table = "t";
    binlog::TableColumn t;
    t.type = tc.type;
    t.real_type = tc.real_type;
    t.meta = tc.meta;
    map.columns.push_back(t);
    for (Kind k : all_kinds()) {
      CAPTURE(binlog::column_type_name(tc.real_type));
      CAPTURE(row::kind_name(k));
      row::Column col;
      col.name = "c";
      col.kind = k;
      col.collation = 45;
      auto plan = binlog::DecodePlan::make(map, std::span<const row::Column>(&col, 1));
      const bool expected = tc.kinds.count(k) > 0;
      CHECK(row::binlog_type_fits(tc.real_type, k) == expected);
      CHECK(plan.ok() == expected);
      if (!plan.ok()) {
        CHECK(plan.error().kind == ErrorKind::schema);
        CHECK(plan.error().message.find("in the binlog but") != std::string::npos);
      }
    }
  }
  // Types no kind is read from: the plan says the decoder cannot read them.
  for (std::uint8_t code : {binlog::kDecimal, binlog::kNull, binlog::kTypedArray, binlog::kBool}) {
    CAPTURE(binlog::column_type_name(code));
    CHECK_FALSE(row::binlog_type_decodable(code));
    binlog::TableMap map;
    binlog::TableColumn t;
    t.type = t.real_type = code;
    map.columns.push_back(t);
    row::Column col;
    col.kind = Kind::binary;
    auto plan = binlog::DecodePlan::make(map, std::span<const row::Column>(&col, 1));
    REQUIRE_FALSE(plan.ok());
    CHECK(plan.error().kind == ErrorKind::corrupt);
    CHECK(plan.error().message.find("cannot decode") != std::string::npos);
  }
}
