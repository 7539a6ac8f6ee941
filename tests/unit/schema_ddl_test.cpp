// The DDL applier: statements from the binlog applied to recorded definitions.
#include <doctest/doctest.h>

#include "schema/ddl.hpp"

using namespace dumpr;
using namespace dumpr::schema;

namespace {

CollationLookup lookup() {
  CollationLookup l;
  l.by_name = [](std::string_view n) -> std::uint16_t {
    if (n == "utf8mb4_general_ci") return 45;
    if (n == "utf8mb4_bin") return 46;
    if (n == "latin1_swedish_ci") return 8;
    if (n == "latin1_bin") return 47;
    return 0;
  };
  l.default_of = [](std::string_view cs) -> std::uint16_t {
    if (cs == "utf8mb4") return 45;
    if (cs == "latin1") return 8;
    if (cs == "utf8mb3") return 33;
    return 0;
  };
  return l;
}

row::Column col(std::string name, row::Kind k, std::uint16_t coll = 0) {
  row::Column c;
  c.name = std::move(name);
  c.kind = k;
  c.collation = coll;
  return c;
}

Definitions sample() {
  TableDefinition d;
  d.exists = true;
  d.default_collation = 8;
  d.columns = {col("id", row::Kind::signed_int), col("a", row::Kind::text, 8),
               col("n", row::Kind::signed_int)};
  d.primary_key = {"id"};
  return {{"shop.t", d}};
}

std::string names(const TableDefinition& d) {
  std::string s;
  for (const auto& c : d.columns) s += (s.empty() ? "" : ",") + c.name;
  return s;
}

DdlEffect run_ddl(Definitions& defs, std::string_view sql) {
  return apply_ddl(defs, sql, "shop", "shop", lookup());
}

}  // namespace

TEST_CASE("ALTER TABLE column changes land where the server puts them") {
  Definitions defs = sample();
  auto e = run_ddl(defs,
                   "ALTER TABLE t ADD COLUMN b BIGINT UNSIGNED FIRST, ADD c TEXT AFTER a,"
                   " ADD COLUMN z VARCHAR(5) CHARACTER SET utf8mb4");
  REQUIRE(e.kind == DdlEffect::Kind::applied);
  const TableDefinition& d = defs.at("shop.t");
  CHECK(names(d) == "b,id,a,c,n,z");
  CHECK(d.columns[0].kind == row::Kind::unsigned_int);
  CHECK(d.columns[3].collation == 8);   // the table's default
  CHECK(d.columns[5].collation == 45);  // its own charset

  e = run_ddl(defs,
              "alter table `shop`.`t` drop column `c`, change a aa varchar(20) collate latin1_bin, "
              "modify n decimal(10,2) after b, rename column z to `zz`");
  REQUIRE(e.kind == DdlEffect::Kind::applied);
  CHECK(names(defs.at("shop.t")) == "b,n,id,aa,zz");
  CHECK(defs.at("shop.t").columns[1].kind == row::Kind::decimal);
  CHECK(defs.at("shop.t").columns[1].scale == 2);
  CHECK(defs.at("shop.t").columns[3].collation == 47);
}

TEST_CASE("ENUM members, temporal precision and keys") {
  Definitions defs = sample();
  REQUIRE(run_ddl(defs,
                  "ALTER TABLE t ADD e ENUM('x','it''s','') NOT NULL DEFAULT 'x', "
                  "ADD ts TIMESTAMP(3) NULL, ADD j JSON, DROP PRIMARY KEY, "
                  "ADD PRIMARY KEY (a(10), id)")
              .kind == DdlEffect::Kind::applied);
  const TableDefinition& d = defs.at("shop.t");
  CHECK(d.columns[3].members == std::vector<std::string>{"x", "it's", ""});
  CHECK(d.columns[4].kind == row::Kind::timestamp);
  CHECK(d.columns[4].fsp == 3);
  CHECK(d.columns[5].kind == row::Kind::json);
  CHECK(d.primary_key == std::vector<std::string>{"a", "id"});
}

TEST_CASE("RENAME, DROP and CREATE TABLE move, remove and add definitions") {
  Definitions defs = sample();
  REQUIRE(run_ddl(defs, "RENAME TABLE t TO tmp, tmp TO t2").kind == DdlEffect::Kind::applied);
  CHECK(defs.count("shop.t") == 0);
  CHECK(defs.count("shop.t2") == 1);
  REQUIRE(run_ddl(defs, "ALTER TABLE t2 RENAME TO t3").kind == DdlEffect::Kind::applied);
  CHECK(defs.count("shop.t3") == 1);
  REQUIRE(run_ddl(defs, "DROP TABLE IF EXISTS `t3`, other").kind == DdlEffect::Kind::applied);
  CHECK(defs.empty());
  auto e = run_ddl(defs,
                   "CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT, "
                   "name VARCHAR(10) COMMENT 'after x', PRIMARY KEY (id), KEY k (name)) "
                   "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
  REQUIRE(e.kind == DdlEffect::Kind::applied);
  CHECK(names(defs.at("shop.t")) == "id,name");
  CHECK(defs.at("shop.t").columns[1].collation == 45);
  CHECK(defs.at("shop.t").primary_key == std::vector<std::string>{"id"});
  // Another database is not captured.
  CHECK(apply_ddl(defs, "CREATE TABLE other.x (a INT)", "shop", "shop", lookup()).kind ==
        DdlEffect::Kind::none);
}

TEST_CASE("statements it cannot apply with certainty say so") {
  Definitions defs = sample();
  CHECK(run_ddl(defs, "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4").kind ==
        DdlEffect::Kind::unknown);
  CHECK(run_ddl(defs, "ALTER TABLE t ADD COLUMN IF NOT EXISTS q INT").kind ==
        DdlEffect::Kind::unknown);
  CHECK(run_ddl(defs, "ALTER TABLE t ADD q GEOGRAPHY").kind == DdlEffect::Kind::unknown);
  CHECK(run_ddl(defs, "CREATE TABLE t9 (a TEXT)").kind == DdlEffect::Kind::unknown);  // charset?
  CHECK(run_ddl(defs, "CREATE TABLE t9 LIKE nope").kind == DdlEffect::Kind::unknown);
  CHECK(run_ddl(defs, "CREATE TABLE t8 SELECT 1 AS a").kind == DdlEffect::Kind::unknown);
  // A failed statement changes nothing.
  CHECK(names(defs.at("shop.t")) == "id,a,n");
  // Statements that change no columns.
  CHECK(run_ddl(defs, "ALTER TABLE t ADD INDEX (a), ENGINE=InnoDB").kind ==
        DdlEffect::Kind::applied);
  CHECK(run_ddl(defs, "TRUNCATE TABLE t").kind == DdlEffect::Kind::none);
  CHECK(run_ddl(defs, "CREATE INDEX i ON t (a)").kind == DdlEffect::Kind::none);
  CHECK(run_ddl(defs, "ALTER TABLE unknown_table ADD x INT").kind == DdlEffect::Kind::none);
  CHECK(names(defs.at("shop.t")) == "id,a,n");
}

TEST_CASE("one ALTER's clauses name the columns as they were before it") {
  Definitions defs = sample();
  REQUIRE(run_ddl(defs, "ALTER TABLE t RENAME COLUMN a TO n, RENAME COLUMN n TO a").kind ==
          DdlEffect::Kind::applied);
  CHECK(names(defs.at("shop.t")) == "id,n,a");
  CHECK(defs.at("shop.t").columns[1].kind == row::Kind::text);  // the old `a`
  REQUIRE(run_ddl(defs, "ALTER TABLE t CHANGE n a2 TEXT, CHANGE a n2 INT AFTER id").kind ==
          DdlEffect::Kind::applied);
  CHECK(names(defs.at("shop.t")) == "id,n2,a2");
  CHECK(defs.at("shop.t").columns[1].kind == row::Kind::signed_int);
}

TEST_CASE("CREATE TABLE without a charset takes the database's default") {
  Definitions defs;
  CollationLookup l = lookup();
  l.database_default = [](std::string_view db) -> std::uint16_t { return db == "shop" ? 45 : 0; };
  auto e = apply_ddl(defs, "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10))", "shop", "shop", l);
  REQUIRE(e.kind == DdlEffect::Kind::applied);
  CHECK(defs.at("shop.t").columns[1].collation == 45);
}

TEST_CASE("CREATE TABLE ... LIKE copies the recorded definition") {
  Definitions defs = sample();
  REQUIRE(run_ddl(defs, "CREATE TABLE t2 LIKE t").kind == DdlEffect::Kind::applied);
  REQUIRE(run_ddl(defs, "CREATE TABLE IF NOT EXISTS t3 (LIKE shop.t)").kind ==
          DdlEffect::Kind::applied);
  CHECK(names(defs.at("shop.t2")) == "id,a,n");
  CHECK(names(defs.at("shop.t3")) == "id,a,n");
}
