// `--output FILE`: dumpr owns the file. A torn last line is cut before appending, the file is
// synced before each checkpoint that covers its lines, and kill -9 at random points never leaves
// a glued line nor a checkpoint past a row missing from the file. And a slow reader of stdout:
// the checkpoint follows what it takes, chunk by chunk.
#include <atomic>
#include <random>

#include "live/tail_support.hpp"

using namespace dumpr_tail;

namespace {

constexpr int kRowsPerTxn = 50;

// Transactions [first, last) of kRowsPerTxn rows each: ids j*50+1 .. j*50+50.
void write_txns(Client& c, const std::string& table, int first, int last, int pad = 60) {
  for (int j = first; j < last; ++j) {
    const int lo = j * kRowsPerTxn + 1, hi = lo + kRowsPerTxn - 1;
    c.exec("INSERT INTO " + table + " SELECT seq, " + std::to_string(j) + ", REPEAT('x', " +
           std::to_string(pad) + ") FROM " + seq_from(lo, hi));
  }
}

std::vector<std::string> private_conn(const std::string& db) {
  return conn_to(private_sandbox().socket(), db);
}

}  // namespace

TEST_CASE("tail --output: a torn last line is cut before appending, and whole lines are kept") {
  PrivateSandbox& sbx = private_sandbox();
  Client c(sbx.socket());
  c.exec("DROP DATABASE IF EXISTS outfile_db");
  c.exec("CREATE DATABASE outfile_db");
  c.exec("CREATE TABLE outfile_db.t (id INT PRIMARY KEY, v INT)");
  TempDir dir;
  const Pos p0 = master_status(c);
  c.exec("INSERT INTO outfile_db.t VALUES (1, 1), (2, 2)");
  const std::string ckpt = dir / "pos.json", out = dir / "changes.ndjson";
  write_file(ckpt, checkpoint_text(p0));
  const std::string kept = "[\"upsert\",\"t\",0,{\"id\":0},null]\nsecond whole line\n";
  const std::string torn = "[\"upsert\",\"t\",9,{\"id";
  write_file(out, kept + torn);

  RunResult r = dumpr({"tail", "--no-defaults", "--socket", sbx.socket(), "--user", "dumpr",
                       "--password=dumpr", "--database", "outfile_db", "--from", ckpt, "--output",
                       out, "--until-end"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.empty());  // nothing on stdout
  CHECK(r.err.find("cut off a torn last line of " + std::to_string(torn.size()) + " bytes") !=
        std::string::npos);
  const std::string text = read_file(out);
  REQUIRE(text.compare(0, kept.size(), kept) == 0);
  auto tuples = parse_tuples(text.substr(kept.size()));
  CHECK(briefs(tuples) ==
        lines_of({R"(upsert t 1 {"id":1,"v":1})", R"(upsert t 2 {"id":2,"v":2})"}));
  CHECK(read_checkpoint_pos(ckpt) == master_status(c));

  // A file that is not a regular file is refused before anything is read.
  RunResult bad = dumpr({"tail", "--no-defaults", "--socket", sbx.socket(), "--user", "dumpr",
                         "--password=dumpr", "--database", "outfile_db", "--from", ckpt, "--output",
                         "/dev/null", "--until-end"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("not a regular file") != std::string::npos);
}

TEST_CASE("tail --output under kill -9 at random points: no torn line, nothing lost") {
  PrivateSandbox& sbx = private_sandbox();
  Client c(sbx.socket());
  c.exec("DROP DATABASE IF EXISTS outkill");
  c.exec("CREATE DATABASE outkill");
  c.exec("CREATE TABLE outkill.t (id INT PRIMARY KEY, txn INT, pad VARCHAR(200))");
  TempDir dir;
  const Pos p0 = master_status(c);
  const std::string ckpt = dir / "pos.json", out = dir / "changes.ndjson";
  write_file(ckpt, checkpoint_text(p0));
  constexpr int kTotal = 300;

  const char* seed_env = std::getenv("DUMPR_KILL_SEED");
  const unsigned seed = seed_env ? static_cast<unsigned>(std::strtoul(seed_env, nullptr, 10))
                                 : std::random_device{}();
  std::mt19937 rng(seed);
  INFO("seed " << seed << " (rerun: DUMPR_KILL_SEED=" << seed << ")");

  std::atomic<bool> stop{false};
  std::string writer_error;
  std::thread writer([&] {
    try {
      Client w(sbx.socket(), "outkill");
      for (int j = 0; j < kTotal && !stop; ++j) {
        write_txns(w, "outkill.t", j, j + 1, 200);
        std::this_thread::sleep_for(std::chrono::milliseconds(6));
      }
    } catch (const std::exception& e) {
      writer_error = e.what();
    }
  });
  dumpr_live::StopAndJoin joiner(stop, writer);

  // Whether every row of the transactions up to the checkpoint is a whole line of the file.
  auto check_checkpoint_covered = [&](int run) {
    const Pos saved = read_checkpoint_pos(ckpt);
    if (saved == p0) return;
    const std::string text = read_file(out);
    // Whole lines only: a torn last line is what the next run cuts.
    auto tuples = parse_tuples(text.substr(0, text.rfind('\n') + 1));
    std::vector<bool> have(kTotal * kRowsPerTxn + 1, false);
    int boundary = -1;
    for (const Tuple& t : tuples) {
      const int id = std::stoi(t.id);
      have[static_cast<std::size_t>(id)] = true;
      if (id % kRowsPerTxn == 0 && t.next() == saved) boundary = id / kRowsPerTxn;
    }
    INFO("after kill " << run << ": checkpoint " << saved);
    REQUIRE_MESSAGE(boundary >= 0, "the checkpoint is at no transaction end in the file");
    for (int id = 1; id <= boundary * kRowsPerTxn; ++id)
      REQUIRE_MESSAGE(have[static_cast<std::size_t>(id)],
                      "row " << id << " is covered by the checkpoint but not in the file");
  };

  int kills = 0;
  for (; kills < 6; ++kills) {
    Background run(tail_args(private_conn("outkill"), {"--from", ckpt, "--output", out}));
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(100, 500)(rng)));
    run.signal(SIGKILL);
    REQUIRE(run.wait_exit(10).value_or(-1) == 128 + SIGKILL);
    INFO("run " << kills << " stderr: " << run.err());
    check_checkpoint_covered(kills);
  }
  writer.join();
  REQUIRE(writer_error.empty());
  RunResult last = dumpr({"tail", "--no-defaults", "--socket", sbx.socket(), "--user", "dumpr",
                          "--password=dumpr", "--database", "outkill", "--from", ckpt, "--output",
                          out, "--until-end"});
  INFO(describe(last));
  REQUIRE(last.exit_code == 0);

  const std::string text = read_file(out);
  REQUIRE(!text.empty());
  CHECK(text.back() == '\n');
  auto tuples = parse_tuples(text);  // throws on any line that is not a whole tuple
  std::vector<int> seen(kTotal * kRowsPerTxn + 1, 0);
  for (const Tuple& t : tuples) ++seen[static_cast<std::size_t>(std::stoi(t.id))];
  int missing = 0;
  for (int id = 1; id <= kTotal * kRowsPerTxn; ++id)
    missing += seen[static_cast<std::size_t>(id)] == 0;
  CHECK(missing == 0);
  // Repeats only after a checkpoint: a run repeats at most what followed its last checkpoint.
  CHECK(tuples.size() < static_cast<std::size_t>(kTotal * kRowsPerTxn * 2));
}

TEST_CASE("tail: with a slow reader, the checkpoint follows what it takes") {
  PrivateSandbox& sbx = private_sandbox();
  Client c(sbx.socket());
  c.exec("DROP DATABASE IF EXISTS slowread");
  c.exec("CREATE DATABASE slowread");
  c.exec("USE slowread");
  c.exec("CREATE TABLE t (id INT PRIMARY KEY, txn INT, pad VARCHAR(200))");
  TempDir dir;
  const Pos p0 = master_status(c);
  write_txns(c, "slowread.t", 0, 200, 200);  // about 3 MB of lines
  const std::string ckpt = dir / "pos.json";
  write_file(ckpt, checkpoint_text(p0));

  Background run(tail_args(private_conn("slowread"), {"--from", ckpt}));
  // Read about 1 MB/s for 2 s, and watch the checkpoint.
  std::set<std::string> checkpoints;
  const auto start = Clock::now();
  while (Clock::now() - start < std::chrono::seconds(2)) {
    run.read_some(20000);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    checkpoints.insert(read_file(ckpt));
  }
  INFO("stderr: " << run.err());
  // A 1 MiB buffer written whole moved the checkpoint about once a second; chunks of 64 KiB
  // move it about every 50 ms while the reader takes them.
  CHECK(checkpoints.size() >= 10);
  // SIGTERM ends the write under way (a torn line on stdout: what --output exists for) and
  // keeps the checkpoint of the last transaction whose rows all reached the pipe.
  run.signal(SIGTERM);
  REQUIRE(run.wait_exit(10).value_or(-1) == 0);
  auto tuples = parse_tuples(run.out(), /*allow_cut=*/true);
  const std::size_t whole = tuples.size() / kRowsPerTxn;
  REQUIRE(whole > 0);
  CHECK(read_checkpoint_pos(ckpt) == tuples[whole * kRowsPerTxn - 1].next());
}
