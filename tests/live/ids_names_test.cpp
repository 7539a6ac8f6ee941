// Ids (composite keys, --id overrides, tables without a primary key) and names that need quoting.
#include "live/live_support.hpp"

using namespace dumpr_live;

TEST_CASE("load: a composite primary key is an array in key order, not column order") {
  TestDatabase db("dumpr_t_ids");
  Sql sql;
  sql.exec(
      "CREATE TABLE dumpr_t_ids.items (order_id INT NOT NULL, sku VARCHAR(20) NOT NULL, "
      "line_no SMALLINT NOT NULL, qty DECIMAL(6,2), PRIMARY KEY (line_no, order_id))");
  sql.exec(
      "INSERT INTO dumpr_t_ids.items VALUES (10, 'SKU-1', 1, 2.5), (10, 'SKU-2', 2, 1), "
      "(11, 'SKU-1', 1, NULL)");
  sql.exec(
      "CREATE TABLE dumpr_t_ids.daily (region VARCHAR(8) NOT NULL, day DATE NOT NULL, "
      "amount BIGINT UNSIGNED, PRIMARY KEY (region, day))");
  sql.exec("INSERT INTO dumpr_t_ids.daily VALUES ('eu', '2024-01-31', 18446744073709551615)");

  RunResult r = dumpr_load(db.name(), {"items", "daily"});
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  CHECK(r.err.empty());
  CHECK(r.out ==
        "[\"upsert\",\"items\",[1,10],{\"order_id\":10,\"sku\":\"SKU-1\",\"line_no\":1,\"qty\":\"2."
        "50\"},null]\n"
        "[\"upsert\",\"items\",[1,11],{\"order_id\":11,\"sku\":\"SKU-1\",\"line_no\":1,\"qty\":"
        "null},null]\n"
        "[\"upsert\",\"items\",[2,10],{\"order_id\":10,\"sku\":\"SKU-2\",\"line_no\":2,\"qty\":\"1."
        "00\"},null]\n"
        "[\"upsert\",\"daily\",[\"eu\",\"2024-01-31\"],{\"region\":\"eu\",\"day\":\"2024-01-31\","
        "\"amount\":18446744073709551615},null]\n");
  check_tuple_lines(r.out);
}

TEST_CASE("load: --id TABLE=COL[,COL] overrides the primary key, per table") {
  TestDatabase db("dumpr_t_idopt");
  Sql sql;
  sql.exec("CREATE TABLE dumpr_t_idopt.items (id INT PRIMARY KEY, sku VARCHAR(20), batch INT)");
  sql.exec("INSERT INTO dumpr_t_idopt.items VALUES (1, 'SKU-1', 7), (2, 'SKU-2', NULL)");
  sql.exec("CREATE TABLE dumpr_t_idopt.other (id INT PRIMARY KEY, name VARCHAR(20))");
  sql.exec("INSERT INTO dumpr_t_idopt.other VALUES (5, 'five')");

  SUBCASE("one column, options before the tables (as the synopsis writes them)") {
    RunResult r = dumpr_load(db.name(), {"--id", "items=sku", "items", "other"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(r.out ==
          "[\"upsert\",\"items\",\"SKU-1\",{\"id\":1,\"sku\":\"SKU-1\",\"batch\":7},null]\n"
          "[\"upsert\",\"items\",\"SKU-2\",{\"id\":2,\"sku\":\"SKU-2\",\"batch\":null},null]\n"
          "[\"upsert\",\"other\",5,{\"id\":5,\"name\":\"five\"},null]\n");
  }
  SUBCASE("several columns in the order given, two overrides") {
    RunResult r =
        dumpr_load(db.name(), {"items", "other", "--id=items=batch,sku", "--id=other=name,id"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(r.err.empty());
    CHECK(
        r.out ==
        "[\"upsert\",\"items\",[7,\"SKU-1\"],{\"id\":1,\"sku\":\"SKU-1\",\"batch\":7},null]\n"
        "[\"upsert\",\"items\",[null,\"SKU-2\"],{\"id\":2,\"sku\":\"SKU-2\",\"batch\":null},null]\n"
        "[\"upsert\",\"other\",[\"five\",5],{\"id\":5,\"name\":\"five\"},null]\n");
  }
  SUBCASE("--id naming a column the table does not have: usage error, no output") {
    RunResult r = dumpr_load(db.name(), {"--id=items=nope", "items"});
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK(r.out.empty());
    CHECK(r.err.find("nope") != std::string::npos);
    CHECK(r.err.find("items") != std::string::npos);
  }
  SUBCASE("--id without a column list: usage error") {
    RunResult r = dumpr_load(db.name(), {"--id=items", "items"});
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK(r.out.empty());
    CHECK(r.err.find("--id") != std::string::npos);
  }
}

TEST_CASE("load: a table without a primary key has a null id and one warning naming it") {
  TestDatabase db("dumpr_t_nopk");
  Sql sql;
  sql.exec("CREATE TABLE dumpr_t_nopk.loose (a INT, b VARCHAR(10), UNIQUE KEY (a))");
  sql.exec("INSERT INTO dumpr_t_nopk.loose VALUES (1, 'x'), (2, 'y'), (3, NULL)");
  sql.exec("CREATE TABLE dumpr_t_nopk.keyed (id INT PRIMARY KEY)");
  sql.exec("INSERT INTO dumpr_t_nopk.keyed VALUES (1)");

  RunResult r = dumpr_load(db.name(), {"loose", "keyed"});
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  CHECK(r.out ==
        "[\"upsert\",\"loose\",null,{\"a\":1,\"b\":\"x\"},null]\n"
        "[\"upsert\",\"loose\",null,{\"a\":2,\"b\":\"y\"},null]\n"
        "[\"upsert\",\"loose\",null,{\"a\":3,\"b\":null},null]\n"
        "[\"upsert\",\"keyed\",1,{\"id\":1},null]\n");
  INFO("stderr: " << r.err);
  CHECK(count_occurrences(r.err, "\n") == 1);  // one warning for the table, not one per row
  CHECK(count_occurrences(r.err, "loose") >= 1);
  CHECK(r.err.find("warning") != std::string::npos);
  CHECK(r.err.find("keyed") == std::string::npos);

  // With --id the table needs no warning.
  RunResult with_id = dumpr_load(db.name(), {"--id=loose=a", "loose"});
  REQUIRE_MESSAGE(with_id.exit_code == 0, describe(with_id));
  CHECK(with_id.err.empty());
  CHECK(split_lines(with_id.out).at(0) == "[\"upsert\",\"loose\",1,{\"a\":1,\"b\":\"x\"},null]");
}

TEST_CASE("load: table, column and database names that need quoting are kept exactly") {
  // A database name with a space and a hyphen; tables and columns named with reserved words,
  // spaces, backticks, quotes, mixed case and non-ASCII letters.
  TestDatabase db("dumpr_t quote-db");
  Sql sql;
  sql.exec("USE `dumpr_t quote-db`");
  sql.exec(
      "CREATE TABLE `select` (`order` INT PRIMARY KEY, `from` VARCHAR(10), `group by` INT, "
      "`MixedCase` INT, `back``tick` INT, `quo\"te` INT, `na\xC3\xAFve_\xE5\x90\x8D` INT)");
  sql.exec("INSERT INTO `select` VALUES (1, 'f', 2, 3, 4, 5, 6)");
  sql.exec("CREATE TABLE `my table` (`my id` INT, `Key` VARCHAR(5), PRIMARY KEY (`Key`, `my id`))");
  sql.exec("INSERT INTO `my table` VALUES (7, 'k')");
  sql.exec("CREATE TABLE `tick``table` (`id` INT PRIMARY KEY)");
  sql.exec("INSERT INTO `tick``table` VALUES (8)");
  sql.exec("CREATE TABLE `MixedCase` (`ID` INT PRIMARY KEY, `Value` INT, `vALUE2` INT)");
  sql.exec("INSERT INTO `MixedCase` VALUES (9, 1, 2)");
  sql.exec(
      "CREATE TABLE `t\xC3\xA4"
      "ble_\xE8\xA1\xA8` (`\xC3\xA9` INT PRIMARY KEY)");
  sql.exec(
      "INSERT INTO `t\xC3\xA4"
      "ble_\xE8\xA1\xA8` VALUES (10)");

  RunResult r = dumpr_load(db.name(), {"select", "my table", "tick`table", "MixedCase",
                                       "t\xC3\xA4"
                                       "ble_\xE8\xA1\xA8",
                                       "--id=select=back`tick"});
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  CHECK(r.err.empty());
  CHECK(r.out ==
        "[\"upsert\",\"select\",4,{\"order\":1,\"from\":\"f\",\"group by\":2,\"MixedCase\":3,"
        "\"back`tick\":4,\"quo\\\"te\":5,\"na\xC3\xAFve_\xE5\x90\x8D\":6},null]\n"
        "[\"upsert\",\"my table\",[\"k\",7],{\"my id\":7,\"Key\":\"k\"},null]\n"
        "[\"upsert\",\"tick`table\",8,{\"id\":8},null]\n"
        "[\"upsert\",\"MixedCase\",9,{\"ID\":9,\"Value\":1,\"vALUE2\":2},null]\n"
        "[\"upsert\",\"t\xC3\xA4"
        "ble_\xE8\xA1\xA8\",10,{\"\xC3\xA9\":10},null]\n");
  check_tuple_lines(r.out);
}

TEST_CASE("tail: --id is taken as load takes it: the same id for the same row") {
  TestDatabase db("dumpr_t_tailid");
  Sql sql;
  sql.exec(
      "CREATE TABLE dumpr_t_tailid.items (id INT PRIMARY KEY, sku VARCHAR(20) NOT NULL, "
      "UNIQUE KEY (sku))");
  TempDir tmp;
  const std::string cp = tmp / "pos.json";
  std::vector<std::string> pos = {"position", "--checkpoint", cp};
  for (auto& c : conn_args(db.name())) pos.push_back(c);
  RunResult p = dumpr(pos);
  REQUIRE_MESSAGE(p.exit_code == 0, describe(p));
  sql.exec("INSERT INTO dumpr_t_tailid.items VALUES (1, 'SKU-1'), (2, 'SKU-2')");
  sql.exec("UPDATE dumpr_t_tailid.items SET id = 3 WHERE sku = 'SKU-2'");
  sql.exec("DELETE FROM dumpr_t_tailid.items WHERE id = 1");

  std::vector<std::string> tail = {"tail", "--from", cp, "--until-end", "--id", "items=sku"};
  for (auto& c : conn_args(db.name())) tail.push_back(c);
  RunResult t = dumpr(tail);
  REQUIRE_MESSAGE(t.exit_code == 0, describe(t));
  std::vector<std::string> heads;
  for (const std::string& line : split_lines(t.out))
    heads.push_back(line.substr(0, line.find(",{")));  // op, table, id
  CHECK(heads == std::vector<std::string>{
                     "[\"upsert\",\"items\",\"SKU-1\"", "[\"upsert\",\"items\",\"SKU-2\"",
                     "[\"upsert\",\"items\",\"SKU-2\"", "[\"delete\",\"items\",\"SKU-1\""});
  RunResult l = dumpr_load(db.name(), {"--id", "items=sku", "items"});
  REQUIRE_MESSAGE(l.exit_code == 0, describe(l));
  CHECK(l.out == "[\"upsert\",\"items\",\"SKU-2\",{\"id\":3,\"sku\":\"SKU-2\"},null]\n");
}
