// Support for the live tests: the server under test (from DUMPR_TEST_* variables), a root SQL
// connection over libmariadb, the dumpr binary run as a subprocess (no shell), and small helpers
// over its JSON-lines output. Every test talks to a real server: start one with
//   eval "$(scripts/sandbox start)"
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <mysql.h>
#include <poll.h>
#include <signal.h>
#include <simdjson.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

extern char** environ;

namespace dumpr_live {

// ---------------------------------------------------------------------------------------------
// The server under test.

struct ServerEnv {
  std::string socket, host, user, password, root_user, datadir;
  unsigned port = 0;
};

// A missing variable fails the test (never a silent skip): the live tests need a server.
inline std::string required_env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v)
    FAIL("environment variable " << std::string(name)
                                 << " is not set: the live tests need a server; run "
                                    "`eval \"$(scripts/sandbox start)\"` first (or scripts/test)");
  return v;
}

inline const ServerEnv& server() {
  static ServerEnv env = [] {
    ServerEnv e;
    e.socket = required_env("DUMPR_TEST_SOCKET");
    e.user = required_env("DUMPR_TEST_USER");
    e.password = required_env("DUMPR_TEST_PASSWORD");
    e.root_user = required_env("DUMPR_TEST_ROOT_USER");
    const char* host = std::getenv("DUMPR_TEST_HOST");
    e.host = host && *host ? host : "127.0.0.1";
    const char* port = std::getenv("DUMPR_TEST_PORT");
    e.port = port && *port ? static_cast<unsigned>(std::atoi(port)) : 0;
    const char* datadir = std::getenv("DUMPR_TEST_DATADIR");
    e.datadir = datadir ? datadir : "";
    return e;
  }();
  return env;
}

// ---------------------------------------------------------------------------------------------
// SQL as root (unix socket authentication), straight through libmariadb.

using Row = std::vector<std::optional<std::string>>;

// ---------------------------------------------------------------------------------------------
// A connection over a unix socket (root unless told otherwise). Failures throw: doctest reports
// the message, and a writer thread catches it and hands it to the test.

class Client {
 public:
  explicit Client(const std::string& socket, const std::string& database = "",
                  const std::string& user = "root", const std::string& password = "") {
    m_.reset(mysql_init(nullptr));
    if (!m_) throw std::runtime_error("mysql_init failed");
    mysql_optionsv(m_.get(), MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(m_.get(), nullptr, user.c_str(),
                            password.empty() ? nullptr : password.c_str(),
                            database.empty() ? nullptr : database.c_str(), 0, socket.c_str(),
                            CLIENT_MULTI_STATEMENTS))
      throw std::runtime_error("cannot connect as " + user + " over " + socket + ": " +
                               mysql_error(m_.get()));
  }

  MYSQL* get() { return m_.get(); }

  std::string quote(std::string_view s) {
    std::string out(s.size() * 2 + 3, '\0');
    out[0] = '\'';
    unsigned long n = mysql_real_escape_string(m_.get(), out.data() + 1, s.data(), s.size());
    out.resize(n + 1);
    out += '\'';
    return out;
  }

  // Runs one or more statements; throws on the first error.
  void exec(std::string_view sql) {
    if (try_exec(sql) != 0)
      throw std::runtime_error("SQL failed: " + std::string(sql.substr(0, 600)) + "\n  -> " +
                               mysql_error(m_.get()));
  }

  // The server's error number of the first failing statement, or 0.
  unsigned try_exec(std::string_view sql) {
    if (mysql_real_query(m_.get(), sql.data(), sql.size()) != 0) return mysql_errno(m_.get());
    int more = 0;
    do {
      if (MYSQL_RES* res = mysql_store_result(m_.get())) mysql_free_result(res);
      more = mysql_next_result(m_.get());
      if (more > 0) return mysql_errno(m_.get());
    } while (more == 0);
    return 0;
  }

  std::vector<Row> query(std::string_view sql) {
    if (mysql_real_query(m_.get(), sql.data(), sql.size()) != 0)
      throw std::runtime_error("SQL failed: " + std::string(sql.substr(0, 600)) + "\n  -> " +
                               mysql_error(m_.get()));
    std::unique_ptr<MYSQL_RES, decltype(&mysql_free_result)> res(mysql_store_result(m_.get()),
                                                                 &mysql_free_result);
    std::vector<Row> rows;
    if (!res) return rows;
    unsigned n = mysql_num_fields(res.get());
    while (MYSQL_ROW r = mysql_fetch_row(res.get())) {
      unsigned long* len = mysql_fetch_lengths(res.get());
      Row row;
      for (unsigned i = 0; i < n; ++i)
        row.push_back(r[i] ? std::optional<std::string>(std::string(r[i], len[i])) : std::nullopt);
      rows.push_back(std::move(row));
    }
    return rows;
  }

  std::string scalar(std::string_view sql) {
    auto rows = query(sql);
    if (rows.empty() || rows[0].empty() || !rows[0][0])
      throw std::runtime_error("SQL returned no value: " + std::string(sql));
    return *rows[0][0];
  }

 private:
  struct Closer {
    void operator()(MYSQL* m) const { mysql_close(m); }
  };
  std::unique_ptr<MYSQL, Closer> m_;
};

// The test sandbox (DUMPR_TEST_SOCKET) through a Client, failing the test instead of throwing.
class Sql {
 public:
  // Root over the socket, or another user with a password.
  explicit Sql(const std::string& user = "", const std::string& password = "")
      : c_(connect(user, password)) {}

  MYSQL* get() { return c_.get(); }

  void exec(std::string_view sql) {
    try {
      c_.exec(sql);
    } catch (const std::exception& e) {
      FAIL(std::string(e.what()));
    }
  }

  // Like exec, but returns the server's error number (0 on success) instead of failing.
  unsigned try_exec(std::string_view sql) { return c_.try_exec(sql); }

  std::vector<Row> query(std::string_view sql) {
    try {
      return c_.query(sql);
    } catch (const std::exception& e) {
      FAIL(std::string(e.what()));
    }
    return {};
  }

  // The first column of the first row; fails when there is none or it is NULL.
  std::string scalar(std::string_view sql) {
    try {
      return c_.scalar(sql);
    } catch (const std::exception& e) {
      FAIL(std::string(e.what()));
    }
    return {};
  }

  std::string quote(std::string_view s) { return c_.quote(s); }

 private:
  static Client connect(const std::string& user, const std::string& password) {
    const ServerEnv& env = server();
    try {
      return Client(env.socket, "", user.empty() ? env.root_user : user, password);
    } catch (const std::exception& e) {
      FAIL(std::string(e.what()) << " (start the sandbox: eval \"$(scripts/sandbox start)\")");
    }
    throw std::logic_error("unreachable");
  }

  Client c_;
};

// ---------------------------------------------------------------------------------------------
// The flavour of the server under test, asked of the server itself (MariaDB's VERSION() says
// so). The private sandboxes that some tests start follow DUMPR_SANDBOX_FLAVOR, as the shared one
// does in scripts/test, so they are of the same flavour.

struct Flavor {
  bool mysql = false;
  unsigned long version = 0;  // mysql_get_server_version: 90704 for 9.7.4
};

inline const Flavor& server_flavor() {
  static const Flavor f = [] {
    const ServerEnv& env = server();
    Client c(env.socket, "", env.root_user);
    Flavor r;
    r.mysql = c.scalar("SELECT VERSION()").find("MariaDB") == std::string::npos;
    r.version = mysql_get_server_version(c.get());
    return r;
  }();
  return f;
}

inline bool server_is_mysql() {
  return server_flavor().mysql;
}

// The "flavor" dumpr writes into checkpoints for this server.
inline std::string flavor_name() {
  return server_is_mysql() ? "mysql" : "mariadb";
}

// The statement for the end of the binary log: MySQL 8.2 renamed SHOW MASTER STATUS (and 8.4
// removed the old name). The first two columns are File and Position on every server.
inline std::string binlog_status_sql() {
  return server_is_mysql() && server_flavor().version >= 80200 ? "SHOW BINARY LOG STATUS"
                                                               : "SHOW MASTER STATUS";
}

// Says, in the test's output, that a MariaDB-only part of a test does not run on MySQL.
inline void skipped_on_mysql(std::string_view what, std::string_view why) {
  MESSAGE("on MySQL, skipped: " << std::string(what) << " (" << std::string(why) << ")");
}

// MariaDB's SEQUENCE engine gives every database the tables seq_1_to_N (one column `seq`,
// BIGINT UNSIGNED, 1 to N, in order); MySQL has no such engine. There this makes `db`.seq_1_to_N a
// view of a table with the same rows in the database dumpr_seq (kept for the next test), so the
// tests' SQL is the same on both and the rows are written outside the test's database (a tail
// or an offline decoding filtered to it sees no more than on MariaDB). Call it before the
// position a test tails from. Nothing to do on MariaDB.
template <class Connection>
void provide_seq(Connection& c, const std::string& db, unsigned n) {
  if (!server_is_mysql()) return;
  const std::string name = "seq_1_to_" + std::to_string(n), base = "dumpr_seq." + name;
  c.exec("CREATE DATABASE IF NOT EXISTS dumpr_seq");
  c.exec("CREATE TABLE IF NOT EXISTS " + base + " (seq BIGINT UNSIGNED NOT NULL PRIMARY KEY)");
  if (c.scalar("SELECT COUNT(*) FROM " + base) != std::to_string(n)) {
    c.exec("DELETE FROM " + base);
    c.exec("INSERT INTO " + base + " VALUES (1)");
    for (unsigned have = 1; have < n; have *= 2)  // doubles the rows each time, up to n
      c.exec("INSERT INTO " + base + " SELECT seq + " + std::to_string(have) + " FROM " + base +
             " WHERE seq + " + std::to_string(have) + " <= " + std::to_string(n));
  }
  c.exec("CREATE OR REPLACE VIEW `" + db + "`." + name + " AS SELECT seq FROM " + base);
}

// Rows lo..hi as a table expression for FROM, made on the spot: MariaDB's seq_LO_to_HI, or on
// MySQL a recursive CTE (at most 1000 rows: MySQL's default cte_max_recursion_depth) under the
// same name. For ranges a test makes while a tail is reading: no table is created.
inline std::string seq_from(long lo, long hi) {
  const std::string name = "seq_" + std::to_string(lo) + "_to_" + std::to_string(hi);
  if (!server_is_mysql()) return name;
  if (hi - lo >= 1000) throw std::logic_error("seq_from: more than 1000 rows: use provide_seq");
  return "(WITH RECURSIVE s (seq) AS (SELECT CAST(" + std::to_string(lo) +
         " AS UNSIGNED) UNION ALL SELECT seq + 1 FROM s WHERE seq < " + std::to_string(hi) +
         ") SELECT seq FROM s) AS " + name;
}

// A database of the test's own, dropped and created fresh, dropped again at the end.
class TestDatabase {
 public:
  explicit TestDatabase(std::string name) : name_(std::move(name)) {
    Sql sql;
    sql.exec("DROP DATABASE IF EXISTS `" + name_ + "`");
    sql.exec("CREATE DATABASE `" + name_ + "` CHARACTER SET utf8mb4");
  }
  ~TestDatabase() {
    try {
      Sql sql;
      sql.try_exec("DROP DATABASE IF EXISTS `" + name_ + "`");
    } catch (...) {
    }
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

// A temporary directory, removed with its contents at the end.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "dumpr-live-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path() const { return path_.string(); }
  std::string operator/(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_file(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  REQUIRE(out.good());
}

// ---------------------------------------------------------------------------------------------
// Running dumpr (or any program) as a subprocess: argv as given, no shell.

struct RunResult {
  int exit_code = -1;  // the exit status, or -1 when a signal ended it
  int signal = 0;      // the signal that ended it, or 0
  std::string out, err;
  // What a shell would report: the exit status, or 128 + the signal.
  int shell_status() const { return signal ? 128 + signal : exit_code; }
};

// Starts args[0] (a path; no shell) with the file actions the caller arranged (stdin, stdout,
// stderr), the signals a shell leaves at their defaults (SIGPIPE, SIGINT, SIGTERM) with none
// blocked, and the environment inherited minus MYSQL_PWD (tests pass credentials explicitly)
// plus `extra_env` (KEY=VALUE entries, replacing inherited ones). Returns posix_spawn's result.
inline int spawn_child(pid_t& pid, const std::vector<std::string>& args,
                       const posix_spawn_file_actions_t& fa,
                       const std::vector<std::string>& extra_env = {}) {
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t def, none;
  sigemptyset(&def);
  sigaddset(&def, SIGPIPE);
  sigaddset(&def, SIGINT);
  sigaddset(&def, SIGTERM);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &def);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<std::string> env_store;
  auto overridden = [&](std::string_view entry) {
    std::string_view key = entry.substr(0, entry.find('='));
    if (key == "MYSQL_PWD") return true;
    for (const std::string& e : extra_env)
      if (std::string_view(e).substr(0, e.find('=')) == key) return true;
    return false;
  };
  for (char** e = environ; *e; ++e)
    if (!overridden(*e)) env_store.emplace_back(*e);
  for (const std::string& e : extra_env) env_store.push_back(e);
  std::vector<char*> envp;
  for (std::string& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);

  std::vector<std::string> argv_store(args);
  std::vector<char*> argv;
  for (std::string& a : argv_store) argv.push_back(a.data());
  argv.push_back(nullptr);

  int rc = posix_spawn(&pid, argv[0], &fa, &attr, argv.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  if (rc != 0) pid = -1;
  return rc;
}

// Sets a global server variable for the test and puts the old value back at the end. Numbers
// (booleans read back as 0/1) go unquoted, which is the only way they are taken; the rest quoted.
class GlobalSetting {
 public:
  GlobalSetting(const std::string& socket, const std::string& name, const std::string& value,
                const std::string& root_user = "root")
      : socket_(socket), user_(root_user), name_(name) {
    Client c(socket_, "", user_);
    old_ = c.scalar("SELECT @@GLOBAL." + name_);
    c.exec("SET GLOBAL " + name_ + " = " + literal(value));
  }
  ~GlobalSetting() {
    try {
      Client c(socket_, "", user_);
      c.exec("SET GLOBAL " + name_ + " = " + literal(old_));
    } catch (...) {
    }
  }
  GlobalSetting(const GlobalSetting&) = delete;
  GlobalSetting& operator=(const GlobalSetting&) = delete;

 private:
  static std::string literal(const std::string& v) {
    const bool number = !v.empty() && v.find_first_not_of("0123456789") == std::string::npos;
    return number ? v : "'" + v + "'";
  }
  std::string socket_, user_, name_, old_;
};

// Sets `stop` and joins the writer thread(s) when the scope ends, also when a REQUIRE throws out
// of it (a thread still joinable at destruction would terminate the test binary).
class StopAndJoin {
 public:
  StopAndJoin(std::atomic<bool>& stop, std::thread& one) : stop_(stop), one_(&one) {}
  StopAndJoin(std::atomic<bool>& stop, std::vector<std::thread>& many)
      : stop_(stop), many_(&many) {}
  StopAndJoin(const StopAndJoin&) = delete;
  StopAndJoin& operator=(const StopAndJoin&) = delete;
  ~StopAndJoin() {
    stop_ = true;
    if (one_ && one_->joinable()) one_->join();
    if (many_)
      for (std::thread& t : *many_)
        if (t.joinable()) t.join();
  }

 private:
  std::atomic<bool>& stop_;
  std::thread* one_ = nullptr;
  std::vector<std::thread>* many_ = nullptr;
};

struct RunOptions {
  std::vector<std::string> env;  // extra KEY=VALUE entries (replacing inherited ones)
  // Close the read end of stdout once this many complete lines arrived (`| head -N`).
  std::optional<std::size_t> close_stdout_after_lines;
};

inline RunResult run_process(const std::vector<std::string>& args, const RunOptions& opt = {}) {
  REQUIRE(!args.empty());
  int out_pipe[2], err_pipe[2];
  REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(err_pipe, O_CLOEXEC) == 0);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  pid_t pid = -1;
  int rc = spawn_child(pid, args, fa, opt.env);
  posix_spawn_file_actions_destroy(&fa);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    FAIL("cannot run " << args[0] << ": " << std::string(std::strerror(rc)));
  }

  RunResult r;
  int out_fd = out_pipe[0], err_fd = err_pipe[0];
  std::size_t lines = 0;
  char buf[1 << 16];
  while (out_fd >= 0 || err_fd >= 0) {
    pollfd fds[2];
    int n = 0;
    if (out_fd >= 0) fds[n++] = {out_fd, POLLIN, 0};
    if (err_fd >= 0) fds[n++] = {err_fd, POLLIN, 0};
    if (::poll(fds, static_cast<nfds_t>(n), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < n; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      bool is_out = fds[i].fd == out_fd;
      if (got <= 0) {
        ::close(fds[i].fd);
        (is_out ? out_fd : err_fd) = -1;
        continue;
      }
      if (!is_out) {
        r.err.append(buf, static_cast<std::size_t>(got));
        continue;
      }
      if (!opt.close_stdout_after_lines) {
        r.out.append(buf, static_cast<std::size_t>(got));
        continue;
      }
      // Keep exactly the first N lines, then leave like `head` does.
      for (ssize_t k = 0; k < got; ++k) {
        r.out.push_back(buf[k]);
        if (buf[k] == '\n' && ++lines == *opt.close_stdout_after_lines) break;
      }
      if (lines >= *opt.close_stdout_after_lines) {
        ::close(out_fd);
        out_fd = -1;
      }
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

// Connection options for dumpr as the test user, and --database.
inline std::vector<std::string> conn_args(const std::string& database = "") {
  const ServerEnv& env = server();
  std::vector<std::string> a = {"--no-defaults", "--socket", env.socket,
                                "--user",        env.user,   "--password=" + env.password};
  if (!database.empty()) {
    a.push_back("--database");
    a.push_back(database);
  }
  return a;
}

// dumpr SUBCOMMAND ARGS... (connection options already in ARGS when wanted).
inline RunResult dumpr(const std::vector<std::string>& args, const RunOptions& opt = {}) {
  std::vector<std::string> all = {DUMPR_BINARY};
  all.insert(all.end(), args.begin(), args.end());
  return run_process(all, opt);
}

// dumpr load --database DB [EXTRA...] TABLES... as the test user.
inline RunResult dumpr_load(const std::string& db, const std::vector<std::string>& extra,
                            const RunOptions& opt = {}) {
  std::vector<std::string> a = {"load"};
  for (auto& c : conn_args(db)) a.push_back(c);
  a.insert(a.end(), extra.begin(), extra.end());
  return dumpr(a, opt);
}

// What the test prints when a run did not go as expected.
inline std::string describe(const RunResult& r) {
  std::ostringstream s;
  s << "exit " << r.exit_code << " signal " << r.signal << "\n--- stderr ---\n"
    << r.err << "\n--- stdout (first 2000 bytes) ---\n"
    << r.out.substr(0, 2000);
  return s.str();
}

// ---------------------------------------------------------------------------------------------
// Output helpers.

inline std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.emplace_back(text.substr(start));  // an unterminated last line: kept, and visible
      break;
    }
    lines.emplace_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

inline std::size_t count_occurrences(std::string_view text, std::string_view what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string_view::npos;
       at = text.find(what, at + what.size()))
    ++n;
  return n;
}

// A strict RFC 8259 syntax check, for lines simdjson's DOM cannot hold: it refuses integers
// beyond 64 bits, which JSON allows (a JSON column may keep 123456789012345678901234567890).
class JsonSyntax {
 public:
  static bool valid(std::string_view text) {
    if (!simdjson::validate_utf8(text.data(), text.size())) return false;
    JsonSyntax p{text};
    p.ws();
    if (!p.value(0)) return false;
    p.ws();
    return p.i_ == text.size();
  }

 private:
  explicit JsonSyntax(std::string_view t) : t_(t) {}
  bool eof() const { return i_ >= t_.size(); }
  char peek() const { return eof() ? '\0' : t_[i_]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  void ws() {
    while (!eof() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r')) ++i_;
  }
  bool digit() const { return peek() >= '0' && peek() <= '9'; }
  bool literal(std::string_view w) {
    if (t_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }
  bool string() {
    if (!eat('"')) return false;
    while (!eof()) {
      unsigned char c = static_cast<unsigned char>(t_[i_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c == '\\') {
        char e = peek();
        ++i_;
        if (e == 'u') {
          for (int k = 0; k < 4; ++k, ++i_)
            if (eof() || !std::isxdigit(static_cast<unsigned char>(t_[i_]))) return false;
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return false;
        }
      }
    }
    return false;
  }
  bool number() {
    eat('-');
    if (eat('0')) {
    } else if (digit()) {
      while (digit()) ++i_;
    } else {
      return false;
    }
    if (eat('.')) {
      if (!digit()) return false;
      while (digit()) ++i_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++i_;
      if (!eat('+')) eat('-');
      if (!digit()) return false;
      while (digit()) ++i_;
    }
    return true;
  }
  bool value(int depth) {
    if (depth > 1024) return false;
    ws();
    switch (peek()) {
      case '{': {
        ++i_;
        ws();
        if (eat('}')) return true;
        do {
          ws();
          if (!string()) return false;
          ws();
          if (!eat(':') || !value(depth + 1)) return false;
          ws();
        } while (eat(','));
        return eat('}');
      }
      case '[': {
        ++i_;
        ws();
        if (eat(']')) return true;
        do {
          if (!value(depth + 1)) return false;
          ws();
        } while (eat(','));
        return eat(']');
      }
      case '"':
        return string();
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        return number();
    }
  }
  std::string_view t_;
  std::size_t i_ = 0;
};

// Checks the shape of every line: a JSON array [op, table, id, content, metadata] with op
// "upsert", content an object, metadata null. Returns the count of lines that are valid JSON.
inline std::size_t check_tuple_lines(const std::string& out) {
  simdjson::dom::parser parser;
  std::size_t n = 0;
  for (const std::string& line : split_lines(out)) {
    INFO("line: " << line);
    simdjson::dom::element root;
    auto err = parser.parse(line).get(root);
    if (err == simdjson::NUMBER_ERROR) {
      // Possibly an integer beyond 64 bits: valid JSON that the DOM cannot hold.
      CHECK_MESSAGE(JsonSyntax::valid(line),
                    "not JSON: " << std::string(simdjson::error_message(err)));
      CHECK(line.rfind("[\"upsert\",\"", 0) == 0);
      CHECK(line.ends_with("},null]"));
      ++n;
      continue;
    }
    CHECK_MESSAGE(!err, "not JSON: " << std::string(simdjson::error_message(err)));
    if (err) continue;
    simdjson::dom::array arr;
    REQUIRE(!root.get_array().get(arr));
    REQUIRE(arr.size() == 5);
    std::string_view op;
    REQUIRE(!arr.at(0).get_string().get(op));
    CHECK(op == "upsert");
    std::string_view table;
    CHECK(!arr.at(1).get_string().get(table));
    CHECK(arr.at(3).is_object());
    CHECK(arr.at(4).is_null());
    ++n;
  }
  return n;
}

// Base64 of bytes, the standard alphabet with padding (for expected values).
inline std::string base64(std::string_view bytes) {
  static constexpr char k[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  for (; i + 3 <= bytes.size(); i += 3) {
    unsigned v = (unsigned{s[i]} << 16) | (unsigned{s[i + 1]} << 8) | s[i + 2];
    out += k[v >> 18];
    out += k[(v >> 12) & 63];
    out += k[(v >> 6) & 63];
    out += k[v & 63];
  }
  if (bytes.size() - i == 1) {
    unsigned v = unsigned{s[i]} << 16;
    out += k[v >> 18];
    out += k[(v >> 12) & 63];
    out += "==";
  } else if (bytes.size() - i == 2) {
    unsigned v = (unsigned{s[i]} << 16) | (unsigned{s[i + 1]} << 8);
    out += k[v >> 18];
    out += k[(v >> 12) & 63];
    out += k[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

}  // namespace dumpr_live
