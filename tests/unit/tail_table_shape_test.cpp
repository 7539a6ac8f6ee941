// The pure half of the tail's schema tracker: a TABLE_MAP and a table's definition (recorded or
// the server's) made into the columns and id its rows are written with, without a server.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "binlog/table_map.hpp"
#include "tail/table_shape.hpp"

using namespace dumpr;
using namespace dumpr::tail;
using binlog::TableColumn;
using binlog::TableMap;
using row::Kind;

namespace {

TableColumn col(std::uint8_t type, std::string name = {}, std::optional<std::uint32_t> coll = {}) {
  TableColumn c;
  c.type = c.real_type = type;
  c.name = std::move(name);
  c.collation = coll;
  return c;
}

row::Column def_col(std::string name, Kind kind, std::uint16_t collation = 0) {
  row::Column c;
  c.name = std::move(name);
  c.kind = kind;
  c.collation = collation;
  return c;
}

// shop.t (id INT, doc LONGTEXT (MariaDB JSON), code CHAR(4), at TIME(3) old-style, e ENUM).
TableMap map_of_t(bool names) {
  TableMap m;
  m.database = "shop";
  m.table = "t";
  m.columns = {col(binlog::kLong, names ? "id" : ""), col(binlog::kBlob, names ? "doc" : "", 45),
               col(binlog::kString, names ? "code" : ""), col(binlog::kTime, names ? "at" : ""),
               col(binlog::kLong, names ? "n" : "")};
  m.has_column_names = names;
  return m;
}

schema::TableDefinition def_of_t() {
  schema::TableDefinition d;
  d.exists = true;
  d.columns = {def_col("id", Kind::signed_int), def_col("doc", Kind::json, 45),
               def_col("code", Kind::text, 8), def_col("at", Kind::time),
               def_col("n", Kind::unsigned_int)};
  d.columns[3].fsp = 3;
  d.primary_key = {"id"};
  d.default_collation = 8;
  return d;
}

std::string names(const std::vector<row::Column>& cols) {
  std::string s;
  for (const auto& c : cols) s += (s.empty() ? "" : ",") + c.name;
  return s;
}

}  // namespace

TEST_CASE("same_table_map: equal maps share a plan; any difference in a column does not") {
  const TableMap a = map_of_t(true);
  TableMap b = a;
  b.table_id = 99;  // another id for the same table: still the same shape
  CHECK(same_table_map(a, b));
  b = a;
  b.columns[1].collation = 8;
  CHECK_FALSE(same_table_map(a, b));
  b = a;
  b.columns[3].meta = 3;
  CHECK_FALSE(same_table_map(a, b));
  b = a;
  b.columns[0].name = "ID";
  CHECK_FALSE(same_table_map(a, b));
  b = a;
  b.primary_key = {0};
  CHECK_FALSE(same_table_map(a, b));
  b = a;
  b.columns.pop_back();
  CHECK_FALSE(same_table_map(a, b));
  b = a;
  b.table = "u";
  CHECK_FALSE(same_table_map(a, b));
}

TEST_CASE(
    "merge_definition: a map without names takes names, kinds and charsets from the "
    "definition") {
  const TableMap m = map_of_t(false);
  auto cols = binlog::columns_from_table_map(m);
  CHECK(names(cols) == "@1,@2,@3,@4,@5");
  CHECK(cols[2].kind == Kind::text);
  CHECK(cols[2].collation == 0);  // CHAR without a logged charset
  merge_definition(m, def_of_t(), cols);
  CHECK(names(cols) == "id,doc,code,at,n");
  CHECK(cols[1].kind == Kind::json);  // MariaDB's JSON is a LONGTEXT in the map
  CHECK(cols[2].kind == Kind::text);  // the charset only the definition knows
  CHECK(cols[2].collation == 8);
  CHECK(cols[3].fsp == 3);                    // pre-10.1 TIME(3): no metadata in the map
  CHECK(cols[4].kind == Kind::unsigned_int);  // no SIGNEDNESS logged: the definition says
}

TEST_CASE("merge_definition: a map with names takes only what a map cannot say") {
  const TableMap m = map_of_t(true);
  auto cols = binlog::columns_from_table_map(m);
  schema::TableDefinition d = def_of_t();
  merge_definition(m, d, cols);
  CHECK(cols[1].kind == Kind::json);
  CHECK(cols[2].collation == 0);  // the map is trusted for the rest
  CHECK(cols[4].kind == Kind::signed_int);
  CHECK(cols[3].fsp == 3);

  // A definition whose column has another name (a newer definition) says nothing about it.
  cols = binlog::columns_from_table_map(m);
  d.columns[1].name = "document";
  merge_definition(m, d, cols);
  CHECK(cols[1].kind == Kind::text);

  // Another column count: nothing taken, not even fraction digits.
  cols = binlog::columns_from_table_map(m);
  d = def_of_t();
  d.columns.pop_back();
  merge_definition(m, d, cols);
  CHECK(cols[1].kind == Kind::text);
  CHECK(cols[3].fsp == 0);
}

TEST_CASE("definition_from_map and choose_id_columns: the key from the map, else the definition") {
  TableMap m = map_of_t(true);
  auto cols = binlog::columns_from_table_map(m);
  const schema::TableDefinition d = def_of_t();

  auto now = definition_from_map(m, cols, &d);
  CHECK(now.exists);
  CHECK(now.primary_key == std::vector<std::string>{"id"});
  CHECK(now.default_collation == 8);
  CHECK(names(now.columns) == "id,doc,code,at,n");
  CHECK(definition_from_map(m, cols, nullptr).primary_key.empty());
  m.primary_key = {2, 0, 7};  // 7: out of range, left out
  CHECK(definition_from_map(m, cols, nullptr).primary_key ==
        std::vector<std::string>{"code", "id"});

  row::TableShape shape;
  shape.columns = cols;
  choose_id_columns(m, nullptr, &d, shape);
  CHECK(shape.id_columns == std::vector<std::size_t>{2, 0});
  // --id wins over the map's key, by name, unknown names left out.
  shape.id_columns.clear();
  const std::vector<std::string> option{"n", "nosuch", "doc"};
  choose_id_columns(m, &option, &d, shape);
  CHECK(shape.id_columns == std::vector<std::size_t>{4, 1});
  // No key in the map: the definition's; no definition either: none (a null id).
  m.primary_key.clear();
  shape.id_columns.clear();
  choose_id_columns(m, nullptr, &d, shape);
  CHECK(shape.id_columns == std::vector<std::size_t>{0});
  shape.id_columns.clear();
  choose_id_columns(m, nullptr, nullptr, shape);
  CHECK(shape.id_columns.empty());
}

TEST_CASE("shape_signature and tables_of_database") {
  row::TableShape shape;
  shape.columns = {def_col("id", Kind::signed_int), def_col("e", Kind::enumeration)};
  shape.columns[1].members = {"a", "b"};
  CHECK(shape_signature(shape) ==
        "id signed integer, e " + std::string(row::kind_name(Kind::enumeration)) + "(a,b)");

  schema::Definitions recorded;
  recorded["shop.a"] = {};
  recorded["shop2.b"] = {};
  recorded["sho.c"] = {};
  std::map<std::string, std::string> seen{{"shop.d", "x"}, {"shop.a", "y"}, {"other.e", "z"}};
  CHECK(tables_of_database(recorded, seen, "shop") == std::set<std::string>{"a", "d"});
  CHECK(tables_of_database(recorded, seen, "none").empty());
}
