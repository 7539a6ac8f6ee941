// The mariadb client's conventions, through the built binary: -h is the host (help is -? and
// --help), -pSECRET, option files (--defaults-file errors, database=, --defaults-group-suffix,
// ssl), --ssl and --ssl-verify-server-cert, `dumpr help`, options offered only where they do
// something, -v/--verbose and -q; and load without --checkpoint on a server whose binlog is not
// in ROW format.
#include <algorithm>

#include "live/live_support.hpp"

using namespace dumpr_live;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& more) {
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

// Over TCP as the test user, the mariadb client's short options.
std::vector<std::string> tcp_short(const ServerEnv& env) {
  return {"--no-defaults",          "-h", "127.0.0.1", "-P",
          std::to_string(env.port), "-u", env.user,    "-p" + env.password};
}

// A table with two rows, in a database of the test's own.
struct TwoRows {
  TestDatabase db;
  explicit TwoRows(const std::string& name) : db(name) {
    Sql sql;
    sql.exec("CREATE TABLE `" + name + "`.t (id INT PRIMARY KEY, v VARCHAR(10))");
    sql.exec("INSERT INTO `" + name + "`.t VALUES (1, 'one'), (2, 'two')");
  }
};

std::size_t count_lines(const std::string& s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

}  // namespace

TEST_CASE("cli: -h HOST -P PORT -u USER -pSECRET connect as the mariadb client's options do") {
  const ServerEnv& env = server();
  REQUIRE(env.port != 0);
  RunResult r = dumpr(with({"position"}, tcp_short(env)));
  CHECK_MESSAGE(r.exit_code == 0, describe(r));
  CHECK(r.out.starts_with("{\"file\":"));  // a position, not the help text
  CHECK(!contains(r.out, "Usage"));

  // The password given with -p is the one used: a wrong one is refused by the server.
  std::vector<std::string> wrong = tcp_short(env);
  wrong.back() = "-p" + env.password + "-wrong";
  RunResult bad = dumpr(with({"position"}, wrong));
  CHECK_MESSAGE(bad.exit_code == 3, describe(bad));
  CHECK(contains(bad.err, "Access denied"));

  // Help is -? and --help, on stdout, exit 0.
  RunResult q = dumpr({"tail", "-?"});
  CHECK_MESSAGE(q.exit_code == 0, describe(q));
  CHECK(contains(q.out, "--from"));
  CHECK(contains(q.out, "-h,--host"));
  RunResult h = dumpr({"tail", "--help"});
  CHECK(h.exit_code == 0);
  CHECK(h.out == q.out);

  // Options before the command, as the mariadb client is used: exit 2, and the line as it should
  // be.
  RunResult before = dumpr({"-h", "127.0.0.1", "tail", "--until-end"});
  CHECK_MESSAGE(before.exit_code == 2, describe(before));
  CHECK(before.out.empty());
  CHECK_MESSAGE(
      contains(before.err, "options go after the command: dumpr tail -h 127.0.0.1 --until-end"),
      before.err);
}

TEST_CASE("cli: dumpr help [COMMAND] prints what --help prints") {
  for (std::string cmd : {"load", "tail", "position", "validate-pos"}) {
    INFO(cmd);
    RunResult help = dumpr({"help", cmd});
    RunResult flag = dumpr({cmd, "--help"});
    CHECK_MESSAGE(help.exit_code == 0, describe(help));
    CHECK(flag.exit_code == 0);
    CHECK(contains(help.out, "Usage"));
    CHECK(help.out == flag.out);
  }
  RunResult top = dumpr({"help"});
  RunResult top_flag = dumpr({"--help"});
  CHECK_MESSAGE(top.exit_code == 0, describe(top));
  CHECK(top.out == top_flag.out);
  CHECK(contains(top.out, "validate-pos"));

  RunResult unknown = dumpr({"help", "nosuch"});
  CHECK(unknown.exit_code == 2);
  CHECK(contains(unknown.err, "help nosuch: no such command"));
  CHECK(unknown.out.empty());
}

TEST_CASE("cli: options that do nothing for a subcommand are not offered there") {
  RunResult pos = dumpr({"position", "--zero-dates", "null"});
  CHECK(pos.exit_code == 2);
  CHECK(contains(pos.err, "--zero-dates"));
  CHECK(!contains(dumpr({"help", "position"}).out, "--zero-dates"));
  const std::string validate = dumpr({"help", "validate-pos"}).out;
  CHECK(!contains(validate, "--zero-dates"));
  CHECK(contains(validate, "--database"));  // one connection string serves every subcommand
  // Where they matter, they stay.
  CHECK(contains(dumpr({"help", "load"}).out, "--zero-dates"));
  CHECK(contains(dumpr({"help", "tail"}).out, "--zero-dates"));
  CHECK(contains(dumpr({"help", "position"}).out, "--database"));
}

TEST_CASE("cli: a --defaults-file that cannot be read is an error naming it and why") {
  TempDir dir;
  const std::string missing = dir / "missing.cnf";
  RunResult r =
      dumpr(with({"position", "--defaults-file", missing}, {"--socket", server().socket}));
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK_MESSAGE(contains(r.err, missing + ": cannot read it (No such file or directory)"),
                describe(r));

  // A malformed one too, with the line.
  write_file(dir / "bad.cnf", "user=x\n");
  RunResult bad = dumpr({"position", "--defaults-file", dir / "bad.cnf"});
  CHECK(bad.exit_code == 2);
  CHECK_MESSAGE(contains(bad.err, "bad.cnf line 1: an option before any [group]"), describe(bad));
}

TEST_CASE("cli: database=, user= and password= come from the option file") {
  const ServerEnv& env = server();
  TwoRows t("dumpr_t_cli_optfile");
  TempDir dir;
  // Quotes and a comment, as the client reads them.
  write_file(dir / "my.cnf", "# dumpr's test\n[client]\nsocket = " + env.socket +
                                 "\nuser = " + env.user + "  # the test user\npassword = \"" +
                                 env.password + "\"\n[mysqld]\ndatabase = wrong\n[dumpr]\n" +
                                 "database = " + t.db.name() + "\n");
  RunResult r = dumpr({"load", "--defaults-file", dir / "my.cnf", "t"});
  CHECK_MESSAGE(r.exit_code == 0, describe(r));
  CHECK(count_lines(r.out) == 2);
  CHECK(contains(r.out, "\"one\""));

  // The command line wins over the file.
  RunResult other =
      dumpr({"load", "--defaults-file", dir / "my.cnf", "-D", "dumpr_t_no_such", "t"});
  CHECK(other.exit_code == 6);
}

TEST_CASE("cli: --defaults-group-suffix reads [clientSUFFIX] and [dumprSUFFIX] too") {
  const ServerEnv& env = server();
  TwoRows t("dumpr_t_cli_suffix");
  TempDir dir;
  // [client_other] is not read: its database would fail the load.
  write_file(dir / "my.cnf", "[client]\nsocket = " + env.socket + "\nuser = " + env.user +
                                 "\npassword = wrong-password\ndatabase = " + t.db.name() +
                                 "\n[dumpr_prod]\npassword = " + env.password +
                                 "\n[client_other]\npassword = " + env.password +
                                 "\ndatabase = dumpr_t_no_such\n");
  const std::vector<std::string> base = {"load", "--defaults-file", dir / "my.cnf"};
  RunResult plain = dumpr(with(base, {"t"}));
  CHECK_MESSAGE(plain.exit_code == 3, describe(plain));  // [client]'s wrong password
  CHECK(contains(plain.err, "Access denied"));

  RunResult prod = dumpr(with(base, {"--defaults-group-suffix=_prod", "t"}));
  CHECK_MESSAGE(prod.exit_code == 0, describe(prod));
  CHECK(count_lines(prod.out) == 2);
  RunResult other = dumpr(with(base, {"--defaults-group-suffix=_other", "t"}));
  CHECK_MESSAGE(other.exit_code == 6, describe(other));
}

TEST_CASE("cli: --ssl and --ssl-verify-server-cert require TLS, from the command line or a file") {
  const ServerEnv& env = server();
  REQUIRE(env.port != 0);
  if (server_is_mysql()) {
    skipped_on_mysql("--ssl against a server without TLS",
                     "MySQL makes its own certificates and always offers TLS");
    return;
  }
  Sql sql;
  REQUIRE(sql.scalar("SELECT @@have_ssl") != "YES");  // the shared sandbox offers no TLS
  const std::string where = "127.0.0.1:" + std::to_string(env.port) + " is not encrypted";
  for (const char* flag : {"--ssl", "--ssl-verify-server-cert"}) {
    INFO(flag);
    RunResult r = dumpr(with({"position", flag}, tcp_short(env)));
    CHECK_MESSAGE(r.exit_code == 3, describe(r));
    // REQUIRED is checked by dumpr after connecting; libmariadb refuses a verifying one itself.
    if (std::string(flag) == "--ssl")
      CHECK(contains(r.err, where));
    else
      CHECK_MESSAGE(contains(r.err, "SSL is required, but the server does not support it"),
                    describe(r));
  }
  RunResult mixed = dumpr(with({"position", "--ssl", "--ssl-mode=DISABLED"}, tcp_short(env)));
  CHECK(mixed.exit_code == 2);
  CHECK(contains(mixed.err, "give one of them"));

  TempDir dir;
  write_file(dir / "my.cnf", "[client]\nhost=127.0.0.1\nport=" + std::to_string(env.port) +
                                 "\nuser=" + env.user + "\npassword=" + env.password +
                                 "\nloose_ssl\n");
  RunResult file = dumpr({"position", "--defaults-file", dir / "my.cnf"});
  CHECK_MESSAGE(file.exit_code == 3, describe(file));
  CHECK(contains(file.err, where));
  // --skip-ssl on the command line wins over the file's ssl.
  RunResult skip = dumpr({"position", "--defaults-file", dir / "my.cnf", "--skip-ssl"});
  CHECK_MESSAGE(skip.exit_code == 0, describe(skip));
}

TEST_CASE("cli: -v says what is done on stderr, -q is --quiet") {
  TwoRows t("dumpr_t_cli_verbose");
  TempDir dir;
  RunResult quiet = dumpr(with(with({"load", "-q"}, conn_args(t.db.name())), {"t"}));
  CHECK_MESSAGE(quiet.exit_code == 0, describe(quiet));
  CHECK(quiet.err.empty());

  RunResult v = dumpr(
      with(with({"load", "-v", "--checkpoint", dir / "pos.json"}, conn_args(t.db.name())), {"t"}));
  CHECK_MESSAGE(v.exit_code == 0, describe(v));
  CHECK(count_lines(v.out) == 2);  // stdout is the data only
  CHECK(contains(v.err, "dumpr: connected to socket " + server().socket));
  CHECK(contains(v.err, "as " + server().user + ": "));
  CHECK(contains(v.err, "dumpr: snapshot at binlog position "));

  RunResult tv = dumpr(
      with({"tail", "-v", "--from", dir / "pos.json", "--until-end"}, conn_args(t.db.name())));
  CHECK_MESSAGE(tv.exit_code == 0, describe(tv));
  CHECK(contains(tv.err, "dumpr: starting from "));
  CHECK(contains(tv.err, "dumpr: connected to "));

  // Without -v, none of it.
  RunResult silent = dumpr(with(with({"load"}, conn_args(t.db.name())), {"t"}));
  CHECK(silent.err.empty());
}

TEST_CASE("cli: load without --checkpoint on binlog_format=STATEMENT is a plain snapshot") {
  const ServerEnv& env = server();
  TwoRows t("dumpr_t_cli_statement");
  std::optional<GlobalSetting> statement;
  try {
    statement.emplace(env.socket, "binlog_format", "STATEMENT", env.root_user);
  } catch (const std::exception& e) {
    if (!server_is_mysql()) throw;
    skipped_on_mysql("SET GLOBAL binlog_format=STATEMENT", e.what());
    return;
  }
  for (const char* jobs : {"1", "2"}) {
    INFO("--jobs " << jobs);
    RunResult r = dumpr(with(with({"load", "--jobs", jobs}, conn_args(t.db.name())), {"t"}));
    CHECK_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(count_lines(r.out) == 2);
    CHECK(contains(r.out, "\"two\""));
    CHECK(count_lines(r.err) == 1);  // one note
    CHECK_MESSAGE(contains(r.err, "a plain snapshot, with no binlog position"), describe(r));
    CHECK(contains(r.err, "binlog_format is STATEMENT"));
  }

  TempDir dir;
  RunResult ckpt =
      dumpr(with(with({"load", "--checkpoint", dir / "pos.json"}, conn_args(t.db.name())), {"t"}));
  CHECK_MESSAGE(ckpt.exit_code == 4, describe(ckpt));
  CHECK(ckpt.out.empty());
  CHECK(contains(ckpt.err, "binlog_format is STATEMENT, dumpr needs ROW"));
  CHECK(contains(ckpt.err, "load without --checkpoint"));
  CHECK(!std::filesystem::exists(dir / "pos.json"));
}

TEST_CASE("cli: option files: !include, !includedir, quotes and escapes, the last value wins") {
  const ServerEnv& env = server();
  TwoRows t("dumpr_t_cli_include");
  Sql sql;
  const std::string user = "dumpr_t_cli_pw";
  sql.exec("DROP USER IF EXISTS '" + user + "'@'localhost'");
  sql.exec("CREATE USER '" + user + "'@'localhost' IDENTIFIED BY 'a b#c\\'d'");
  sql.exec("GRANT SELECT ON `" + t.db.name() + "`.* TO '" + user + "'@'localhost'");
  // What load needs beyond SELECT on MySQL: the global read lock and the binlog position.
  sql.exec("GRANT RELOAD, REPLICATION CLIENT ON *.* TO '" + user + "'@'localhost'");
  TempDir dir;
  std::filesystem::create_directory(dir / "conf.d");
  // The main file names a wrong user; conf.d/ (read in name order, .cnf only) puts it right, and
  // the included file after it gives the password: quoted, with a # and an escaped quote.
  write_file(dir / "my.cnf", "[client]\nuser = wrong_user\nsocket = " + env.socket +
                                 "\n!includedir " + (dir / "conf.d") + "\n!include " +
                                 (dir / "pw.cnf") + "\n[dumpr]\ndatabase=" + t.db.name() + "\n");
  write_file(dir / "conf.d/10-a.cnf", "[client]\nuser = also_wrong\n");
  write_file(dir / "conf.d/20-b.cnf", "[client]\nuser = " + user + "\n");
  write_file(dir / "conf.d/30-c.txt", "[client]\nuser = not_a_cnf_file\n");
  write_file(dir / "pw.cnf", "[client-server]\npassword = \"a b#c\\'d\"  # a comment\n");
  RunResult r = dumpr({"load", "-v", "--defaults-file", dir / "my.cnf", "t"});
  CHECK_MESSAGE(r.exit_code == 0, describe(r));
  CHECK(count_lines(r.out) == 2);
  CHECK(contains(r.err, "option files read: " + (dir / "my.cnf") + ", " +
                            (dir / "conf.d/10-a.cnf") + ", " + (dir / "conf.d/20-b.cnf") + ", " +
                            (dir / "pw.cnf")));
  CHECK(contains(r.err, "as " + user + ": "));
  sql.exec("DROP USER IF EXISTS '" + user + "'@'localhost'");
}
