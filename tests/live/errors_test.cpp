// Errors: a clear message, the documented exit status, and the checkpoint left as it was.
// Exit statuses (man/dumpr.1): 2 usage, 3 connection/authentication, 4 server configuration,
// 5 privilege, 6 unknown database or table, 9 local I/O.
#include <netinet/in.h>
#include <sys/socket.h>

#include "live/live_support.hpp"

using namespace dumpr_live;

namespace {

constexpr std::string_view kOldCheckpoint =
    "{\"file\":\"mariadb-bin.000001\",\"position\":4,\"server_id\":1,\"note\":\"before\"}\n";

// A directory holding a checkpoint with known contents; checks it is untouched afterwards (same
// bytes, and no temp file left beside it).
struct KeptCheckpoint {
  TempDir dir;
  std::string path = dir / "pos.json";
  KeptCheckpoint() { write_file(path, kOldCheckpoint); }
  void check_untouched() const {
    CHECK(read_file(path) == kOldCheckpoint);
    std::size_t entries = 0;
    for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
    CHECK(entries == 1);
  }
};

// A user of the test's own, dropped at the end.
struct TestUser {
  std::string name;
  TestUser(std::string n, const std::vector<std::string>& grants) : name(std::move(n)) {
    Sql sql;
    sql.exec("DROP USER IF EXISTS '" + name + "'@'localhost'");
    sql.exec("CREATE USER '" + name + "'@'localhost' IDENTIFIED BY 'pw'");
    for (const std::string& g : grants) sql.exec("GRANT " + g + " TO '" + name + "'@'localhost'");
  }
  ~TestUser() {
    try {
      Sql sql;
      sql.try_exec("DROP USER IF EXISTS '" + name + "'@'localhost'");
    } catch (...) {
    }
  }
  std::vector<std::string> conn(const std::string& db = "") const {
    std::vector<std::string> a = {"--no-defaults", "--socket", server().socket,
                                  "--user",        name,       "--password=pw"};
    if (!db.empty()) a.insert(a.end(), {"--database", db});
    return a;
  }
};

RunResult load_as(const std::vector<std::string>& conn, const std::vector<std::string>& rest) {
  std::vector<std::string> a = {"load"};
  a.insert(a.end(), conn.begin(), conn.end());
  a.insert(a.end(), rest.begin(), rest.end());
  return dumpr(a);
}

// A TCP port on 127.0.0.1 that nothing listens on (bound, then closed).
unsigned closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

void create_small_db(const std::string& db) {
  Sql sql;
  sql.exec("CREATE TABLE `" + db + "`.t (id INT PRIMARY KEY, v VARCHAR(10))");
  sql.exec("INSERT INTO `" + db + "`.t VALUES (1, 'a'), (2, 'b')");
  sql.exec("CREATE TABLE `" + db + "`.other (id INT PRIMARY KEY)");
}

}  // namespace

TEST_CASE("errors: unknown table or database: exit 6, the name in the message") {
  TestDatabase db("dumpr_t_err");
  create_small_db(db.name());
  KeptCheckpoint ckpt;

  SUBCASE("unknown table, after a good one: no rows at all") {
    RunResult r = dumpr_load(db.name(), {"--checkpoint", ckpt.path, "t", "no_such_table"});
    CHECK_MESSAGE(r.exit_code == 6, describe(r));
    CHECK(r.out.empty());
    CHECK(r.err.find("no_such_table") != std::string::npos);
    CHECK(r.err.find("does not exist") != std::string::npos);
  }
  SUBCASE("unknown database") {
    RunResult r = dumpr_load("dumpr_t_no_such_db", {"--checkpoint", ckpt.path, "t"});
    CHECK_MESSAGE(r.exit_code == 6, describe(r));
    CHECK(r.out.empty());
    CHECK(r.err.find("dumpr_t_no_such_db") != std::string::npos);
  }
  ckpt.check_untouched();
}

TEST_CASE("errors: wrong password and unreachable servers: exit 3") {
  TestDatabase db("dumpr_t_err");
  create_small_db(db.name());
  KeptCheckpoint ckpt;
  const ServerEnv& env = server();

  SUBCASE("wrong password") {
    RunResult r = load_as({"--no-defaults", "--socket", env.socket, "--user", env.user,
                           "--password=certainly-wrong", "--database", db.name()},
                          {"--checkpoint", ckpt.path, "t"});
    CHECK_MESSAGE(r.exit_code == 3, describe(r));
    CHECK(r.out.empty());
    CHECK(r.err.find("Access denied") != std::string::npos);
    CHECK(r.err.find("certainly-wrong") == std::string::npos);  // never echo the password
  }
  SUBCASE("wrong password from MYSQL_PWD") {
    RunOptions opt;
    opt.env = {"MYSQL_PWD=certainly-wrong"};
    RunResult r = dumpr({"load", "--no-defaults", "--socket", env.socket, "--user", env.user,
                         "--database", db.name(), "--checkpoint", ckpt.path, "t"},
                        opt);
    CHECK_MESSAGE(r.exit_code == 3, describe(r));
    CHECK(r.err.find("Access denied") != std::string::npos);
  }
  SUBCASE("a socket path where no server listens") {
    const std::string sock = ckpt.dir / "no-server.sock";
    RunResult r = load_as({"--no-defaults", "--socket", sock, "--user", env.user,
                           "--password=" + env.password, "--database", db.name()},
                          {"--checkpoint", ckpt.path, "t"});
    CHECK_MESSAGE(r.exit_code == 3, describe(r));
    CHECK(r.out.empty());
    CHECK(r.err.find(sock) != std::string::npos);
    CHECK(r.err.find("connect") != std::string::npos);
  }
  SUBCASE("a closed TCP port") {
    const std::string port = std::to_string(closed_port());
    RunResult r = load_as({"--no-defaults", "--host", "127.0.0.1", "--port", port, "--user",
                           env.user, "--password=" + env.password, "--database", db.name()},
                          {"--checkpoint", ckpt.path, "t"});
    CHECK_MESSAGE(r.exit_code == 3, describe(r));
    CHECK(r.out.empty());
    CHECK(r.err.find(port) != std::string::npos);
    CHECK(r.err.find("connect") != std::string::npos);
  }
  ckpt.check_untouched();
}

TEST_CASE("errors: missing privileges: exit 5 and the GRANT to run") {
  TestDatabase db("dumpr_t_err");
  create_small_db(db.name());
  KeptCheckpoint ckpt;
  // The privilege that reads the binlog's position: MariaDB 10.5 split it from REPLICATION CLIENT.
  const std::string monitor = server_is_mysql() ? "REPLICATION CLIENT" : "BINLOG MONITOR";

  SUBCASE("no SELECT on the table (SELECT on another table of the database only)") {
    TestUser user("dumpr_t_partial", {"RELOAD, " + monitor + ", REPLICATION SLAVE ON *.*",
                                      "SELECT ON `dumpr_t_err`.`other`"});
    RunResult r = load_as(user.conn(db.name()), {"--checkpoint", ckpt.path, "t"});
    CHECK_MESSAGE(r.exit_code == 5, describe(r));
    CHECK(r.out.empty());
    INFO("stderr: " << r.err);
    CHECK(r.err.find("GRANT SELECT") != std::string::npos);
    // A GRANT that can be run as written names the user; the reason is the server's, not a
    // stale client error.
    CHECK(r.err.find("dumpr_t_partial") != std::string::npos);
    CHECK(r.err.find("not implemented") == std::string::npos);
  }
  SUBCASE("no privilege at all on the database") {
    TestUser user("dumpr_t_nosel", {"RELOAD, " + monitor + ", REPLICATION SLAVE ON *.*"});
    RunResult r = load_as(user.conn(db.name()), {"--checkpoint", ckpt.path, "t"});
    CHECK_MESSAGE(r.exit_code == 5, describe(r));
    CHECK(r.out.empty());
    INFO("stderr: " << r.err);
    CHECK(r.err.find("GRANT SELECT") != std::string::npos);
  }
  SUBCASE("no BINLOG MONITOR (MySQL: REPLICATION CLIENT): position and validate-pos name it") {
    TestUser user("dumpr_t_nomon", {"SELECT ON `dumpr_t_err`.*"});
    std::vector<std::string> a = {"position", "--checkpoint", ckpt.path};
    for (auto& c : user.conn()) a.push_back(c);
    RunResult p = dumpr(a);
    CHECK_MESSAGE(p.exit_code == 5, describe(p));
    CHECK(p.out.empty());
    INFO("stderr: " << p.err);
    CHECK(p.err.find("GRANT " + monitor + " ON *.*") != std::string::npos);
    CHECK(p.err.find("dumpr_t_nomon") != std::string::npos);
    CHECK(p.err.find("not implemented") == std::string::npos);

    // validate-pos: "could not check" is 2, with the same advice.
    const std::string good = ckpt.dir / "good.json";
    std::vector<std::string> g = {"position", "--checkpoint", good};
    for (auto& c : conn_args()) g.push_back(c);
    REQUIRE(dumpr(g).exit_code == 0);
    std::vector<std::string> v = {"validate-pos"};
    for (auto& c : user.conn()) v.push_back(c);
    v.push_back(good);
    RunResult r = dumpr(v);
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK(r.err.find("GRANT " + monitor + " ON *.*") != std::string::npos);
    std::filesystem::remove(good);
  }
  ckpt.check_untouched();
}

TEST_CASE("errors: binlog_format not ROW: exit 4, naming the setting") {
  TestDatabase db("dumpr_t_err");
  create_small_db(db.name());
  KeptCheckpoint ckpt;
  RunResult r;
  {
    dumpr_live::GlobalSetting format(server().socket, "binlog_format", "STATEMENT",
                                     server().root_user);
    r = dumpr_load(db.name(), {"--checkpoint", ckpt.path, "t"});
  }
  Sql sql;
  REQUIRE(sql.scalar("SELECT @@GLOBAL.binlog_format") == "ROW");  // put back
  CHECK_MESSAGE(r.exit_code == 4, describe(r));
  CHECK(r.out.empty());
  CHECK(r.err.find("binlog_format") != std::string::npos);
  CHECK(r.err.find("STATEMENT") != std::string::npos);
  CHECK(r.err.find("ROW") != std::string::npos);
  ckpt.check_untouched();
}

TEST_CASE("errors: usage: exit 2") {
  TestDatabase db("dumpr_t_err");
  create_small_db(db.name());
  KeptCheckpoint ckpt;
  SUBCASE("no --database") {
    RunResult r = dumpr_load("", {"--checkpoint", ckpt.path, "t"});
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK(r.err.find("--database") != std::string::npos);
  }
  SUBCASE("an unknown option") {
    RunResult r = dumpr_load(db.name(), {"--checkpoint", ckpt.path, "--no-such-option", "t"});
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK(r.err.find("--no-such-option") != std::string::npos);
  }
  ckpt.check_untouched();
}

TEST_CASE("errors: the reader closes stdout (`| head -1`): quiet end, exit 0 or 141") {
  TestDatabase db("dumpr_t_head");
  Sql sql;
  sql.exec("CREATE TABLE dumpr_t_head.big (id INT PRIMARY KEY, pad VARCHAR(100))");
  provide_seq(sql, db.name(), 50000);
  sql.exec(
      "INSERT INTO dumpr_t_head.big SELECT seq, REPEAT('x', 100) FROM dumpr_t_head.seq_1_to_50000");
  KeptCheckpoint ckpt;
  RunOptions opt;
  opt.close_stdout_after_lines = 1;
  RunResult r = dumpr_load(db.name(), {"--checkpoint", ckpt.path, "big"}, opt);
  INFO(describe(r));
  CHECK((r.shell_status() == 0 || r.shell_status() == 141));
  CHECK(r.err.empty());
  CHECK(r.out ==
        "[\"upsert\",\"big\",1,{\"id\":1,\"pad\":\"" + std::string(100, 'x') + "\"},null]\n");
  // The rows were not all delivered: the old checkpoint stays.
  ckpt.check_untouched();
}

TEST_CASE("errors: the checkpoint cannot be written: exit 9 before any row, no checkpoint") {
  TestDatabase db("dumpr_t_err");
  create_small_db(db.name());
  TempDir dir;

  SUBCASE("its directory does not exist") {
    const std::string path = dir / "no/such/dir/pos.json";
    RunResult r = dumpr_load(db.name(), {"--checkpoint", path, "t"});
    CHECK_MESSAGE(r.exit_code == 9, describe(r));
    CHECK(r.out.empty());  // checked before the rows, not after them
    CHECK(r.err.find(dir / "no/such/dir") != std::string::npos);
    CHECK(!std::filesystem::exists(dir / "no"));
  }
  SUBCASE("its directory is a regular file") {
    write_file(dir / "file", "x");
    const std::string path = dir / "file/pos.json";
    RunResult r = dumpr_load(db.name(), {"--checkpoint", path, "t"});
    CHECK_MESSAGE(r.exit_code == 9, describe(r));
    CHECK(r.out.empty());  // checked before the rows, not after them
    CHECK(r.err.find("pos.json") != std::string::npos);
    CHECK(read_file(dir / "file") == "x");
  }
  SUBCASE("its directory is not writable (when not root: root ignores permissions)") {
    if (::geteuid() == 0) {
      MESSAGE(
          "running as root: a read-only directory does not stop root; covered by the cases above");
      return;
    }
    const std::string ro = dir / "ro";
    std::filesystem::create_directory(ro);
    write_file(ro + "/pos.json", kOldCheckpoint);
    std::filesystem::permissions(
        ro, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    RunResult r = dumpr_load(db.name(), {"--checkpoint", ro + "/pos.json", "t"});
    std::filesystem::permissions(ro, std::filesystem::perms::owner_all);
    CHECK_MESSAGE(r.exit_code == 9, describe(r));
    CHECK(r.out.empty());  // checked before the rows, not after them
    CHECK(read_file(ro + "/pos.json") == kOldCheckpoint);
  }
}
