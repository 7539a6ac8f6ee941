// XA transactions through the built binary: the rows of an XA PREPARE are written at its XA
// COMMIT (at the commit's place, interleaved with ordinary transactions), never after an XA
// ROLLBACK; ONE PHASE is an ordinary commit; a tail killed (SIGKILL) while XAs are prepared
// resumes from a checkpoint that lists them and writes their rows at the commit, once. And the
// clear stops: an XA COMMIT whose XA PREPARE is before the start, and --xa-buffer-size.
#include <map>
#include <thread>

#include "live/tail_support.hpp"

using namespace dumpr_tail;

namespace {

const std::string kDb = "dumpr_xa";

std::string socket_path() {
  return dumpr_live::server().socket;
}

// XA START .. XA END, XA PREPARE on a connection of its own, which then goes away: the XA stays
// prepared on the server (MariaDB 10.5+, MySQL 5.7.7+) for another session to commit.
void prepare_xa(const std::string& xid, const std::vector<std::string>& stmts) {
  Client c(socket_path(), kDb);
  c.exec("XA START '" + xid + "'");
  for (const std::string& s : stmts) c.exec(s);
  c.exec("XA END '" + xid + "'");
  c.exec("XA PREPARE '" + xid + "'");
}

// Rolls back, at the end, whatever of `xids` a failed test left prepared (they hold locks).
struct XaCleanup {
  std::vector<std::string> xids;
  ~XaCleanup() {
    try {
      Client c(socket_path());
      for (const std::string& x : xids) c.try_exec("XA ROLLBACK '" + x + "'");
    } catch (...) {
    }
  }
};

std::vector<std::string> tail_cmd(const std::string& ck, const std::vector<std::string>& extra) {
  std::vector<std::string> a = {"--from", ck};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

// "op id v" for each tuple, v from its content ("-" for none).
std::vector<std::string> summary(const std::vector<Tuple>& ts) {
  std::vector<std::string> v;
  for (const Tuple& t : ts) {
    std::string val = "-";
    auto k = t.content.find("\"v\":\"");
    if (k != std::string::npos && t.op != "delete")
      val = t.content.substr(k + 5, t.content.find('"', k + 5) - k - 5);
    v.push_back(t.op + " " + t.id + " " + val);
  }
  return v;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

}  // namespace

TEST_CASE("tail: XA rows at XA COMMIT, none after XA ROLLBACK, exact across a kill -9") {
  TestDatabase db(kDb);
  XaCleanup cleanup{{"xa1", "xa2", "xa3", "xa4"}};
  Client sql(socket_path());
  sql.exec("CREATE TABLE " + kDb + ".t (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB");
  sql.exec("INSERT INTO " + kDb + ".t VALUES (50, 'before')");
  TempDir dir;
  const std::string ck = dir / "ck.json";
  std::vector<std::string> pa = {"position", "--checkpoint", ck};
  for (auto& c : conn_args(kDb)) pa.push_back(c);
  RunResult p = dumpr(pa);
  REQUIRE_MESSAGE(p.exit_code == 0, describe(p));

  // 1. Two XAs prepared around an ordinary transaction: only the ordinary one is written, and
  // the checkpoint passes them, listing them as prepared.
  prepare_xa("xa1", {"INSERT INTO " + kDb + ".t VALUES (1, 'xa1')"});
  sql.exec("INSERT INTO " + kDb + ".t VALUES (100, 'plain')");
  prepare_xa("xa2", {"INSERT INTO " + kDb + ".t VALUES (2, 'xa2')",
                     "UPDATE " + kDb + ".t SET v = 'xa2' WHERE id = 50",
                     "DELETE FROM " + kDb + ".t WHERE id = 100"});
  RunResult r1 = tail_until_end(kDb, tail_cmd(ck, {}));
  REQUIRE_MESSAGE(r1.exit_code == 0, describe(r1));
  auto out1 = summary(parse_tuples(r1.out));
  CHECK(joined(out1) == "upsert 100 plain\n");
  std::string ck_text = read_file(ck);
  INFO("checkpoint after run 1: " << ck_text);
  CHECK(count_occurrences(ck_text, "\"xid\"") == 2);
  CHECK(ck_text.find("X'786131',X'',1") != std::string::npos);  // xa1
  CHECK(ck_text.find("X'786132',X'',1") != std::string::npos);  // xa2

  // 2. A tail running while a third XA is prepared, killed (SIGKILL) once its checkpoint lists
  // it: nothing of the XA is written.
  Background bg(tail_args(conn_to(socket_path(), kDb), tail_cmd(ck, {})));
  prepare_xa("xa3", {"INSERT INTO " + kDb + ".t VALUES (3, 'xa3'), (5, 'xa3')",
                     "DELETE FROM " + kDb + ".t WHERE id = 5"});
  // A new binlog file: the restart reads the prepared groups in the file before the checkpoint's.
  sql.exec("FLUSH BINARY LOGS");
  sql.exec("INSERT INTO " + kDb + ".t VALUES (101, 'plain')");
  const Pos end = master_status(sql);
  const bool caught_up = bg.wait_until(
      [&] {
        return read_file(ck).find("X'786133',X'',1") != std::string::npos &&
               !before(read_checkpoint_pos(ck), end);
      },
      30);
  INFO("background tail stderr: " << bg.err());
  REQUIRE(caught_up);
  bg.signal(SIGKILL);
  REQUIRE(bg.wait_exit(10).value_or(-1) == 128 + SIGKILL);
  auto out_bg = summary(parse_tuples(bg.out(), true));
  CHECK(joined(out_bg) == "upsert 101 plain\n");
  CHECK(count_occurrences(read_file(ck), "\"xid\"") == 3);

  // 3. The outcomes, interleaved with ordinary transactions and a ONE PHASE XA.
  sql.exec("XA COMMIT 'xa1'");
  sql.exec("INSERT INTO " + kDb + ".t VALUES (102, 'plain')");
  sql.exec("XA ROLLBACK 'xa2'");
  {
    Client c(socket_path());
    c.exec("XA START 'xa4'");
    c.exec("INSERT INTO " + kDb + ".t VALUES (4, 'xa4')");
    c.exec("XA END 'xa4'");
    c.exec("XA COMMIT 'xa4' ONE PHASE");
  }
  sql.exec("XA COMMIT 'xa3'");
  sql.exec("INSERT INTO " + kDb + ".t VALUES (103, 'plain')");
  RunResult r2 = tail_until_end(kDb, tail_cmd(ck, {}));
  REQUIRE_MESSAGE(r2.exit_code == 0, describe(r2));
  auto tuples2 = parse_tuples(r2.out);
  // The killed run's checkpoint may be behind what it wrote: 101 may come again, nothing else.
  auto out2 = summary(tuples2);
  if (!out2.empty() && out2.front() == "upsert 101 plain") out2.erase(out2.begin());
  CHECK(joined(out2) ==
        "upsert 1 xa1\n"
        "upsert 102 plain\n"
        "upsert 4 xa4\n"
        "upsert 3 xa3\n"
        "upsert 5 xa3\n"
        "delete 5 -\n"
        "upsert 103 plain\n");
  CHECK(read_file(ck).find("xa_prepared") == std::string::npos);

  // The outputs replayed give the table as it is.
  std::map<std::string, std::string> replay;
  for (const auto& v : {out1, out_bg, out2})
    for (const std::string& line : v) {
      auto a = line.find(' '), b = line.rfind(' ');
      const std::string op = line.substr(0, a), id = line.substr(a + 1, b - a - 1);
      if (op == "delete")
        replay.erase(id);
      else
        replay[id] = line.substr(b + 1);
    }
  replay["50"] = "before";  // written before the start position
  std::map<std::string, std::string> table;
  for (auto& row : sql.query("SELECT id, v FROM " + kDb + ".t")) table[*row[0]] = *row[1];
  CHECK(replay == table);
}

TEST_CASE("tail: an XA COMMIT prepared before the start stops (exit 7), or is skipped knowingly") {
  TestDatabase db(kDb);
  XaCleanup cleanup{{"xa9"}};
  Client sql(socket_path());
  sql.exec("CREATE TABLE " + kDb + ".t (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB");
  prepare_xa("xa9", {"INSERT INTO " + kDb + ".t VALUES (9, 'xa9')"});
  TempDir dir;
  const std::string ck = dir / "ck.json";
  std::vector<std::string> pa = {"position", "--checkpoint", ck};
  for (auto& c : conn_args(kDb)) pa.push_back(c);
  RunResult p = dumpr(pa);
  REQUIRE_MESSAGE(p.exit_code == 0, describe(p));
  sql.exec("INSERT INTO " + kDb + ".t VALUES (100, 'plain')");
  sql.exec("XA COMMIT 'xa9'");
  sql.exec("INSERT INTO " + kDb + ".t VALUES (101, 'plain')");
  const std::string before_text = read_file(ck);

  RunResult r = tail_until_end(kDb, tail_cmd(ck, {}));
  INFO(describe(r));
  CHECK(r.exit_code == 7);
  CHECK(r.err.find("XA COMMIT X'786139',X'',1") != std::string::npos);
  CHECK(r.err.find("--skip-unknown-xa") != std::string::npos);
  // What came before it is written; the checkpoint stays before the XA COMMIT.
  CHECK(joined(summary(parse_tuples(r.out))) == "upsert 100 plain\n");
  CHECK(before(read_checkpoint_pos(ck), master_status(sql)));

  RunResult s = tail_until_end(kDb, tail_cmd(ck, {"--skip-unknown-xa"}));
  INFO(describe(s));
  CHECK(s.exit_code == 0);
  CHECK(s.err.find("NOT in the output") != std::string::npos);
  auto out = summary(parse_tuples(s.out));
  if (!out.empty() && out.front() == "upsert 100 plain") out.erase(out.begin());
  CHECK(joined(out) == "upsert 101 plain\n");
  CHECK(before_text != read_file(ck));
}

TEST_CASE("tail: prepared XA rows over --xa-buffer-size stop (exit 4), the checkpoint before") {
  TestDatabase db(kDb);
  XaCleanup cleanup{{"xa8"}};
  Client sql(socket_path());
  sql.exec("CREATE TABLE " + kDb + ".t (id INT PRIMARY KEY, v VARCHAR(200)) ENGINE=InnoDB");
  TempDir dir;
  const std::string ck = dir / "ck.json";
  std::vector<std::string> pa = {"position", "--checkpoint", ck};
  for (auto& c : conn_args(kDb)) pa.push_back(c);
  RunResult p = dumpr(pa);
  REQUIRE_MESSAGE(p.exit_code == 0, describe(p));
  sql.exec("INSERT INTO " + kDb + ".t VALUES (1000, 'plain')");
  prepare_xa("xa8",
             {"INSERT INTO " + kDb + ".t SELECT seq, REPEAT('y', 150) FROM " + seq_from(1, 200)});
  const Pos start = read_checkpoint_pos(ck);

  RunResult r = tail_until_end(kDb, tail_cmd(ck, {"--xa-buffer-size", "20000"}));
  INFO(describe(r));
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("--xa-buffer-size") != std::string::npos);
  CHECK(joined(summary(parse_tuples(r.out))) == "upsert 1000 plain\n");
  const Pos stopped = read_checkpoint_pos(ck);
  CHECK(before(start, stopped));               // past the ordinary transaction
  CHECK(before(stopped, master_status(sql)));  // before the XA PREPARE

  RunResult ok = tail_until_end(kDb, tail_cmd(ck, {}));
  INFO(describe(ok));
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.empty());
  CHECK(count_occurrences(read_file(ck), "\"xid\"") == 1);
  sql.exec("XA ROLLBACK 'xa8'");
}

TEST_CASE("tail: a lost connection while an XA is prepared keeps its rows for the XA COMMIT") {
  TestDatabase db(kDb);
  XaCleanup cleanup{{"xa7"}};
  Client sql(socket_path());
  sql.exec("CREATE TABLE " + kDb + ".t (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB");
  TempDir dir;
  const std::string ck = dir / "ck.json";
  std::vector<std::string> pa = {"position", "--checkpoint", ck};
  for (auto& c : conn_args(kDb)) pa.push_back(c);
  RunResult p = dumpr(pa);
  REQUIRE_MESSAGE(p.exit_code == 0, describe(p));

  Background bg(tail_args(conn_to(socket_path(), kDb), tail_cmd(ck, {})));
  prepare_xa("xa7", {"INSERT INTO " + kDb + ".t VALUES (7, 'xa7')"});
  sql.exec("INSERT INTO " + kDb + ".t VALUES (100, 'plain')");
  const Pos end = master_status(sql);
  REQUIRE(bg.wait_until([&] { return !before(read_checkpoint_pos(ck), end); }, 30));
  // The server drops the tail's replication connection: it reconnects from its checkpoint,
  // after the XA PREPARE, with the XA's rows still in memory.
  int killed = 0;
  for (auto& row : sql.query("SELECT id FROM information_schema.processlist WHERE user = 'dumpr' "
                             "AND command LIKE 'Binlog Dump%'"))
    killed += sql.try_exec("KILL " + *row[0]) == 0;
  REQUIRE(killed >= 1);
  REQUIRE(bg.wait_until([&] { return bg.err().find("reconnected") != std::string::npos; }, 30));
  sql.exec("XA COMMIT 'xa7'");
  sql.exec("INSERT INTO " + kDb + ".t VALUES (101, 'plain')");
  const bool got = bg.wait_until([&] { return count_occurrences(bg.out(), "\n") >= 3; }, 30);
  INFO("stderr: " << bg.err());
  REQUIRE(got);
  CHECK(joined(summary(parse_tuples(bg.out(), true))) ==
        "upsert 100 plain\n"
        "upsert 7 xa7\n"
        "upsert 101 plain\n");
  bg.signal(SIGTERM);
  CHECK(bg.wait_exit(10).value_or(-1) == 0);
  CHECK(read_file(ck).find("xa_prepared") == std::string::npos);
}
