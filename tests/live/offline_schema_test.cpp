// Offline decoding (--binlog-file) of a binlog without full metadata, with and without the table
// definitions of a checkpoint (--schema): with them, every column decodes as it does live.
#include "live/tail_support.hpp"

using namespace dumpr_tail;

TEST_CASE("tail --binlog-file --schema: definitions from a checkpoint decode a MINIMAL binlog") {
  PrivateSandbox& sbx = private_sandbox();
  Client c(sbx.socket());
  c.exec("DROP DATABASE IF EXISTS offschema");
  c.exec("CREATE DATABASE offschema");
  c.exec(
      "CREATE TABLE offschema.t (id INT PRIMARY KEY, e ENUM('red','green'), s SET('a','b','c'), "
      "c CHAR(10) CHARACTER SET utf8mb4, j JSON, y YEAR, x INT, u BIGINT UNSIGNED)");
  TempDir dir;
  const std::string ckpt = dir / "pos.json";
  std::string file;
  {
    dumpr_live::GlobalSetting meta(sbx.socket(), "binlog_row_metadata", "MINIMAL");
    RunResult p = dumpr({"position", "--no-defaults", "--socket", sbx.socket(), "--user", "dumpr",
                         "--password=dumpr", "--database", "offschema", "--checkpoint", ckpt});
    INFO(describe(p));
    REQUIRE(p.exit_code == 0);
    c.exec("FLUSH BINARY LOGS");
    file = master_status(c).file;
    Client w(sbx.socket(), "offschema");  // a new session: MINIMAL
    w.exec(
        "INSERT INTO t VALUES (1, 'green', 'a,c', 'h\xC3\xA9llo', '{\"k\": [1, 2]}', 2024, -5, "
        "18446744073709551615)");
    c.exec("FLUSH BINARY LOGS");
  }
  const std::string path = sbx.datadir() + "/" + file;
  const std::string expected =
      R"(upsert t 1 {"id":1,"e":"green","s":"a,c","c":"héllo","j":{"k":[1,2]},"y":2024,"x":-5,"u":18446744073709551615})";

  RunResult with = dumpr({"tail", "--binlog-file", path, "--schema", ckpt});
  INFO(describe(with));
  REQUIRE(with.exit_code == 0);
  CHECK(briefs(parse_tuples(with.out)) == lines_of({expected}));
  CHECK(with.err.empty());

  // Without definitions the columns have no names (the binlog does not log them).
  RunResult without = dumpr({"tail", "--binlog-file", path});
  INFO(describe(without));
  REQUIRE(without.exit_code == 0);
  CHECK(without.out.find("\"@1\":1") != std::string::npos);

  // --schema is for offline decoding, and needs a checkpoint that records definitions.
  const std::string bare = dir / "bare.json";
  write_file(bare, checkpoint_text(master_status(c)));
  RunResult no_tables = dumpr({"tail", "--binlog-file", path, "--schema", bare});
  CHECK(no_tables.exit_code == 2);
  CHECK(no_tables.err.find("records no table definitions") != std::string::npos);
  RunResult live = dumpr({"tail", "--no-defaults", "--socket", sbx.socket(), "--user", "dumpr",
                          "--password=dumpr", "--from", ckpt, "--schema", ckpt, "--until-end"});
  CHECK(live.exit_code == 2);
  CHECK(live.err.find("--schema goes with --binlog-file") != std::string::npos);
}
