// The checkpoint: the snapshot's exact binlog position, under quiet and under concurrent writes;
// validate-pos on good and bad checkpoints.
#include <atomic>
#include <charconv>
#include <filesystem>
#include <set>
#include <thread>

#include "live/live_support.hpp"

using namespace dumpr_live;

namespace {

struct BinlogPos {
  std::string file;
  std::uint64_t position = 0;
  std::string executed_gtids;  // MySQL: Executed_Gtid_Set (newlines removed); MariaDB: empty
  bool operator==(const BinlogPos&) const = default;
};

BinlogPos master_status(Sql& sql) {
  auto rows = sql.query(binlog_status_sql());
  REQUIRE_MESSAGE(rows.size() == 1, "the server has no binary log (start it with log_bin)");
  BinlogPos p{*rows[0][0], std::stoull(*rows[0][1]), ""};
  if (server_is_mysql() && rows[0].size() >= 5 && rows[0][4]) {
    p.executed_gtids = *rows[0][4];
    std::erase(p.executed_gtids, '\n');
  }
  return p;
}

struct Checkpoint {
  std::string file, gtid, flavor;
  std::uint64_t position = 0, server_id = 0;
};

Checkpoint parse_checkpoint(const std::string& text) {
  INFO("checkpoint: " << text);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE(!parser.parse(text).get(root));
  simdjson::dom::object obj;
  REQUIRE(!root.get_object().get(obj));
  Checkpoint c;
  std::string_view s;
  REQUIRE(!obj["file"].get_string().get(s));
  c.file = std::string(s);
  REQUIRE(!obj["position"].get_uint64().get(c.position));
  REQUIRE(!obj["server_id"].get_uint64().get(c.server_id));
  if (!obj["gtid"].get_string().get(s)) c.gtid = std::string(s);
  if (!obj["flavor"].get_string().get(s)) c.flavor = std::string(s);
  return c;
}

std::string checkpoint_json(const std::string& file, std::uint64_t position,
                            std::uint64_t server_id) {
  return "{\"file\":\"" + file + "\",\"position\":" + std::to_string(position) +
         ",\"server_id\":" + std::to_string(server_id) + ",\"flavor\":\"" + flavor_name() + "\"}\n";
}

RunResult validate(const std::string& path, std::vector<std::string> conn = conn_args()) {
  std::vector<std::string> a = {"validate-pos"};
  a.insert(a.end(), conn.begin(), conn.end());
  a.push_back(path);
  return dumpr(a);
}

std::uint64_t file_size(Sql& sql, const std::string& file) {
  for (auto& r : sql.query("SHOW BINARY LOGS"))
    if (*r[0] == file) return std::stoull(*r[1]);
  FAIL("binlog " << file << " is not listed by SHOW BINARY LOGS");
  return 0;
}

}  // namespace

TEST_CASE(
    "load --checkpoint: the position of the snapshot, equal to SHOW MASTER STATUS when quiet") {
  TestDatabase db("dumpr_t_ckpt");
  Sql sql;
  sql.exec("CREATE TABLE dumpr_t_ckpt.t (id INT PRIMARY KEY, v VARCHAR(10))");
  sql.exec("INSERT INTO dumpr_t_ckpt.t VALUES (1, 'a'), (2, 'b')");
  TempDir dir;
  const std::string path = dir / "pos.json";
  const std::uint64_t server_id = std::stoull(sql.scalar("SELECT @@GLOBAL.server_id"));

  // The sandbox may be shared with other clients: retry until no write happened around the load.
  bool quiet = false;
  for (int attempt = 0; attempt < 20 && !quiet; ++attempt) {
    BinlogPos before = master_status(sql);
    RunResult r = dumpr_load(db.name(), {"--checkpoint", path, "t"});
    BinlogPos after = master_status(sql);
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(r.out ==
          "[\"upsert\",\"t\",1,{\"id\":1,\"v\":\"a\"},null]\n"
          "[\"upsert\",\"t\",2,{\"id\":2,\"v\":\"b\"},null]\n");
    Checkpoint c = parse_checkpoint(read_file(path));
    CHECK(c.server_id == server_id);
    CHECK(c.flavor == flavor_name());
    if (before != after) {
      // Someone wrote meanwhile: the snapshot is somewhere between.
      CHECK((c.file > before.file || (c.file == before.file && c.position >= before.position)));
      continue;
    }
    quiet = true;
    CHECK(c.file == before.file);
    CHECK(c.position == before.position);
    if (server_is_mysql()) {
      // MySQL: the executed GTID set at that position.
      CHECK(!c.gtid.empty());
      CHECK(c.gtid == before.executed_gtids);
    } else {
      // MariaDB: the GTID position of that binlog offset.
      CHECK(c.gtid == sql.scalar("SELECT BINLOG_GTID_POS(" + sql.quote(c.file) + ", " +
                                 std::to_string(c.position) + ")"));
    }
  }
  REQUIRE_MESSAGE(quiet, "the server was never quiet for the length of a load (other writers?)");

  RunResult v = validate(path);
  CHECK_MESSAGE(v.exit_code == 0, describe(v));

  // dumpr position: the same JSON on stdout and in the file.
  const std::string pos_path = dir / "now.json";
  std::vector<std::string> a = {"position", "--checkpoint", pos_path};
  for (auto& c : conn_args()) a.push_back(c);
  RunResult p = dumpr(a);
  REQUIRE_MESSAGE(p.exit_code == 0, describe(p));
  CHECK(p.out == read_file(pos_path));
  Checkpoint now = parse_checkpoint(p.out);
  BinlogPos here = master_status(sql);
  CHECK((now.file < here.file || (now.file == here.file && now.position <= here.position)));
  CHECK(validate(pos_path).exit_code == 0);
}

TEST_CASE("load: a snapshot under concurrent writes is exactly the rows before its position") {
  TestDatabase db("dumpr_t_snap");
  Sql sql;
  sql.exec(
      "CREATE TABLE dumpr_t_snap.w (id BIGINT NOT NULL PRIMARY KEY, pad VARCHAR(60)) "
      "ENGINE=InnoDB");
  constexpr std::uint64_t kPreloaded = 50000;
  provide_seq(sql, db.name(), 50000);
  sql.exec(
      "INSERT INTO dumpr_t_snap.w SELECT seq, REPEAT('p', 40) FROM dumpr_t_snap.seq_1_to_50000");

  // The writer: autocommit inserts with increasing ids on its own connection (raw libmariadb:
  // doctest's assertions are not for other threads).
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> committed{kPreloaded};
  std::string writer_error;
  const std::string socket = server().socket, root = server().root_user;
  std::thread writer([&] {
    MYSQL* m = mysql_init(nullptr);
    if (!mysql_real_connect(m, nullptr, root.c_str(), nullptr, nullptr, 0, socket.c_str(), 0)) {
      writer_error = mysql_error(m);
      mysql_close(m);
      stop = true;
      return;
    }
    for (std::uint64_t id = kPreloaded + 1; !stop; ++id) {
      std::string q = "INSERT INTO dumpr_t_snap.w VALUES (" + std::to_string(id) + ", 'w')";
      if (mysql_real_query(m, q.data(), q.size()) != 0) {
        writer_error = mysql_error(m);
        break;
      }
      committed = id;
    }
    mysql_close(m);
  });
  dumpr_live::StopAndJoin joiner(stop, writer);

  auto wait_for = [&](std::uint64_t id) {
    for (int i = 0; i < 3000 && committed < id && !stop; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  };
  wait_for(kPreloaded + 200);
  const std::uint64_t before_load = committed;
  TempDir dir;
  const std::string path = dir / "pos.json";
  RunResult r = dumpr_load(db.name(), {"--checkpoint", path, "w"});
  const std::uint64_t after_load = committed;
  wait_for(after_load + 200);
  stop = true;
  writer.join();
  const std::uint64_t last = committed;
  REQUIRE_MESSAGE(writer_error.empty(), "writer: " << writer_error);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  CHECK(r.err.empty());
  REQUIRE(before_load > kPreloaded);
  REQUIRE(last > after_load);

  // The output: exactly the ids 1..K, in key order.
  std::vector<std::string> lines = split_lines(r.out);
  const std::uint64_t k = lines.size();
  for (std::uint64_t i = 0; i < k; ++i) {
    const std::string prefix = "[\"upsert\",\"w\"," + std::to_string(i + 1) + ",";
    if (lines[i].rfind(prefix, 0) != 0) {
      FAIL_CHECK("line " << i + 1 << " is not id " << i + 1 << ": " << lines[i]);
      break;
    }
  }
  INFO("K = " << k << ", committed before the load " << before_load << ", after " << after_load
              << ", last " << last);
  CHECK(k >= before_load);
  CHECK(k <= after_load);

  // The binlog from the checkpoint on holds exactly the inserts K+1..last: one Table_map per
  // autocommit insert of dumpr_t_snap.w, and (binlog_annotate_row_events) each statement's text.
  Checkpoint c = parse_checkpoint(read_file(path));
  std::uint64_t table_maps = 0;
  std::set<std::uint64_t> annotated;
  bool started = false;
  for (auto& log : sql.query("SHOW BINARY LOGS")) {
    const std::string& name = *log[0];
    if (name == c.file) started = true;
    if (!started) continue;
    std::string q = "SHOW BINLOG EVENTS IN " + sql.quote(name);
    if (name == c.file) q += " FROM " + std::to_string(c.position);
    for (auto& ev : sql.query(q)) {
      const std::string& type = *ev[2];
      const std::string info = ev[5].value_or("");
      if (type == "Table_map" && info.find("(dumpr_t_snap.w)") != std::string::npos) ++table_maps;
      const std::string stmt = "INSERT INTO dumpr_t_snap.w VALUES (";
      if (type == "Annotate_rows" && info.rfind(stmt, 0) == 0) {
        std::uint64_t id = 0;
        std::from_chars(info.data() + stmt.size(), info.data() + info.size(), id);
        annotated.insert(id);
      }
    }
  }
  REQUIRE(started);
  CHECK(table_maps == last - k);
  if (!annotated.empty()) {
    CHECK(annotated.size() == last - k);
    CHECK(*annotated.begin() == k + 1);
    CHECK(*annotated.rbegin() == last);
  }
  CHECK(validate(path).exit_code == 0);
}

TEST_CASE("load: all tables come from one snapshot, so they agree with each other") {
  TestDatabase db("dumpr_t_agree");
  Sql sql;
  sql.exec("CREATE TABLE dumpr_t_agree.a (id BIGINT PRIMARY KEY, pad VARCHAR(100))");
  sql.exec("CREATE TABLE dumpr_t_agree.b (id BIGINT PRIMARY KEY)");
  constexpr std::uint64_t kPreloaded = 50000;
  provide_seq(sql, db.name(), 50000);
  sql.exec(
      "INSERT INTO dumpr_t_agree.a SELECT seq, REPEAT('a', 100) FROM "
      "dumpr_t_agree.seq_1_to_50000");
  sql.exec("INSERT INTO dumpr_t_agree.b SELECT seq FROM dumpr_t_agree.seq_1_to_50000");

  // The writer adds the same id to a and b in one transaction, while a (read first) streams.
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> committed{kPreloaded};
  std::string writer_error;
  const std::string socket = server().socket, root = server().root_user;
  std::thread writer([&] {
    MYSQL* m = mysql_init(nullptr);
    if (!mysql_real_connect(m, nullptr, root.c_str(), nullptr, nullptr, 0, socket.c_str(), 0)) {
      writer_error = mysql_error(m);
      mysql_close(m);
      return;
    }
    for (std::uint64_t id = kPreloaded + 1; !stop; ++id) {
      const std::string v = std::to_string(id);
      for (const std::string& q :
           {std::string("BEGIN"), "INSERT INTO dumpr_t_agree.a VALUES (" + v + ", 'w')",
            "INSERT INTO dumpr_t_agree.b VALUES (" + v + ")", std::string("COMMIT")}) {
        if (mysql_real_query(m, q.data(), q.size()) != 0) {
          writer_error = mysql_error(m);
          mysql_close(m);
          return;
        }
      }
      committed = id;
    }
    mysql_close(m);
  });
  dumpr_live::StopAndJoin joiner(stop, writer);
  for (int i = 0; i < 3000 && committed < kPreloaded + 100 && writer_error.empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));

  RunResult r = dumpr_load(db.name(), {"a", "b"});
  const std::uint64_t after_load = committed;
  stop = true;
  writer.join();
  REQUIRE_MESSAGE(writer_error.empty(), "writer: " << writer_error);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));

  std::uint64_t rows_a = 0, rows_b = 0;
  for (const std::string& line : split_lines(r.out)) {
    if (line.rfind("[\"upsert\",\"a\",", 0) == 0) ++rows_a;
    if (line.rfind("[\"upsert\",\"b\",", 0) == 0) ++rows_b;
  }
  INFO("a: " << rows_a << " rows, b: " << rows_b
             << " rows, committed after the load: " << after_load);
  CHECK(rows_a >= kPreloaded + 100);
  CHECK(rows_a == rows_b);
  // The last line of b is its highest id, the same as a's row count (ids are 1..K in both).
  CHECK(split_lines(r.out).back().rfind("[\"upsert\",\"b\"," + std::to_string(rows_b) + ",", 0) ==
        0);
}

namespace {

// The ids of `table`'s upserts in dumpr's output, in output order.
std::vector<std::uint64_t> upsert_ids(const std::string& out, const std::string& table) {
  const std::string prefix = "[\"upsert\",\"" + table + "\",";
  std::vector<std::uint64_t> ids;
  for (const std::string& line : split_lines(out)) {
    if (line.rfind(prefix, 0) != 0) continue;
    std::uint64_t id = 0;
    std::from_chars(line.data() + prefix.size(), line.data() + line.size(), id);
    ids.push_back(id);
  }
  return ids;
}

// Whether ids are first, first + 1, ..., last (true for none when first > last).
bool consecutive(const std::vector<std::uint64_t>& ids, std::uint64_t first, std::uint64_t last) {
  if (first > last) return ids.empty();
  if (ids.size() != last - first + 1) return false;
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (ids[i] != first + i) return false;
  return true;
}

// A writer of autocommit inserts into `table` with increasing ids after `from`, on a connection
// of its own (raw libmariadb: doctest's assertions are not for other threads).
struct InsertWriter {
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> committed;
  std::string error;
  std::thread thread;
  InsertWriter(const std::string& table, std::uint64_t from) : committed(from) {
    const std::string socket = server().socket, root = server().root_user;
    thread = std::thread([this, table, socket, root, from] {
      MYSQL* m = mysql_init(nullptr);
      if (!mysql_real_connect(m, nullptr, root.c_str(), nullptr, nullptr, 0, socket.c_str(), 0)) {
        error = mysql_error(m);
        mysql_close(m);
        return;
      }
      for (std::uint64_t id = from + 1; !stop; ++id) {
        std::string q = "INSERT INTO " + table + " VALUES (" + std::to_string(id) + ", 'w')";
        if (mysql_real_query(m, q.data(), q.size()) != 0) {
          error = mysql_error(m);
          break;
        }
        committed = id;
      }
      mysql_close(m);
    });
  }
  void wait_for(std::uint64_t id) {
    for (int i = 0; i < 6000 && committed < id && error.empty(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  void finish() {
    stop = true;
    if (thread.joinable()) thread.join();
  }
  ~InsertWriter() { finish(); }
};

// A load of `table` (rows 1..preloaded, then the writer's) and a tail from its checkpoint to the
// end, once the writer stopped: the load holds ids 1..K, the tail K' + 1..last with K' <= K, so
// no id is lost; ids K' + 1..K are in both (the position is read before the snapshot opens, so a
// tail repeats what committed in between). Returns K - K'.
std::uint64_t check_nothing_lost(const RunResult& load, const std::string& path,
                                 const std::string& db, const std::string& table,
                                 std::uint64_t preloaded, std::uint64_t last) {
  const std::vector<std::uint64_t> loaded = upsert_ids(load.out, table);
  const std::uint64_t k = loaded.size();
  INFO("load: " << k << " rows; the writer's last id " << last);
  CHECK(k >= preloaded);
  CHECK(consecutive(loaded, 1, k));
  std::vector<std::string> a = {"tail"};
  for (auto& c : conn_args(db)) a.push_back(c);
  a.insert(a.end(), {"--from", path, "--until-end"});
  RunResult tail = dumpr(a);
  REQUIRE_MESSAGE(tail.exit_code == 0, describe(tail));
  const std::vector<std::uint64_t> tailed = upsert_ids(tail.out, table);
  const std::uint64_t from = tailed.empty() ? last + 1 : tailed.front();
  INFO("tail: ids " << from << " to " << (tailed.empty() ? 0 : tailed.back()));
  CHECK(from <= k + 1);  // nothing between the snapshot's rows and the position's transactions
  CHECK(from > preloaded);
  CHECK(consecutive(tailed, from, last));
  return k + 1 - std::min(from, k + 1);
}

}  // namespace

// MySQL: the global read lock that ties the snapshot to its position waits at most 3 s (every
// writer waits behind it); without it, the position is read before the snapshot once the
// transactions then between their binlog write and their commit have committed, so a tail from
// it may repeat a transaction but never loses one.
TEST_CASE("load on MySQL without the global read lock: at most 3 s of waiting, said, no row lost") {
  if (!server_is_mysql()) {
    MESSAGE("on MariaDB, skipped: its snapshot reports its own position and takes no lock");
    return;
  }
  TestDatabase db("dumpr_t_nolock");
  Sql sql;
  const std::string w = db.name() + ".w";
  sql.exec("CREATE TABLE " + w + " (id BIGINT NOT NULL PRIMARY KEY, pad VARCHAR(20))");
  sql.exec("CREATE TABLE " + db.name() + ".x (id INT PRIMARY KEY)");
  constexpr std::uint64_t kPreloaded = 5000;
  provide_seq(sql, db.name(), kPreloaded);
  sql.exec("INSERT INTO " + w + " SELECT seq, 'p' FROM " + db.name() + ".seq_1_to_5000");
  TempDir dir;
  const std::string path = dir / "pos.json";

  SUBCASE("another session holds LOCK TABLES x WRITE") {
    Sql holder;
    holder.exec("LOCK TABLES " + db.name() + ".x WRITE");
    // Quiet: the checkpoint is the position of the rows exactly.
    {
      const BinlogPos before = master_status(sql);
      const auto t0 = std::chrono::steady_clock::now();
      RunResult r = dumpr_load(db.name(), {"--checkpoint", path, "w"});
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const BinlogPos after = master_status(sql);
      REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
      INFO("stderr: " << r.err);
      CHECK(secs >= 2.5);
      CHECK(secs < 20);
      CHECK(count_occurrences(r.err, "\n") == 1);
      CHECK(count_occurrences(r.err, "(FLUSH TABLES WITH READ LOCK) was not granted within 3 s") ==
            1);
      CHECK(count_occurrences(r.err, "using the position read before the snapshot") == 1);
      CHECK(consecutive(upsert_ids(r.out, "w"), 1, kPreloaded));
      Checkpoint c = parse_checkpoint(read_file(path));
      REQUIRE(before == after);  // nothing else writes to this sandbox meanwhile
      CHECK(c.file == before.file);
      CHECK(c.position == before.position);
      CHECK(c.gtid == before.executed_gtids);
      CHECK(validate(path).exit_code == 0);
    }
    // Under concurrent inserts (which wait behind the lock request while it waits).
    InsertWriter writer(w, kPreloaded);
    writer.wait_for(kPreloaded + 200);
    RunResult r = dumpr_load(db.name(), {"--checkpoint", path, "w"});
    const std::uint64_t after_load = writer.committed;
    writer.wait_for(after_load + 50);
    writer.finish();
    holder.exec("UNLOCK TABLES");
    REQUIRE_MESSAGE(writer.error.empty(), "writer: " << writer.error);
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(count_occurrences(r.err, "was not granted within 3 s") == 1);
    const std::uint64_t repeated =
        check_nothing_lost(r, path, db.name(), "w", kPreloaded, writer.committed);
    MESSAGE("under concurrent inserts, a tail from the checkpoint repeats " << repeated
                                                                            << " of them");
  }

  SUBCASE("no RELOAD, and each commit held 1 s between its binlog write and the engine's commit") {
    // binlog_group_commit_sync_delay: the binlog (and SHOW BINARY LOG STATUS) has each insert a
    // second before a snapshot can see it; a position read then, without waiting for it, would
    // skip its row.
    GlobalSetting delay(server().socket, "binlog_group_commit_sync_delay", "1000000",
                        server().root_user);
    sql.exec("DROP USER IF EXISTS 'dumpr_t_nolock'@'localhost'");
    sql.exec("CREATE USER 'dumpr_t_nolock'@'localhost' IDENTIFIED BY 'nl'");
    sql.exec("GRANT REPLICATION CLIENT, REPLICATION SLAVE ON *.* TO 'dumpr_t_nolock'@'localhost'");
    sql.exec("GRANT SELECT ON `" + db.name() + "`.* TO 'dumpr_t_nolock'@'localhost'");
    struct DropUser {
      ~DropUser() {
        Sql s;
        s.try_exec("DROP USER IF EXISTS 'dumpr_t_nolock'@'localhost'");
      }
    } drop;
    InsertWriter writer(w, kPreloaded);
    writer.wait_for(kPreloaded + 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // inside the next one's second
    RunResult r =
        dumpr({"load", "--no-defaults", "--socket", server().socket, "--user", "dumpr_t_nolock",
               "--password=nl", "--database", db.name(), "--checkpoint", path, "w"});
    const std::uint64_t after_load = writer.committed;
    writer.wait_for(after_load + 2);
    writer.finish();
    REQUIRE_MESSAGE(writer.error.empty(), "writer: " << writer.error);
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    INFO("stderr: " << r.err);
    CHECK(count_occurrences(r.err, "\n") == 1);
    CHECK(count_occurrences(r.err, "GRANT RELOAD ON *.* TO 'dumpr_t_nolock'@'localhost'") == 1);
    CHECK(count_occurrences(r.err, "using the position read before the snapshot") == 1);
    check_nothing_lost(r, path, db.name(), "w", kPreloaded, writer.committed);
  }

  SUBCASE("no RELOAD and gtid_mode not ON: no safe position, so exit 5 and no checkpoint") {
    GlobalSetting gtids(server().socket, "gtid_mode", "ON_PERMISSIVE", server().root_user);
    sql.exec("DROP USER IF EXISTS 'dumpr_t_nolock'@'localhost'");
    sql.exec("CREATE USER 'dumpr_t_nolock'@'localhost' IDENTIFIED BY 'nl'");
    sql.exec("GRANT REPLICATION CLIENT, REPLICATION SLAVE ON *.* TO 'dumpr_t_nolock'@'localhost'");
    sql.exec("GRANT SELECT ON `" + db.name() + "`.* TO 'dumpr_t_nolock'@'localhost'");
    struct DropUser {
      ~DropUser() {
        Sql s;
        s.try_exec("DROP USER IF EXISTS 'dumpr_t_nolock'@'localhost'");
      }
    } drop;
    RunResult r =
        dumpr({"load", "--no-defaults", "--socket", server().socket, "--user", "dumpr_t_nolock",
               "--password=nl", "--database", db.name(), "--checkpoint", path, "w"});
    INFO(describe(r));
    CHECK(r.exit_code == 5);
    CHECK(r.out.empty());
    CHECK(!std::filesystem::exists(path));
    CHECK(count_occurrences(r.err, "GRANT RELOAD ON *.* TO 'dumpr_t_nolock'@'localhost'") == 1);
    CHECK(count_occurrences(r.err, "only with gtid_mode=ON (it is ON_PERMISSIVE)") == 1);
  }
}

TEST_CASE("validate-pos: 0 when served, 1 when not (and why), 2 when it cannot check") {
  Sql sql;
  TempDir dir;
  const std::string good = dir / "good.json";
  std::vector<std::string> a = {"position", "--checkpoint", good};
  for (auto& c : conn_args()) a.push_back(c);
  RunResult p = dumpr(a);
  REQUIRE_MESSAGE(p.exit_code == 0, describe(p));
  Checkpoint c = parse_checkpoint(read_file(good));
  // Make sure the file grows past the position, so offsets inside it exist.
  {
    TestDatabase db("dumpr_t_validate");
    sql.exec("CREATE TABLE dumpr_t_validate.t (id INT PRIMARY KEY)");
    sql.exec("INSERT INTO dumpr_t_validate.t VALUES (1)");
  }
  CHECK(validate(good).exit_code == 0);
  const std::string path = dir / "pos.json";

  SUBCASE("a purged (never written) binlog file") {
    write_file(path, checkpoint_json("mariadb-bin.999999", 4, c.server_id));
    RunResult r = validate(path);
    CHECK_MESSAGE(r.exit_code == 1, describe(r));
    CHECK(r.err.find("mariadb-bin.999999") != std::string::npos);
    CHECK((r.err.find("purged") != std::string::npos ||
           r.err.find("no longer") != std::string::npos));
  }
  SUBCASE("an offset past the end of the file") {
    std::uint64_t size = file_size(sql, c.file);
    write_file(path, checkpoint_json(c.file, size + 1000, c.server_id));
    RunResult r = validate(path);
    CHECK_MESSAGE(r.exit_code == 1, describe(r));
    CHECK(r.err.find("past the end") != std::string::npos);
  }
  SUBCASE("an offset inside an event") {
    REQUIRE(file_size(sql, c.file) > c.position + 1);
    write_file(path, checkpoint_json(c.file, c.position + 1, c.server_id));
    RunResult r = validate(path);
    CHECK_MESSAGE(r.exit_code == 1, describe(r));
    CHECK(r.err.find("event") != std::string::npos);
  }
  SUBCASE("another server's position") {
    write_file(path, checkpoint_json(c.file, c.position, c.server_id + 1000));
    RunResult r = validate(path);
    CHECK_MESSAGE(r.exit_code == 1, describe(r));
    CHECK(r.err.find("another server") != std::string::npos);
  }
  SUBCASE("a malformed checkpoint file") {
    write_file(path, "this is not json\n");
    RunResult r = validate(path);
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK(r.err.find("checkpoint") != std::string::npos);
    write_file(path, "{\"file\": \"mariadb-bin.000001\"}");
    r = validate(path);
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK(r.err.find("position") != std::string::npos);
  }
  SUBCASE("a checkpoint file that does not exist") {
    RunResult r = validate(dir / "missing.json");
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK(r.err.find("missing.json") != std::string::npos);
  }
  SUBCASE("an unreachable server") {
    RunResult r = validate(good, {"--no-defaults", "--socket", dir / "no-server.sock", "--user",
                                  server().user, "--password=" + server().password});
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK(r.err.find("connect") != std::string::npos);
  }
}
