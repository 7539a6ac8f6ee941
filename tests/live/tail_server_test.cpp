// dumpr tail against a server that changes under it, on the private sandbox: a purged binlog,
// a restart mid-stream, MINIMAL and NOBLOB row images, and compressed binlog events.
#include "live/tail_support.hpp"

using namespace dumpr_tail;
using dumpr_live::GlobalSetting;

namespace {

std::vector<std::string> private_conn(const std::string& db) {
  return conn_to(private_sandbox().socket(), db);
}

RunResult private_tail(const std::string& db, const std::vector<std::string>& extra) {
  std::vector<std::string> a = {"tail"};
  for (auto& s : private_conn(db)) a.push_back(s);
  a.insert(a.end(), extra.begin(), extra.end());
  return dumpr(a);
}

void fresh_database(Client& c, const std::string& db) {
  c.exec("DROP DATABASE IF EXISTS " + db);
  c.exec("CREATE DATABASE " + db);
  c.exec("USE " + db);
}

}  // namespace

TEST_CASE("tail: a purged binlog position exits 7 and says to run dumpr load again") {
  Client c(private_sandbox().socket());
  fresh_database(c, "purged");
  c.exec("CREATE TABLE t (id INT PRIMARY KEY)");
  TempDir dir;
  const Pos old = master_status(c);
  const std::string ckpt = dir / "pos.json";
  write_file(ckpt, checkpoint_text(old));
  c.exec("INSERT INTO t VALUES (1)");
  c.exec("FLUSH BINARY LOGS");
  const Pos now = master_status(c);
  REQUIRE(now.file != old.file);
  // A log still read by a replication connection (a dump thread of an earlier test's dumpr that
  // the server has not reaped yet) is not purged: end those connections, then purge.
  auto old_listed = [&] {
    for (auto& r : c.query("SHOW BINARY LOGS"))
      if (*r[0] == old.file) return true;
    return false;
  };
  auto deadline = Clock::now() + std::chrono::seconds(15);
  while (true) {
    for (auto& r : c.query("SELECT id FROM information_schema.processlist "
                           "WHERE command LIKE 'Binlog Dump%'"))
      c.query("KILL CONNECTION " + *r[0]);
    c.exec("PURGE BINARY LOGS TO '" + now.file + "'");
    if (!old_listed() || Clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  REQUIRE(!old_listed());

  for (bool until_end : {true, false}) {
    std::vector<std::string> extra = {"--from", ckpt};
    if (until_end) extra.push_back("--until-end");
    RunResult r = private_tail("purged", extra);
    INFO((until_end ? "--until-end: " : "following: ") << describe(r));
    CHECK(r.exit_code == 7);
    CHECK(r.out.empty());
    CHECK(r.err.find(old.file) != std::string::npos);
    CHECK(r.err.find("dumpr load") != std::string::npos);
    CHECK(read_file(ckpt) == checkpoint_text(old));  // left as it was
  }
  // --from-position too.
  RunResult r = private_tail(
      "purged", {"--from-position", old.file + ":" + std::to_string(old.pos), "--until-end"});
  INFO(describe(r));
  CHECK(r.exit_code == 7);
  CHECK(r.err.find("dumpr load") != std::string::npos);
}

TEST_CASE(
    "tail: a server restart mid-stream: it reconnects, says so, and loses and repeats nothing") {
  PrivateSandbox& sbx = private_sandbox();
  TempDir dir;
  const std::string ckpt = dir / "pos.json";
  {
    Client c(sbx.socket());
    fresh_database(c, "restart");
    c.exec("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))");
    write_file(ckpt, checkpoint_text(master_status(c)));
  }
  Background tail(tail_args(private_conn("restart"), {"--from", ckpt}));
  {
    Client c(sbx.socket(), "restart");
    for (int i = 1; i <= 10; ++i)
      c.exec("INSERT INTO t VALUES (" + std::to_string(i) + ", 'before')");
    // One transaction of several rows, the last thing before the restart.
    c.exec("BEGIN");
    for (int i = 11; i <= 15; ++i)
      c.exec("INSERT INTO t VALUES (" + std::to_string(i) + ", 'before')");
    c.exec("COMMIT");
  }
  REQUIRE_MESSAGE(tail.wait_until([&] { return tail.lines() >= 15; }, 15),
                  "before the restart: " << tail.out() << tail.err());
  sbx.stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  sbx.start();
  {
    Client c(sbx.socket(), "restart");
    for (int i = 16; i <= 25; ++i)
      c.exec("INSERT INTO t VALUES (" + std::to_string(i) + ", 'after')");
    c.exec("UPDATE t SET v = 'changed' WHERE id = 1");
  }
  const bool all = tail.wait_until([&] { return tail.lines() >= 26; }, 40);
  INFO("stderr: " << tail.err());
  INFO("stdout: " << tail.out());
  CHECK_MESSAGE(all, "rows written after the restart did not arrive within 40 s");
  // Nothing more is coming: give a duplicate the chance to show, then stop.
  tail.wait_until([] { return false; }, 1.5);
  tail.signal(SIGTERM);
  CHECK(tail.wait_exit(5).value_or(-1) == 0);
  auto tuples = parse_tuples(tail.out());
  std::vector<std::string> expected;
  for (int i = 1; i <= 25; ++i)
    expected.push_back("upsert t " + std::to_string(i) + " {\"id\":" + std::to_string(i) +
                       ",\"v\":\"" + (i <= 15 ? "before" : "after") + "\"}");
  expected.push_back(R"(upsert t 1 {"id":1,"v":"changed"})");
  CHECK(briefs(tuples) == lines_of(expected));
  CHECK(tail.err().find("reconnect") != std::string::npos);
  // The checkpoint is the end of the last transaction.
  REQUIRE(!tuples.empty());
  CHECK(read_checkpoint_pos(ckpt) == tuples.back().next());
}

TEST_CASE("tail: binlog_row_image MINIMAL and NOBLOB: only the logged columns, \"partial\": true") {
  PrivateSandbox& sbx = private_sandbox();
  Client setup(sbx.socket());
  fresh_database(setup, "images");
  setup.exec("CREATE TABLE t (id INT PRIMARY KEY, a INT, b VARCHAR(10), doc TEXT, bl BLOB)");
  setup.exec("CREATE TABLE k (x INT, y INT, v INT, PRIMARY KEY (x, y))");
  setup.exec(
      "INSERT INTO t VALUES (1, 1, 'one', 'text one', 'blob1'), (2, 2, 'two', 'text two', "
      "'blob2')");
  setup.exec("INSERT INTO k VALUES (1, 1, 0)");
  TempDir dir;
  const Pos p0 = master_status(setup);
  {
    GlobalSetting image(private_sandbox().socket(), "binlog_row_image", "MINIMAL");
    Client c(sbx.socket(), "images");  // a new session takes the new global value
    REQUIRE(c.scalar("SELECT @@SESSION.binlog_row_image") == "MINIMAL");
    c.exec("UPDATE t SET a = 10 WHERE id = 1");
    c.exec("UPDATE k SET v = 5");
    c.exec("UPDATE t SET id = 20 WHERE id = 2");  // a key change under MINIMAL
    c.exec("DELETE FROM t WHERE id = 20");
    c.exec("INSERT INTO t (id, b) VALUES (3, 'three')");
  }
  const Pos p_noblob = master_status(setup);
  {
    GlobalSetting image(private_sandbox().socket(), "binlog_row_image", "NOBLOB");
    Client c(sbx.socket(), "images");
    REQUIRE(c.scalar("SELECT @@SESSION.binlog_row_image") == "NOBLOB");
    c.exec("UPDATE t SET a = 11 WHERE id = 1");
    c.exec("UPDATE t SET bl = 'blobX' WHERE id = 1");
    c.exec("INSERT INTO t VALUES (4, 4, 'four', 'text four', 'blob4')");
    c.exec("DELETE FROM t WHERE id = 4");
  }
  const Pos p_full = master_status(setup);
  setup.exec("UPDATE t SET a = 12 WHERE id = 1");

  const std::string ckpt = dir / "pos.json";
  write_file(ckpt, checkpoint_text(p0));
  RunResult r = private_tail("images", {"--from", ckpt, "--until-end"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  auto tuples = parse_tuples(r.out);
  // ids come from the before image when the after image lacks the key; content is the after
  // image's columns for an upsert, the before image's for a delete, never a null for a column
  // that was not logged. BLOB/TEXT are base64 / text as `load` gives them.
  CHECK(briefs(tuples) ==
        lines_of({
            // MINIMAL
            R"(upsert t 1 {"a":10})",
            R"(upsert k [1,1] {"v":5})",
            R"(delete t 2 {"id":2})",
            R"(upsert t 20 {"id":20})",
            R"(delete t 20 {"id":20})",
            R"(upsert t 3 {"id":3,"b":"three"})",
            // NOBLOB
            R"(upsert t 1 {"id":1,"a":11,"b":"one"})",
            R"(upsert t 1 {"id":1,"a":11,"b":"one","bl":"YmxvYlg="})",
            R"(upsert t 4 {"id":4,"a":4,"b":"four","doc":"text four","bl":"YmxvYjQ="})",
            R"(delete t 4 {"id":4,"a":4,"b":"four"})",
            // FULL again
            R"(upsert t 1 {"id":1,"a":12,"b":"one","doc":"text one","bl":"YmxvYlg="})",
        }));
  // "partial": true exactly where columns are missing.
  const std::vector<bool> partial = {true, true, true,  true, true, true,
                                     true, true, false, true, false};
  REQUIRE(tuples.size() == partial.size());
  for (std::size_t i = 0; i < tuples.size(); ++i) {
    INFO("tuple " << i << ": " << tuples[i].line);
    CHECK(tuples[i].partial == partial[i]);
    if (!partial[i]) CHECK(!tuples[i].has_partial_key);
    CHECK(tuples[i].line.find("null") == std::string::npos);
  }
  (void)p_noblob;
  (void)p_full;
}

TEST_CASE("tail: compressed binlog events (log_bin_compress) give the same rows as plain ones") {
  PrivateSandbox& sbx = private_sandbox();
  Client setup(sbx.socket());
  fresh_database(setup, "compress");
  for (const char* t : {"plain", "packed"})
    setup.exec(std::string("CREATE TABLE ") + t +
               " (id INT PRIMARY KEY, v VARCHAR(300), n BIGINT, d DECIMAL(10,3), j JSON)");
  TempDir dir;
  const Pos p0 = master_status(setup);
  auto workload = [&](Client& c, const std::string& t) {
    c.exec("INSERT INTO " + t + " VALUES (1, REPEAT('abc', 100), 1, 1.5, '{\"k\": [1, 2]}')");
    c.exec("INSERT INTO " + t +
           " SELECT seq, CONCAT('row ', seq, REPEAT('z', seq % 50)), seq * 1000, seq / 7, "
           "JSON_OBJECT('s', seq) FROM " +
           seq_from(2, 800));
    c.exec("UPDATE " + t + " SET v = 'short', n = -n WHERE id % 3 = 0");
    c.exec("BEGIN");
    c.exec("DELETE FROM " + t + " WHERE id BETWEEN 100 AND 150");
    c.exec("UPDATE " + t + " SET id = id + 10000 WHERE id = 2");
    c.exec("COMMIT");
  };
  {
    Client c(sbx.socket(), "compress");
    workload(c, "plain");
  }
  const Pos p1 = master_status(setup);
  {
    // MariaDB compresses each event from a length on; MySQL each whole transaction into one
    // Transaction_payload event (zstd), whatever its length.
    const bool mysql = server_is_mysql();
    GlobalSetting on(private_sandbox().socket(),
                     mysql ? "binlog_transaction_compression" : "log_bin_compress", "ON");
    std::optional<GlobalSetting> min_len;
    if (!mysql) min_len.emplace(private_sandbox().socket(), "log_bin_compress_min_len", "10");
    Client c(sbx.socket(), "compress");
    workload(c, "packed");
  }
  // The second half really is compressed.
  std::size_t compressed = 0;
  for (auto& ev :
       setup.query("SHOW BINLOG EVENTS IN '" + p1.file + "' FROM " + std::to_string(p1.pos)))
    if (ev[2]->find("ompressed") != std::string::npos || *ev[2] == "Transaction_payload")
      ++compressed;
  INFO("compressed events: " << compressed);
  // MariaDB: several per transaction; MySQL: one per transaction, four.
  REQUIRE(compressed >= (server_is_mysql() ? 4u : 5u));

  const std::string ckpt = dir / "pos.json";
  write_file(ckpt, checkpoint_text(p0));
  RunResult r = private_tail("compress", {"--from", ckpt, "--until-end"});
  INFO(describe(r).substr(0, 3000));
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  std::vector<std::string> plain, packed;
  for (const Tuple& t : parse_tuples(r.out)) {
    std::string key = t.op + " " + t.id + " " + t.content;
    (t.table == "plain" ? plain : packed).push_back(key);
  }
  CHECK(plain.size() == 800 + 266 + 51 + 2);
  CHECK(lines_of(plain) == lines_of(packed));
}
