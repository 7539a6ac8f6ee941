// Support for the `dumpr tail` live tests: a root client for any server socket (usable from a
// writer thread: it throws instead of asserting), a private throwaway sandbox for destructive
// tests (restart, PURGE, SET GLOBAL), dumpr run in the background (read its output while it
// runs, signal it, kill it), and a parser for the tuples it prints.
#pragma once

#include <sys/ioctl.h>

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#include "live/live_support.hpp"

namespace dumpr_tail {

using namespace dumpr_live;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------
// A root connection over a unix socket: dumpr_live::Client.
using dumpr_live::Client;

// ---------------------------------------------------------------------------------------------
// Binlog positions.

struct Pos {
  std::string file;
  std::uint64_t pos = 0;
  bool operator==(const Pos&) const = default;
};

inline std::uint64_t file_seq(const std::string& f) {
  auto dot = f.rfind('.');
  return dot == std::string::npos ? 0 : std::stoull(f.substr(dot + 1));
}

// a < b in binlog order.
inline bool before(const Pos& a, const Pos& b) {
  if (a.file != b.file) return file_seq(a.file) < file_seq(b.file);
  return a.pos < b.pos;
}

inline std::ostream& operator<<(std::ostream& o, const Pos& p) {
  return o << p.file << ":" << p.pos;
}

inline Pos master_status(Client& c) {
  auto rows = c.query(binlog_status_sql());
  if (rows.size() != 1) throw std::runtime_error(binlog_status_sql() + ": no binary log");
  return {*rows[0][0], std::stoull(*rows[0][1])};
}

// Where the transaction with GTID `gtid` starts (its GTID event) and ends (the end of its XID
// or COMMIT event, or of the DDL statement), from SHOW BINLOG EVENTS, searching from `from` on.
// MariaDB's GTID event says "BEGIN GTID d-s-n" for a transaction and "GTID d-s-n" for a DDL;
// MySQL's says "SET @@SESSION.GTID_NEXT= 'uuid:n'" for both, and the Query event after it is
// BEGIN for a transaction, else the DDL itself.
struct TxnBounds {
  Pos start, end;
};

inline TxnBounds txn_bounds(Client& c, const Pos& from, const std::string& gtid) {
  const bool mysql = server_is_mysql();
  bool found = false, ddl = false, begun = false;
  TxnBounds b;
  for (auto& log : c.query("SHOW BINARY LOGS")) {
    const std::string name = *log[0];
    if (file_seq(name) < file_seq(from.file)) continue;
    std::string sql = "SHOW BINLOG EVENTS IN '" + name + "'";
    if (name == from.file) sql += " FROM " + std::to_string(from.pos);
    for (auto& ev : c.query(sql)) {
      const std::string type = *ev[2], info = ev[5] ? *ev[5] : "";
      if (!found) {
        const bool match =
            type == "Gtid" && (mysql ? info.find("'" + gtid + "'") != std::string::npos
                                     : info == "BEGIN GTID " + gtid || info == "GTID " + gtid ||
                                           info.rfind("BEGIN GTID " + gtid + " ", 0) == 0);
        if (match) {
          found = true;
          ddl = !mysql && info.rfind("GTID ", 0) == 0;  // a statement of its own
          b.start = {name, std::stoull(*ev[1])};
        }
        continue;
      }
      if (mysql && type == "Query" && !begun) {
        begun = true;
        if (info != "BEGIN") ddl = true;  // the DDL itself: it ends here
      }
      if (type == "Xid" || (type == "Query" && (ddl || info.rfind("COMMIT", 0) == 0))) {
        b.end = {name, std::stoull(*ev[4])};
        return b;
      }
    }
  }
  throw std::runtime_error("transaction " + gtid + " not found in the binlog from " + from.file);
}

// The GTID of the last transaction this session committed. MariaDB says so (@@last_gtid); MySQL
// has no such variable: there it is the newest GTID of the server's own UUID in gtid_executed,
// which is this session's when no other session writes meanwhile (the tests that ask write
// alone on their server at that moment).
inline std::string last_gtid(Client& c) {
  if (!server_is_mysql()) return c.scalar("SELECT @@last_gtid");
  const std::string uuid = c.scalar("SELECT @@GLOBAL.server_uuid");
  std::string set = c.scalar("SELECT @@GLOBAL.gtid_executed");
  std::erase(set, '\n');
  std::size_t at = set.find(uuid);
  if (at == std::string::npos) throw std::runtime_error("no GTID of " + uuid + " in " + set);
  std::string intervals = set.substr(at + uuid.size());  // ":1-5:7-9:tag:1-3,other-uuid:..."
  intervals = intervals.substr(0, intervals.find(','));
  // Untagged intervals only: they come before the first tag (a part that is not a number).
  for (std::size_t colon = 0; (colon = intervals.find(':', colon + 1)) != std::string::npos;)
    if (colon + 1 < intervals.size() &&
        !std::isdigit(static_cast<unsigned char>(intervals[colon + 1]))) {
      intervals.resize(colon);
      break;
    }
  std::string last = intervals.substr(intervals.rfind(':') + 1);  // "7-9" or "7"
  return uuid + ":" + last.substr(last.find('-') == std::string::npos ? 0 : last.find('-') + 1);
}

// A checkpoint file's position.
inline Pos read_checkpoint_pos(const std::string& path) {
  std::string text = read_file(path);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(text).get(root)) throw std::runtime_error("checkpoint is not JSON: " + text);
  std::string_view f;
  std::uint64_t p = 0;
  if (root["file"].get_string().get(f) || root["position"].get_uint64().get(p))
    throw std::runtime_error("checkpoint lacks file/position: " + text);
  return {std::string(f), p};
}

inline std::string checkpoint_text(const Pos& p) {
  return "{\"file\":\"" + p.file + "\",\"position\":" + std::to_string(p.pos) + "}\n";
}

// ---------------------------------------------------------------------------------------------
// Tuples: ["op", "table", id, {content}, {metadata}], with id and content kept as raw JSON text
// (so values are compared byte for byte, wide integers included).

struct Tuple {
  std::string line, op, table, id, content;
  std::string ts, db, next_file, gtid;
  std::uint64_t next_position = 0;
  bool partial = false, has_partial_key = false, has_gtid = false, dropped = false;
  std::string moved_from;  // the metadata's "moved_from" as JSON text; empty when absent
  Pos next() const { return {next_file, next_position}; }
};

namespace detail {
// The end of the JSON value starting at i (strings, nesting), or npos.
inline std::size_t skip_value(std::string_view s, std::size_t i) {
  int depth = 0;
  bool in_str = false;
  for (; i < s.size(); ++i) {
    char ch = s[i];
    if (in_str) {
      if (ch == '\\')
        ++i;
      else if (ch == '"') {
        in_str = false;
        if (depth == 0) return i + 1;
      }
      continue;
    }
    if (ch == '"')
      in_str = true;
    else if (ch == '{' || ch == '[')
      ++depth;
    else if (ch == '}' || ch == ']') {
      if (depth == 0) return i;  // the end of the enclosing array: a scalar ends here
      if (--depth == 0) return i + 1;
    } else if (ch == ',' && depth == 0)
      return i;
  }
  return std::string_view::npos;
}

inline std::string json_string(std::string_view raw) {
  simdjson::dom::parser p;
  simdjson::padded_string ps(raw);
  simdjson::dom::element e;
  std::string_view s;
  if (p.parse(ps).get(e) || e.get_string().get(s))
    throw std::runtime_error("not a JSON string: " + std::string(raw));
  return std::string(s);
}
}  // namespace detail

inline Tuple parse_tuple(const std::string& line) {
  if (!JsonSyntax::valid(line)) throw std::runtime_error("not JSON: " + line);
  std::string_view s = line;
  if (s.empty() || s[0] != '[') throw std::runtime_error("not an array: " + line);
  std::vector<std::string_view> parts;
  std::size_t i = 1;
  while (i < s.size() && s[i] != ']') {
    std::size_t end = detail::skip_value(s, i);
    if (end == std::string_view::npos) throw std::runtime_error("bad tuple: " + line);
    parts.push_back(s.substr(i, end - i));
    i = end;
    if (i < s.size() && s[i] == ',') ++i;
  }
  if (parts.size() != 5) throw std::runtime_error("tuple without 5 elements: " + line);
  Tuple t;
  t.line = line;
  t.op = detail::json_string(parts[0]);
  t.table = detail::json_string(parts[1]);
  t.id = std::string(parts[2]);
  t.content = std::string(parts[3]);
  simdjson::dom::parser p;
  simdjson::padded_string ps(parts[4]);
  simdjson::dom::element m;
  if (p.parse(ps).get(m)) throw std::runtime_error("metadata is not JSON: " + line);
  std::string_view v;
  if (m["ts"].get_string().get(v)) throw std::runtime_error("no ts: " + line);
  t.ts = std::string(v);
  if (m["db"].get_string().get(v)) throw std::runtime_error("no db: " + line);
  t.db = std::string(v);
  if (m["next_file"].get_string().get(v)) throw std::runtime_error("no next_file: " + line);
  t.next_file = std::string(v);
  if (m["next_position"].get_uint64().get(t.next_position))
    throw std::runtime_error("no next_position: " + line);
  if (!m["gtid"].get_string().get(v)) {
    t.gtid = std::string(v);
    t.has_gtid = true;
  }
  if (!m["dropped"].get_bool().get(t.dropped) && !t.dropped)
    throw std::runtime_error("\"dropped\" is present but not true: " + line);
  if (auto at = parts[4].find("\"moved_from\":"); at != std::string_view::npos) {
    std::size_t from = at + 13, end = detail::skip_value(parts[4], from);
    t.moved_from = std::string(parts[4].substr(from, end - from));
  }
  bool partial = false;
  if (!m["partial"].get_bool().get(partial)) {
    t.has_partial_key = true;
    t.partial = partial;
  }
  return t;
}

// Every complete line of `out` as a tuple; an unterminated last line (a write cut short) is
// dropped when allow_cut is set, and an error otherwise.
inline std::vector<Tuple> parse_tuples(const std::string& out, bool allow_cut = false) {
  std::vector<Tuple> v;
  std::size_t start = 0;
  while (start < out.size()) {
    std::size_t nl = out.find('\n', start);
    if (nl == std::string::npos) {
      if (!allow_cut) throw std::runtime_error("unterminated last line: " + out.substr(start));
      break;
    }
    v.push_back(parse_tuple(out.substr(start, nl - start)));
    start = nl + 1;
  }
  return v;
}

// "upsert t 5 {...}": what a test compares.
inline std::string brief(const Tuple& t) {
  return t.op + " " + t.table + " " + t.id + " " + t.content;
}

// The tuples as lines of "op table id content" (a string, so a failed CHECK shows it whole).
inline std::string briefs(const std::vector<Tuple>& ts) {
  std::string s = "\n";
  for (auto& t : ts) s += brief(t) + "\n";
  return s;
}

inline std::string lines_of(const std::vector<std::string>& v) {
  std::string s = "\n";
  for (auto& l : v) s += l + "\n";
  return s;
}

// ---------------------------------------------------------------------------------------------
// dumpr (or anything) in the background: stdout and stderr are non-blocking pipes the test reads
// when it wants (or never), signals on demand, SIGKILL at destruction if still running.

class Background {
 public:
  explicit Background(const std::vector<std::string>& args) {
    int out_pipe[2], err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
    int rc = dumpr_live::spawn_child(pid_, args, fa);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    out_fd_ = out_pipe[0];
    err_fd_ = err_pipe[0];
    if (rc != 0) {
      pid_ = -1;
      throw std::runtime_error("cannot run " + args[0] + ": " + std::strerror(rc));
    }
    ::fcntl(out_fd_, F_SETFL, O_NONBLOCK);
    ::fcntl(err_fd_, F_SETFL, O_NONBLOCK);
  }
  ~Background() {
    if (running()) {
      ::kill(pid_, SIGKILL);
      reap(true);
    }
    close_out();
    if (err_fd_ >= 0) ::close(err_fd_);
  }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  pid_t pid() const { return pid_; }
  bool running() { return pid_ > 0 && !reap(false); }

  // Reads what is available now.
  void pump() {
    drain(out_fd_, out_);
    drain(err_fd_, err_);
  }
  void pump_err() { drain(err_fd_, err_); }

  const std::string& out() const { return out_; }
  const std::string& err() {
    drain(err_fd_, err_);
    return err_;
  }

  // Reads at most `max` bytes of stdout that are there now (a slow consumer); how many.
  std::size_t read_some(std::size_t max) {
    if (out_fd_ < 0) return 0;
    std::string buf(max, '\0');
    ssize_t got = ::read(out_fd_, buf.data(), max);
    if (got <= 0) return 0;
    out_.append(buf.data(), static_cast<std::size_t>(got));
    return static_cast<std::size_t>(got);
  }

  // Bytes waiting unread in the stdout pipe.
  int unread_bytes() const {
    int n = 0;
    if (out_fd_ >= 0) ::ioctl(out_fd_, FIONREAD, &n);
    return n;
  }

  // Closes the read end of stdout (the consumer leaves).
  void close_out() {
    if (out_fd_ >= 0) ::close(out_fd_);
    out_fd_ = -1;
  }

  // Reads until pred() holds or the deadline passes; true when it held.
  bool wait_until(const std::function<bool()>& pred, double seconds) {
    auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
    while (true) {
      pump();
      if (pred()) return true;
      if (Clock::now() > deadline) return false;
      pollfd fds[2];
      int n = 0;
      if (out_fd_ >= 0) fds[n++] = {out_fd_, POLLIN, 0};
      if (err_fd_ >= 0) fds[n++] = {err_fd_, POLLIN, 0};
      ::poll(fds, static_cast<nfds_t>(n), 20);
    }
  }

  // Complete lines of stdout so far.
  std::size_t lines() const { return count_occurrences(out_, "\n"); }

  void signal(int sig) {
    if (pid_ > 0 && !exited_) ::kill(pid_, sig);
  }

  // Waits for the exit (reading output meanwhile unless `read_out` is false); the status a
  // shell shows (128 + signal when killed), or nullopt on timeout.
  std::optional<int> wait_exit(double seconds, bool read_out = true) {
    auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
    while (true) {
      if (read_out)
        pump();
      else
        pump_err();
      if (reap(false)) {
        if (read_out) {
          // What was left in the pipe.
          for (int k = 0; k < 100 && drain(out_fd_, out_); ++k) {
          }
        }
        drain(err_fd_, err_);
        return status_;
      }
      if (Clock::now() > deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  // After the exit: everything left in the stdout pipe.
  void read_rest() {
    while (drain(out_fd_, out_)) {
    }
  }

 private:
  // True when something was read.
  static bool drain(int fd, std::string& into) {
    if (fd < 0) return false;
    bool any = false;
    char buf[1 << 16];
    while (true) {
      ssize_t got = ::read(fd, buf, sizeof buf);
      if (got > 0) {
        into.append(buf, static_cast<std::size_t>(got));
        any = true;
        continue;
      }
      if (got < 0 && errno == EINTR) continue;
      return any;
    }
  }

  bool reap(bool block) {
    if (exited_) return true;
    int st = 0;
    pid_t r = ::waitpid(pid_, &st, block ? 0 : WNOHANG);
    if (r == pid_) {
      exited_ = true;
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      return true;
    }
    return false;
  }

  pid_t pid_ = -1;
  int out_fd_ = -1, err_fd_ = -1;
  bool exited_ = false;
  int status_ = -1;
  std::string out_, err_;
};

// ---------------------------------------------------------------------------------------------
// Connection arguments for dumpr as the dumpr user over a socket.

inline std::vector<std::string> conn_to(const std::string& socket, const std::string& database) {
  return {"--no-defaults", "--socket",         socket,       "--user",
          "dumpr",         "--password=dumpr", "--database", database};
}

inline std::vector<std::string> tail_args(const std::vector<std::string>& conn,
                                          const std::vector<std::string>& extra) {
  std::vector<std::string> a = {DUMPR_BINARY, "tail"};
  a.insert(a.end(), conn.begin(), conn.end());
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

// dumpr tail on the shared server, to its end, waiting for it.
inline RunResult tail_until_end(const std::string& db, const std::vector<std::string>& extra) {
  std::vector<std::string> a = {"tail"};
  for (auto& c : conn_args(db)) a.push_back(c);
  a.insert(a.end(), extra.begin(), extra.end());
  a.push_back("--until-end");
  return dumpr(a);
}

// ---------------------------------------------------------------------------------------------
// A private sandbox server (scripts/sandbox in a temp directory on a port of its own), for the
// tests that restart, purge or reconfigure the server. One per test process, destroyed at exit.

inline std::string repo_root() {
  return std::filesystem::path(DUMPR_TEST_DATA).parent_path().parent_path().string();
}

class PrivateSandbox {
 public:
  PrivateSandbox() {
    std::string tmpl = "/tmp/dumpr-tail-sbx-XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    socket_ = dir_ + "/mysqld.sock";
    datadir_ = dir_ + "/data";
    std::string last;
    for (int attempt = 0; attempt < 4; ++attempt) {
      port_ = 33700 + static_cast<unsigned>((::getpid() + attempt * 37) % 200);
      RunResult r = script("start");
      if (r.exit_code == 0) return;
      last = describe(r);
    }
    throw std::runtime_error("cannot start a private sandbox in " + dir_ + ":\n" + last);
  }
  // At exit, outside any test: no doctest assertion may run here, so no run_process.
  ~PrivateSandbox() {
    try {
      Background destroy({"/bin/bash", repo_root() + "/scripts/sandbox", "destroy", dir_});
      destroy.wait_exit(60);
    } catch (...) {
    }
  }
  PrivateSandbox(const PrivateSandbox&) = delete;
  PrivateSandbox& operator=(const PrivateSandbox&) = delete;

  void stop() {
    RunResult r = script("stop");
    if (r.exit_code != 0) throw std::runtime_error("sandbox stop failed: " + describe(r));
  }
  void start() {
    RunResult r = script("start");
    if (r.exit_code != 0) throw std::runtime_error("sandbox start failed: " + describe(r));
  }
  const std::string& socket() const { return socket_; }
  const std::string& datadir() const { return datadir_; }

 private:
  RunResult script(const std::string& cmd) {
    RunOptions o;
    o.env = {"DUMPR_SANDBOX_PORT=" + std::to_string(port_)};
    return run_process({"/bin/bash", repo_root() + "/scripts/sandbox", cmd, dir_}, o);
  }
  std::string dir_, socket_, datadir_;
  unsigned port_ = 0;
};

inline PrivateSandbox& private_sandbox() {
  static PrivateSandbox sandbox;
  return sandbox;
}

// ---------------------------------------------------------------------------------------------
// Checks of the metadata shared by many tests.

// "2026-01-31T12:00:00Z"
inline bool is_utc_second(const std::string& ts) {
  if (ts.size() != 20 || ts[4] != '-' || ts[7] != '-' || ts[10] != 'T' || ts[13] != ':' ||
      ts[16] != ':' || ts[19] != 'Z')
    return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18})
    if (!std::isdigit(static_cast<unsigned char>(ts[i]))) return false;
  return true;
}

// The server's UTC time as "YYYY-MM-DDTHH:MM:SSZ" (comparable as strings).
inline std::string server_utc(Client& c) {
  return c.scalar("SELECT DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%dT%H:%i:%sZ')");
}

}  // namespace dumpr_tail
