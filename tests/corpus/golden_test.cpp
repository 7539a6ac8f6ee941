// The byte-identity guard: `dumpr tail --binlog-file`'s output over every corpus file and
// tests/data/binlog/ must stay what tests/data/corpus-golden.txt records (exit status, line count
// and SHA-256 of stdout and of stderr, per run). It was made with the dumpr of the commit it
// names, before the output pipeline's redesign; scripts/corpus-golden regenerates it, shows the
// differences between two builds, and says when regenerating is legitimate.
//
// Environment (scripts/corpus-golden sets these; a plain test run needs none):
//   DUMPR_CORPUS_BINARY        the dumpr to run instead of the one built beside the tests
//   DUMPR_CORPUS_GOLDEN_WRITE  write the golden file here from this run instead of comparing
//   DUMPR_CORPUS_GOLDEN_FROM   with _WRITE: the header's note of which build made it
//   DUMPR_CORPUS_OUTPUTS       also write each run's stdout, stderr and exit status under this dir
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "corpus/corpus_support.hpp"

namespace fs = std::filesystem;
using namespace dumpr::corpus;

namespace {

constexpr std::size_t kBlocks = 8;  // line blocks digested apiece, to find the first difference

// One run: a name for its options, the files (as "corpus:PATH" or "data:PATH") in order.
struct Spec {
  std::string run;
  std::vector<std::string> files;

  std::string key() const {
    std::string k = run;
    for (const auto& f : files) k += ' ' + f;
    return k;
  }
};

struct Digest {
  int exit = 0;
  std::size_t lines = 0;
  std::string out_sha, err_sha;
  std::vector<std::string> blocks;  // 12 hex digits of each block's SHA-256

  bool operator==(const Digest&) const = default;
};

// Lines per block: at most kBlocks blocks, each at least one line.
std::size_t block_size(std::size_t lines) {
  return std::max<std::size_t>(1, (lines + kBlocks - 1) / kBlocks);
}

Digest digest(const Run& r) {
  Digest d;
  d.exit = r.exit;
  d.out_sha = sha256(r.out);
  d.err_sha = sha256(r.err);
  const auto lines = lines_of(r.out);
  d.lines = lines.size();
  const std::size_t per = block_size(d.lines);
  for (std::size_t i = 0; i < lines.size(); i += per) {
    Sha256 s;
    for (std::size_t j = i; j < std::min(lines.size(), i + per); ++j) {
      s.update(lines[j]);
      s.update("\n");
    }
    d.blocks.push_back(s.hex().substr(0, 12));
  }
  return d;
}

// What this guard covers: each corpus file with and without --skip-statement-dml (the default
// stops at the first change logged as a statement, exit 4), each tests/data/binlog/*.bin, and
// the generated MariaDB files in one run (rotation from one file to the next).
std::vector<Spec> specs(const fs::path& corpus) {
  std::vector<Spec> v;
  for (const auto& m : read_manifest(corpus)) {
    v.push_back({"default", {"corpus:" + m.file}});
    v.push_back({"skip-statement-dml", {"corpus:" + m.file}});
  }
  std::vector<std::string> data;
  for (const auto& e : fs::directory_iterator(fs::path(DUMPR_TEST_DATA) / "binlog"))
    if (e.path().extension() == ".bin") data.push_back("data:" + e.path().filename().string());
  std::sort(data.begin(), data.end());
  for (const auto& f : data) v.push_back({"default", {f}});
  const std::string gen = "corpus:local-generated+mariadb-10.11.19/mariadb-bin.00000";
  v.push_back({"default", {gen + "1", gen + "2", gen + "3"}});
  return v;
}

Run run_spec(const Spec& s, const fs::path& corpus) {
  // All files of a run share one directory (the tail's messages name them relative to it).
  const bool in_corpus = s.files.front().rfind("corpus:", 0) == 0;
  const fs::path cwd = in_corpus ? corpus : fs::path(DUMPR_TEST_DATA) / "binlog";
  std::vector<std::string> args = {"tail"};
  for (const auto& f : s.files) {
    args.push_back("--binlog-file");
    args.push_back(f.substr(f.find(':') + 1));
  }
  if (s.run == "skip-statement-dml") args.push_back("--skip-statement-dml");
  return run_dumpr(cwd, args);
}

std::string format(const Spec& s, const Digest& d) {
  std::string blocks;
  for (const auto& b : d.blocks) blocks += (blocks.empty() ? "" : ",") + b;
  std::string files;
  for (const auto& f : s.files) files += (files.empty() ? "" : " ") + f;
  return s.run + '\t' + std::to_string(d.exit) + '\t' + std::to_string(d.lines) + '\t' + d.out_sha +
         '\t' + d.err_sha + '\t' + (blocks.empty() ? "-" : blocks) + '\t' + files;
}

struct Golden {
  std::map<std::string, Digest> by_key;
  std::vector<std::string> keys;  // in file order
};

Golden read_golden(const fs::path& p) {
  Golden g;
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, '\t')) f.push_back(cell);
    REQUIRE_MESSAGE(f.size() == 7, "malformed line in " << p.string() << ": " << line);
    Spec s{f[0], {}};
    std::stringstream files(f[6]);
    while (std::getline(files, cell, ' ')) s.files.push_back(cell);
    Digest d;
    d.exit = std::stoi(f[1]);
    d.lines = std::stoul(f[2]);
    d.out_sha = f[3];
    d.err_sha = f[4];
    if (f[5] != "-") {
      std::stringstream bs(f[5]);
      while (std::getline(bs, cell, ',')) d.blocks.push_back(cell);
    }
    g.keys.push_back(s.key());
    g.by_key[s.key()] = d;
  }
  return g;
}

void save_outputs(const fs::path& root, const Spec& s, const Run& r) {
  std::string name = s.run;
  for (const auto& f : s.files) name += "__" + f;
  std::replace(name.begin(), name.end(), '/', '_');
  std::replace(name.begin(), name.end(), ':', '_');
  fs::create_directories(root);
  std::ofstream(root / (name + ".out"), std::ios::binary) << r.out;
  std::ofstream(root / (name + ".err"), std::ios::binary) << r.err << "exit " << r.exit << "\n";
}

// Where the new output first departs from the recorded one, as far as the digests tell.
std::string first_difference(const Digest& want, const Digest& got, const Run& r) {
  std::ostringstream o;
  if (want.exit != got.exit) o << "exit status " << got.exit << ", recorded " << want.exit << "; ";
  if (want.out_sha != got.out_sha) {
    o << "stdout differs (" << got.lines << " lines, recorded " << want.lines << ")";
    if (want.lines == got.lines && want.blocks.size() == got.blocks.size()) {
      const std::size_t per = block_size(got.lines);
      for (std::size_t b = 0; b < got.blocks.size(); ++b) {
        if (got.blocks[b] == want.blocks[b]) continue;
        const std::size_t first = b * per + 1, last = std::min(got.lines, (b + 1) * per);
        const auto lines = lines_of(r.out);
        if (first == last)
          o << "; line " << first
            << " differs, now: " << std::string(lines[first - 1]).substr(0, 400);
        else
          o << "; the first difference is in lines " << first << "-" << last
            << ", which now begin: " << std::string(lines[first - 1]).substr(0, 400);
        break;
      }
    }
    o << "; ";
  }
  if (want.err_sha != got.err_sha)
    o << "stderr differs (warnings or error text), now: " << r.err.substr(0, 400) << "; ";
  return o.str();
}

}  // namespace

TEST_CASE("sha256: the FIPS 180-4 examples") {
  CHECK(sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  Sha256 s;
  for (int i = 0; i < 1000; ++i) s.update(std::string(1000, 'a'));
  CHECK(s.hex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("corpus golden: default tail output byte-identical to tests/data/corpus-golden.txt") {
  const auto corpus = corpus_or_skip();
  if (!corpus) return;
  const fs::path golden_path = fs::path(DUMPR_TEST_DATA) / "corpus-golden.txt";
  const char* write_to = std::getenv("DUMPR_CORPUS_GOLDEN_WRITE");
  const char* outputs = std::getenv("DUMPR_CORPUS_OUTPUTS");
  const std::vector<Spec> all = specs(*corpus);
  REQUIRE(all.size() > 300);

  if (write_to && *write_to) {
    std::ofstream out(write_to, std::ios::binary | std::ios::trunc);
    const char* from = std::getenv("DUMPR_CORPUS_GOLDEN_FROM");
    out << "# The byte-identity guard of `dumpr tail --binlog-file` "
           "(tests/corpus/golden_test.cpp).\n"
           "# Made by scripts/corpus-golden with "
        << (from && *from ? from : dumpr_binary()) << ".\n"
        << "# Do not edit; read scripts/corpus-golden before regenerating.\n"
           "# run\texit\tlines\tstdout-sha256\tstderr-sha256\tline-blocks\tfiles\n";
    for (const Spec& s : all) {
      const Run r = run_spec(s, *corpus);
      if (outputs && *outputs) save_outputs(outputs, s, r);
      out << format(s, digest(r)) << '\n';
    }
    REQUIRE_MESSAGE(out.good(), "cannot write " << write_to);
    MESSAGE("wrote " << all.size() << " runs to " << write_to);
    return;
  }

  REQUIRE_MESSAGE(fs::exists(golden_path), golden_path.string() << " is missing");
  const Golden g = read_golden(golden_path);
  std::set<std::string> listed;
  std::size_t differing = 0;
  for (const Spec& s : all) {
    const std::string key = s.key();
    listed.insert(key);
    CAPTURE(key);
    auto it = g.by_key.find(key);
    if (it == g.by_key.end()) {
      FAIL_CHECK(
          "no golden digest for this run (a new corpus file?): regenerate with "
          "scripts/corpus-golden --write, if its header allows");
      continue;
    }
    const Run r = run_spec(s, *corpus);
    if (outputs && *outputs) save_outputs(outputs, s, r);
    const Digest d = digest(r);
    if (d == it->second) continue;
    ++differing;
    FAIL_CHECK("output differs from the golden digest: "
               << first_difference(it->second, d, r)
               << "see every difference with "
                  "scripts/corpus-golden --diff OLD_DUMPR");
  }
  for (const auto& k : g.keys) {
    CAPTURE(k);
    CHECK_MESSAGE(listed.count(k) == 1, "a golden run no longer in the corpus: regenerate");
  }
  MESSAGE("corpus golden: " << all.size() << " runs compared, " << differing << " differ");
}
