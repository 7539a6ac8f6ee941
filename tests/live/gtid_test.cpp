// GTIDs and positions: MySQL's executed GTID set kept in the checkpoint by tail (tagged GTIDs
// too) and a resume after it once the checkpoint's file is purged (COM_BINLOG_DUMP_GTID), on the
// private sandbox; and a tail --until-end that costs the server no scan of its binlog file
// (MariaDB's BINLOG_GTID_POS), on the shared one; MariaDB's GTID position resuming a purged file.
#include "live/tail_support.hpp"

using namespace dumpr_tail;
using dumpr_live::GlobalSetting;

namespace {

std::vector<std::string> private_conn(const std::string& db) {
  return conn_to(private_sandbox().socket(), db);
}

RunResult private_run(const std::string& sub, const std::string& db,
                      const std::vector<std::string>& extra) {
  std::vector<std::string> a = {sub};
  for (auto& s : private_conn(db)) a.push_back(s);
  a.insert(a.end(), extra.begin(), extra.end());
  return dumpr(a);
}

std::string checkpoint_gtid(const std::string& path) {
  const std::string text = read_file(path);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(text).get(root)) throw std::runtime_error("checkpoint is not JSON: " + text);
  std::string_view g;
  if (root["gtid"].get_string().get(g)) return "";
  return std::string(g);
}

std::vector<std::string> with_args(std::vector<std::string> a, const std::vector<std::string>& b,
                                   const std::vector<std::string>& c) {
  a.insert(a.end(), b.begin(), b.end());
  a.insert(a.end(), c.begin(), c.end());
  return a;
}

std::string executed(Client& c) {
  std::string s = c.scalar("SELECT @@GLOBAL.gtid_executed");
  std::erase(s, '\n');
  return s;
}

// The ids of the tuples, in order.
std::vector<int> ids_of(const std::string& out) {
  std::vector<int> ids;
  for (const Tuple& t : parse_tuples(out)) ids.push_back(std::stoi(t.id));
  return ids;
}

std::vector<int> range(int lo, int hi) {
  std::vector<int> v;
  for (int i = lo; i <= hi; ++i) v.push_back(i);
  return v;
}

// Purges every binlog file before `to`, ending the replication connections that still read one.
void purge_to(Client& c, const std::string& to, const std::string& gone) {
  auto listed = [&] {
    for (auto& r : c.query("SHOW BINARY LOGS"))
      if (*r[0] == gone) return true;
    return false;
  };
  auto deadline = Clock::now() + std::chrono::seconds(15);
  while (true) {
    for (auto& r : c.query("SELECT id FROM information_schema.processlist "
                           "WHERE command LIKE 'Binlog Dump%'"))
      c.query("KILL CONNECTION " + *r[0]);
    c.exec("PURGE BINARY LOGS TO '" + to + "'");
    if (!listed() || Clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  REQUIRE(!listed());
}

}  // namespace

TEST_CASE(
    "gtid: MySQL's executed GTID set follows tail in the checkpoint, tagged GTIDs too, and a "
    "purged file resumes after it with nothing lost or repeated") {
  if (!server_is_mysql()) {
    MESSAGE("on MariaDB, skipped: MySQL GTID sets (MariaDB's GTID positions are tested elsewhere)");
    return;
  }
  const bool tags = server_flavor().version >= 80300;  // GTID tags: MySQL 8.3 on
  Client c(private_sandbox().socket());
  c.exec("DROP DATABASE IF EXISTS gtidres");
  c.exec("CREATE DATABASE gtidres");
  c.exec("USE gtidres");
  c.exec("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))");
  TempDir dir;
  const std::string ckpt = dir / "pos.json";
  RunResult p = private_run("position", "gtidres", {"--checkpoint", ckpt});
  REQUIRE_MESSAGE(p.exit_code == 0, describe(p));
  const std::string at_start = read_file(ckpt);
  CHECK(checkpoint_gtid(ckpt) == executed(c));

  // Untagged and tagged transactions, one of several rows.
  auto insert = [&](int id, const std::string& tag) {
    if (!tag.empty()) c.exec("SET gtid_next = 'AUTOMATIC:" + tag + "'");
    c.exec("INSERT INTO t VALUES (" + std::to_string(id) + ", '" + tag + "')");
    if (!tag.empty()) c.exec("SET gtid_next = 'AUTOMATIC'");
  };
  insert(1, "");
  insert(2, tags ? "dumpr_a" : "");
  c.exec("BEGIN");
  insert(3, "");
  insert(4, "");
  c.exec("COMMIT");
  insert(5, tags ? "Dumpr_B" : "");  // tags are kept in lower case

  RunResult first = private_run("tail", "gtidres", {"--from", ckpt, "--until-end"});
  REQUIRE_MESSAGE(first.exit_code == 0, describe(first));
  CHECK(ids_of(first.out) == range(1, 5));
  // The checkpoint's set is the server's executed set: every transaction before its position.
  const std::string after_first = executed(c);
  CHECK(checkpoint_gtid(ckpt) == after_first);
  if (tags) {
    CHECK(after_first.find(":dumpr_a:") != std::string::npos);
    CHECK(after_first.find(":dumpr_b:") != std::string::npos);
    const std::vector<Tuple> t = parse_tuples(first.out);
    REQUIRE(t.size() == 5);
    CHECK(t[1].gtid.find(":dumpr_a:") != std::string::npos);
    CHECK(t[4].gtid.find(":dumpr_b:") != std::string::npos);
  }
  const std::string purged_file = read_checkpoint_pos(ckpt).file;

  // More transactions in the next file; then the checkpoint's file is purged.
  c.exec("FLUSH BINARY LOGS");
  insert(6, "");
  insert(7, tags ? "dumpr_a" : "");
  c.exec("BEGIN");
  insert(8, "");
  insert(9, "");
  c.exec("COMMIT");
  const std::string after_9 = executed(c);
  insert(10, tags ? "dumpr_c" : "");
  const Pos holding = master_status(c);
  c.exec("FLUSH BINARY LOGS");
  insert(11, "");
  purge_to(c, holding.file, purged_file);

  // The file is gone, the set still names the place: rows 6..11, once each, in order.
  const std::string before_resume = read_file(ckpt);
  RunResult resumed = private_run("tail", "gtidres", {"--from", ckpt, "--until-end"});
  REQUIRE_MESSAGE(resumed.exit_code == 0, describe(resumed));
  CHECK(ids_of(resumed.out) == range(6, 11));
  CHECK(resumed.err.find(purged_file + " is no longer on the server (purged): resuming after the "
                                       "checkpoint's GTID set") != std::string::npos);
  CHECK(checkpoint_gtid(ckpt) == executed(c));
  CHECK(read_checkpoint_pos(ckpt) == master_status(c));
  RunResult again = private_run("tail", "gtidres", {"--from", ckpt, "--until-end"});
  CHECK_MESSAGE(again.exit_code == 0, describe(again));
  CHECK(again.out.empty());  // nothing repeated
  // validate-pos agrees that the old checkpoint is still a place to start.
  write_file(dir / "old.json", before_resume);
  RunResult v = dumpr({"validate-pos", "--no-defaults", "--socket", private_sandbox().socket(),
                       "--user", "dumpr", "--password=dumpr", dir / "old.json"});
  CHECK_MESSAGE(v.exit_code == 0, describe(v));

  // --from-gtid: after a set given by hand (here: up to row 9), and after everything.
  RunResult by_hand = private_run("tail", "gtidres", {"--from-gtid", after_9, "--until-end"});
  CHECK_MESSAGE(by_hand.exit_code == 0, describe(by_hand));
  CHECK(ids_of(by_hand.out) == range(10, 11));
  RunResult nothing = private_run("tail", "gtidres", {"--from-gtid", executed(c), "--until-end"});
  CHECK_MESSAGE(nothing.exit_code == 0, describe(nothing));
  CHECK(nothing.out.empty());

  // A set whose next transactions were purged with the file: exit 7, checkpoint untouched.
  const std::string stale = dir / "stale.json";
  write_file(stale, at_start);
  RunResult lost = private_run("tail", "gtidres", {"--from", stale, "--until-end"});
  CHECK_MESSAGE(lost.exit_code == 7, describe(lost));
  CHECK(lost.out.empty());
  CHECK(lost.err.find("purged binary logs holding transactions after the GTID set") !=
        std::string::npos);
  CHECK(lost.err.find("dumpr load") != std::string::npos);
  CHECK(read_file(stale) == at_start);
  RunResult lost_gtid =
      private_run("tail", "gtidres", {"--from-gtid", checkpoint_gtid(stale), "--until-end"});
  CHECK_MESSAGE(lost_gtid.exit_code == 7, describe(lost_gtid));
  // Not a GTID set: a usage error naming the form expected.
  RunResult bad = private_run("tail", "gtidres", {"--from-gtid", "0-1-5", "--until-end"});
  CHECK_MESSAGE(bad.exit_code == 2, describe(bad));
  CHECK(bad.err.find("expected MySQL's form") != std::string::npos);
}

TEST_CASE("gtid: a checkpoint without a GTID set gets one at the next binlog file (MySQL)") {
  if (!server_is_mysql()) {
    MESSAGE("on MariaDB, skipped: MySQL GTID sets");
    return;
  }
  Client c(private_sandbox().socket());
  c.exec("DROP DATABASE IF EXISTS gtidnone");
  c.exec("CREATE DATABASE gtidnone");
  c.exec("USE gtidnone");
  c.exec("CREATE TABLE t (id INT PRIMARY KEY)");
  TempDir dir;
  const std::string ckpt = dir / "pos.json";
  write_file(ckpt, checkpoint_text(master_status(c)));  // file and offset only
  c.exec("INSERT INTO t VALUES (1)");
  RunResult r1 = private_run("tail", "gtidnone", {"--from", ckpt, "--until-end"});
  REQUIRE_MESSAGE(r1.exit_code == 0, describe(r1));
  CHECK(ids_of(r1.out) == range(1, 1));
  // Unknown: no set is made up from the transactions seen alone.
  CHECK(checkpoint_gtid(ckpt).empty());
  c.exec("FLUSH BINARY LOGS");
  c.exec("INSERT INTO t VALUES (2)");
  RunResult r2 = private_run("tail", "gtidnone", {"--from", ckpt, "--until-end"});
  REQUIRE_MESSAGE(r2.exit_code == 0, describe(r2));
  CHECK(ids_of(r2.out) == range(2, 2));
  // The new file's PREVIOUS_GTIDS said what came before; row 2's GTID follows it.
  CHECK(checkpoint_gtid(ckpt) == executed(c));
}

TEST_CASE(
    "gtid: a following MySQL tail whose file is purged while it reconnects goes on after its GTID "
    "set") {
  if (!server_is_mysql()) {
    MESSAGE("on MariaDB, skipped: MySQL GTID sets");
    return;
  }
  Client c(private_sandbox().socket());
  c.exec("DROP DATABASE IF EXISTS gtidfollow");
  c.exec("CREATE DATABASE gtidfollow");
  c.exec("USE gtidfollow");
  c.exec("CREATE TABLE t (id INT PRIMARY KEY)");
  TempDir dir;
  const std::string ckpt = dir / "pos.json";
  RunResult p = private_run("position", "gtidfollow", {"--checkpoint", ckpt});
  REQUIRE_MESSAGE(p.exit_code == 0, describe(p));
  Background tail(tail_args(private_conn("gtidfollow"), {"--from", ckpt}));
  c.exec("INSERT INTO t VALUES (1)");
  REQUIRE_MESSAGE(tail.wait_until([&] { return tail.lines() >= 1; }, 30), tail.err());
  // Its last commit is in this file; the next file starts, and this one is purged while the
  // replication connection is cut (purge_to ends it): the reconnect finds the file gone.
  const std::string old_file = master_status(c).file;
  c.exec("FLUSH BINARY LOGS");
  purge_to(c, master_status(c).file, old_file);
  c.exec("INSERT INTO t VALUES (2)");
  c.exec("INSERT INTO t VALUES (3)");
  REQUIRE_MESSAGE(tail.wait_until([&] { return tail.lines() >= 3; }, 30), tail.err());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  tail.signal(SIGTERM);
  auto rc = tail.wait_exit(30);
  REQUIRE(rc.has_value());
  CHECK_MESSAGE(*rc == 0, tail.err());
  CHECK(ids_of(tail.out()) == range(1, 3));
  CHECK(tail.err().find(old_file + " was purged meanwhile: resuming after the GTID set") !=
        std::string::npos);
  CHECK(checkpoint_gtid(ckpt) == executed(c));
}

TEST_CASE("gtid: tail --until-end asks the server for no BINLOG_GTID_POS (a scan of its binlog)") {
  if (server_is_mysql()) {
    skipped_on_mysql("the BINLOG_GTID_POS check",
                     "MySQL has no such function; its GTID set comes with the binlog status");
    return;
  }
  TestDatabase db("dumpr_t_gtidpos");
  Sql sql;
  sql.exec("CREATE TABLE dumpr_t_gtidpos.t (id INT PRIMARY KEY)");
  TempDir dir;
  const std::string ckpt = dir / "pos.json";
  RunResult p = dumpr(with_args({"position"}, conn_args(db.name()), {"--checkpoint", ckpt}));
  REQUIRE_MESSAGE(p.exit_code == 0, describe(p));
  sql.exec("INSERT INTO dumpr_t_gtidpos.t VALUES (1)");

  // The server's general log, as a table, says which statements dumpr sent.
  GlobalSetting output(server().socket, "log_output", "TABLE", server().root_user);
  GlobalSetting general(server().socket, "general_log", "1", server().root_user);
  sql.exec("TRUNCATE mysql.general_log");
  auto asked = [&](const std::string& what) {
    return std::stoi(sql.scalar("SELECT COUNT(*) FROM mysql.general_log WHERE argument LIKE '%" +
                                what + "%' AND argument NOT LIKE '%general_log%'"));
  };
  RunResult t = tail_until_end(db.name(), {"--from", ckpt});
  REQUIRE_MESSAGE(t.exit_code == 0, describe(t));
  CHECK(parse_tuples(t.out).size() == 1);
  RunResult idle = tail_until_end(db.name(), {"--from", ckpt});  // nothing to do
  REQUIRE_MESSAGE(idle.exit_code == 0, describe(idle));
  CHECK(idle.out.empty());
  CHECK(asked("SHOW MASTER STATUS") == 2);  // the log sees what both runs sent
  CHECK(asked("BINLOG_GTID_POS") == 0);
  // The checkpoint still has its GTID position, moved by the transaction read.
  Client root(server().socket);
  CHECK(checkpoint_gtid(ckpt) == root.scalar("SELECT @@GLOBAL.gtid_binlog_pos"));
  // `dumpr position` does ask (its checkpoint's GTID position): the log would show one.
  RunResult again = dumpr(with_args({"position"}, conn_args(db.name()), {}));
  REQUIRE_MESSAGE(again.exit_code == 0, describe(again));
  CHECK(asked("BINLOG_GTID_POS") == 1);
}

TEST_CASE(
    "gtid: MariaDB's GTID position in the checkpoint resumes a purged file with nothing lost or "
    "repeated, in every domain; a position whose transactions were purged is refused") {
  if (server_is_mysql()) {
    skipped_on_mysql("MariaDB GTID positions", "MySQL's GTID sets are tested above");
    return;
  }
  Client c(private_sandbox().socket());
  c.exec("DROP DATABASE IF EXISTS gtidmaria");
  c.exec("CREATE DATABASE gtidmaria");
  c.exec("USE gtidmaria");
  c.exec("CREATE TABLE t (id INT PRIMARY KEY)");
  TempDir dir;
  const std::string ckpt = dir / "pos.json";
  RunResult p = private_run("position", "gtidmaria", {"--checkpoint", ckpt});
  REQUIRE_MESSAGE(p.exit_code == 0, describe(p));
  const std::string at_start = read_file(ckpt);
  auto binlog_pos = [&] { return c.scalar("SELECT @@GLOBAL.gtid_binlog_pos"); };
  CHECK(checkpoint_gtid(ckpt) == binlog_pos());
  auto insert = [&](int id, int domain) {
    c.exec("SET SESSION gtid_domain_id = " + std::to_string(domain));
    c.exec("INSERT INTO t VALUES (" + std::to_string(id) + ")");
    c.exec("SET SESSION gtid_domain_id = 0");
  };
  insert(1, 0);
  insert(2, 5);
  RunResult first = private_run("tail", "gtidmaria", {"--from", ckpt, "--until-end"});
  REQUIRE_MESSAGE(first.exit_code == 0, describe(first));
  CHECK(ids_of(first.out) == range(1, 2));
  CHECK(checkpoint_gtid(ckpt) == binlog_pos());  // both domains
  const std::string purged_file = read_checkpoint_pos(ckpt).file;

  c.exec("FLUSH BINARY LOGS");
  insert(3, 0);
  c.exec("BEGIN");
  c.exec("INSERT INTO t VALUES (4), (5)");
  c.exec("COMMIT");
  insert(6, 5);
  const Pos holding = master_status(c);
  c.exec("FLUSH BINARY LOGS");
  insert(7, 0);
  purge_to(c, holding.file, purged_file);

  const std::string before_resume = read_file(ckpt);
  RunResult resumed = private_run("tail", "gtidmaria", {"--from", ckpt, "--until-end"});
  REQUIRE_MESSAGE(resumed.exit_code == 0, describe(resumed));
  CHECK(ids_of(resumed.out) == range(3, 7));
  CHECK(resumed.err.find(purged_file + " is no longer on the server (purged): resuming after the "
                                       "checkpoint's GTID position") != std::string::npos);
  CHECK(checkpoint_gtid(ckpt) == binlog_pos());
  // At the last commit: MariaDB may log a binlog checkpoint event after it, which moves nothing.
  const Pos at = read_checkpoint_pos(ckpt), end = master_status(c);
  CHECK(at.file == end.file);
  CHECK(at.pos <= end.pos);
  RunResult again = private_run("tail", "gtidmaria", {"--from", ckpt, "--until-end"});
  CHECK_MESSAGE(again.exit_code == 0, describe(again));
  CHECK(again.out.empty());
  write_file(dir / "old.json", before_resume);
  RunResult v = dumpr({"validate-pos", "--no-defaults", "--socket", private_sandbox().socket(),
                       "--user", "dumpr", "--password=dumpr", dir / "old.json"});
  CHECK_MESSAGE(v.exit_code == 0, describe(v));

  // The first checkpoint: rows 1 and 2 (domain 5's first transaction) were in the purged file.
  const std::string stale = dir / "stale.json";
  write_file(stale, at_start);
  RunResult lost = private_run("tail", "gtidmaria", {"--from", stale, "--until-end"});
  CHECK_MESSAGE(lost.exit_code == 7, describe(lost));
  CHECK(lost.out.empty());
  CHECK(lost.err.find("purged binary logs holding transactions after the GTID position (domain") !=
        std::string::npos);
  CHECK(lost.err.find("dumpr load") != std::string::npos);
  CHECK(read_file(stale) == at_start);
}
