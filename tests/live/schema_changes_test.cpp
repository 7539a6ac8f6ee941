// dumpr tail across schema changes (issue 5), on a private sandbox: ADD COLUMN (first, middle,
// last), DROP COLUMN, MODIFY (INT to BIGINT, VARCHAR to TEXT, signed to unsigned, to and from
// JSON), column renames and swaps, ENUM members added, the primary key moved, table rename,
// drop and re-create with another shape, CREATE ... LIKE, CONVERT TO CHARACTER SET, TRUNCATE,
// DDL inside a transaction, DDL issued from another default database, and ALTER TABLE spelled
// in less common ways; with rows written before and after each statement.
//
// Each scenario runs under binlog_row_metadata FULL and MINIMAL, and in three ways:
//   behind     tail starts from the checkpoint taken (`dumpr position`) before the DDL and runs
//              --until-end after everything was written (the server's current definition is
//              the final one);
//   following  tail follows while the DDL happens (each step waits until the rows before it
//              are out);
//   restarted  tail follows, and is killed (SIGKILL, or SIGTERM every other time) once its
//              checkpoint is past each DDL; the rows after it are written while it is down, then
//              it restarts from its checkpoint.
// Every row must carry the names and values it had when written; where dumpr cannot decode
// safely it must stop with exit 10 and a message naming the table, the position and the way
// out, having written only correct rows before. Anything else (a wrong name or value, a missing
// or extra row, an unclear stop) fails the test. Under FULL every way must be exact.
//
// DUMPR_SCHEMA_REPORT=1 prints each run's outcome (correct, clean stop, ...) on stderr.
#include <cstdio>
#include <cstdlib>

#include "live/tail_support.hpp"

using namespace dumpr_tail;

namespace {

enum class Meta { full, minimal };
enum class Mode { behind, following, restarted };

const char* meta_name(Meta m) {
  return m == Meta::full ? "FULL" : "MINIMAL";
}
const char* mode_name(Mode m) {
  return m == Mode::behind ? "behind" : m == Mode::following ? "following" : "restarted";
}

// One step: SQL (one or more statements, run as one multi-statement query) and the tuples it
// must produce, as "op table id content".
struct Step {
  std::string sql;
  std::vector<std::string> expect;
  bool ddl = false;        // restarted: dumpr is stopped after this step
  std::string session_db;  // the session's default database: "" the test's own, "-" none
};

Step dml(std::string sql, std::vector<std::string> expect) {
  return {std::move(sql), std::move(expect), false, ""};
}
Step ddl(std::string sql, std::vector<std::string> expect = {}) {
  return {std::move(sql), std::move(expect), true, ""};
}
// A DDL run from a session whose default database is `session_db` ("-": none); "{db}" in the
// SQL stands for the test's database.
Step ddl_from(std::string session_db, std::string sql) {
  return {std::move(sql), {}, true, std::move(session_db)};
}

struct Scenario {
  std::string name;  // short: part of the database name
  std::vector<std::string> setup;
  std::vector<Step> steps;
};

enum class Outcome { correct, clean_stop, unclear_stop, wrong };

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::correct:
      return "correct";
    case Outcome::clean_stop:
      return "clean stop";
    case Outcome::unclear_stop:
      return "stop with an unclear message";
    case Outcome::wrong:
      return "WRONG";
  }
  return "?";
}

struct RunOutcome {
  Outcome outcome = Outcome::wrong;
  std::string detail;
  std::string stop_message;  // the last run's stderr, when it stopped on its own
};

// What one dumpr process did.
struct Run {
  int status = -1;  // as a shell reports it
  bool killed = false;
  std::string out, err;
};

std::vector<std::string> tail_conn(const std::string& db) {
  return conn_to(private_sandbox().socket(), db);
}

class ScenarioRun {
 public:
  ScenarioRun(const Scenario& s, Meta meta, Mode mode)
      : s_(s), meta_(meta), mode_(mode), root_(private_sandbox().socket()) {
    db_ = "sc_" + s.name + (meta == Meta::full ? "_f_" : "_m_") + mode_name(mode);
    root_.exec("DROP DATABASE IF EXISTS `" + db_ + "`");
    root_.exec("CREATE DATABASE `" + db_ + "` CHARACTER SET utf8mb4");
    root_.exec("CREATE DATABASE IF NOT EXISTS sc_other");
    root_.exec("CREATE TABLE IF NOT EXISTS sc_other.nudge (id INT AUTO_INCREMENT PRIMARY KEY)");
    session_.emplace(private_sandbox().socket(), db_);
    for (const std::string& q : s.setup) session_->exec(q);
    ckpt_ = dir_ / "pos.json";
    std::vector<std::string> a = {"position"};
    for (auto& c : tail_conn(db_)) a.push_back(c);
    a.push_back("--checkpoint");
    a.push_back(ckpt_);
    RunResult r = dumpr(a);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    // MINIMAL: the checkpoint records the definitions tail starts from.
    if (meta == Meta::minimal) CHECK(read_file(ckpt_).find("\"tables\"") != std::string::npos);
    for (const Step& st : s.steps)
      expected_.insert(expected_.end(), st.expect.begin(), st.expect.end());
  }
  ~ScenarioRun() {
    try {
      root_.exec("DROP DATABASE IF EXISTS `" + db_ + "`");
    } catch (...) {
    }
  }

  RunOutcome go() {
    switch (mode_) {
      case Mode::behind:
        behind();
        break;
      case Mode::following:
        following();
        break;
      case Mode::restarted:
        restarted();
        break;
    }
    return judge();
  }

 private:
  // Runs a step's SQL, with "{db}" standing for the test's database.
  void exec(const Step& st) {
    std::string sql = st.sql;
    for (auto at = sql.find("{db}"); at != std::string::npos; at = sql.find("{db}"))
      sql.replace(at, 4, "`" + db_ + "`");
    if (st.session_db.empty()) {
      session_->exec(sql);
    } else {
      Client other(private_sandbox().socket(), st.session_db == "-" ? "" : st.session_db);
      other.exec(sql);
    }
  }

  std::vector<std::string> tail_argv(bool until_end) {
    std::vector<std::string> extra = {"--from", ckpt_};
    if (until_end) extra.push_back("--until-end");
    return tail_args(tail_conn(db_), extra);
  }

  void behind() {
    for (const Step& st : s_.steps) exec(st);
    RunResult r = run_process(tail_argv(true));
    runs_.push_back({r.shell_status(), false, r.out, r.err});
  }

  // A commit in another database, which the tail reads and filters out. dumpr flushes stdout and
  // its checkpoint at a commit that comes 50 ms or more after its last flush, else at the next
  // heartbeat (a second later), and notices a stop request at its next event.
  void nudge() { root_.exec("INSERT INTO sc_other.nudge VALUES ()"); }

  // Waits until `pred` holds, nudging the tail every 80 ms; false after 20 s.
  bool wait_for(Background& bg, const std::function<bool()>& pred) {
    for (int i = 0; i < 250; ++i) {
      if (bg.wait_until(pred, 0.08)) return true;
      nudge();
    }
    return false;
  }

  // Complete lines printed by all runs so far plus the current one.
  std::size_t lines_so_far(const Background& bg) const { return done_lines_ + bg.lines(); }

  void finish(std::unique_ptr<Background>& bg, int sig) {
    bg->signal(sig);
    // dumpr notices a stop request at its next event: give it one (a row of another database)
    // rather than wait for the next heartbeat.
    if (sig == SIGTERM) nudge();
    auto st = bg->wait_exit(20);
    Run r;
    r.status = st.value_or(-1);
    r.killed = sig == SIGKILL;
    r.out = bg->out();
    r.err = bg->err();
    done_lines_ += count_occurrences(r.out, "\n");
    runs_.push_back(std::move(r));
    bg.reset();
  }

  bool stopped_on_its_own(std::unique_ptr<Background>& bg) {
    if (bg->running()) return false;
    finish(bg, 0);
    return true;
  }

  void following() {
    auto bg = std::make_unique<Background>(tail_argv(false));
    std::size_t want = 0;
    for (const Step& st : s_.steps) {
      exec(st);
      want += st.expect.size();
      if (st.expect.empty()) continue;
      wait_for(*bg, [&] { return lines_so_far(*bg) >= want || !bg->running(); });
      if (stopped_on_its_own(bg)) return;
    }
    finish(bg, SIGTERM);
  }

  void restarted() {
    std::unique_ptr<Background> bg = std::make_unique<Background>(tail_argv(false));
    std::size_t want = 0;
    int kills = 0;
    for (const Step& st : s_.steps) {
      exec(st);
      want += st.expect.size();
      if (!bg) bg = std::make_unique<Background>(tail_argv(false));  // after the rows
      if (!st.expect.empty()) {
        wait_for(*bg, [&] { return lines_so_far(*bg) >= want || !bg->running(); });
        if (stopped_on_its_own(bg)) return;
      }
      if (!st.ddl) continue;
      // Stop it once its checkpoint is past the DDL (and everything before it).
      const Pos target = master_status(root_);
      wait_for(*bg, [&] { return !before(read_checkpoint_pos(ckpt_), target) || !bg->running(); });
      if (stopped_on_its_own(bg)) return;
      finish(bg, ++kills % 2 ? SIGKILL : SIGTERM);
      if (before(read_checkpoint_pos(ckpt_), target)) {  // (a nudge may take it further)
        runs_.back().err += "\n[test] the checkpoint did not reach the end of the DDL";
        return;
      }
    }
    if (!bg) bg = std::make_unique<Background>(tail_argv(false));
    wait_for(*bg, [&] { return lines_so_far(*bg) >= want || !bg->running(); });
    if (stopped_on_its_own(bg)) return;
    // Anything extra would show up within a moment.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    finish(bg, SIGTERM);
  }

  // A stop is clean when it exits 10 with a message that names the table, the position and a
  // way out.
  bool clear_stop_message(const std::string& err) const {
    bool names_table = false;
    for (const std::string& t : s_tables())
      if (err.find(t) != std::string::npos) names_table = true;
    const bool names_position =
        err.find(server_is_mysql() ? "mysql-bin." : "mariadb-bin.") != std::string::npos;
    const bool says_how = err.find("binlog_row_metadata=FULL") != std::string::npos ||
                          err.find("dumpr load") != std::string::npos;
    return names_table && names_position && says_how;
  }

  std::vector<std::string> s_tables() const {
    std::set<std::string> names;
    for (const std::string& e : expected_) {
      auto a = e.find(' ') + 1;
      names.insert(e.substr(a, e.find(' ', a) - a));
    }
    return {names.begin(), names.end()};
  }

  RunOutcome judge() {
    // A run ended as the test asked: killed by SIGKILL, or exit 0 (SIGTERM, --until-end).
    auto as_asked = [](const Run& r) {
      return r.killed ? r.status == 128 + SIGKILL : r.status == 0;
    };
    std::vector<std::string> got;
    std::ostringstream runs;
    for (std::size_t i = 0; i < runs_.size(); ++i) {
      const Run& r = runs_[i];
      try {
        for (const Tuple& t : parse_tuples(r.out, r.killed)) got.push_back(brief(t));
      } catch (const std::exception& e) {
        got.push_back(std::string("[unparsable output] ") + e.what());
      }
      runs << "run " << i + 1 << ": status " << r.status << (r.killed ? " (SIGKILL)" : "")
           << ", stderr:\n"
           << r.err << "\n";
    }
    bool prefix = got.size() < expected_.size();
    for (std::size_t i = 0; prefix && i < got.size(); ++i) prefix = got[i] == expected_[i];
    bool earlier_as_asked = true;
    for (std::size_t i = 0; i + 1 < runs_.size(); ++i) earlier_as_asked &= as_asked(runs_[i]);
    const Run& last = runs_.back();

    RunOutcome o;
    std::ostringstream d;
    d << s_.name << " under " << meta_name(meta_) << ", " << mode_name(mode_)
      << "\nexpected:" << lines_of(expected_) << "got:" << lines_of(got) << runs.str();
    o.detail = d.str();
    if (earlier_as_asked && as_asked(last) && got == expected_) {
      o.outcome = Outcome::correct;
    } else if (earlier_as_asked && last.status == 10 && prefix) {
      // Stopped, after only correct rows.
      o.outcome = clear_stop_message(last.err) ? Outcome::clean_stop : Outcome::unclear_stop;
      o.stop_message = last.err;
    } else {
      o.outcome = Outcome::wrong;
    }
    return o;
  }

  const Scenario& s_;
  Meta meta_;
  Mode mode_;
  Client root_;
  std::optional<Client> session_;
  std::string db_;
  TempDir dir_;
  std::string ckpt_;
  std::vector<std::string> expected_;
  std::vector<Run> runs_;
  std::size_t done_lines_ = 0;
};

// Runs the scenario under both metadata settings and the three ways; a run that stops cleanly
// is accepted, one that writes a wrong row (or stops unclearly) fails. Returns the outcomes.
std::map<std::string, Outcome> run_all(const Scenario& s) {
  std::map<std::string, Outcome> outcomes;
  const bool report = std::getenv("DUMPR_SCHEMA_REPORT") != nullptr;
  for (Meta meta : {Meta::full, Meta::minimal}) {
    dumpr_live::GlobalSetting setting(private_sandbox().socket(), "binlog_row_metadata",
                                      meta == Meta::full ? "FULL" : "MINIMAL");
    for (Mode mode : {Mode::behind, Mode::following, Mode::restarted}) {
      const auto started = Clock::now();
      RunOutcome o = ScenarioRun(s, meta, mode).go();
      const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
      const std::string key = std::string(meta_name(meta)) + " " + mode_name(mode);
      outcomes[key] = o.outcome;
      if (report)
        std::fprintf(stderr, "[schema] %-12s %-18s %-12s %.1f s\n", s.name.c_str(), key.c_str(),
                     outcome_name(o.outcome), seconds);
      if (report && !o.stop_message.empty()) std::fprintf(stderr, "%s", o.stop_message.c_str());
      INFO(o.detail);
      CHECK_MESSAGE(o.outcome != Outcome::wrong,
                    "a row with wrong names or values, or a row "
                    "missing or extra");
      CHECK_MESSAGE(o.outcome != Outcome::unclear_stop,
                    "stopped without naming the table, the position and the way out");
    }
  }
  return outcomes;
}

// Under FULL metadata the table map names every column: every way must be exactly right.
void check_full_always_correct(const std::map<std::string, Outcome>& outcomes) {
  for (const auto& [key, outcome] : outcomes)
    if (key.rfind("FULL", 0) == 0) {
      INFO(key);
      CHECK(outcome == Outcome::correct);
    }
}

}  // namespace

TEST_CASE("schema: ADD COLUMN first, after a middle column, and last") {
  Scenario s{"add",
             {"CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10), b INT)"},
             {dml("INSERT INTO t VALUES (1, 'a1', 10)", {R"(upsert t 1 {"id":1,"a":"a1","b":10})"}),
              ddl("ALTER TABLE t ADD COLUMN f INT FIRST"),
              dml("INSERT INTO t VALUES (100, 2, 'a2', 20)",
                  {R"(upsert t 2 {"f":100,"id":2,"a":"a2","b":20})"}),
              ddl("ALTER TABLE t ADD COLUMN m VARCHAR(10) AFTER a"),
              dml("INSERT INTO t VALUES (101, 3, 'a3', 'm3', 30)",
                  {R"(upsert t 3 {"f":101,"id":3,"a":"a3","m":"m3","b":30})"}),
              ddl("ALTER TABLE t ADD COLUMN z INT"),
              dml("INSERT INTO t VALUES (102, 4, 'a4', 'm4', 40, 4)",
                  {R"(upsert t 4 {"f":102,"id":4,"a":"a4","m":"m4","b":40,"z":4})"}),
              dml("UPDATE t SET b = 11 WHERE id = 1",
                  {R"(upsert t 1 {"f":null,"id":1,"a":"a1","m":null,"b":11,"z":null})"})}};
  check_full_always_correct(run_all(s));
}

TEST_CASE("schema: DROP COLUMN, then a column of another type added where it was") {
  Scenario s{
      "drop",
      {"CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10), b VARCHAR(10), c INT)"},
      {dml("INSERT INTO t VALUES (1, 'a1', 'b1', 10)",
           {R"(upsert t 1 {"id":1,"a":"a1","b":"b1","c":10})"}),
       ddl("ALTER TABLE t DROP COLUMN b"),
       dml("INSERT INTO t VALUES (2, 'a2', 20)", {R"(upsert t 2 {"id":2,"a":"a2","c":20})"}),
       ddl("ALTER TABLE t ADD COLUMN d DATE AFTER a"),
       dml("INSERT INTO t VALUES (3, 'a3', '2024-01-03', 30)",
           {R"(upsert t 3 {"id":3,"a":"a3","d":"2024-01-03","c":30})"}),
       dml("DELETE FROM t WHERE id = 2", {R"(delete t 2 {"id":2,"a":"a2","d":null,"c":20})"})}};
  check_full_always_correct(run_all(s));
}

TEST_CASE("schema: MODIFY INT to BIGINT, VARCHAR to TEXT, signed to unsigned") {
  Scenario s{"modify",
             {"CREATE TABLE t (id INT PRIMARY KEY, n INT, s VARCHAR(20), u INT)"},
             {dml("INSERT INTO t VALUES (1, 2147483647, 's1', -5)",
                  {R"(upsert t 1 {"id":1,"n":2147483647,"s":"s1","u":-5})"}),
              ddl("ALTER TABLE t MODIFY n BIGINT"),
              dml("INSERT INTO t VALUES (2, 9000000000, 's2', -6)",
                  {R"(upsert t 2 {"id":2,"n":9000000000,"s":"s2","u":-6})"}),
              ddl("ALTER TABLE t MODIFY s TEXT"),
              dml("INSERT INTO t VALUES (3, -9000000000, 'a longer text', -7)",
                  {R"(upsert t 3 {"id":3,"n":-9000000000,"s":"a longer text","u":-7})"}),
              dml("DELETE FROM t WHERE u < 0",
                  {R"(delete t 1 {"id":1,"n":2147483647,"s":"s1","u":-5})",
                   R"(delete t 2 {"id":2,"n":9000000000,"s":"s2","u":-6})",
                   R"(delete t 3 {"id":3,"n":-9000000000,"s":"a longer text","u":-7})"}),
              ddl("ALTER TABLE t MODIFY u INT UNSIGNED"),
              dml("INSERT INTO t VALUES (4, 1, 's4', 4000000000)",
                  {R"(upsert t 4 {"id":4,"n":1,"s":"s4","u":4000000000})"})}};
  check_full_always_correct(run_all(s));
}

TEST_CASE("schema: columns renamed (RENAME COLUMN, CHANGE) and two columns swapped") {
  Scenario s{
      "rename_col",
      {"CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10), b VARCHAR(10))"},
      {dml("INSERT INTO t VALUES (1, 'x1', 'y1')", {R"(upsert t 1 {"id":1,"a":"x1","b":"y1"})"}),
       ddl("ALTER TABLE t RENAME COLUMN a TO a2"),
       dml("INSERT INTO t VALUES (2, 'x2', 'y2')", {R"(upsert t 2 {"id":2,"a2":"x2","b":"y2"})"}),
       ddl("ALTER TABLE t CHANGE b b2 VARCHAR(10)"),
       dml("INSERT INTO t VALUES (3, 'x3', 'y3')", {R"(upsert t 3 {"id":3,"a2":"x3","b2":"y3"})"}),
       ddl("ALTER TABLE t RENAME COLUMN a2 TO b2, RENAME COLUMN b2 TO a2"),
       dml("INSERT INTO t VALUES (4, 'x4', 'y4')", {R"(upsert t 4 {"id":4,"b2":"x4","a2":"y4"})"}),
       dml("UPDATE t SET a2 = 'new' WHERE id = 1",
           {R"(upsert t 1 {"id":1,"b2":"x1","a2":"new"})"})}};
  check_full_always_correct(run_all(s));
}

TEST_CASE("schema: ENUM members added at the end, then in the middle") {
  Scenario s{"enum",
             {"CREATE TABLE t (id INT PRIMARY KEY, e ENUM('a','c'))"},
             {dml("INSERT INTO t VALUES (1, 'a'), (2, 'c')",
                  {R"(upsert t 1 {"id":1,"e":"a"})", R"(upsert t 2 {"id":2,"e":"c"})"}),
              ddl("ALTER TABLE t MODIFY e ENUM('a','c','d')"),
              dml("INSERT INTO t VALUES (3, 'd'), (4, 'c')",
                  {R"(upsert t 3 {"id":3,"e":"d"})", R"(upsert t 4 {"id":4,"e":"c"})"}),
              ddl("ALTER TABLE t MODIFY e ENUM('a','b','c','d')"),
              dml("INSERT INTO t VALUES (5, 'b'), (6, 'd')",
                  {R"(upsert t 5 {"id":5,"e":"b"})", R"(upsert t 6 {"id":6,"e":"d"})"}),
              dml("UPDATE t SET e = 'b' WHERE id = 2", {R"(upsert t 2 {"id":2,"e":"b"})"})}};
  check_full_always_correct(run_all(s));
}

TEST_CASE("schema: RENAME TABLE: rows under the old name before, the new name after") {
  Scenario s{"rename_tbl",
             {"CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10))"},
             {dml("INSERT INTO t VALUES (1, 'x')", {R"(upsert t 1 {"id":1,"a":"x"})"}),
              ddl("RENAME TABLE t TO t2"),
              dml("INSERT INTO t2 VALUES (2, 'y')", {R"(upsert t2 2 {"id":2,"a":"y"})"}),
              ddl("ALTER TABLE t2 RENAME COLUMN a TO b"),
              dml("INSERT INTO t2 VALUES (3, 'z')", {R"(upsert t2 3 {"id":3,"b":"z"})"}),
              ddl("CREATE TABLE t (k VARCHAR(5) PRIMARY KEY, n INT)"),
              dml("INSERT INTO t VALUES ('k1', 1)", {R"(upsert t "k1" {"k":"k1","n":1})"}),
              dml("UPDATE t2 SET b = 'w' WHERE id = 1", {R"(upsert t2 1 {"id":1,"b":"w"})"})}};
  check_full_always_correct(run_all(s));
}

TEST_CASE("schema: DROP TABLE and re-CREATE with another shape, twice") {
  Scenario s{
      "recreate",
      {"CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10), n INT)"},
      {dml("INSERT INTO t VALUES (1, 'x', 5)", {R"(upsert t 1 {"id":1,"a":"x","n":5})"}),
       ddl("DROP TABLE t", {"truncate t null null"}),
       ddl("CREATE TABLE t (id INT PRIMARY KEY, n INT, a VARCHAR(10), d DATE)"),
       dml("INSERT INTO t VALUES (2, 6, 'y', '2024-01-02')",
           {R"(upsert t 2 {"id":2,"n":6,"a":"y","d":"2024-01-02"})"}),
       ddl("DROP TABLE t; CREATE TABLE t (id INT PRIMARY KEY, m INT, b VARCHAR(10), e DATE)",
           {"truncate t null null"}),
       dml("INSERT INTO t VALUES (3, 7, 'z', '2024-01-03')",
           {R"(upsert t 3 {"id":3,"m":7,"b":"z","e":"2024-01-03"})"})}};
  check_full_always_correct(run_all(s));
}

TEST_CASE("schema: TRUNCATE is a truncate tuple; rows before and after it are exact") {
  Scenario s{"truncate",
             {"CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10))"},
             {dml("INSERT INTO t VALUES (1, 'x'), (2, 'y')",
                  {R"(upsert t 1 {"id":1,"a":"x"})", R"(upsert t 2 {"id":2,"a":"y"})"}),
              ddl("TRUNCATE TABLE t", {"truncate t null null"}),
              dml("INSERT INTO t VALUES (1, 'z')", {R"(upsert t 1 {"id":1,"a":"z"})"}),
              ddl("ALTER TABLE t ADD COLUMN b INT FIRST"),
              ddl("TRUNCATE TABLE t", {"truncate t null null"}),
              dml("INSERT INTO t VALUES (9, 3, 'w')", {R"(upsert t 3 {"b":9,"id":3,"a":"w"})"}),
              dml("DELETE FROM t", {R"(delete t 3 {"b":9,"id":3,"a":"w"})"})}};
  check_full_always_correct(run_all(s));
}

TEST_CASE("schema: DDL inside a transaction (an implicit commit) and outside") {
  Scenario s{"txn",
             {"CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10))"},
             {ddl("BEGIN; INSERT INTO t VALUES (1, 'x'); ALTER TABLE t ADD COLUMN b INT; "
                  "INSERT INTO t VALUES (2, 'y', 2); COMMIT",
                  {R"(upsert t 1 {"id":1,"a":"x"})", R"(upsert t 2 {"id":2,"a":"y","b":2})"}),
              ddl("ALTER TABLE t DROP COLUMN a"),
              dml("INSERT INTO t VALUES (3, 3)", {R"(upsert t 3 {"id":3,"b":3})"}),
              ddl("BEGIN; UPDATE t SET b = 9 WHERE id = 2; ALTER TABLE t RENAME COLUMN b TO bb; "
                  "UPDATE t SET bb = 10 WHERE id = 2; COMMIT",
                  {R"(upsert t 2 {"id":2,"b":9})", R"(upsert t 2 {"id":2,"bb":10})"}),
              dml("SET autocommit = 0; INSERT INTO t VALUES (4, 4); CREATE INDEX ix ON t (bb); "
                  "INSERT INTO t VALUES (5, 5); COMMIT; SET autocommit = 1",
                  {R"(upsert t 4 {"id":4,"bb":4})", R"(upsert t 5 {"id":5,"bb":5})"})}};
  check_full_always_correct(run_all(s));
}

TEST_CASE("schema: DDL issued from a session whose default database is another, or none") {
  Scenario s{
      "other_db",
      {"CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10), b VARCHAR(10))"},
      {dml("INSERT INTO t VALUES (1, 'x', 'y')", {R"(upsert t 1 {"id":1,"a":"x","b":"y"})"}),
       ddl_from("sc_other", "ALTER TABLE {db}.t RENAME COLUMN a TO c"),
       dml("INSERT INTO t VALUES (2, 'x2', 'y2')", {R"(upsert t 2 {"id":2,"c":"x2","b":"y2"})"}),
       ddl_from("-", "ALTER TABLE {db}.t RENAME COLUMN b TO d"),
       dml("INSERT INTO t VALUES (3, 'x3', 'y3')", {R"(upsert t 3 {"id":3,"c":"x3","d":"y3"})"})}};
  check_full_always_correct(run_all(s));
}

TEST_CASE("schema: a column made JSON, another made TEXT from JSON: each row as it was written") {
  // MariaDB's JSON is a LONGTEXT with a json_valid CHECK: only the server's definition tells it
  // apart, so each row must be read with the definition of its own time.
  Scenario s{
      "json",
      {"CREATE TABLE tj (id INT PRIMARY KEY, j VARCHAR(50))",
       "CREATE TABLE tt (id INT PRIMARY KEY, j JSON)"},
      {dml("INSERT INTO tj VALUES (1, '5'), (2, '[1,2]')",
           {R"(upsert tj 1 {"id":1,"j":"5"})", R"(upsert tj 2 {"id":2,"j":"[1,2]"})"}),
       dml(R"(INSERT INTO tt VALUES (1, '{"k":1}'))", {R"(upsert tt 1 {"id":1,"j":{"k":1}})"}),
       ddl("ALTER TABLE tj MODIFY j JSON"), ddl("ALTER TABLE tt MODIFY j TEXT"),
       dml(R"(INSERT INTO tj VALUES (3, '{"k":3}'))", {R"(upsert tj 3 {"id":3,"j":{"k":3}})"}),
       dml(R"(INSERT INTO tt VALUES (2, '{"k":2}'))",
           {R"(upsert tt 2 {"id":2,"j":"{\"k\":2}"})"})}};
  check_full_always_correct(run_all(s));
}

TEST_CASE("schema: primary key moved to another column: ids follow the key of each row's time") {
  Scenario s{
      "pk",
      {"CREATE TABLE t (id INT PRIMARY KEY, code VARCHAR(5) NOT NULL, v INT)"},
      {dml("INSERT INTO t VALUES (1, 'c1', 10)", {R"(upsert t 1 {"id":1,"code":"c1","v":10})"}),
       ddl("ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (code)"),
       dml("INSERT INTO t VALUES (2, 'c2', 20)", {R"(upsert t "c2" {"id":2,"code":"c2","v":20})"}),
       ddl("ALTER TABLE t ADD COLUMN w INT"),
       dml("UPDATE t SET v = 11 WHERE id = 1",
           {R"(upsert t "c1" {"id":1,"code":"c1","v":11,"w":null})"})}};
  check_full_always_correct(run_all(s));
}

TEST_CASE("schema: ALTER TABLE spelled in other ways (comments, quoting, case, lists, options)") {
  Scenario s{
      "spelling",
      {"CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10), b INT)"},
      {dml("INSERT INTO t VALUES (1, 'a1', 1)", {R"(upsert t 1 {"id":1,"a":"a1","b":1})"}),
       ddl("alter /* a comment, with a comma */ table `t` add `c d` varchar(10) default 'x,y' "
           "after a"),
       dml("INSERT INTO t VALUES (2, 'a2', 'cd2', 2)",
           {R"(upsert t 2 {"id":2,"a":"a2","c d":"cd2","b":2})"}),
       ddl("ALTER TABLE t ADD (e INT, f ENUM('p,q','r''s') DEFAULT 'r''s'), ALGORITHM=COPY"),
       dml("INSERT INTO t VALUES (3, 'a3', 'cd3', 3, 33, 'p,q')",
           {R"(upsert t 3 {"id":3,"a":"a3","c d":"cd3","b":3,"e":33,"f":"p,q"})"}),
       ddl("ALTER TABLE t CHANGE COLUMN B bb BIGINT FIRST"),
       dml("INSERT INTO t VALUES (4, 4, 'a4', 'cd4', 44, 'r''s')",
           {R"(upsert t 4 {"bb":4,"id":4,"a":"a4","c d":"cd4","e":44,"f":"r's"})"}),
       // MySQL has no DROP COLUMN IF EXISTS.
       ddl(server_is_mysql() ? "ALTER TABLE t DROP `c d`"
                             : "ALTER TABLE t DROP COLUMN IF EXISTS zz, DROP `c d`"),
       dml("INSERT INTO t VALUES (5, 5, 'a5', 55, 'p,q')",
           {R"(upsert t 5 {"bb":5,"id":5,"a":"a5","e":55,"f":"p,q"})"}),
       ddl("ALTER TABLE {db}.t MODIFY COLUMN e INT UNSIGNED DEFAULT 0 COMMENT 'a, b'"),
       dml("INSERT INTO t VALUES (6, 6, 'a6', 4000000000, 'r''s')",
           {R"(upsert t 6 {"bb":6,"id":6,"a":"a6","e":4000000000,"f":"r's"})"})}};
  check_full_always_correct(run_all(s));
}

TEST_CASE("schema: CONVERT TO CHARACTER SET, then ADD COLUMN: exact, or a clean stop") {
  // A statement dumpr does not apply itself takes the server's current definition: when the
  // stream is behind, the table-map check must catch what that gets wrong.
  Scenario s{"convert",
             {"CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10)) DEFAULT CHARSET=utf8mb4"},
             {dml("INSERT INTO t VALUES (1, 'é')", {R"(upsert t 1 {"id":1,"a":"é"})"}),
              ddl("ALTER TABLE t CONVERT TO CHARACTER SET latin1"),
              dml("INSERT INTO t VALUES (2, 'è')", {R"(upsert t 2 {"id":2,"a":"è"})"}),
              ddl("ALTER TABLE t ADD COLUMN b INT"),
              dml("INSERT INTO t VALUES (3, 'à', 3)", {R"(upsert t 3 {"id":3,"a":"à","b":3})"})}};
  check_full_always_correct(run_all(s));
}

TEST_CASE("schema: CREATE TABLE ... LIKE, then a column renamed: exact, or a clean stop") {
  Scenario s{"like",
             {"CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10), b INT)"},
             {dml("INSERT INTO t VALUES (1, 'x', 1)", {R"(upsert t 1 {"id":1,"a":"x","b":1})"}),
              ddl("CREATE TABLE t2 LIKE t"),
              dml("INSERT INTO t2 VALUES (1, 'y', 2)", {R"(upsert t2 1 {"id":1,"a":"y","b":2})"}),
              ddl("ALTER TABLE t2 RENAME COLUMN a TO z"),
              dml("INSERT INTO t2 VALUES (2, 'w', 3)", {R"(upsert t2 2 {"id":2,"z":"w","b":3})"})}};
  check_full_always_correct(run_all(s));
}

TEST_CASE(
    "schema: CONVERT TO CHARACTER SET, then a column's type changed: exact, or a clean stop") {
  Scenario s{"convert_type",
             {"CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10), n INT) DEFAULT CHARSET=utf8mb4"},
             {dml("INSERT INTO t VALUES (1, 'é', 1)", {R"(upsert t 1 {"id":1,"a":"é","n":1})"}),
              ddl("ALTER TABLE t CONVERT TO CHARACTER SET latin1"),
              dml("INSERT INTO t VALUES (2, 'è', 2)", {R"(upsert t 2 {"id":2,"a":"è","n":2})"}),
              ddl("ALTER TABLE t MODIFY n VARCHAR(10)"),
              dml("INSERT INTO t VALUES (3, 'à', 'three')",
                  {R"(upsert t 3 {"id":3,"a":"à","n":"three"})"})}};
  check_full_always_correct(run_all(s));
}

TEST_CASE("schema: two tables swapped by one RENAME TABLE, then one altered") {
  Scenario s{
      "swap_tbl",
      {"CREATE TABLE a (id INT PRIMARY KEY, x VARCHAR(10))",
       "CREATE TABLE b (id INT PRIMARY KEY, y INT, z INT)"},
      {dml("INSERT INTO a VALUES (1, 'x1'); INSERT INTO b VALUES (1, 10, 100)",
           {R"(upsert a 1 {"id":1,"x":"x1"})", R"(upsert b 1 {"id":1,"y":10,"z":100})"}),
       ddl("RENAME TABLE a TO tmp, b TO a, tmp TO b"),
       dml("INSERT INTO a VALUES (2, 20, 200); INSERT INTO b VALUES (2, 'x2')",
           {R"(upsert a 2 {"id":2,"y":20,"z":200})", R"(upsert b 2 {"id":2,"x":"x2"})"}),
       ddl("ALTER TABLE a RENAME COLUMN y TO y2"),
       dml("INSERT INTO a VALUES (3, 30, 300)", {R"(upsert a 3 {"id":3,"y2":30,"z":300})"})}};
  check_full_always_correct(run_all(s));
}
