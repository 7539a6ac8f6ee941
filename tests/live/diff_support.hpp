// Support for the differential (load vs tail) and replay live tests: a private MariaDB sandbox of
// their own (they change GLOBAL settings: time_zone, binlog_row_metadata), a root client that
// throws (usable from a writer thread), dumpr run to completion or in the background with its
// stdout in a file (so it can be SIGKILLed mid-way), and a splitter that keeps every JSON value
// of a tuple as its raw text, so values are compared byte for byte.
#pragma once

#include <cstdarg>
#include <cstdio>
#include <map>
#include <random>
#include <stdexcept>
#include <thread>

#include "live/live_support.hpp"

namespace dumpr_diff {

// Seeded randomness and printf-style text for the generated workloads.
using Rng = std::mt19937_64;

inline std::int64_t uni(Rng& r, std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(r);
}
inline bool chance(Rng& r, double p) {
  return std::uniform_real_distribution<double>(0, 1)(r) < p;
}

inline std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
inline std::string fmt(const char* f, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

using dumpr_live::Row;
using dumpr_live::RunOptions;
using dumpr_live::RunResult;

// ---------------------------------------------------------------------------------------------
// A root connection over a unix socket: dumpr_live::Client.
using dumpr_live::Client;
using dumpr_live::GlobalSetting;

// ---------------------------------------------------------------------------------------------
// Processes with stdout in a file: run to completion, or in the background and killed.

inline std::string repo_root() {
  return std::filesystem::path(DUMPR_TEST_DATA).parent_path().parent_path().string();
}

class FileProcess {
 public:
  // argv as given (no shell); stdout to out_path (appended), stderr to err_path (appended).
  FileProcess(const std::vector<std::string>& args, const std::string& out_path,
              const std::string& err_path, const std::vector<std::string>& extra_env = {}) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int rc = dumpr_live::spawn_child(pid_, args, fa, extra_env);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
      pid_ = -1;
      throw std::runtime_error("cannot run " + args[0] + ": " + std::strerror(rc));
    }
  }
  ~FileProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }
  FileProcess(const FileProcess&) = delete;
  FileProcess& operator=(const FileProcess&) = delete;

  // True once it has exited (reaped).
  bool done() {
    if (exited_) return true;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) record(st);
    return exited_;
  }
  // Waits for the exit: the status a shell shows (128 + signal when killed).
  int wait() {
    while (!exited_) {
      int st = 0;
      pid_t r = ::waitpid(pid_, &st, 0);
      if (r == pid_)
        record(st);
      else if (r < 0 && errno != EINTR)
        break;
    }
    return status_;
  }
  void kill(int sig) {
    if (pid_ > 0 && !exited_) ::kill(pid_, sig);
  }

 private:
  void record(int st) {
    exited_ = true;
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
  pid_t pid_ = -1;
  bool exited_ = false;
  int status_ = -1;
};

// A program whose stdout is a pipe the test reads when it chooses: a slow consumer, so the
// program blocks on a full pipe and can be killed at a chosen point of its output.
class PipeProcess {
 public:
  PipeProcess(const std::vector<std::string>& args, const std::string& err_path) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int rc = dumpr_live::spawn_child(pid_, args, fa);
    posix_spawn_file_actions_destroy(&fa);
    ::close(p[1]);
    fd_ = p[0];
    if (rc != 0) {
      pid_ = -1;
      ::close(fd_);
      throw std::runtime_error("cannot run " + args[0] + ": " + std::strerror(rc));
    }
  }
  ~PipeProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      wait();
    }
    if (fd_ >= 0) ::close(fd_);
  }
  PipeProcess(const PipeProcess&) = delete;
  PipeProcess& operator=(const PipeProcess&) = delete;

  // Reads (blocking) until `lines` complete lines have arrived or the output ends; true if the
  // count was reached.
  bool read_lines(std::size_t lines) {
    char buf[4096];  // small reads: the program stays blocked on its writes most of the time
    while (count_lines() < lines) {
      ssize_t got = ::read(fd_, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return false;
      out_.append(buf, static_cast<std::size_t>(got));
    }
    return true;
  }
  // Reads everything up to the end of the output (after an exit or a kill).
  void read_rest() {
    char buf[1 << 16];
    while (true) {
      ssize_t got = ::read(fd_, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return;
      out_.append(buf, static_cast<std::size_t>(got));
    }
  }
  void kill(int sig) {
    if (pid_ > 0 && !exited_) ::kill(pid_, sig);
  }
  int wait() {
    while (!exited_) {
      int st = 0;
      pid_t r = ::waitpid(pid_, &st, 0);
      if (r == pid_) {
        exited_ = true;
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      } else if (r < 0 && errno != EINTR) {
        break;
      }
    }
    return status_;
  }
  const std::string& out() const { return out_; }

 private:
  std::size_t count_lines() {
    for (; counted_ < out_.size(); ++counted_)
      if (out_[counted_] == '\n') ++lines_;
    return lines_;
  }
  pid_t pid_ = -1;
  int fd_ = -1;
  bool exited_ = false;
  int status_ = -1;
  std::string out_;
  std::size_t counted_ = 0, lines_ = 0;
};

// Runs a program to completion with its output in files (no pipe-buffer limits), without doctest
// assertions (usable in destructors).
inline int run_quiet(const std::vector<std::string>& args,
                     const std::vector<std::string>& extra_env, std::string* output = nullptr) {
  std::string tmpl = "/tmp/dumpr-diff-run-XXXXXX";
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  ::close(fd);
  int status;
  {
    FileProcess p(args, tmpl, tmpl, extra_env);
    status = p.wait();
  }
  if (output) *output = dumpr_live::read_file(tmpl);
  ::unlink(tmpl.c_str());
  return status;
}

// ---------------------------------------------------------------------------------------------
// A private sandbox (scripts/sandbox in a temp directory, on a port of its own): one for all the
// differential and replay tests of the process, destroyed at exit.

class DiffSandbox {
 public:
  DiffSandbox() {
    // A server of one's own for debugging: DUMPR_DIFF_SOCKET (left running, databases kept
    // when a test fails).
    if (const char* own = std::getenv("DUMPR_DIFF_SOCKET"); own && *own) {
      socket_ = own;
      return;
    }
    std::string tmpl = "/tmp/dumpr-diff-sbx-XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    socket_ = dir_ + "/mysqld.sock";
    std::string last;
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = 33750 + static_cast<unsigned>((::getpid() + attempt * 17) % 100);
      std::string out;
      if (run_quiet({"/bin/bash", repo_root() + "/scripts/sandbox", "start", dir_},
                    {"DUMPR_SANDBOX_PORT=" + std::to_string(port_)}, &out) == 0)
        return;
      last = out;
    }
    throw std::runtime_error("cannot start a private sandbox in " + dir_ + ":\n" + last);
  }
  ~DiffSandbox() {
    if (dir_.empty()) return;
    try {
      run_quiet({"/bin/bash", repo_root() + "/scripts/sandbox", "destroy", dir_},
                {"DUMPR_SANDBOX_PORT=" + std::to_string(port_)});
    } catch (...) {
    }
  }
  DiffSandbox(const DiffSandbox&) = delete;
  DiffSandbox& operator=(const DiffSandbox&) = delete;

  const std::string& socket() const { return socket_; }

 private:
  std::string dir_, socket_;
  unsigned port_ = 0;
};

inline DiffSandbox& diff_sandbox() {
  static DiffSandbox sandbox;
  return sandbox;
}

// dumpr's connection options: the dumpr user over the sandbox's socket.
inline std::vector<std::string> dumpr_conn(const std::string& socket, const std::string& db) {
  return {"--no-defaults", "--socket",         socket,       "--user",
          "dumpr",         "--password=dumpr", "--database", db};
}

// dumpr SUBCOMMAND CONN ARGS..., run to completion; stdout through a file (large outputs).
inline RunResult run_dumpr(const std::string& sub, const std::string& socket, const std::string& db,
                           const std::vector<std::string>& args) {
  std::vector<std::string> all = {DUMPR_BINARY, sub};
  for (auto& c : dumpr_conn(socket, db)) all.push_back(c);
  all.insert(all.end(), args.begin(), args.end());
  std::string out_t = "/tmp/dumpr-diff-out-XXXXXX", err_t = "/tmp/dumpr-diff-err-XXXXXX";
  int fo = ::mkstemp(out_t.data()), fe = ::mkstemp(err_t.data());
  if (fo < 0 || fe < 0) throw std::runtime_error("mkstemp failed");
  ::close(fo);
  ::close(fe);
  RunResult r;
  {
    FileProcess p(all, out_t, err_t);
    int st = p.wait();
    if (st >= 128)
      r.signal = st - 128;
    else
      r.exit_code = st;
  }
  r.out = dumpr_live::read_file(out_t);
  r.err = dumpr_live::read_file(err_t);
  ::unlink(out_t.c_str());
  ::unlink(err_t.c_str());
  return r;
}

// ---------------------------------------------------------------------------------------------
// Raw JSON splitting: values kept as their exact text.

// The end of the JSON value that starts at i (after any whitespace), or npos.
inline std::size_t value_end(std::string_view s, std::size_t i) {
  int depth = 0;
  bool in_str = false;
  for (; i < s.size(); ++i) {
    char ch = s[i];
    if (in_str) {
      if (ch == '\\') {
        ++i;
      } else if (ch == '"') {
        in_str = false;
        if (depth == 0) return i + 1;
      }
      continue;
    }
    if (ch == '"') {
      in_str = true;
    } else if (ch == '{' || ch == '[') {
      ++depth;
    } else if (ch == '}' || ch == ']') {
      if (depth == 0) return i;  // a scalar ends at its container's end
      if (--depth == 0) return i + 1;
    } else if (ch == ',' && depth == 0) {
      return i;
    }
  }
  return depth == 0 && !in_str ? s.size() : std::string_view::npos;
}

// The elements of a JSON array, each as raw text.
inline std::vector<std::string> array_elements(std::string_view s) {
  if (s.size() < 2 || s.front() != '[' || s.back() != ']')
    throw std::runtime_error("not an array: " + std::string(s.substr(0, 300)));
  std::vector<std::string> out;
  std::size_t i = 1;
  while (i < s.size() - 1) {
    std::size_t e = value_end(s, i);
    if (e == std::string_view::npos || e > s.size() - 1)
      throw std::runtime_error("bad array: " + std::string(s.substr(0, 300)));
    out.emplace_back(s.substr(i, e - i));
    i = e;
    if (i < s.size() - 1 && s[i] == ',') ++i;
  }
  return out;
}

// The members of a JSON object: key (decoded) -> raw value text, in order.
inline std::vector<std::pair<std::string, std::string>> object_members(std::string_view s) {
  if (s.size() < 2 || s.front() != '{' || s.back() != '}')
    throw std::runtime_error("not an object: " + std::string(s.substr(0, 300)));
  std::vector<std::pair<std::string, std::string>> out;
  simdjson::dom::parser parser;
  std::size_t i = 1;
  while (i < s.size() - 1) {
    std::size_t key_end = value_end(s, i);
    if (key_end == std::string_view::npos || key_end >= s.size() || s[key_end] != ':')
      throw std::runtime_error("bad object: " + std::string(s.substr(0, 300)));
    simdjson::padded_string key_text(s.substr(i, key_end - i));
    std::string_view key;
    if (parser.parse(key_text).get_string().get(key))
      throw std::runtime_error("bad key in object: " + std::string(s.substr(0, 300)));
    std::string k(key);
    std::size_t v = key_end + 1;
    std::size_t v_end = value_end(s, v);
    if (v_end == std::string_view::npos || v_end > s.size() - 1)
      throw std::runtime_error("bad object: " + std::string(s.substr(0, 300)));
    out.emplace_back(std::move(k), std::string(s.substr(v, v_end - v)));
    i = v_end;
    if (i < s.size() - 1 && s[i] == ',') ++i;
  }
  return out;
}

// One output line: ["op","table",id,{content},metadata], each part as raw text.
struct RawTuple {
  std::string op, table, id, content, metadata;
};

inline RawTuple split_tuple(const std::string& line) {
  auto parts = array_elements(line);
  if (parts.size() != 5) throw std::runtime_error("not a 5-element tuple: " + line);
  RawTuple t;
  auto unquote = [&](const std::string& raw) {
    if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"' ||
        raw.find('\\') != std::string::npos)
      throw std::runtime_error("unexpected op or table in: " + line);
    return raw.substr(1, raw.size() - 2);
  };
  t.op = unquote(parts[0]);
  t.table = unquote(parts[1]);
  t.id = parts[2];
  t.content = parts[3];
  t.metadata = parts[4];
  return t;
}

// Every complete line of `out` as a tuple; an unterminated last line (cut by a kill) is dropped
// when allow_cut is set.
inline std::vector<RawTuple> split_tuples(const std::string& out, bool allow_cut = false) {
  std::vector<RawTuple> v;
  std::size_t start = 0;
  while (start < out.size()) {
    std::size_t nl = out.find('\n', start);
    if (nl == std::string::npos) {
      if (!allow_cut) throw std::runtime_error("unterminated last line: " + out.substr(start, 300));
      break;
    }
    v.push_back(split_tuple(out.substr(start, nl - start)));
    start = nl + 1;
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// SQL literals.

inline std::string hex(std::string_view bytes) {
  static constexpr char k[] = "0123456789ABCDEF";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    s += k[c >> 4];
    s += k[c & 15];
  }
  return s;
}

// The exact bytes as a string of a character set: _utf8mb4 X'...' ('' for no bytes).
inline std::string sql_bytes(std::string_view bytes, const std::string& charset = "binary") {
  if (bytes.empty()) return "_" + charset + " ''";
  return "_" + charset + " X'" + hex(bytes) + "'";
}

// UTF-8 of a code point.
inline void append_utf8(std::string& s, char32_t cp) {
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The seed: DUMPR_DIFF_SEED when set, else fresh; printed so a failure can be replayed.
inline std::uint64_t test_seed(const std::string& what) {
  std::uint64_t seed;
  if (const char* s = std::getenv("DUMPR_DIFF_SEED"); s && *s)
    seed = std::strtoull(s, nullptr, 0);
  else
    seed = std::random_device{}() ^ (std::uint64_t{std::random_device{}()} << 32);
  MESSAGE(what << ": seed " << seed << " (replay with DUMPR_DIFF_SEED=" << seed << ")");
  return seed;
}

}  // namespace dumpr_diff
