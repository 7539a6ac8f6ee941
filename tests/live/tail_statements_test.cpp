// dumpr tail and the statements that change rows without row events of their own: TRUNCATE TABLE,
// DROP TABLE and DROP DATABASE become `truncate` tuples; INSERT/UPDATE/DELETE logged as
// statements (binlog_format=STATEMENT or MIXED in a session) stop the tail before the checkpoint
// passes them, unless --skip-statement-dml says to skip them. And key changes under MINIMAL and
// NOBLOB row images: the new id is the before image's key with the changed key columns over it,
// and the upsert names the id the row moved from.
#include "live/tail_support.hpp"

using namespace dumpr_tail;

namespace {

std::string checkpoint_at(const TempDir& dir, const Pos& p) {
  std::string path = dir / "pos.json";
  write_file(path, checkpoint_text(p));
  return path;
}

RunResult tail_from(const std::string& db, const std::string& ckpt,
                    const std::vector<std::string>& extra = {}) {
  std::vector<std::string> a = {"--from", ckpt};
  a.insert(a.end(), extra.begin(), extra.end());
  return tail_until_end(db, a);
}

}  // namespace

TEST_CASE("tail: TRUNCATE TABLE, DROP TABLE and DROP DATABASE are truncate tuples") {
  TestDatabase db("dumpr_t_truncate");
  Client c(server().socket, "dumpr_t_truncate");
  c.exec("CREATE TABLE t (id INT PRIMARY KEY, v INT)");
  c.exec("CREATE TABLE u (id INT PRIMARY KEY)");
  c.exec("CREATE TABLE other (id INT PRIMARY KEY)");
  TempDir dir;
  const Pos p0 = master_status(c);
  c.exec("INSERT INTO t VALUES (1, 1), (2, 2)");
  c.exec("INSERT INTO other VALUES (1)");
  c.exec("TRUNCATE TABLE t");
  c.exec("TRUNCATE other");
  c.exec("INSERT INTO t VALUES (3, 3)");
  c.exec("INSERT INTO u VALUES (7)");
  c.exec("DROP TABLE IF EXISTS `u`, missing_table");
  c.exec("CREATE TABLE u (id INT PRIMARY KEY)");
  c.exec("INSERT INTO u VALUES (8)");
  c.exec("DROP TEMPORARY TABLE IF EXISTS t");  // no temporary t: the real t stays
  c.exec("DROP DATABASE dumpr_t_truncate");
  c.exec("CREATE DATABASE dumpr_t_truncate");  // tail connects to it
  const Pos after_writes = master_status(c);

  SUBCASE("every table of the database") {
    const std::string ckpt = checkpoint_at(dir, p0);
    RunResult r = tail_from(db.name(), ckpt);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    auto tuples = parse_tuples(r.out);
    CHECK(briefs(tuples) == lines_of({
                                R"(upsert t 1 {"id":1,"v":1})",
                                R"(upsert t 2 {"id":2,"v":2})",
                                R"(upsert other 1 {"id":1})",
                                "truncate t null null",
                                "truncate other null null",
                                R"(upsert t 3 {"id":3,"v":3})",
                                R"(upsert u 7 {"id":7})",
                                "truncate u null null",
                                // named, so said: a truncate of a table a consumer does not
                                // have changes nothing
                                "truncate missing_table null null",
                                R"(upsert u 8 {"id":8})",
                                // DROP DATABASE: every table the stream knows, in name order
                                "truncate other null null",
                                "truncate t null null",
                                "truncate u null null",
                            }));
    REQUIRE(tuples.size() == 13);
    for (std::size_t i : {3u, 4u}) CHECK(!tuples[i].dropped);
    for (std::size_t i : {7u, 8u, 10u, 11u, 12u}) CHECK(tuples[i].dropped);
    for (const Tuple& t : tuples) CHECK(t.db == db.name());
    // A truncate is a transaction of its own: the next position is its end.
    CHECK(tuples[3].next_file == tuples[4].next_file);
    CHECK(before(tuples[3].next(), tuples[4].next()));
    CHECK(read_checkpoint_pos(ckpt) == after_writes);
  }
  SUBCASE("--tables: only the tables named") {
    // t is gone now (DROP DATABASE): the flag says so.
    RunResult r = tail_from(db.name(), checkpoint_at(dir, p0),
                            {"--tables", "t", "--allow-missing-tables"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(briefs(parse_tuples(r.out)) == lines_of({
                                             R"(upsert t 1 {"id":1,"v":1})",
                                             R"(upsert t 2 {"id":2,"v":2})",
                                             "truncate t null null",
                                             R"(upsert t 3 {"id":3,"v":3})",
                                             "truncate t null null",
                                         }));
  }
}

TEST_CASE(
    "tail: DML logged as a statement stops the tail (exit 4) before the checkpoint passes it") {
  TestDatabase db("dumpr_t_stmt");
  TestDatabase other("dumpr_t_stmt_other");
  Client c(server().socket, "dumpr_t_stmt");
  c.exec("CREATE TABLE t (id INT PRIMARY KEY, v INT)");
  c.exec("CREATE TABLE w (id INT PRIMARY KEY, v INT)");
  c.exec("CREATE TABLE dumpr_t_stmt_other.o (id INT PRIMARY KEY)");
  TempDir dir;

  struct Case {
    const char* name;
    std::string sql;    // run under binlog_format=STATEMENT
    const char* table;  // the captured table it changes, as the error names it
  };
  const std::vector<Case> cases = {
      {"INSERT", "INSERT INTO t VALUES (10, 10)", "dumpr_t_stmt.t"},
      {"qualified REPLACE", "REPLACE INTO `dumpr_t_stmt`.`t` VALUES (11, 11)", "dumpr_t_stmt.t"},
      {"UPDATE", "UPDATE t SET v = v + 1", "dumpr_t_stmt.t"},
      {"multi-table UPDATE", "UPDATE w JOIN t ON t.id = w.id SET w.v = 5", "dumpr_t_stmt.w"},
      {"DELETE", "DELETE FROM t WHERE id = 1", "dumpr_t_stmt.t"},
      {"multi-table DELETE", "DELETE w FROM w JOIN t USING (id)", "dumpr_t_stmt.w"},
      {"INSERT SELECT", "INSERT INTO w SELECT id + 100, v FROM t", "dumpr_t_stmt.w"},
  };
  for (const Case& k : cases) {
    CAPTURE(k.name);
    c.exec("SET SESSION binlog_format = ROW");
    c.exec("DELETE FROM t");
    c.exec("DELETE FROM w");
    c.exec("INSERT INTO t VALUES (1, 1), (2, 2)");
    c.exec("INSERT INTO w VALUES (1, 1)");
    const Pos p0 = master_status(c);
    c.exec("INSERT INTO t VALUES (3, 3)");  // a row change before it: delivered
    const Pos before_stmt = master_status(c);
    c.exec("SET SESSION binlog_format = STATEMENT");
    c.exec(k.sql);
    c.exec("SET SESSION binlog_format = ROW");
    c.exec("INSERT INTO t VALUES (4, 4)");  // and one after it

    const std::string ckpt = checkpoint_at(dir, p0);
    RunResult r = tail_from(db.name(), ckpt);
    INFO(describe(r));
    CHECK(r.exit_code == 4);
    CHECK(briefs(parse_tuples(r.out)) == lines_of({R"(upsert t 3 {"id":3,"v":3})"}));
    CHECK(r.err.find("change to captured table " + std::string(k.table) +
                     " was logged as a statement") != std::string::npos);
    CHECK(r.err.find(before_stmt.file + ":") != std::string::npos);
    CHECK(r.err.find("binlog_format=ROW") != std::string::npos);
    CHECK(r.err.find("--skip-statement-dml") != std::string::npos);
    // The checkpoint covers the row before the statement, and not the statement.
    CHECK(read_checkpoint_pos(ckpt) == before_stmt);

    // Asked to skip: a warning that names what was lost, and the stream goes on.
    RunResult s = tail_from(db.name(), ckpt, {"--skip-statement-dml"});
    INFO(describe(s));
    CHECK(s.exit_code == 0);
    CHECK(briefs(parse_tuples(s.out)) == lines_of({R"(upsert t 4 {"id":4,"v":4})"}));
    CHECK(s.err.find("skipped a statement-format change to table " + std::string(k.table)) !=
          std::string::npos);
    CHECK(s.err.find("NOT in the output") != std::string::npos);
  }

  SUBCASE("a statement on a table that is not captured does not stop it") {
    c.exec("SET SESSION binlog_format = ROW");
    const Pos p0 = master_status(c);
    c.exec("SET SESSION binlog_format = STATEMENT");
    c.exec("INSERT INTO dumpr_t_stmt_other.o VALUES (1)");  // another database
    c.exec("UPDATE w SET v = 9");                           // not in --tables
    c.exec("SET SESSION binlog_format = ROW");
    c.exec("INSERT INTO t VALUES (5, 5)");
    // t is gone now (DROP DATABASE): the flag says so.
    RunResult r = tail_from(db.name(), checkpoint_at(dir, p0),
                            {"--tables", "t", "--allow-missing-tables"});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK(briefs(parse_tuples(r.out)) == lines_of({R"(upsert t 5 {"id":5,"v":5})"}));
  }
}

TEST_CASE(
    "tail: a key change under MINIMAL and NOBLOB images: the new id, and where it moved from") {
  TestDatabase db("dumpr_t_moved");
  Client c(server().socket, "dumpr_t_moved");
  c.exec("CREATE TABLE t (a INT, d DATE, v INT, b BLOB, PRIMARY KEY (a, d))");
  c.exec("CREATE TABLE s (id INT PRIMARY KEY, v INT)");
  TempDir dir;
  for (const char* image : {"MINIMAL", "NOBLOB", "FULL"}) {
    CAPTURE(image);
    c.exec("DELETE FROM t");
    c.exec("DELETE FROM s");
    const Pos p0 = master_status(c);
    c.exec(std::string("SET SESSION binlog_row_image = ") + image);
    c.exec("INSERT INTO t VALUES (1, '2020-01-01', 1, 'blob')");
    c.exec("UPDATE t SET d = '2021-02-02' WHERE a = 1");  // one column of the composite key
    c.exec("UPDATE t SET v = 2 WHERE a = 1");             // lands on the new id
    c.exec("INSERT INTO s VALUES (1, 1)");
    c.exec("UPDATE s SET id = 2, v = 3");
    c.exec("SET SESSION binlog_row_image = FULL");
    RunResult r = tail_from(db.name(), checkpoint_at(dir, p0));
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    auto tuples = parse_tuples(r.out);
    REQUIRE(tuples.size() == 7);
    const std::string image_s = image;
    // The ids: the old one deleted, the new one upserted, whatever the image logged.
    CHECK(tuples[1].op == "delete");
    CHECK(tuples[1].id == R"([1,"2020-01-01"])");
    CHECK(tuples[2].op == "upsert");
    CHECK(tuples[2].id == R"([1,"2021-02-02"])");
    CHECK(tuples[2].moved_from == R"([1,"2020-01-01"])");
    CHECK(tuples[3].op == "upsert");
    CHECK(tuples[3].id == R"([1,"2021-02-02"])");
    CHECK(tuples[3].moved_from.empty());
    CHECK(tuples[5].op == "delete");
    CHECK(tuples[5].id == "1");
    CHECK(tuples[6].id == "2");
    CHECK(tuples[6].moved_from == "1");
    if (image_s == "MINIMAL") {
      CHECK(tuples[2].content == R"({"d":"2021-02-02"})");
      CHECK(tuples[2].partial);
      CHECK(tuples[3].content == R"({"v":2})");
    } else if (image_s == "NOBLOB") {
      CHECK(tuples[2].content == R"({"a":1,"d":"2021-02-02","v":1})");
      CHECK(tuples[2].partial);
    } else {
      CHECK(tuples[2].content == R"({"a":1,"d":"2021-02-02","v":1,"b":"YmxvYg=="})");
      CHECK(!tuples[2].partial);
    }
  }
}
