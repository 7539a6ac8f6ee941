// The replay check: a consumer that applies `load`'s snapshot and then `tail`'s changes from the
// load's checkpoint (upsert = put by id, delete = remove by id) holds exactly the tables' final
// contents, while a writer ran a random mix of inserts, updates, primary-key changes and deletes
// (multi-statement transactions, rollbacks, multi-row statements) during the load. And the same
// holds when tail is SIGKILLed mid-way, several times, and restarted from its checkpoint with the
// outputs appended: at-least-once output converges. The scenario is in replay_support.hpp.
#include "live/replay_support.hpp"

using namespace dumpr_replay;

TEST_CASE(
    "replay: load's snapshot plus tail's changes equal the final tables, with tail killed and "
    "restarted too") {
  DiffSandbox& sbx = diff_sandbox();
  const std::string db = "dumpr_replay";
  const std::uint64_t seed = test_seed("replay");
  Rng rng(seed);
  GlobalSetting zone(sbx.socket(), "time_zone", "+05:30");
  TempDir dir;
  const ReplayLoad load = replay_load(sbx, db, rng, dir, {});
  CHECK(load.during_load > 0);

  // 1. One uninterrupted tail from the load's checkpoint.
  const std::size_t tail_lines = check_snapshot_plus_tail(sbx, db, load, dir, seed);
  REQUIRE(tail_lines > 1000);

  // 2. The same tail, SIGKILLed three times at chosen points of its output (it writes into a pipe
  // read slowly, so it is mid-stream), each time restarted from the checkpoint it left; the
  // outputs, appended, applied after the snapshot.
  {
    std::filesystem::copy_file(dir / "c.json", dir / "c2.json");
    std::vector<std::string> args = {DUMPR_BINARY, "tail"};
    for (auto& a : dumpr_conn(sbx.socket(), db)) args.push_back(a);
    args.insert(args.end(), {"--from", dir / "c2.json", "--until-end"});
    State s;
    for (auto& t : table_args()) s[t];
    apply_tuples(s, split_tuples(load.snapshot_out));
    std::size_t total = 0;
    int kills = 0;
    for (double fraction : {0.2, 0.3, 0.3}) {  // of the whole, per run: each can reach it
      PipeProcess p(args, dir / "tail.err");
      const std::size_t want = static_cast<std::size_t>(static_cast<double>(tail_lines) * fraction);
      bool reached = p.read_lines(want);
      p.kill(SIGKILL);
      int status = p.wait();
      p.read_rest();  // what it wrote before dying is in the pipe: a consumer reads it
      if (reached && status == 128 + SIGKILL) ++kills;
      auto ts = split_tuples(p.out(), /*allow_cut=*/true);
      total += ts.size();
      apply_tuples(s, ts);
    }
    PipeProcess last(args, dir / "tail.err");
    last.read_rest();
    int status = last.wait();
    REQUIRE_MESSAGE(status == 0, "restarted tail: exit "
                                     << status << " " << dumpr_live::read_file(dir / "tail.err"));
    auto ts = split_tuples(last.out());
    total += ts.size();
    apply_tuples(s, ts);
    MESSAGE("replay: killed tail " << kills << " times mid-stream; " << total
                                   << " changes applied in all (" << tail_lines
                                   << " without kills)");
    CHECK(kills == 3);
    CHECK(total >= tail_lines);
    CHECK_MESSAGE(s == load.final_state,
                  "snapshot + killed/restarted tails differ from the final tables (seed "
                      << seed << "):" << diff_states(load.final_state, s));
  }

  Client admin(sbx.socket());
  admin.exec("DROP DATABASE IF EXISTS " + db);
}
