// dumpr tail as a process: kill -9 and a re-run, SIGTERM while the consumer is not reading,
// SIGPIPE when it leaves, and --server-id clashes. The kill and SIGTERM tests need exact binlog
// positions with no other writer, so they use the private sandbox.
#include <atomic>

#include "live/tail_support.hpp"

using namespace dumpr_tail;

namespace {

constexpr int kRowsPerTxn = 50;

// Transactions [first, last) of kRowsPerTxn rows each: ids j*50+1 .. j*50+50, one statement.
void write_txns(Client& c, const std::string& table, int first, int last) {
  for (int j = first; j < last; ++j) {
    const int lo = j * kRowsPerTxn + 1, hi = lo + kRowsPerTxn - 1;
    c.exec("INSERT INTO " + table + " SELECT seq, " + std::to_string(j) +
           ", REPEAT('x', 60) FROM " + seq_from(lo, hi));
  }
}

// Fails unless the tuples are upserts of ids first+1, first+2, ... in order.
void check_ids_from(const std::vector<Tuple>& ts, int first, const std::string& what) {
  for (std::size_t i = 0; i < ts.size(); ++i)
    if (ts[i].op != "upsert" || ts[i].id != std::to_string(first + 1 + static_cast<int>(i)))
      FAIL(what << ": tuple " << i << " is not upsert of id " << first + 1 + i << ": "
                << ts[i].line);
}

// The number of whole transactions at the start of `ts` (a prefix of ids 1..), and the
// position after the last of them: the end of its last row.
struct Prefix {
  int whole_txns = 0;
  Pos end;
};
Prefix whole_prefix(const std::vector<Tuple>& ts, const Pos& start) {
  Prefix p;
  p.whole_txns = static_cast<int>(ts.size()) / kRowsPerTxn;
  p.end = p.whole_txns == 0 ? start
                            : ts[static_cast<std::size_t>(p.whole_txns * kRowsPerTxn - 1)].next();
  return p;
}

// Which transaction boundary a checkpoint is at: k when it is after the k-th transaction of
// `ts` (0: the start), or -1 when it is at none of them.
int boundary_index(const std::vector<Tuple>& ts, const Pos& start, const Pos& ckpt) {
  if (ckpt == start) return 0;
  for (std::size_t k = kRowsPerTxn; k <= ts.size(); k += kRowsPerTxn)
    if (ts[k - 1].next() == ckpt) return static_cast<int>(k / kRowsPerTxn);
  return -1;
}

}  // namespace

TEST_CASE(
    "tail: kill -9 mid-stream, then re-runs: nothing lost, repeats only where next_position says") {
  PrivateSandbox& sbx = private_sandbox();
  Client c(sbx.socket());
  c.exec("DROP DATABASE IF EXISTS kill9");
  c.exec("CREATE DATABASE kill9");
  c.exec("USE kill9");
  c.exec("CREATE TABLE kill9.t (id INT PRIMARY KEY, txn INT, pad VARCHAR(60))");
  TempDir dir;
  const Pos p0 = master_status(c);
  const std::string ckpt = dir / "pos.json";
  write_file(ckpt, checkpoint_text(p0));
  constexpr int kPre = 40, kTotal = 240;
  write_txns(c, "kill9.t", 0, kPre);

  // A writer paced over ~2 s while the tail follows.
  std::atomic<bool> stop{false};
  std::string writer_error;
  std::thread writer([&] {
    try {
      Client w(sbx.socket(), "kill9");
      for (int j = kPre; j < kTotal && !stop; ++j) {
        write_txns(w, "kill9.t", j, j + 1);
        std::this_thread::sleep_for(std::chrono::milliseconds(8));
      }
    } catch (const std::exception& e) {
      writer_error = e.what();
    }
  });
  dumpr_live::StopAndJoin joiner(stop, writer);

  Background run1(tail_args(conn_to(sbx.socket(), "kill9"), {"--from", ckpt}));
  const bool got = run1.wait_until([&] { return run1.lines() >= 150 * kRowsPerTxn; }, 30);
  INFO("run 1 stderr: " << run1.err());
  REQUIRE_MESSAGE(got, "run 1 did not reach 7500 rows in 30 s; it has " << run1.lines());
  run1.signal(SIGKILL);
  REQUIRE(run1.wait_exit(5).value_or(-1) == 128 + SIGKILL);
  run1.read_rest();
  writer.join();
  REQUIRE(writer_error.empty());

  const std::vector<Tuple> out1 = parse_tuples(run1.out(), true);
  check_ids_from(out1, 0, "run 1");
  const Prefix done = whole_prefix(out1, p0);
  const Pos saved = read_checkpoint_pos(ckpt);
  const int k = boundary_index(out1, p0, saved);
  INFO("run 1 wrote " << out1.size() << " whole rows (" << done.whole_txns
                      << " whole transactions, ending at " << done.end << "); checkpoint " << saved
                      << " is after transaction " << k);
  // The checkpoint is a transaction boundary, never ahead of what reached stdout.
  REQUIRE(k >= 0);
  CHECK(k <= done.whole_txns);

  // Re-run from the checkpoint: exactly the rows from that boundary on, none lost.
  const std::string ckpt2 = dir / "pos2.json";
  RunResult run2 = dumpr({"tail", "--no-defaults", "--socket", sbx.socket(), "--user", "dumpr",
                          "--password=dumpr", "--database", "kill9", "--from", ckpt, "--checkpoint",
                          ckpt2, "--until-end"});
  INFO(describe(run2));
  REQUIRE(run2.exit_code == 0);
  const std::vector<Tuple> out2 = parse_tuples(run2.out);
  check_ids_from(out2, k * kRowsPerTxn, "re-run from the checkpoint");
  CHECK(out2.size() == static_cast<std::size_t>((kTotal - k) * kRowsPerTxn));
  // A consumer that kept the next_position of the last row it applied recognises what repeats:
  // the applied whole transactions plus the one cut by the kill. Applying run 1's whole
  // transactions, then run 2's rows of later transactions, gives every row exactly once.
  std::vector<std::string> applied;
  for (int i = 0; i < done.whole_txns * kRowsPerTxn; ++i)
    applied.push_back(out1[static_cast<std::size_t>(i)].id);
  for (const Tuple& t : out2)
    if (std::stoi(t.id) > done.whole_txns * kRowsPerTxn) applied.push_back(t.id);
  REQUIRE(applied.size() == static_cast<std::size_t>(kTotal * kRowsPerTxn));
  for (std::size_t i = 0; i < applied.size(); ++i)
    if (applied[i] != std::to_string(i + 1)) FAIL("applied row " << i << " is id " << applied[i]);
  // Whole transactions that the re-run from the checkpoint repeats (checkpoint lag after kill -9).
  // Writing stdout and renaming the checkpoint cannot be one atomic step: dumpr checkpoints what
  // reached stdout at least every 50 ms and after every full buffer, so a kill -9 repeats at most
  // the transactions of that window (this paced writer commits ~100 a second: a handful).
  CHECK_MESSAGE(done.whole_txns - k <= 10,
                "the re-run from the checkpoint repeats "
                    << done.whole_txns - k
                    << " whole transactions that run 1 had fully written to stdout before kill -9");

  // Re-run from the consumer's own bookkeeping (the next_position of its last whole
  // transaction): no repeat at all.
  RunResult run3 = dumpr({"tail", "--no-defaults", "--socket", sbx.socket(), "--user", "dumpr",
                          "--password=dumpr", "--database", "kill9", "--from-position",
                          done.end.file + ":" + std::to_string(done.end.pos), "--until-end"});
  INFO(describe(run3));
  REQUIRE(run3.exit_code == 0);
  const std::vector<Tuple> out3 = parse_tuples(run3.out);
  check_ids_from(out3, done.whole_txns * kRowsPerTxn, "re-run from the last next_position");
  CHECK(out3.size() == static_cast<std::size_t>((kTotal - done.whole_txns) * kRowsPerTxn));
}

TEST_CASE(
    "tail: SIGTERM while the consumer is not reading: exit 0 within a second, checkpoint at the "
    "last whole transaction written") {
  PrivateSandbox& sbx = private_sandbox();
  Client c(sbx.socket());
  c.exec("DROP DATABASE IF EXISTS term");
  c.exec("CREATE DATABASE term");
  c.exec("USE term");
  c.exec("CREATE TABLE term.t (id INT PRIMARY KEY, txn INT, pad VARCHAR(60))");
  TempDir dir;
  const Pos p0 = master_status(c);
  const std::string ckpt = dir / "pos.json";
  write_file(ckpt, checkpoint_text(p0));
  write_txns(c, "term.t", 0, 300);  // 15,000 rows, ~2.5 MB of output: far more than a pipe holds

  Background tail(tail_args(conn_to(sbx.socket(), "term"), {"--from", ckpt}));
  // Nobody reads: wait until the pipe is full and dumpr blocked on it.
  auto deadline = Clock::now() + std::chrono::seconds(20);
  while (tail.unread_bytes() < 60000 && Clock::now() < deadline && tail.running())
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(tail.unread_bytes() >= 60000);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  REQUIRE(tail.running());
  const auto t0 = Clock::now();
  tail.signal(SIGTERM);
  auto rc = tail.wait_exit(3.0, /*read_out=*/false);
  const double took = std::chrono::duration<double>(Clock::now() - t0).count();
  INFO("stderr: " << tail.err());
  CHECK_MESSAGE(rc.has_value(),
                "dumpr did not exit within 3 s of SIGTERM while its stdout was full");
  if (!rc) {
    tail.signal(SIGKILL);
    rc = tail.wait_exit(5, false);
  }
  CHECK(rc.value_or(-1) == 0);
  CHECK(took <= 1.2);
  tail.read_rest();
  const std::vector<Tuple> out = parse_tuples(tail.out(), true);
  check_ids_from(out, 0, "output");
  const Prefix done = whole_prefix(out, p0);
  const Pos saved = read_checkpoint_pos(ckpt);
  const int k = boundary_index(out, p0, saved);
  INFO("output: " << out.size() << " whole rows, " << done.whole_txns
                  << " whole transactions ending at " << done.end << "; checkpoint " << saved
                  << " after transaction " << k << "; exit after " << took << " s");
  CHECK(k >= 0);
  CHECK(k <= done.whole_txns);
  CHECK(saved == done.end);
}

TEST_CASE("tail: SIGPIPE when the reader leaves: exit 141 or 0, quietly") {
  TestDatabase db("dumpr_t_tail_pipe");
  Client c(server().socket, "dumpr_t_tail_pipe");
  c.exec("CREATE TABLE t (id INT PRIMARY KEY, pad VARCHAR(100))");
  provide_seq(c, db.name(), 20000);
  TempDir dir;
  const Pos p0 = master_status(c);
  c.exec("INSERT INTO t SELECT seq, REPEAT('p', 100) FROM seq_1_to_20000");
  const TxnBounds big = txn_bounds(c, p0, last_gtid(c));

  SUBCASE("--until-end | head -3") {
    write_file(dir / "pos.json", checkpoint_text(p0));
    RunOptions o;
    o.close_stdout_after_lines = 3;
    std::vector<std::string> a = {"tail"};
    for (auto& s : conn_args(db.name())) a.push_back(s);
    a.insert(a.end(), {"--from", dir / "pos.json", "--until-end"});
    RunResult r = dumpr(a, o);
    INFO(describe(r));
    CHECK((r.shell_status() == 141 || r.shell_status() == 0));
    CHECK(r.err.empty());
    CHECK(split_lines(r.out).size() == 3);
    // The reader got 3 rows of one transaction: the checkpoint is not past its start.
    CHECK(!before(big.start, read_checkpoint_pos(dir / "pos.json")));
  }
  SUBCASE("following, the reader leaves, then a new row is written") {
    write_file(dir / "pos.json", checkpoint_text(master_status(c)));
    Background tail(tail_args(conn_to(server().socket, db.name()), {"--from", dir / "pos.json"}));
    c.exec("INSERT INTO t VALUES (100001, 'a')");
    REQUIRE(tail.wait_until([&] { return tail.lines() >= 1; }, 10));
    tail.close_out();
    c.exec("INSERT INTO t VALUES (100002, 'b')");
    auto rc = tail.wait_exit(10, false);
    INFO("stderr: " << tail.err());
    REQUIRE_MESSAGE(rc.has_value(), "dumpr kept running 10 s after its reader left and a row came");
    CHECK((*rc == 141 || *rc == 0));
    CHECK(tail.err().empty());
  }
}

TEST_CASE("tail --server-id: the server's own id is a usage error") {
  TestDatabase db("dumpr_t_tail_sid");
  Client c(server().socket);
  const std::string own = c.scalar("SELECT @@GLOBAL.server_id");
  TempDir dir;
  write_file(dir / "pos.json", checkpoint_text(master_status(c)));
  std::vector<std::string> a = {"tail"};
  for (auto& s : conn_args(db.name())) a.push_back(s);
  a.insert(a.end(), {"--from", dir / "pos.json", "--until-end", "--server-id", own});
  RunResult r = dumpr(a);
  INFO(describe(r));
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("--server-id " + own) != std::string::npos);
  CHECK(r.err.find("own id") != std::string::npos);
}

TEST_CASE(
    "tail --server-id: two tails with the same id: the server drops the older one, which says "
    "why") {
  // Observed with MariaDB 10.11: the server closes the older replication connection with error
  // 4052 ("A slave with the same server_uuid/server_id is already connected"); the newer one
  // streams on.
  TestDatabase db("dumpr_t_tail_clash");
  Client c(server().socket, "dumpr_t_tail_clash");
  c.exec("CREATE TABLE t (id INT PRIMARY KEY)");
  TempDir dir;
  const Pos p0 = master_status(c);
  write_file(dir / "a.json", checkpoint_text(p0));
  write_file(dir / "b.json", checkpoint_text(p0));
  const std::string id = std::to_string(3000000 + ::getpid() % 100000);
  Background older(tail_args(conn_to(server().socket, db.name()),
                             {"--from", dir / "a.json", "--server-id", id}));
  c.exec("INSERT INTO t VALUES (1)");
  REQUIRE(older.wait_until([&] { return older.lines() >= 1; }, 10));
  Background newer(tail_args(conn_to(server().socket, db.name()),
                             {"--from", dir / "b.json", "--server-id", id}));
  REQUIRE(newer.wait_until([&] { return newer.lines() >= 1; }, 10));
  c.exec("INSERT INTO t VALUES (2)");
  REQUIRE(newer.wait_until([&] { return newer.lines() >= 2; }, 10));
  auto rc = older.wait_exit(10);
  INFO("older: stderr " << older.err() << "\nstdout " << older.out());
  INFO("newer: stderr " << newer.err() << "\nstdout " << newer.out());
  REQUIRE_MESSAGE(rc.has_value(), "the older tail neither exited nor was kicked within 10 s");
  // It fails (it does not fight the newer one for the id), saying which setting clashes and
  // what to change, with a documented exit status other than "internal error" (70).
  CHECK(*rc != 0);
  CHECK(*rc != 70);
  CHECK(older.err().find("server_id") != std::string::npos);
  CHECK(older.err().find("--server-id") != std::string::npos);
  CHECK(split_lines(older.out()).size() == 1);
  // The newer one is unharmed.
  CHECK(newer.running());
  CHECK(newer.err().empty());
  newer.signal(SIGTERM);
  CHECK(newer.wait_exit(5).value_or(-1) == 0);
  CHECK(split_lines(newer.out()).size() == 2);
}
