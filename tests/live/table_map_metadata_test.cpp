// The TABLE_MAP optional metadata counts columns by kind (SIGNEDNESS: numeric columns and YEAR;
// the charset fields: character columns, GEOMETRY on MariaDB only), so a column the decoder
// counts differently shifts every later column's signedness or charset. Tables with YEAR and
// GEOMETRY columns in front of the others, through tail and load: the same values, whatever
// binlog_row_metadata says.
#include "live/tail_support.hpp"

using namespace dumpr_tail;

namespace {

const char* kTables[] = {
    "CREATE TABLE yr (id INT PRIMARY KEY, y YEAR, x INT, u BIGINT UNSIGNED)",
    // YEAR before a signed key: a wrong signedness would give rows the wrong id.
    "CREATE TABLE ky (y YEAR, k INT PRIMARY KEY, t TINYINT, f FLOAT UNSIGNED, d DOUBLE, "
    "dc DECIMAL(5,2) UNSIGNED, s SMALLINT UNSIGNED, mi MEDIUMINT, bi BIGINT UNSIGNED, yy YEAR, "
    "b BIT(3), z INT)",
    "CREATE TABLE g1 (id INT PRIMARY KEY, p POINT, lb LONGBLOB, "
    "v VARCHAR(10) CHARACTER SET utf8mb4, t TEXT CHARACTER SET utf8mb3)",
    "CREATE TABLE g2 (id INT PRIMARY KEY, bt VARBINARY(20), j JSON, p POINT, "
    "t TEXT CHARACTER SET utf8mb3, c CHAR(4) CHARACTER SET latin1, bn BINARY(4), "
    "e ENUM('on','off'), st SET('p','q'))",
};

const char* kRows[] = {
    "INSERT INTO yr VALUES (1, 2024, -5, 18446744073709551615), (2, NULL, 7, 0), "
    "(-3, 1901, -2147483648, 9223372036854775808)",
    "INSERT INTO ky VALUES (2000, -3, -100, 1.5, -2.25, 1.5, 65535, -8000000, "
    "18446744073709551615, 2155, b'101', -1), (NULL, -4, NULL, NULL, NULL, NULL, NULL, NULL, "
    "NULL, NULL, NULL, -2), (1999, 5, 127, 0, 0, 0, 0, 8388607, 1, 1901, b'0', 2147483647)",
    "INSERT INTO g1 VALUES (1, POINT(1,2), x'0a00ff41', 'é', 'ü'), (2, NULL, x'ff', 'Zoë', NULL)",
    "INSERT INTO g2 VALUES (1, x'00ff', '{\"a\":[1,2]}', POINT(3,4), 'ñ', 'ça', x'0102', 'off', "
    "'p,q')",
    // Updates and deletes go through before images too.
    "UPDATE ky SET z = z - 1, bi = bi - 1 WHERE k = -3",
    "UPDATE g1 SET v = 'ü€', lb = x'00' WHERE id = 2",
    "DELETE FROM yr WHERE id = -3",
};

// Replays tail's tuples (upsert merges, delete removes) into id -> content.
std::map<std::string, std::string> replay(const std::vector<Tuple>& ts, const std::string& table) {
  std::map<std::string, std::string> state;
  for (const Tuple& t : ts) {
    if (t.table != table) continue;
    if (t.op == "delete")
      state.erase(t.id);
    else
      state[t.id] = t.content;  // FULL row images: whole rows
  }
  return state;
}

// "id content" lines, so a failed CHECK shows both sides whole.
std::string lines_of_map(const std::map<std::string, std::string>& m) {
  std::string s;
  for (const auto& [id, content] : m) s += id + " " + content + "\n";
  return s;
}

std::map<std::string, std::string> loaded(const std::string& db, const std::string& table) {
  RunResult load = dumpr_load(db, {table});
  INFO("load: " << describe(load));
  REQUIRE(load.exit_code == 0);
  std::map<std::string, std::string> out;
  for (const std::string& line : split_lines(load.out)) {
    std::string as_tail = line.substr(0, line.size() - 5) +
                          "{\"ts\":\"\",\"db\":\"\",\"next_file\":\"\",\"next_position\":0}]";
    Tuple t = parse_tuple(as_tail);
    out[t.id] = t.content;
  }
  return out;
}

void check_tail_equals_load(const std::string& metadata) {
  INFO("binlog_row_metadata=" << metadata);
  GlobalSetting meta(server().socket, "binlog_row_metadata", metadata);
  const std::string name = "dumpr_t_tm_meta_" + std::to_string(::getpid());
  TestDatabase db(name);
  Client c(server().socket, name);
  for (const char* t : kTables) c.exec(t);
  TempDir dir;
  // `dumpr position` (not SHOW MASTER STATUS): the same on MariaDB and MySQL.
  std::vector<std::string> pos_args = {"position"};
  for (auto& a : conn_args(name)) pos_args.push_back(a);
  pos_args.insert(pos_args.end(), {"--checkpoint", dir / "pos.json"});
  RunResult pos = dumpr(pos_args);
  INFO("position: " << describe(pos));
  REQUIRE(pos.exit_code == 0);
  for (const char* r : kRows) c.exec(r);
  RunResult tail = tail_until_end(name, {"--from", dir / "pos.json"});
  INFO("tail: " << describe(tail));
  REQUIRE(tail.exit_code == 0);
  // No value needed repairing: a shifted charset shows as invalid text in a BLOB.
  CHECK(tail.err.find("U+FFFD") == std::string::npos);
  const std::vector<Tuple> ts = parse_tuples(tail.out);
  for (const char* table : {"yr", "ky", "g1", "g2"}) {
    INFO("table " << table);
    CHECK(lines_of_map(replay(ts, table)) == lines_of_map(loaded(name, table)));
  }
  // The signed key: rows keep their negative ids.
  CHECK(replay(ts, "ky").count("-3") == 1);
  CHECK(replay(ts, "yr").at("1") == R"({"id":1,"y":2024,"x":-5,"u":18446744073709551615})");
}

}  // namespace

TEST_CASE("tail: YEAR and GEOMETRY in front keep later columns' signedness and charset") {
  // FULL: everything from the table map; the others: signedness (MINIMAL) and charsets also
  // from the table map, the rest from the definition; NO_LOG (MariaDB): all from the definition.
  check_tail_equals_load("FULL");
  check_tail_equals_load("MINIMAL");
  if (Client(server().socket).scalar("SELECT VERSION()").find("MariaDB") != std::string::npos)
    check_tail_equals_load("NO_LOG");
}
