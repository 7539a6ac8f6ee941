// load --jobs N: the same bytes, warnings and checkpoint as one connection for every key shape;
// one snapshot for all connections under concurrent writes (snapshot + tail = final tables); the
// fallback to one connection when the lock is refused or not granted in time; bad values; an
// interrupt and a lost worker connection end the load at once.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include "live/replay_support.hpp"
#include "live/tail_support.hpp"

using namespace dumpr_live;

// Sanitizer builds (quarantined frees, shadow memory) are not measured.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define DUMPR_LIVE_JOBS_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define DUMPR_LIVE_JOBS_SANITIZED 1
#endif
#endif

namespace {

// The first line where two outputs differ, for a failure message (not the whole outputs).
std::string first_difference(const std::string& a, const std::string& b) {
  std::vector<std::string> la = split_lines(a), lb = split_lines(b);
  for (std::size_t i = 0; i < std::max(la.size(), lb.size()); ++i) {
    const std::string x = i < la.size() ? la[i] : "(none)", y = i < lb.size() ? lb[i] : "(none)";
    if (x != y)
      return "line " + std::to_string(i + 1) + ":\n  one connection: " + x.substr(0, 300) +
             "\n  --jobs:         " + y.substr(0, 300);
  }
  return "none (" + std::to_string(la.size()) + " lines each)";
}

// Statements of the lock that shares one snapshot: MariaDB's BACKUP STAGE (three per parallel
// load), MySQL's FLUSH TABLES WITH READ LOCK (one per load, also on one connection).
std::uint64_t com_backup(Sql& sql) {
  auto rows = sql.query(server_is_mysql() ? "SHOW GLOBAL STATUS LIKE 'Com_flush'"
                                          : "SHOW GLOBAL STATUS LIKE 'Com_backup'");
  REQUIRE(rows.size() == 1);
  return std::stoull(rows[0][1].value_or("0"));
}

std::size_t lines_of(const std::string& out, const std::string& table) {
  return count_occurrences(out, "[\"upsert\",\"" + table + "\",");
}

dumpr_tail::Pos master_status() {
  Client c(server().socket);
  return dumpr_tail::master_status(c);
}

}  // namespace

TEST_CASE(
    "load --jobs: the bytes, warnings and checkpoint of one connection, for every key shape") {
  TestDatabase db("dumpr_t_jobs");
  Sql sql;
  sql.exec("SET SESSION sql_mode = ''");  // bytes invalid in ascii are stored as given
  const std::string d = db.name() + ".";
  for (unsigned n : {3999, 256, 3000, 2000, 500, 1000, 4000, 999, 20000})
    provide_seq(sql, db.name(), n);
  // Extremes of BIGINT UNSIGNED (up to 2^64 - 1) and BIGINT, the whole TINYINT range.
  sql.exec("CREATE TABLE " + d + "u64 (id BIGINT UNSIGNED PRIMARY KEY, v VARCHAR(20))");
  sql.exec("INSERT INTO " + d + "u64 SELECT seq * 4611686018427387, CONCAT('u', seq) FROM " + d +
           "seq_1_to_3999");
  sql.exec("INSERT INTO " + d +
           "u64 VALUES (0, 'zero'), (9223372036854775807, 'i64max'), "
           "(9223372036854775808, '2^63'), (18446744073709551614, 'max-1'), "
           "(18446744073709551615, 'max')");
  sql.exec("CREATE TABLE " + d + "s64 (id BIGINT PRIMARY KEY, v INT)");
  sql.exec("INSERT INTO " + d +
           "s64 SELECT (CAST(seq AS SIGNED) - 2000) * 4611686018427387, seq FROM " + d +
           "seq_1_to_3999");
  sql.exec("INSERT INTO " + d +
           "s64 VALUES (-9223372036854775808, -1), (-9223372036854775807, -2), "
           "(9223372036854775807, -3)");
  sql.exec("CREATE TABLE " + d + "t8 (id TINYINT PRIMARY KEY, v TINYINT UNSIGNED)");
  sql.exec("INSERT INTO " + d + "t8 SELECT CAST(seq AS SIGNED) - 129, seq FROM " + d +
           "seq_1_to_256");
  // A composite key cut on its first column; a text key (one chunk, collation order).
  sql.exec("CREATE TABLE " + d +
           "comp (a INT NOT NULL, b VARCHAR(10) NOT NULL, v INT, PRIMARY KEY (a, b))");
  sql.exec("INSERT INTO " + d + "comp SELECT seq % 50, CONCAT('k', seq), seq FROM " + d +
           "seq_1_to_3000");
  sql.exec("CREATE TABLE " + d +
           "txt (k VARCHAR(20) NOT NULL PRIMARY KEY, v INT) COLLATE utf8mb4_general_ci");
  sql.exec("INSERT INTO " + d + "txt SELECT CONCAT(IF(seq % 2, 'A', 'a'), seq), seq FROM " + d +
           "seq_1_to_2000");
  // No key; empty; sparse (1..1000 and 10^15: all rows in the first range).
  sql.exec("CREATE TABLE " + d + "nokey (x INT, y VARCHAR(10))");
  sql.exec("INSERT INTO " + d + "nokey SELECT 1000 - seq, 'n' FROM " + d + "seq_1_to_500");
  sql.exec("CREATE TABLE " + d + "empty (id INT PRIMARY KEY)");
  sql.exec("CREATE TABLE " + d + "sparse (id BIGINT PRIMARY KEY, v INT)");
  sql.exec("INSERT INTO " + d + "sparse SELECT seq, seq FROM " + d + "seq_1_to_1000");
  sql.exec("INSERT INTO " + d + "sparse VALUES (1000000000000000, 0)");
  // A covering secondary index: a plain scan of this table follows v, not the key.
  sql.exec("CREATE TABLE " + d + "cov (id INT NOT NULL PRIMARY KEY, v INT NOT NULL, KEY (v))");
  sql.exec("INSERT INTO " + d + "cov SELECT seq, 5000 - seq FROM " + d + "seq_1_to_4000");
  // MyISAM: not cut, read in the engine's order (here: insertion order, keys descending).
  sql.exec("CREATE TABLE " + d + "my (id INT PRIMARY KEY, v INT) ENGINE=MyISAM");
  sql.exec("INSERT INTO " + d + "my SELECT 1000 - seq, seq FROM " + d + "seq_1_to_999");
  // Bytes invalid in ascii and utf32, first deep inside later ranges and blocks: the warnings
  // must name the same first rows as one connection does. (MySQL refuses those bytes in ascii
  // and utf32; it keeps a lone surrogate in ucs2, so there both columns are ucs2.)
  const bool mysql = server_is_mysql();
  sql.exec("CREATE TABLE " + d + "bad (id INT PRIMARY KEY, a VARCHAR(10) CHARACTER SET " +
           (mysql ? "ucs2" : "ascii") + ", w VARCHAR(10) CHARACTER SET " +
           (mysql ? "ucs2" : "utf32") + ", pad VARCHAR(200))");
  sql.exec("INSERT INTO " + d + "bad SELECT seq, 'ok', 'ok', REPEAT('p', 150) FROM " + d +
           "seq_1_to_20000");
  const std::string bad_a = mysql ? "0061D800" : "6180", bad_w = mysql ? "DC00" : "0000D800";
  sql.exec("UPDATE " + d + "bad SET a = x'" + bad_a + "' WHERE id IN (12001, 17000)");
  sql.exec("UPDATE " + d + "bad SET w = x'" + bad_w + "' WHERE id IN (15000, 3)");
  REQUIRE(sql.scalar("SELECT HEX(a) FROM " + d + "bad WHERE id = 12001") == bad_a);
  REQUIRE(sql.scalar("SELECT HEX(w) FROM " + d + "bad WHERE id = 3") == bad_w);
  sql.exec("ANALYZE TABLE " + d + "u64, " + d + "s64, " + d + "cov, " + d + "bad");

  const std::vector<std::string> tables = {"u64",   "s64",    "t8",  "comp", "txt", "nokey",
                                           "empty", "sparse", "cov", "my",   "bad"};
  TempDir dir;
  auto load = [&](const std::string& jobs, const std::string& checkpoint) {
    std::vector<std::string> a = {"--checkpoint", dir / checkpoint};
    if (!jobs.empty()) a.insert(a.end(), {"--jobs", jobs});
    a.insert(a.end(), tables.begin(), tables.end());
    return dumpr_load(db.name(), a);
  };

  // The sandbox may be shared: retry until no write happened around the three loads, so that
  // the checkpoints must be equal too.
  bool quiet = false;
  for (int attempt = 0; attempt < 10 && !quiet; ++attempt) {
    const dumpr_tail::Pos before = master_status();
    const std::uint64_t backups = com_backup(sql);
    RunResult one = load("", "one.json");
    RunResult three = load("3", "three.json");
    RunResult four = load("4", "four.json");
    const std::uint64_t backups_after = com_backup(sql);
    const dumpr_tail::Pos after = master_status();
    REQUIRE_MESSAGE(one.exit_code == 0, describe(one));
    REQUIRE_MESSAGE(three.exit_code == 0, describe(three));
    REQUIRE_MESSAGE(four.exit_code == 0, describe(four));
    CHECK_MESSAGE(one.out == three.out,
                  "--jobs 3 differs at " << first_difference(one.out, three.out));
    CHECK_MESSAGE(one.out == four.out,
                  "--jobs 4 differs at " << first_difference(one.out, four.out));
    CHECK(one.err == three.err);
    CHECK(one.err == four.err);
    // The parallel path ran: BACKUP STAGE START, BLOCK_COMMIT and END for each of the two
    // (MySQL: one FLUSH TABLES WITH READ LOCK for each of the three; a parallel load that fell
    // back to one connection would have said so on stderr, which must equal one.err).
    CHECK(backups_after - backups >= (server_is_mysql() ? 3u : 6u));
    if (before != after) continue;
    quiet = true;
    CHECK(read_file(dir / "one.json") == read_file(dir / "three.json"));
    CHECK(read_file(dir / "one.json") == read_file(dir / "four.json"));

    // The one-connection output itself: every row, keys in order where InnoDB has a key.
    for (const std::string& t : tables)
      CHECK_MESSAGE(
          lines_of(one.out, t) == std::stoull(sql.scalar("SELECT COUNT(*) FROM " + d + t)),
          "table " << t);
    std::string want;
    for (auto& r : sql.query("SELECT id FROM " + d + "cov ORDER BY id"))
      want += "[\"upsert\",\"cov\"," + *r[0] + ",";
    std::string got;
    for (const std::string& line : split_lines(one.out))
      if (line.rfind("[\"upsert\",\"cov\",", 0) == 0) got += line.substr(0, line.find(",{") + 1);
    CHECK_MESSAGE(got == want, "table cov is not in primary-key order");
    auto plain = sql.query("SELECT id FROM " + d + "cov LIMIT 1");
    MESSAGE("a plain scan of cov starts at id " << *plain[0][0]
                                                << " (4000: the covering index would reorder)");
    CHECK(count_occurrences(one.out, "[\"upsert\",\"u64\",18446744073709551615,") == 1);
    CHECK(count_occurrences(one.out, "[\"upsert\",\"s64\",-9223372036854775808,") == 1);
    CHECK(count_occurrences(one.out, "[\"upsert\",\"sparse\",1000000000000000,") == 1);
    // One warning per bad column, at its first row in output order; one for the table with no key.
    INFO("stderr: " << one.err);
    CHECK(count_occurrences(one.err, "\n") == 3);
    CHECK(count_occurrences(one.err, "table nokey has no primary key") == 1);
    CHECK(count_occurrences(one.err, "table bad column a:") == 1);
    CHECK(count_occurrences(one.err, "(first in row 12001)") == 1);
    CHECK(count_occurrences(one.err, "table bad column w:") == 1);
    CHECK(count_occurrences(one.err, "(first in row 3)") == 1);
  }
  REQUIRE_MESSAGE(quiet, "the server was never quiet for the length of three loads");
}

TEST_CASE("load --jobs 4 under concurrent writes: snapshot plus tail equal the final tables") {
  using namespace dumpr_replay;
  DiffSandbox& sbx = diff_sandbox();
  const std::string db = "dumpr_replay_jobs";
  const std::uint64_t seed = test_seed("replay --jobs 4");
  Rng rng(seed);
  TempDir dir;
  // Every transaction moves rows between key ranges read by different connections (key changes,
  // deletes, inserts): snapshots that differ by one commit leave a difference here.
  const ReplayLoad load = replay_load(sbx, db, rng, dir, {"--jobs", "4"});
  CHECK(load.during_load > 0);
  const std::size_t changes = check_snapshot_plus_tail(sbx, db, load, dir, seed);
  CHECK(changes > 1000);
  Client admin(sbx.socket());
  admin.exec("DROP DATABASE IF EXISTS " + db);
}

TEST_CASE("load --jobs 4 under concurrent transfers: every connection reads the same snapshot") {
  // Writers move one unit between two rows in one statement, mostly between rows that different
  // connections read (the table is cut into four key ranges): in any one snapshot the values sum
  // to zero; connections whose snapshots differ by a single such commit do not. (The replay test
  // above cannot see that: a connection whose snapshot is later than the checkpoint only makes
  // the replay repeat changes, and repeats converge.)
  TestDatabase db("dumpr_t_jobs_sum");
  Sql sql;
  const std::string table = db.name() + ".acct";
  sql.exec("CREATE TABLE " + table + " (id INT PRIMARY KEY, v BIGINT NOT NULL)");
  provide_seq(sql, db.name(), 40000);
  sql.exec("INSERT INTO " + table + " SELECT seq, 0 FROM " + db.name() + ".seq_1_to_40000");
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> transfers{0};
  std::vector<std::string> errors(3);
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&, w] {
      try {
        Client c(server().socket);
        std::mt19937 rng(static_cast<unsigned>(w) + 1);
        std::uniform_int_distribution<int> any(1, 40000);
        while (!stop) {
          const int from = any(rng), to = any(rng);
          if (from == to) continue;
          c.exec("UPDATE " + table + " SET v = v + IF(id = " + std::to_string(to) +
                 ", 1, -1) WHERE id IN (" + std::to_string(from) + ", " + std::to_string(to) + ")");
          ++transfers;
        }
      } catch (const std::exception& e) {
        errors[static_cast<std::size_t>(w)] = e.what();
      }
    });
  }
  dumpr_live::StopAndJoin joiner(stop, writers);
  for (int i = 0; i < 200 && transfers < 500; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));

  for (int round = 0; round < 10; ++round) {
    const std::uint64_t before = transfers;
    RunResult r = dumpr_load(db.name(), {"--jobs", "4", "acct"});
    const std::uint64_t during = transfers - before;
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(r.err.empty());
    std::int64_t sum = 0, moved = 0;
    std::size_t rows = 0;
    for (const std::string& line : split_lines(r.out)) {
      const std::size_t at = line.find("\"v\":");
      if (at == std::string::npos) {
        FAIL_CHECK("no value in " << line);
        break;
      }
      const std::int64_t v = std::stoll(line.substr(at + 4));
      sum += v;
      moved += v > 0 ? v : 0;
      ++rows;
    }
    INFO("round " << round << ": " << during << " transfers committed during the load, " << moved
                  << " units moved so far");
    CHECK(rows == 40000);
    CHECK(sum == 0);
    CHECK(during > 0);
  }
  stop = true;
  for (auto& t : writers) t.join();
  for (const std::string& e : errors) CHECK_MESSAGE(e.empty(), "writer: " << e);
}

TEST_CASE(
    "load --jobs: one connection, said once, when the shared-snapshot lock is refused or busy") {
  TestDatabase db("dumpr_t_jobs_lock");
  Sql sql;
  sql.exec("CREATE TABLE " + db.name() + ".t (id INT PRIMARY KEY, v VARCHAR(20))");
  provide_seq(sql, db.name(), 5000);
  sql.exec("INSERT INTO " + db.name() + ".t SELECT seq, CONCAT('v', seq) FROM " + db.name() +
           ".seq_1_to_5000");
  RunResult want = dumpr_load(db.name(), {"t"});
  REQUIRE_MESSAGE(want.exit_code == 0, describe(want));
  REQUIRE(split_lines(want.out).size() == 5000);

  SUBCASE("a user without RELOAD") {
    sql.exec("DROP USER IF EXISTS 'dumpr_noreload'@'localhost'");
    sql.exec("CREATE USER 'dumpr_noreload'@'localhost' IDENTIFIED BY 'nr'");
    sql.exec(std::string("GRANT REPLICATION CLIENT, REPLICATION SLAVE") +
             (server_is_mysql() ? "" : ", BINLOG MONITOR") +
             " ON *.* TO 'dumpr_noreload'@'localhost'");
    sql.exec("GRANT SELECT ON `" + db.name() + "`.* TO 'dumpr_noreload'@'localhost'");
    struct DropUser {
      ~DropUser() {
        Sql s;
        s.try_exec("DROP USER IF EXISTS 'dumpr_noreload'@'localhost'");
      }
    } drop;
    const ServerEnv& env = server();
    RunResult r =
        dumpr({"load", "--no-defaults", "--socket", env.socket, "--user", "dumpr_noreload",
               "--password=nr", "--database", db.name(), "--jobs", "4", "t"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(r.out == want.out);
    INFO("stderr: " << r.err);
    // MySQL needs the lock for one connection's snapshot too: a second warning says that the
    // position is then read before the snapshot (MariaDB ties it to the snapshot, no lock).
    const bool mysql = server_is_mysql();
    CHECK(count_occurrences(r.err, "\n") == (mysql ? 2u : 1u));
    CHECK(count_occurrences(r.err, "--jobs 4 reads on one connection instead") == 1);
    CHECK(count_occurrences(r.err,
                            mysql ? "RELOAD or FLUSH_TABLES privilege" : "RELOAD privilege") == 1);
    CHECK(count_occurrences(r.err, "GRANT RELOAD ON *.* TO 'dumpr_noreload'@'localhost'") == 1);
    if (mysql) CHECK(count_occurrences(r.err, "using the position read before the snapshot") == 1);
  }

  SUBCASE("another session holds the lock: it waits 3 s, then one connection") {
    // MariaDB: BACKUP STAGE in another session. MySQL: a LOCK TABLES ... WRITE, which FLUSH
    // TABLES WITH READ LOCK waits for; its one connection then does not wait a second time.
    const bool mysql = server_is_mysql();
    sql.exec("CREATE TABLE " + db.name() + ".held (id INT PRIMARY KEY)");
    Sql holder;
    holder.exec(mysql ? "LOCK TABLES " + db.name() + ".held WRITE" : "BACKUP STAGE START");
    const std::uint64_t locks_before = com_backup(sql);
    const auto t0 = std::chrono::steady_clock::now();
    RunResult r = dumpr_load(db.name(), {"--jobs", "4", "t"});
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const std::uint64_t locks = com_backup(sql) - locks_before;
    holder.exec(mysql ? "UNLOCK TABLES" : "BACKUP STAGE END");
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(r.out == want.out);
    INFO("stderr: " << r.err);
    CHECK(count_occurrences(r.err, "\n") == (mysql ? 2u : 1u));
    CHECK(count_occurrences(r.err, "--jobs 4 reads on one connection instead") == 1);
    CHECK(count_occurrences(r.err, "was not granted within 3 s") == 1);
    if (mysql) {
      CHECK(count_occurrences(r.err,
                              "without the global read lock (see above), using the "
                              "position read before the snapshot") == 1);
      CHECK(locks == 1);  // one FLUSH TABLES WITH READ LOCK, not a second on one connection
    }
    CHECK(secs >= 2.5);
    CHECK(secs < 20);
  }

  // Nothing of the lock is left behind: a parallel load now shares its snapshot, silently.
  RunResult after = dumpr_load(db.name(), {"--jobs", "4", "t"});
  REQUIRE_MESSAGE(after.exit_code == 0, describe(after));
  CHECK(after.out == want.out);
  CHECK(after.err.empty());
}

TEST_CASE("load --jobs: a value that is not a count from 1 to 64 is a usage error") {
  // A socket that does not exist: exit 2 shows the value was refused before any connection.
  for (const std::string bad : {"0", "-1", "65", "abc", "4x", "", " 2", "1.5", "99999999999"}) {
    RunResult r = dumpr({"load", "--no-defaults", "--socket", "/nonexistent/dumpr.sock",
                         "--database", "d", "--jobs", bad, "t"});
    INFO("--jobs '" << bad << "': " << describe(r));
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(count_occurrences(
              r.err, "--jobs " + bad + ": expected a number of connections from 1 to 64") == 1);
  }
  RunResult missing = dumpr({"load", "--no-defaults", "--socket", "/nonexistent/dumpr.sock",
                             "--database", "d", "t", "--jobs"});
  CHECK_MESSAGE(missing.exit_code == 2, describe(missing));
  // In range, the value is taken: the connection is what fails then.
  RunResult fine = dumpr({"load", "--no-defaults", "--socket", "/nonexistent/dumpr.sock",
                          "--database", "d", "--jobs", "64", "t"});
  CHECK_MESSAGE(fine.exit_code == 3, describe(fine));
}

TEST_CASE(
    "load --jobs 4: 200k rows complete and in order in bounded memory; SIGINT and a lost "
    "connection end it at once") {
  TestDatabase db("dumpr_t_jobs_big");
  Sql sql;
  sql.exec("CREATE TABLE " + db.name() +
           ".big (id INT UNSIGNED PRIMARY KEY, name VARCHAR(64), at DATETIME(3))");
  provide_seq(sql, db.name(), 200000);
  sql.exec("INSERT INTO " + db.name() +
           ".big SELECT seq, CONCAT('name-', seq, '-', REPEAT('n', 40)), "
           "'2024-01-31 13:45:00.125' + INTERVAL seq SECOND FROM " +
           db.name() + ".seq_1_to_200000");
  sql.exec("ANALYZE TABLE " + db.name() + ".big");
  TempDir dir;
  std::vector<std::string> args = {DUMPR_BINARY, "load"};
  for (auto& c : conn_args(db.name())) args.push_back(c);
  args.insert(args.end(), {"--jobs", "4", "big"});

  {
    REQUIRE_MESSAGE(std::filesystem::exists("/usr/bin/time"),
                    "GNU time is needed to measure dumpr's peak memory (apt-get install time)");
    std::vector<std::string> timed = {"/usr/bin/time", "-f", "%M", "-o", dir / "maxrss"};
    timed.insert(timed.end(), args.begin(), args.end());
    RunResult r = run_process(timed);
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(r.err.empty());
    std::vector<std::string> lines = split_lines(r.out);
    REQUIRE(lines.size() == 200000);
    std::size_t in_order = 0;
    for (std::size_t i = 0; i < lines.size(); ++i)
      if (lines[i].rfind("[\"upsert\",\"big\"," + std::to_string(i + 1) + ",", 0) == 0) ++in_order;
    CHECK(in_order == 200000);
    const std::string peak = read_file(dir / "maxrss");
    MESSAGE("load --jobs 4 of 200k rows: peak RSS " << peak << " KiB");
    // Four queues of 2 MiB and their connections; far from the 40 MB of output.
#ifdef DUMPR_LIVE_JOBS_SANITIZED
    MESSAGE("sanitizer build: peak memory not checked");
#else
    CHECK(std::stoul(peak) < 48 * 1024);
#endif
  }

  SUBCASE("SIGINT while the reader does not read: exit 130 at once") {
    dumpr_diff::PipeProcess p(args, dir / "int.err");
    REQUIRE(p.read_lines(2000));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the workers fill their queues
    const auto t0 = std::chrono::steady_clock::now();
    p.kill(SIGINT);
    const int status = p.wait();
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    INFO("stderr: " << read_file(dir / "int.err"));
    CHECK(status == 130);
    CHECK(secs < 2.0);
    CHECK(count_occurrences(read_file(dir / "int.err"), "load interrupted") == 1);
  }

  SUBCASE("a worker's connection killed on the server: the connection error, exit 3") {
    dumpr_diff::PipeProcess p(args, dir / "kill.err");
    REQUIRE(p.read_lines(2000));
    // The workers' queries (their connections are the ones reading `big`).
    std::string victim;
    for (int i = 0; i < 100 && victim.empty(); ++i) {
      for (auto& r : sql.query("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'dumpr' "
                               "AND INFO LIKE 'SELECT %big%' ORDER BY ID DESC LIMIT 1"))
        victim = *r[0];
      if (victim.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE_MESSAGE(!victim.empty(), "no dumpr query on `big` in the process list");
    sql.exec("KILL CONNECTION " + victim);
    p.read_rest();
    const int status = p.wait();
    const std::string err = read_file(dir / "kill.err");
    INFO("stderr: " << err);
    // Mid-range ("reading table big: Lost connection...") or, had the range been sent whole
    // already, at the worker's next query: a connection error either way, said once.
    CHECK(status == 3);
    CHECK(count_occurrences(err, "\n") == 1);
    CHECK(count_occurrences(err, "dumpr: ") == 1);
  }
}
