// Shared by the corpus tests: where the shared binlog corpus is (and what to do when it is not
// there), running the built `dumpr` binary, and reading its JSON lines without re-rendering them.
//
// The corpus tests drive the real tail (`dumpr tail --binlog-file FILE`), the path users take,
// never a private decode loop. A missing corpus is a failure that says how to point at it; a run
// that means to go without sets DUMPR_SKIP_CORPUS to its reason, which every skipped test prints.
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace dumpr::corpus {

namespace fs = std::filesystem;

// DUMPR_CORPUS_DIR from the environment (scripts/test and scripts/corpus-golden set it), else the
// one compiled in (cmake -DDUMPR_CORPUS_DIR=..., default ../shared/binlog-corpus).
inline fs::path corpus_path() {
  if (const char* env = std::getenv("DUMPR_CORPUS_DIR"); env && *env) return env;
  return DUMPR_CORPUS_DIR;
}

// The corpus directory, or nothing when this run skips the corpus tests (DUMPR_SKIP_CORPUS set:
// its reason is printed). A corpus that is missing otherwise fails the calling test, saying why.
inline std::optional<fs::path> corpus_or_skip() {
  if (const char* why = std::getenv("DUMPR_SKIP_CORPUS"); why && *why) {
    MESSAGE("corpus test skipped, as DUMPR_SKIP_CORPUS asks: " << why);
    std::fprintf(stderr, "corpus test skipped (DUMPR_SKIP_CORPUS): %s\n", why);
    return std::nullopt;
  }
  const fs::path dir = corpus_path();
  if (!fs::exists(dir / "MANIFEST.tsv")) {
    FAIL("the binlog corpus is missing: no MANIFEST.tsv in "
         << dir.string()
         << ". Point DUMPR_CORPUS_DIR at it (in "
            "the environment, or cmake "
            "-DDUMPR_CORPUS_DIR=...), or set "
            "DUMPR_SKIP_CORPUS=\"the reason\" "
            "to skip the corpus tests");
  }
  return dir;
}

struct ManifestRow {
  std::string file, checksum, oracle, caveat;
};

inline std::vector<ManifestRow> read_manifest(const fs::path& dir) {
  std::vector<ManifestRow> rows;
  std::ifstream in(dir / "MANIFEST.tsv");
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, '\t')) f.push_back(cell);
    while (f.size() < 10) f.emplace_back();
    rows.push_back({f[0], f[5], f[8], f[9]});
  }
  return rows;
}

// Damage the manifest announces: a clean error (exit 8 naming the file) is then an acceptable end.
inline bool may_fail(const ManifestRow& m) {
  for (const char* w : {"TRUNCATED", "CORRUPT", "BROKEN", "ENCRYPTED", "NO FDE", "PRE-GA",
                        "TOOL-WRITTEN", "RECONSTRUCTED", "CRC-mismatch", "padding"}) {
    if (m.caveat.find(w) != std::string::npos || m.checksum.find(w) != std::string::npos)
      return true;
  }
  return false;
}

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A text file, gunzipped when it ends in .gz (the oracle outputs).
inline std::string read_text(const fs::path& p) {
  if (p.extension() != ".gz") return read_file(p);
  std::string out;
  std::string cmd = "gzip -dc '" + p.string() + "'";
  std::unique_ptr<FILE, int (*)(FILE*)> f(popen(cmd.c_str(), "r"), pclose);
  if (!f) return out;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) out.append(buf, n);
  return out;
}

// ---- running the binary
// --------------------------------------------------------------------------

// The dumpr binary under test: DUMPR_CORPUS_BINARY when set (scripts/corpus-golden runs the tests
// against another build with it), else the one built beside these tests.
inline std::string dumpr_binary() {
  if (const char* env = std::getenv("DUMPR_CORPUS_BINARY"); env && *env) return env;
  return DUMPR_BINARY;
}

struct Run {
  int exit = -1;  // the exit status; 128 + N when killed by signal N
  std::string out, err;
};

// Runs `dumpr ARGS...` in directory `cwd` (so the file names it prints are relative to it), with
// stdin from /dev/null, stdout and stderr captured whole.
inline Run run_dumpr(const fs::path& cwd, const std::vector<std::string>& args) {
  Run r;
  char out_tmpl[] = "/tmp/dumpr-corpus-out.XXXXXX";
  char err_tmpl[] = "/tmp/dumpr-corpus-err.XXXXXX";
  const int out_fd = mkstemp(out_tmpl);
  const int err_fd = mkstemp(err_tmpl);
  REQUIRE_MESSAGE((out_fd >= 0 && err_fd >= 0), "cannot make temporary files in /tmp");
  const std::string bin = dumpr_binary();
  std::vector<std::string> all = {bin};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  REQUIRE_MESSAGE(pid >= 0, "fork failed");
  if (pid == 0) {
    const int in = open("/dev/null", O_RDONLY);
    if (in < 0 || dup2(in, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0 ||
        chdir(cwd.c_str()) != 0)
      _exit(127);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  r.exit = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  close(out_fd);
  close(err_fd);
  r.out = read_file(out_tmpl);
  r.err = read_file(err_tmpl);
  std::remove(out_tmpl);
  std::remove(err_tmpl);
  return r;
}

// ---- the output lines
// ----------------------------------------------------------------------------

inline std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> v;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    v.push_back(text.substr(pos, eol - pos));
    pos = eol + 1;
  }
  return v;
}

// The elements of a JSON array, as the exact text dumpr wrote (no re-rendering, so a DECIMAL's
// "9.00" or a double's digits stay as written). Empty when `line` is not an array.
inline std::vector<std::string_view> array_elements(std::string_view line) {
  std::vector<std::string_view> out;
  if (line.size() < 2 || line.front() != '[' || line.back() != ']') return out;
  int depth = 0;
  bool in_string = false, escaped = false;
  std::size_t start = 1;
  for (std::size_t i = 1; i + 1 < line.size(); ++i) {
    const char c = line[i];
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '[' || c == '{') ++depth;
    if (c == ']' || c == '}') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(line.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(line.substr(start, line.size() - 1 - start));
  return out;
}

// One output tuple `[op, table, id, content, metadata]`, each part as written.
struct Tuple {
  std::string_view op, table, id, content, metadata;
};

inline std::optional<Tuple> tuple_of(std::string_view line) {
  auto e = array_elements(line);
  if (e.size() != 5) return std::nullopt;
  auto unquote = [](std::string_view s) {
    return s.size() >= 2 && s.front() == '"' ? s.substr(1, s.size() - 2) : s;
  };
  return Tuple{unquote(e[0]), unquote(e[1]), e[2], e[3], e[4]};
}

// ---- SHA-256 (FIPS 180-4), for the golden digests
// --------------------------------------------------

class Sha256 {
 public:
  void update(std::string_view data) {
    for (unsigned char c : data) {
      block_[fill_++] = c;
      if (fill_ == 64) {
        compress();
        fill_ = 0;
      }
    }
    bits_ += static_cast<std::uint64_t>(data.size()) * 8;
  }

  std::string hex() {
    const std::uint64_t bits = bits_;
    block_[fill_++] = 0x80;
    if (fill_ > 56) {
      while (fill_ < 64) block_[fill_++] = 0;
      compress();
      fill_ = 0;
    }
    while (fill_ < 56) block_[fill_++] = 0;
    for (int i = 7; i >= 0; --i) block_[fill_++] = static_cast<std::uint8_t>(bits >> (i * 8));
    compress();
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (std::uint32_t v : h_)
      for (int i = 28; i >= 0; i -= 4) out += digits[(v >> i) & 0xF];
    return out;
  }

 private:
  static std::uint32_t rotr(std::uint32_t x, int n) { return x >> n | x << (32 - n); }

  void compress() {
    static constexpr std::array<std::uint32_t, 64> k = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2};
    std::array<std::uint32_t, 64> w{};
    for (int i = 0; i < 16; ++i)
      w[i] = std::uint32_t{block_[i * 4]} << 24 | std::uint32_t{block_[i * 4 + 1]} << 16 |
             std::uint32_t{block_[i * 4 + 2]} << 8 | std::uint32_t{block_[i * 4 + 3]};
    for (int i = 16; i < 64; ++i) {
      const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4], f = h_[5], g = h_[6],
                  h = h_[7];
    for (int i = 0; i < 64; ++i) {
      const std::uint32_t t1 =
          h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
      const std::uint32_t t2 =
          (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h_[0] += a, h_[1] += b, h_[2] += c, h_[3] += d, h_[4] += e, h_[5] += f, h_[6] += g, h_[7] += h;
  }

  std::array<std::uint32_t, 8> h_ = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::array<std::uint8_t, 64> block_{};
  std::size_t fill_ = 0;
  std::uint64_t bits_ = 0;
};

inline std::string sha256(std::string_view data) {
  Sha256 s;
  s.update(data);
  return s.hex();
}

}  // namespace dumpr::corpus
