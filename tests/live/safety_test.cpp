// Issue 13: no silent loss, no false security. One process per checkpoint; --tables names that
// exist; table names the server cannot have; positions inside a transaction or beyond 4 GiB;
// checkpoints behind symlinks; TLS that means what --ssl-mode says (against a private sandbox
// started with a self-signed certificate).
#include <sys/stat.h>

#include "live/tail_support.hpp"

using namespace dumpr_tail;

namespace {

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& more) {
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

// dumpr SUBCOMMAND with the test user's socket connection and --database DB, then ARGS.
RunResult run(const std::string& sub, const std::string& db, const std::vector<std::string>& args) {
  return dumpr(with(with({sub}, conn_args(db)), args));
}

// A checkpoint at the server's current position (dumpr position).
void checkpoint_now(const std::string& db, const std::string& path) {
  RunResult p = run("position", db, {"--checkpoint", path});
  REQUIRE_MESSAGE(p.exit_code == 0, describe(p));
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("one process per checkpoint: a second tail, load or position exits 2 naming the first") {
  TestDatabase db("dumpr_t_lock");
  Sql sql;
  sql.exec("CREATE TABLE dumpr_t_lock.t (id INT PRIMARY KEY)");
  TempDir dir;
  const std::string pos = dir / "pos.json";
  checkpoint_now(db.name(), pos);

  Background first(tail_args(conn_args(db.name()), {"--from", pos}));
  sql.exec("INSERT INTO dumpr_t_lock.t VALUES (1)");
  REQUIRE_MESSAGE(first.wait_until([&] { return first.lines() >= 1; }, 30), first.err());
  const std::string pid = std::to_string(first.pid());
  const std::string before = read_file(pos);

  // The second consumer (a cron run, a manual one) would advance the checkpoint past rows the
  // first never wrote: it is refused before it reads anything.
  sql.exec("INSERT INTO dumpr_t_lock.t SELECT seq FROM " +
           std::string(server_is_mysql() ? "" : "dumpr_t_lock.") + seq_from(2, 101));
  RunResult second = run("tail", db.name(), {"--from", pos, "--until-end"});
  CHECK_MESSAGE(second.exit_code == 2, describe(second));
  CHECK(second.out.empty());
  CHECK(contains(second.err, "process " + pid));
  CHECK(contains(second.err, pos + ".lock"));

  // --checkpoint names the file written: the same lock, whatever --from says.
  const std::string other = dir / "other.json";
  write_file(other, before);
  RunResult via = run("tail", db.name(), {"--from", other, "--checkpoint", pos, "--until-end"});
  CHECK_MESSAGE(via.exit_code == 2, describe(via));
  CHECK(via.out.empty());

  RunResult load = run("load", db.name(), {"--checkpoint", pos, "t"});
  CHECK_MESSAGE(load.exit_code == 2, describe(load));
  CHECK(load.out.empty());
  CHECK(contains(load.err, "process " + pid));

  RunResult position = run("position", db.name(), {"--checkpoint", pos});
  CHECK_MESSAGE(position.exit_code == 2, describe(position));
  CHECK(position.out.empty());

  // The first tail got every row, the checkpoint is its own.
  REQUIRE_MESSAGE(first.wait_until([&] { return first.lines() >= 101; }, 30), first.err());
  first.signal(SIGTERM);
  auto rc = first.wait_exit(30);
  REQUIRE(rc.has_value());
  CHECK_MESSAGE(*rc == 0, first.err());
  CHECK(first.lines() == 101);
  CHECK_FALSE(std::filesystem::exists(pos + ".lock"));  // released and removed

  // Once it is gone, the next run goes on from its checkpoint: nothing more to write.
  RunResult next = run("tail", db.name(), {"--from", pos, "--until-end"});
  CHECK_MESSAGE(next.exit_code == 0, describe(next));
  CHECK(next.out.empty());
}

TEST_CASE("tail --tables: a name that does not exist is exit 6 before any row") {
  TestDatabase db("dumpr_t_tables");
  Sql sql;
  sql.exec("CREATE TABLE dumpr_t_tables.t (id INT PRIMARY KEY)");
  TempDir dir;
  const std::string pos = dir / "pos.json";
  checkpoint_now(db.name(), pos);
  sql.exec("INSERT INTO dumpr_t_tables.t VALUES (1), (2)");
  const std::string before = read_file(pos);

  for (const std::string& tables : {std::string("t,tt"), std::string("T"),
                                    std::string("t\xF0\x9F\xA6\x84"), std::string("nope")}) {
    INFO("--tables " << tables);
    RunResult r = run("tail", db.name(), {"--from", pos, "--until-end", "--tables", tables});
    CHECK_MESSAGE(r.exit_code == 6, describe(r));
    CHECK(r.out.empty());
    CHECK(read_file(pos) == before);  // the checkpoint did not move past t's rows
  }
  RunResult typo = run("tail", db.name(), {"--from", pos, "--until-end", "--tables", "t,tt"});
  CHECK(contains(typo.err, "no table tt in database dumpr_t_tables"));
  CHECK(contains(typo.err, "--allow-missing-tables"));
  RunResult wide =
      run("tail", db.name(), {"--from", pos, "--until-end", "--tables", "t\xF0\x9F\xA6\x84"});
  CHECK(contains(wide.err, "U+FFFF"));
  // No table can have that name: refused with --allow-missing-tables too.
  RunResult never = run(
      "tail", db.name(),
      {"--from", pos, "--until-end", "--tables", "t\xF0\x9F\xA6\x84", "--allow-missing-tables"});
  CHECK_MESSAGE(never.exit_code == 6, describe(never));

  // A table created later: named with --allow-missing-tables, its rows come when it has some.
  RunResult later =
      run("tail", db.name(),
          {"--from", pos, "--until-end", "--tables", "t,later", "--allow-missing-tables"});
  REQUIRE_MESSAGE(later.exit_code == 0, describe(later));
  CHECK(parse_tuples(later.out).size() == 2);
  sql.exec("CREATE TABLE dumpr_t_tables.later (id INT PRIMARY KEY)");
  sql.exec("INSERT INTO dumpr_t_tables.later VALUES (7)");
  sql.exec("INSERT INTO dumpr_t_tables.t VALUES (3)");
  RunResult then = run("tail", db.name(), {"--from", pos, "--until-end", "--tables", "t,later"});
  REQUIRE_MESSAGE(then.exit_code == 0, describe(then));
  CHECK(briefs(parse_tuples(then.out)) == "\nupsert later 7 {\"id\":7}\nupsert t 3 {\"id\":3}\n");
}

TEST_CASE("load of a table name with a 4-byte character: exit 6, not 70") {
  TestDatabase db("dumpr_t_names");
  Sql sql;
  sql.exec("CREATE TABLE dumpr_t_names.t (id INT PRIMARY KEY)");
  TempDir dir;
  RunResult r = run("load", db.name(), {"--checkpoint", dir / "pos.json", "t\xF0\x9F\xA6\x84"});
  CHECK_MESSAGE(r.exit_code == 6, describe(r));
  CHECK(r.out.empty());
  CHECK(contains(r.err, "does not exist in database dumpr_t_names"));
  CHECK(contains(r.err, "U+FFFF"));
  CHECK_FALSE(contains(r.err, "Illegal mix"));
  CHECK_FALSE(std::filesystem::exists(dir / "pos.json"));
}

TEST_CASE("positions inside a transaction: validate-pos exit 1, tail names file and offset") {
  TestDatabase db("dumpr_t_txn");
  Sql sql;
  sql.exec("CREATE TABLE dumpr_t_txn.t (id INT PRIMARY KEY)");
  Client root(server().socket);
  const Pos start = master_status(root);
  sql.exec("INSERT INTO dumpr_t_txn.t VALUES (1), (2)");
  // The transaction's events: Gtid (its start), Annotate_rows, Table_map, Write_rows_v1, Xid.
  std::vector<std::pair<std::string, std::uint64_t>> events;
  for (auto& ev :
       sql.query("SHOW BINLOG EVENTS IN '" + start.file + "' FROM " + std::to_string(start.pos))) {
    events.emplace_back(*ev[2], std::stoull(*ev[1]));
    if (*ev[2] == "Xid") break;  // the transaction's end
  }
  REQUIRE(events.size() >= 4);
  REQUIRE(events[0].first == "Gtid");
  TempDir dir;
  const std::uint64_t server_id = std::stoull(sql.scalar("SELECT @@GLOBAL.server_id"));
  auto checkpoint_at = [&](std::uint64_t offset) {
    const std::string path = dir / ("at" + std::to_string(offset) + ".json");
    write_file(path, "{\"file\":\"" + start.file + "\",\"position\":" + std::to_string(offset) +
                         ",\"server_id\":" + std::to_string(server_id) + "}\n");
    return path;
  };

  for (std::size_t i = 1; i < events.size(); ++i) {
    const auto& [type, offset] = events[i];
    INFO("the " << type << " event at " << start.file << ":" << offset);
    const std::string path = checkpoint_at(offset);
    RunResult v = run("validate-pos", "", {path});
    CHECK_MESSAGE(v.exit_code == 1, describe(v));
    CHECK(contains(v.err, "not at a transaction boundary"));
    CHECK(contains(v.err, type));

    const std::string at = start.file + ":" + std::to_string(offset);
    RunResult t = run("tail", db.name(), {"--from-position", at, "--until-end"});
    CHECK_MESSAGE(t.exit_code == 7, describe(t));
    CHECK(t.out.empty());
    CHECK(contains(t.err, "offset " + std::to_string(offset) + " in " + start.file));
    CHECK(contains(t.err, "not at a transaction boundary"));
  }
  // The transaction's start is a boundary: both rows come out.
  RunResult v = run("validate-pos", "", {checkpoint_at(events[0].second)});
  CHECK_MESSAGE(v.exit_code == 0, describe(v));
  RunResult t =
      run("tail", db.name(),
          {"--from-position", start.file + ":" + std::to_string(events[0].second), "--until-end"});
  CHECK_MESSAGE(t.exit_code == 0, describe(t));
  CHECK(parse_tuples(t.out).size() == 2);
}

TEST_CASE("a position beyond 4 GiB is refused, never sent as another offset") {
  Client root(server().socket);
  const Pos now = master_status(root);
  const std::uint64_t server_id = std::stoull(root.scalar("SELECT @@GLOBAL.server_id"));
  RunResult t = run("tail", "", {"--from-position", now.file + ":5000000000", "--until-end"});
  CHECK_MESSAGE(t.exit_code == 7, describe(t));
  CHECK(t.out.empty());
  CHECK(contains(t.err, "offset 5000000000 in " + now.file + " is beyond 4 GiB"));

  TempDir dir;
  write_file(dir / "pos.json", "{\"file\":\"" + now.file + "\",\"position\":5000000000," +
                                   "\"server_id\":" + std::to_string(server_id) + "}\n");
  RunResult v = run("validate-pos", "", {dir / "pos.json"});
  CHECK_MESSAGE(v.exit_code == 1, describe(v));
  CHECK(contains(v.err, "beyond 4 GiB"));
}

TEST_CASE("the checkpoint: a symlink stays one, mode kept; an unwritable one stops tail first") {
  TestDatabase db("dumpr_t_link");
  Sql sql;
  sql.exec("CREATE TABLE dumpr_t_link.t (id INT PRIMARY KEY)");
  TempDir dir;
  std::filesystem::create_directory(dir / "real");
  const std::string target = dir / "real/pos.json", link = dir / "pos.json";
  checkpoint_now(db.name(), target);
  REQUIRE(::chmod(target.c_str(), 0600) == 0);
  std::filesystem::create_symlink("real/pos.json", link);
  sql.exec("INSERT INTO dumpr_t_link.t VALUES (1)");
  const Pos at_start = read_checkpoint_pos(target);

  RunResult r = run("tail", db.name(), {"--from", link, "--until-end"});
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  CHECK(parse_tuples(r.out).size() == 1);
  CHECK(std::filesystem::is_symlink(link));
  CHECK(before(at_start, read_checkpoint_pos(target)));  // the target advanced
  struct stat st {};
  REQUIRE(::stat(target.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);

  // A checkpoint that cannot be written: the error comes before the rows, not after them.
  sql.exec("INSERT INTO dumpr_t_link.t VALUES (2)");
  RunResult bad = run("tail", db.name(),
                      {"--from", link, "--checkpoint", dir / "no/such/pos.json", "--until-end"});
  CHECK_MESSAGE(bad.exit_code == 9, describe(bad));
  CHECK(bad.out.empty());
  CHECK(contains(bad.err, dir / "no/such"));
}

// ---------------------------------------------------------------------------------------------
// TLS

namespace {

// A private sandbox that offers TLS (scripts/sandbox with DUMPR_SANDBOX_TLS=1): one per test
// process, started on first use, destroyed at exit.
class TlsSandbox {
 public:
  TlsSandbox() {
    std::string tmpl = "/tmp/dumpr-tls-sbx-XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    std::string last;
    for (int attempt = 0; attempt < 4; ++attempt) {
      port_ = 34100 + static_cast<unsigned>((::getpid() + attempt * 37) % 150);
      RunOptions o;
      o.env = {"DUMPR_SANDBOX_PORT=" + std::to_string(port_), "DUMPR_SANDBOX_TLS=1"};
      RunResult r = run_process({"/bin/bash", repo_root() + "/scripts/sandbox", "start", dir_}, o);
      if (r.exit_code == 0) return;
      last = describe(r);
    }
    throw std::runtime_error("cannot start a TLS sandbox in " + dir_ + ":\n" + last);
  }
  ~TlsSandbox() {
    try {
      Background destroy({"/bin/bash", repo_root() + "/scripts/sandbox", "destroy", dir_});
      destroy.wait_exit(60);
    } catch (...) {
    }
  }
  TlsSandbox(const TlsSandbox&) = delete;
  TlsSandbox& operator=(const TlsSandbox&) = delete;

  std::string socket() const { return dir_ + "/mysqld.sock"; }
  std::string ca() const { return dir_ + "/tls/ca.pem"; }
  unsigned port() const { return port_; }

  // The server's count of TLS handshakes (Ssl_accepts); the root client here uses none.
  std::uint64_t ssl_accepts() {
    Client root(socket());
    return std::stoull(root.query("SHOW GLOBAL STATUS LIKE 'Ssl_accepts'").at(0).at(1).value());
  }

 private:
  std::string dir_;
  unsigned port_ = 0;
};

TlsSandbox& tls_sandbox() {
  static TlsSandbox s;
  return s;
}

std::vector<std::string> tcp_as(unsigned port, const std::string& user, const std::string& password,
                                const std::string& db) {
  return {"--no-defaults",      "--host", "127.0.0.1", "--port",
          std::to_string(port), "--user", user,        "--password=" + password,
          "--database",         db};
}

}  // namespace

TEST_CASE("--ssl-mode=REQUIRED against a server without TLS: exit 3, on every connection") {
  const ServerEnv& env = server();
  REQUIRE(env.port != 0);
  if (server_is_mysql()) {
    skipped_on_mysql("REQUIRED against a server without TLS",
                     "MySQL makes its own certificates and always offers TLS");
    return;
  }
  Sql sql;
  REQUIRE(sql.scalar("SELECT @@have_ssl") != "YES");  // the shared sandbox offers no TLS
  TestDatabase db("dumpr_t_tls_req");
  sql.exec("CREATE TABLE dumpr_t_tls_req.t (id INT PRIMARY KEY)");
  TempDir dir;
  checkpoint_now(db.name(), dir / "pos.json");
  const auto tcp = tcp_as(env.port, env.user, env.password, db.name());

  for (const std::string& sub :
       {std::string("position"), std::string("load"), std::string("tail")}) {
    INFO(sub);
    std::vector<std::string> a = with(with({sub}, tcp), {"--ssl-mode=REQUIRED"});
    if (sub == "load") a.push_back("t");
    if (sub == "tail") a = with(a, {"--from", dir / "pos.json", "--until-end"});
    RunResult r = dumpr(a);
    CHECK_MESSAGE(r.exit_code == 3, describe(r));
    CHECK(r.out.empty());
    CHECK(contains(r.err, "127.0.0.1:" + std::to_string(env.port) + " is not encrypted"));
  }
  // The same over TCP without the mode, and over the unix socket (which never leaves the
  // machine) with it, work.
  RunResult plain = dumpr(with({"position"}, tcp));
  CHECK_MESSAGE(plain.exit_code == 0, describe(plain));
  RunResult local = run("position", db.name(), {"--ssl-mode=REQUIRED"});
  CHECK_MESSAGE(local.exit_code == 0, describe(local));
}

TEST_CASE("TLS when the server offers it: default and PREFERRED encrypt, REQUIRE SSL users work") {
  if (server_is_mysql()) {
    // The TLS sandbox is a MariaDB one (scripts/sandbox's DUMPR_SANDBOX_TLS).
    skipped_on_mysql("the TLS sandbox", "DUMPR_SANDBOX_TLS makes MariaDB sandboxes only");
    return;
  }
  TlsSandbox& tls = tls_sandbox();
  Client root(tls.socket());
  root.exec("DROP DATABASE IF EXISTS dumpr_t_tls");
  root.exec("CREATE DATABASE dumpr_t_tls");
  root.exec("CREATE TABLE dumpr_t_tls.t (id INT PRIMARY KEY, v VARCHAR(20))");
  root.exec("DROP USER IF EXISTS 'tlsonly'@'127.0.0.1'");
  root.exec("CREATE USER 'tlsonly'@'127.0.0.1' IDENTIFIED BY 'pw' REQUIRE SSL");
  root.exec(
      "GRANT SELECT, RELOAD, REPLICATION CLIENT, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO "
      "'tlsonly'@'127.0.0.1'");
  const auto tlsonly = tcp_as(tls.port(), "tlsonly", "pw", "dumpr_t_tls");
  const auto dumpr_user = tcp_as(tls.port(), "dumpr", "dumpr", "dumpr_t_tls");
  TempDir dir;
  const std::string pos = dir / "pos.json";

  // One connection each for position and load: each one a TLS handshake.
  for (const std::string& mode :
       {std::string(), std::string("--ssl-mode=PREFERRED"), std::string("--ssl-mode=REQUIRED")}) {
    INFO("mode: " << (mode.empty() ? "default" : mode));
    std::vector<std::string> extra;
    if (!mode.empty()) extra.push_back(mode);
    const std::uint64_t before = tls.ssl_accepts();
    RunResult p = dumpr(with(with({"position"}, tlsonly), with(extra, {"--checkpoint", pos})));
    REQUIRE_MESSAGE(p.exit_code == 0, describe(p));
    CHECK(tls.ssl_accepts() == before + 1);
    RunResult l = dumpr(with(with({"load"}, dumpr_user), with(extra, {"t"})));
    CHECK_MESSAGE(l.exit_code == 0, describe(l));
    CHECK(tls.ssl_accepts() == before + 2);
  }

  // tail: the query connection and the replication connection are both encrypted.
  root.exec("INSERT INTO dumpr_t_tls.t VALUES (1, 'over tls')");
  std::uint64_t before = tls.ssl_accepts();
  RunResult t = dumpr(with(with({"tail"}, tlsonly), {"--from", pos, "--until-end"}));
  REQUIRE_MESSAGE(t.exit_code == 0, describe(t));
  CHECK(briefs(parse_tuples(t.out)) == "\nupsert t 1 {\"id\":1,\"v\":\"over tls\"}\n");
  CHECK(tls.ssl_accepts() == before + 2);

  // DISABLED means clear text: a REQUIRE SSL user is refused, others connect without TLS.
  before = tls.ssl_accepts();
  RunResult off = dumpr(with(with({"position"}, tlsonly), {"--ssl-mode=DISABLED"}));
  CHECK_MESSAGE(off.exit_code == 3, describe(off));
  RunResult off_ok = dumpr(with(with({"position"}, dumpr_user), {"--ssl-mode=DISABLED"}));
  CHECK_MESSAGE(off_ok.exit_code == 0, describe(off_ok));
  CHECK(tls.ssl_accepts() == before);

  // VERIFY_CA checks the certificate: with the sandbox's CA it connects, without it it cannot.
  RunResult verified =
      dumpr(with(with({"position"}, tlsonly), {"--ssl-mode=VERIFY_CA", "--ssl-ca", tls.ca()}));
  CHECK_MESSAGE(verified.exit_code == 0, describe(verified));
  RunResult unverified = dumpr(with(with({"position"}, tlsonly), {"--ssl-mode=VERIFY_CA"}));
  CHECK_MESSAGE(unverified.exit_code == 3, describe(unverified));

  root.exec("DROP USER 'tlsonly'@'127.0.0.1'");
  root.exec("DROP DATABASE dumpr_t_tls");
}
