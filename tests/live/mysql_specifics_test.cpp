// MySQL specifics (issue 18), each against a real MySQL server: partial JSON updates
// (binlog_row_value_options=PARTIAL_JSON) rebuilt into the value load shows; caching_sha2_password
// over TCP with and without TLS on a cold cache (the RSA key exchange); generated invisible
// primary keys (my_row_id) as the id; the group-commit snapshot race under
// binlog_group_commit_sync_delay. And on both flavours: a LOCK TABLES ... WRITE on a loaded
// table makes load stop within lock_wait_timeout (at most 30 s), naming the lock.
// The MySQL-only cases say so and pass on MariaDB, where the ctest stage runs them.
#include <atomic>
#include <chrono>
#include <thread>

#include "live/replay_support.hpp"
#include "live/tail_support.hpp"

using namespace dumpr_live;

namespace {

using dumpr_diff::chance;
using dumpr_diff::RawTuple;
using dumpr_diff::Rng;
using dumpr_diff::uni;

bool mysql_only(std::string_view what) {
  if (server_is_mysql()) return true;
  MESSAGE("on MariaDB, skipped: " << std::string(what) << " (MySQL only)");
  return false;
}

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& more) {
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// table -> id -> content (raw JSON), as a consumer holds them.
using State = std::map<std::string, std::map<std::string, std::string>>;

void replay(State& s, const std::vector<RawTuple>& ts) {
  for (const auto& t : ts) {
    if (t.op == "upsert")
      s[t.table][t.id] = t.content;
    else if (t.op == "delete")
      s[t.table].erase(t.id);
    else if (t.op == "truncate")
      s[t.table].clear();
  }
}

State state_of(const std::string& load_out) {
  State s;
  replay(s, dumpr_diff::split_tuples(load_out));
  return s;
}

// The first differences, for a failure message.
std::string differences(const State& want, const State& got) {
  return dumpr_replay::diff_states(want, got);
}

// ---------------------------------------------------------------------------------------------
// Partial JSON.

std::string json_doc(Rng& r) {
  static const char* const strs[] = {"",
                                     "x",
                                     "\xC3\xA9t\xC3\xA9",
                                     "\xF0\x9F\x9A\x80 rocket",
                                     "semi; colon",
                                     "long long long long long text"};
  return dumpr_diff::fmt(
      "{\"a\": %d, \"s\": \"%s\", \"arr\": [1, 2.5, {\"x\": \"%s\"}, [true, null]], \"o\": "
      "{\"p\": \"q\", \"d\": %s, \"deep\": {\"e\": [1, 2, 3]}}}",
      static_cast<int>(uni(r, -1000, 1000)), strs[uni(r, 0, 5)], strs[uni(r, 0, 5)],
      chance(r, 0.5) ? "0.1" : "-2.5e-7");
}

// A random value for a JSON path, as SQL.
std::string json_value_sql(Rng& r) {
  switch (uni(r, 0, 7)) {
    case 0:
      return std::to_string(uni(r, -100000, 100000));
    case 1:
      return "'" + std::string(static_cast<std::size_t>(uni(r, 0, 40)), 'y') + "'";
    case 2:
      return "CAST(" + std::string(chance(r, 0.5) ? "1e300" : "0.30000000000000004") +
             " AS DOUBLE)";
    case 3:
      return "JSON_OBJECT('z', " + std::to_string(uni(r, 0, 9)) + ", 'w', '\xC3\xBC')";
    case 4:
      return "JSON_ARRAY(1, 'two', NULL)";
    case 5:
      return "CAST('null' AS JSON)";
    case 6:
      return "TRUE";
    default:
      return "'\xF0\x9F\x8E\x89'";
  }
}

// One UPDATE of random rows' JSON by JSON_SET, JSON_REPLACE or JSON_REMOVE (the forms MySQL logs
// as partial updates), nested, on one or both columns, with other columns, or a whole new value.
std::string json_update(Rng& r, int rows) {
  static const char* const paths[] = {"$.a",      "$.s",      "$.arr[1]",   "$.arr[2].x",
                                      "$.o.d",    "$.o.p",    "$.o.deep.e", "$.o.deep.e[0]",
                                      "$.arr[3]", "$.missing"};
  auto path = [&] { return std::string("'") + paths[uni(r, 0, 9)] + "'"; };
  auto one = [&](const std::string& col) {
    switch (uni(r, 0, 5)) {
      case 0:
        return "JSON_SET(" + col + ", " + path() + ", " + json_value_sql(r) + ")";
      case 1:
        return "JSON_REPLACE(" + col + ", " + path() + ", " + json_value_sql(r) + ")";
      case 2:
        return "JSON_REMOVE(" + col + ", " + path() + ")";
      case 3:
        return "JSON_SET(JSON_REPLACE(" + col + ", " + path() + ", " + json_value_sql(r) + "), " +
               path() + ", " + json_value_sql(r) + ")";
      case 4:
        return "JSON_REMOVE(JSON_SET(" + col + ", " + path() + ", " + json_value_sql(r) + "), " +
               path() + ")";
      default:
        return "JSON_REPLACE(" + col + ", '$.a', " + std::to_string(uni(r, 0, 9)) + ", '$.s', " +
               json_value_sql(r) + ")";
    }
  };
  const int id = static_cast<int>(uni(r, 1, rows));
  std::string where = chance(r, 0.85) ? " WHERE id = " + std::to_string(id)
                                      : " WHERE id BETWEEN " + std::to_string(id) + " AND " +
                                            std::to_string(id + 5);
  switch (uni(r, 0, 5)) {
    case 0:
      return "UPDATE t SET j = " + one("j") + ", k = " + one("k") + where;
    case 1:
      return "UPDATE t SET j = " + one("j") + ", n = n + 1" + where;
    case 2:
      return "UPDATE t SET k = " + one("k") + where;
    case 3:
      return "UPDATE t SET j = " +
             (chance(r, 0.3) ? std::string("NULL") : "'" + json_doc(r) + "'") +
             where;  // a whole value (and JSON_SET on NULL later stays NULL)
    default:
      return "UPDATE t SET j = " + one("j") + where;
  }
}

TEST_CASE(
    "MySQL partial JSON (binlog_row_value_options=PARTIAL_JSON, FULL image): JSON_SET, "
    "JSON_REPLACE and JSON_REMOVE updates rebuild exactly the value load shows") {
  if (!mysql_only("partial JSON")) return;
  TestDatabase db("dumpr_t_pjson");
  const std::uint64_t seed = dumpr_diff::test_seed("partial JSON");
  Rng r(seed);
  Client w(server().socket, db.name());
  w.exec("CREATE TABLE t (id INT PRIMARY KEY, j JSON, k JSON, n INT NOT NULL DEFAULT 0)");
  constexpr int kRows = 60;
  for (int i = 1; i <= kRows; ++i)
    w.exec("INSERT INTO t (id, j, k) VALUES (" + std::to_string(i) + ", '" + json_doc(r) + "', '" +
           json_doc(r) + "')");
  TempDir dir;
  const std::string pos = dir / "c.json";
  RunResult load0 = dumpr_load(db.name(), {"--checkpoint", pos, "t"});
  REQUIRE_MESSAGE(load0.exit_code == 0, describe(load0));
  State state = state_of(load0.out);
  const std::string first_file = dumpr_tail::read_checkpoint_pos(pos).file;

  w.exec("SET SESSION binlog_row_value_options = 'PARTIAL_JSON', binlog_row_image = 'FULL'");
  std::size_t changes = 0;
  for (int round = 0; round < 4; ++round) {
    INFO("round " << round << ", seed " << seed);
    for (int s = 0; s < 80; ++s) {
      const bool multi = chance(r, 0.2);
      if (multi) w.exec("BEGIN");
      w.exec(json_update(r, kRows));
      if (multi) {
        w.exec(json_update(r, kRows));
        w.exec("COMMIT");
      }
    }
    RunResult t = dumpr_tail::tail_until_end(db.name(), {"--from", pos});
    REQUIRE_MESSAGE(t.exit_code == 0, describe(t));
    CHECK_MESSAGE(t.err.empty(), t.err);  // no column left out: the before image has them all
    const auto tuples = dumpr_diff::split_tuples(t.out);
    for (const auto& tu : tuples) CHECK_MESSAGE(!contains(tu.metadata, "\"partial\""), tu.content);
    changes += tuples.size();
    replay(state, tuples);
    RunResult now = dumpr_load(db.name(), {"t"});
    REQUIRE_MESSAGE(now.exit_code == 0, describe(now));
    const State want = state_of(now.out);
    CHECK_MESSAGE(state == want,
                  "load + tail replayed differs from load:" << differences(want, state));
  }
  // The updates were logged as partial ones (else this test proves nothing about them).
  Sql sql;
  std::size_t partial = 0;
  for (const auto& f : sql.query("SHOW BINARY LOGS")) {
    if (!f[0] || dumpr_tail::file_seq(*f[0]) < dumpr_tail::file_seq(first_file)) continue;
    for (const auto& e : sql.query("SHOW BINLOG EVENTS IN '" + *f[0] + "'"))
      partial += e[2] && *e[2] == "Update_rows_partial";
  }
  MESSAGE("partial JSON: " << changes << " changes tailed, " << partial
                           << " Update_rows_partial events");
  CHECK(partial > 50);
}

// ---------------------------------------------------------------------------------------------
// caching_sha2_password.

std::vector<std::string> tcp_as(const std::string& user, const std::string& password,
                                const std::string& db) {
  return {"--no-defaults",
          "--host",
          "127.0.0.1",
          "--port",
          std::to_string(server().port),
          "--user",
          user,
          "--password=" + password,
          "--database",
          db};
}

std::uint64_t ssl_accepts(Sql& sql) {
  auto rows = sql.query("SHOW GLOBAL STATUS LIKE 'Ssl_accepts'");
  REQUIRE(rows.size() == 1);
  return std::stoull(rows[0][1].value_or("0"));
}

TEST_CASE(
    "MySQL caching_sha2_password over TCP on a cold cache: with TLS, and without TLS (the server's "
    "RSA key): position, load and tail connect; a wrong password is exit 3") {
  if (!mysql_only("caching_sha2_password")) return;
  REQUIRE(server().port != 0);
  Sql sql;
  TestDatabase db("dumpr_t_sha2");
  sql.exec("CREATE TABLE dumpr_t_sha2.t (id INT PRIMARY KEY, v VARCHAR(20))");
  sql.exec("DROP USER IF EXISTS 'dumpr_sha2'@'127.0.0.1'");
  sql.exec(
      "CREATE USER 'dumpr_sha2'@'127.0.0.1' IDENTIFIED WITH caching_sha2_password BY 's3cret pw'");
  sql.exec(
      "GRANT SELECT, RELOAD, REPLICATION CLIENT, REPLICATION SLAVE ON *.* TO "
      "'dumpr_sha2'@'127.0.0.1'");
  CHECK(sql.scalar("SELECT plugin FROM mysql.user WHERE user = 'dumpr_sha2'") ==
        "caching_sha2_password");
  const auto tcp = tcp_as("dumpr_sha2", "s3cret pw", db.name());
  TempDir dir;
  const std::string pos = dir / "pos.json";
  int n = 0;
  for (const std::string mode : {"DISABLED", "REQUIRED", "DISABLED"}) {
    INFO("--ssl-mode=" << mode);
    // FLUSH PRIVILEGES empties the server's cache of password hashes: the next login is a full
    // authentication, which without TLS needs the password encrypted with the server's RSA key.
    sql.exec("FLUSH PRIVILEGES");
    const std::uint64_t before = ssl_accepts(sql);
    RunResult p = dumpr(with(with({"position"}, tcp), {"--ssl-mode=" + mode, "--checkpoint", pos}));
    REQUIRE_MESSAGE(p.exit_code == 0, describe(p));
    CHECK(ssl_accepts(sql) == before + (mode == "REQUIRED" ? 1 : 0));
    sql.exec("INSERT INTO dumpr_t_sha2.t VALUES (" + std::to_string(++n) + ", 'row')");
    sql.exec("FLUSH PRIVILEGES");
    RunResult t =
        dumpr(with(with({"tail"}, tcp), {"--ssl-mode=" + mode, "--from", pos, "--until-end"}));
    REQUIRE_MESSAGE(t.exit_code == 0, describe(t));
    CHECK(dumpr_tail::briefs(dumpr_tail::parse_tuples(t.out)) ==
          "\nupsert t " + std::to_string(n) + " {\"id\":" + std::to_string(n) +
              ",\"v\":\"row\"}\n");
    sql.exec("FLUSH PRIVILEGES");
    RunResult l = dumpr(with(with({"load"}, tcp), {"--ssl-mode=" + mode, "t"}));
    CHECK_MESSAGE(l.exit_code == 0, describe(l));
    CHECK(dumpr_diff::split_tuples(l.out).size() == static_cast<std::size_t>(n));
  }
  // The server's key pinned in an option file (libmariadb's server-public-key) instead of
  // fetched from the server; a file that is not the server's key: exit 3 naming the fix.
  REQUIRE(!server().datadir.empty());
  const std::string pinned = dir / "pinned.cnf", wrong = dir / "wrong.cnf";
  write_file(pinned, "[dumpr]\nserver-public-key=" + server().datadir + "/public_key.pem\n");
  write_file(wrong, "[dumpr]\nserver-public-key=" + server().datadir + "/ca.pem\n");
  auto from_file = [&](const std::string& file) {
    std::vector<std::string> a = {"position", "--defaults-file", file, "--ssl-mode=DISABLED"};
    return with(a, std::vector<std::string>(tcp.begin() + 1, tcp.end()));  // not --no-defaults
  };
  sql.exec("FLUSH PRIVILEGES");
  RunResult good_key = dumpr(from_file(pinned));
  CHECK_MESSAGE(good_key.exit_code == 0, describe(good_key));
  sql.exec("FLUSH PRIVILEGES");
  RunResult wrong_key = dumpr(from_file(wrong));
  CHECK_MESSAGE(wrong_key.exit_code == 3, describe(wrong_key));
  CHECK_MESSAGE(contains(wrong_key.err, "server-public-key"), wrong_key.err);
  CHECK_MESSAGE(contains(wrong_key.err, "--ssl-mode PREFERRED"), wrong_key.err);

  sql.exec("FLUSH PRIVILEGES");
  RunResult bad = dumpr(
      with({"position"}, with(tcp_as("dumpr_sha2", "wrong", db.name()), {"--ssl-mode=DISABLED"})));
  CHECK_MESSAGE(bad.exit_code == 3, describe(bad));
  CHECK(contains(bad.err, "Access denied for user 'dumpr_sha2'"));
  sql.exec("DROP USER 'dumpr_sha2'@'127.0.0.1'");
}

// ---------------------------------------------------------------------------------------------
// Generated invisible primary keys.

TEST_CASE(
    "MySQL generated invisible primary key (sql_generate_invisible_primary_key=ON): my_row_id is "
    "the id in load and tail alike") {
  if (!mysql_only("generated invisible primary keys")) return;
  TestDatabase db("dumpr_t_gipk");
  Client c(server().socket, db.name());
  c.exec("SET SESSION sql_generate_invisible_primary_key = ON");
  c.exec("CREATE TABLE g (name VARCHAR(20), v INT)");
  REQUIRE(contains(c.query("SHOW CREATE TABLE g")[0][1].value_or(""),
                   "`my_row_id` bigint unsigned NOT NULL AUTO_INCREMENT /*!80023 INVISIBLE */"));
  c.exec("INSERT INTO g VALUES ('a', 1), ('b', 2), ('c', 3)");
  TempDir dir;
  const std::string pos = dir / "c.json";
  RunResult load0 = dumpr_load(db.name(), {"--checkpoint", pos, "g"});
  REQUIRE_MESSAGE(load0.exit_code == 0, describe(load0));
  CHECK(load0.err.empty());
  CHECK(load0.out ==
        "[\"upsert\",\"g\",1,{\"my_row_id\":1,\"name\":\"a\",\"v\":1},null]\n"
        "[\"upsert\",\"g\",2,{\"my_row_id\":2,\"name\":\"b\",\"v\":2},null]\n"
        "[\"upsert\",\"g\",3,{\"my_row_id\":3,\"name\":\"c\",\"v\":3},null]\n");

  c.exec("INSERT INTO g (name, v) VALUES ('d', 4)");
  c.exec("UPDATE g SET v = 20 WHERE name = 'b'");
  c.exec("DELETE FROM g WHERE name = 'a'");
  c.exec("UPDATE g SET my_row_id = 30 WHERE name = 'c'");  // the key itself, named
  RunResult t = dumpr_tail::tail_until_end(db.name(), {"--from", pos});
  REQUIRE_MESSAGE(t.exit_code == 0, describe(t));
  CHECK(t.err.empty());
  CHECK(dumpr_tail::briefs(dumpr_tail::parse_tuples(t.out)) ==
        "\nupsert g 4 {\"my_row_id\":4,\"name\":\"d\",\"v\":4}"
        "\nupsert g 2 {\"my_row_id\":2,\"name\":\"b\",\"v\":20}"
        "\ndelete g 1 {\"my_row_id\":1,\"name\":\"a\",\"v\":1}"
        "\ndelete g 3 {\"my_row_id\":3,\"name\":\"c\",\"v\":3}"
        "\nupsert g 30 {\"my_row_id\":30,\"name\":\"c\",\"v\":3}\n");
  State state = state_of(load0.out);
  replay(state, dumpr_diff::split_tuples(t.out));
  RunResult now = dumpr_load(db.name(), {"g"});
  REQUIRE_MESSAGE(now.exit_code == 0, describe(now));
  CHECK_MESSAGE(state == state_of(now.out), differences(state_of(now.out), state));

  // Hidden from information_schema (show_gipk_in_create_table_and_information_schema=OFF, the
  // server's setting, which dumpr's sessions take): the same ids and columns.
  GlobalSetting hide(server().socket, "show_gipk_in_create_table_and_information_schema", "OFF");
  RunResult hidden = dumpr_load(db.name(), {"g"});
  REQUIRE_MESSAGE(hidden.exit_code == 0, describe(hidden));
  CHECK(hidden.out == now.out);
  CHECK(hidden.err.empty());
}

// ---------------------------------------------------------------------------------------------
// The group-commit snapshot race.

TEST_CASE(
    "MySQL group commit: load and load --jobs 4 under many committing writers "
    "(binlog_group_commit_sync_delay): snapshot + tail from its checkpoint equals the final "
    "tables, six loads") {
  if (!mysql_only("the group-commit snapshot race")) return;
  dumpr_diff::DiffSandbox& sbx = dumpr_diff::diff_sandbox();
  const std::uint64_t seed = dumpr_diff::test_seed("group commit");
  const std::string db = "dumpr_t_group_commit";
  // Commits wait 2 ms for others between their binlog write and their engine commit: the window
  // where a transaction is in the binlog and not yet seen by a new snapshot, widened.
  GlobalSetting delay(sbx.socket(), "binlog_group_commit_sync_delay", "2000");
  {
    Client admin(sbx.socket());
    admin.exec("DROP DATABASE IF EXISTS " + db);
    admin.exec("CREATE DATABASE " + db);
    admin.exec("CREATE TABLE " + db +
               ".acct (id INT PRIMARY KEY, writer INT NOT NULL, n BIGINT NOT NULL, note "
               "VARCHAR(40))");
    admin.exec("CREATE TABLE " + db + ".log (id BIGINT PRIMARY KEY, writer INT NOT NULL)");
  }
  constexpr int kWriters = 12;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> commits{0};
  std::vector<std::string> errors(kWriters);
  std::vector<std::thread> writers;
  for (int wr = 0; wr < kWriters; ++wr)
    writers.emplace_back([&, wr] {
      try {
        Rng r(seed + static_cast<std::uint64_t>(wr));
        Client c(sbx.socket(), db);
        std::int64_t next_log = std::int64_t{wr} << 40;
        for (int k = 0; k < 40; ++k)  // each writer its own rows: no lock waits between them
          c.exec(
              dumpr_diff::fmt("INSERT INTO acct VALUES (%d, %d, 0, 'start')", wr * 1000 + k, wr));
        while (!stop.load()) {
          const int id = wr * 1000 + static_cast<int>(uni(r, 0, 59));
          std::string sql = "BEGIN;";
          switch (uni(r, 0, 3)) {
            case 0:
              sql += dumpr_diff::fmt("UPDATE acct SET n = n + 1, note = 'u%d' WHERE id = %d;",
                                     static_cast<int>(uni(r, 0, 999)), id);
              break;
            case 1:
              sql += dumpr_diff::fmt("INSERT IGNORE INTO acct VALUES (%d, %d, 1, 'new');", id, wr);
              break;
            case 2:
              sql += dumpr_diff::fmt("DELETE FROM acct WHERE id = %d;", id);
              break;
            default:
              sql += dumpr_diff::fmt("UPDATE acct SET n = n - 1 WHERE id = %d;", id);
              break;
          }
          sql += dumpr_diff::fmt("INSERT INTO log VALUES (%lld, %d); COMMIT",
                                 static_cast<long long>(++next_log), wr);
          c.exec(sql);
          ++commits;
        }
      } catch (const std::exception& e) {
        errors[static_cast<std::size_t>(wr)] = e.what();
      }
    });
  StopAndJoin joiner(stop, writers);
  TempDir dir;
  constexpr int kLoads = 6;
  std::vector<std::string> snapshots;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  for (int i = 0; i < kLoads; ++i) {
    std::vector<std::string> args = {"--checkpoint", dir / ("c" + std::to_string(i) + ".json")};
    if (i % 2) args.insert(args.end(), {"--jobs", "4"});
    args.insert(args.end(), {"acct", "log"});
    const std::uint64_t before = commits.load();
    RunResult r = dumpr_diff::run_dumpr("load", sbx.socket(), db, args);
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK_MESSAGE(r.err.empty(), r.err);  // the lock was had: no fallback
    MESSAGE("load " << i << std::string(i % 2 ? " --jobs 4" : "") << ": " << commits.load() - before
                    << " commits while it ran");
    snapshots.push_back(r.out);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  stop = true;
  for (auto& t : writers) t.join();
  for (const auto& e : errors) REQUIRE_MESSAGE(e.empty(), "writer: " << e);
  RunResult fin = dumpr_diff::run_dumpr("load", sbx.socket(), db, {"acct", "log"});
  REQUIRE_MESSAGE(fin.exit_code == 0, describe(fin));
  const State want = state_of(fin.out);
  MESSAGE("group commit: " << commits.load() << " commits by " << kWriters << " writers, final "
                           << want.at("log").size() << " log rows");
  for (int i = 0; i < kLoads; ++i) {
    INFO("load " << i << std::string(i % 2 ? " --jobs 4" : "") << ", seed " << seed);
    RunResult t =
        dumpr_diff::run_dumpr("tail", sbx.socket(), db,
                              {"--from", dir / ("c" + std::to_string(i) + ".json"), "--until-end"});
    REQUIRE_MESSAGE(t.exit_code == 0, describe(t));
    State s = state_of(snapshots[static_cast<std::size_t>(i)]);
    const auto changes = dumpr_diff::split_tuples(t.out);
    // Every log row is inserted once: one the snapshot has must not come again (the position is
    // before it), and none the tail lacks may be missing (the position is past it).
    std::size_t repeated = 0;
    for (const auto& c : changes)
      if (c.table == "log" && c.op == "upsert" && s["log"].count(c.id)) ++repeated;
    CHECK_MESSAGE(repeated == 0,
                  repeated << " log rows both in the snapshot and after its position");
    replay(s, changes);
    CHECK_MESSAGE(s == want,
                  "snapshot + tail differs from the final tables:" << differences(want, s));
  }
  Client(sbx.socket()).exec("DROP DATABASE " + db);
}

// ---------------------------------------------------------------------------------------------
// LOCK TABLES on a loaded table.

TEST_CASE(
    "LOCK TABLES ... WRITE on a loaded table: load stops within lock_wait_timeout (at most 30 s), "
    "exit 4 naming the lock; it loads once the lock is gone") {
  TestDatabase db("dumpr_t_locked");
  Sql sql;
  sql.exec("CREATE TABLE dumpr_t_locked.t (id INT PRIMARY KEY, v INT)");
  sql.exec("INSERT INTO dumpr_t_locked.t VALUES (1, 1), (2, 2)");
  GlobalSetting wait(server().socket, "lock_wait_timeout", "3");
  Client locker(server().socket, db.name());
  locker.exec("LOCK TABLES t WRITE");
  for (const std::vector<std::string>& extra :
       {std::vector<std::string>{}, std::vector<std::string>{"--jobs", "2"}}) {
    INFO("load " << std::string(extra.empty() ? "" : "--jobs 2"));
    const auto t0 = std::chrono::steady_clock::now();
    RunResult r = dumpr_load(db.name(), with(extra, {"t"}));
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK_MESSAGE(r.exit_code == 4, describe(r));
    CHECK(r.out.empty());
    CHECK_MESSAGE(contains(r.err, "LOCK TABLES ... WRITE"), r.err);
    CHECK_MESSAGE(contains(r.err, "lock_wait_timeout"), r.err);
    CHECK_MESSAGE(secs < 15, secs << " s");
  }
  locker.exec("UNLOCK TABLES");
  RunResult ok = dumpr_load(db.name(), {"t"});
  CHECK_MESSAGE(ok.exit_code == 0, describe(ok));
  CHECK(dumpr_diff::split_tuples(ok.out).size() == 2);
}

}  // namespace
