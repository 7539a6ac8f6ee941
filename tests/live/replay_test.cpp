// The replay check: a consumer that applies `load`'s snapshot and then `tail`'s changes from the
// load's checkpoint (upsert = put by id, delete = remove by id) holds exactly the tables' final
// contents, while a writer ran a random mix of inserts, updates, primary-key changes and deletes
// (multi-statement transactions, rollbacks, multi-row statements) during the load. And the same
// holds when tail is SIGKILLed mid-way, several times, and restarted from its checkpoint with the
// outputs appended: at-least-once output converges.
#include <atomic>
#include <cinttypes>
#include <cstdarg>
#include <set>

#include "live/diff_support.hpp"

using namespace dumpr_diff;
using dumpr_live::TempDir;

namespace {

using Rng = std::mt19937_64;

std::int64_t uni(Rng& r, std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(r);
}
bool chance(Rng& r, double p) {
  return std::uniform_real_distribution<double>(0, 1)(r) < p;
}

std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* f, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

const char* kTables[] = {"r_plain", "r_composite", "r_binary_key", "r_uuid"};

const char* kSchema[] = {
    R"(CREATE TABLE r_plain (
      id INT NOT NULL PRIMARY KEY,
      name VARCHAR(40) CHARACTER SET utf8mb4,
      amount DECIMAL(12,2),
      at DATETIME(3),
      doc JSON,
      n BIGINT NOT NULL DEFAULT 0
    ) DEFAULT CHARSET=utf8mb4)",
    R"(CREATE TABLE r_composite (
      a INT NOT NULL,
      b VARCHAR(16) CHARACTER SET utf8mb4 NOT NULL,
      c DATE NOT NULL,
      v DOUBLE,
      note TEXT CHARACTER SET latin1,
      PRIMARY KEY (a, b, c)
    ) DEFAULT CHARSET=utf8mb4)",
    R"(CREATE TABLE r_binary_key (
      k VARBINARY(8) NOT NULL PRIMARY KEY,
      payload BLOB,
      ts TIMESTAMP(6) NULL,
      flags BIT(3),
      t TIME(2)
    ))",
    R"(CREATE TABLE r_uuid (
      u UUID NOT NULL PRIMARY KEY,
      val INT UNSIGNED,
      e ENUM('x','y','z'),
      s SET('p','q','r'),
      y YEAR
    ) DEFAULT CHARSET=utf8mb4)",
};

// Keys of each table, from a small space so that inserts collide with deletes and key changes.
constexpr int kKeySpace = 3000;

std::string key_plain(int n) {
  return std::to_string(n);
}
std::string key_composite_where(int n) {
  static const char* bs[] = {"alpha", "beta", "gamma", "d\xC3\xA9lta", "\xF0\x9F\x9A\x80",
                             "e",     "",     "zz z"};
  return fmt("a = %d AND b = _utf8mb4 X'%s' AND c = '2024-01-%02d'", n / 80, hex(bs[n % 8]).c_str(),
             1 + (n / 8) % 10);
}
std::string key_composite_values(int n) {
  static const char* bs[] = {"alpha", "beta", "gamma", "d\xC3\xA9lta", "\xF0\x9F\x9A\x80",
                             "e",     "",     "zz z"};
  return fmt("%d, _utf8mb4 X'%s', '2024-01-%02d'", n / 80, hex(bs[n % 8]).c_str(),
             1 + (n / 8) % 10);
}
std::string key_binary(int n) {
  std::string k = fmt("%08X", static_cast<unsigned>(n) * 2654435761u);
  return "X'" + k.substr(0, 2 + 2 * (n % 4)) + "'";  // 1 to 4 bytes, trailing zeros kept
}
std::string key_uuid(int n) {
  return fmt("'00000000-0000-0000-0000-%012x'", n);
}

std::string random_text(Rng& r) {
  static const char* words[] = {"ab", "z\xC3\xA9", "\xF0\x9F\x99\x82", " ", "q\"", "\\", "x"};
  std::string s;
  for (int i = static_cast<int>(uni(r, 0, 6)); i > 0; --i) s += words[uni(r, 0, 6)];
  return "_utf8mb4 X'" + hex(s) + "'";
}

// The non-key columns of a table as "col = value, ..." (for UPDATE) or "value, ..." (for INSERT).
struct Values {
  std::string assign, list;
};

Values random_values(Rng& r, int table) {
  std::vector<std::pair<std::string, std::string>> cv;
  switch (table) {
    case 0:
      cv = {{"name", chance(r, 0.1) ? "NULL" : random_text(r)},
            {"amount",
             fmt("%" PRId64 ".%02d", uni(r, -99999, 99999), static_cast<int>(uni(r, 0, 99)))},
            {"at", fmt("'20%02d-%02d-%02d %02d:%02d:%02d.%03d'", static_cast<int>(uni(r, 0, 30)),
                       static_cast<int>(uni(r, 1, 12)), static_cast<int>(uni(r, 1, 28)),
                       static_cast<int>(uni(r, 0, 23)), static_cast<int>(uni(r, 0, 59)),
                       static_cast<int>(uni(r, 0, 59)), static_cast<int>(uni(r, 0, 999)))},
            {"doc", chance(r, 0.1)
                        ? "NULL"
                        : fmt("'{\"k\": %" PRId64
                              ", \"a\": [1.50, \"s\", null], \"big\": 12345678901234567890%d}'",
                              uni(r, -1000000, 1000000), static_cast<int>(uni(r, 0, 9)))},
            {"n", std::to_string(uni(r, -1000000000000LL, 1000000000000LL))}};
      break;
    case 1:
      cv = {
          {"v", chance(r, 0.1)
                    ? "NULL"
                    : fmt("%.17g", std::uniform_real_distribution<double>(-1e6, 1e6)(r))},
          {"note", chance(r, 0.1)
                       ? "NULL"
                       : fmt("_latin1 X'%s'",
                             hex(fmt("caf\xE9 %d", static_cast<int>(uni(r, 0, 99999)))).c_str())}};
      break;
    case 2:
      cv = {{"payload",
             chance(r, 0.1) ? "NULL" : fmt("X'%016" PRIX64 "00'", static_cast<std::uint64_t>(r()))},
            {"ts", fmt("FROM_UNIXTIME(%" PRId64 ".%06d)", uni(r, 1, 2000000000),
                       static_cast<int>(uni(r, 0, 999999)))},
            {"flags", std::to_string(uni(r, 0, 7))},
            {"t", fmt("'%s%d:%02d:%02d.%02d'", chance(r, 0.3) ? "-" : "",
                      static_cast<int>(uni(r, 0, 838)), static_cast<int>(uni(r, 0, 59)),
                      static_cast<int>(uni(r, 0, 59)), static_cast<int>(uni(r, 0, 99)))}};
      break;
    default:
      cv = {{"val", std::to_string(uni(r, 0, 4294967295LL))},
            {"e", chance(r, 0.1) ? "NULL" : fmt("'%c'", "xyz"[uni(r, 0, 2)])},
            {"s", fmt("'%s'", std::vector<std::string>{"", "p", "q,r", "p,q,r",
                                                       "r"}[static_cast<std::size_t>(uni(r, 0, 4))]
                                  .c_str())},
            {"y", std::to_string(uni(r, 1901, 2155))}};
  }
  Values v;
  for (auto& [c, val] : cv) {
    v.assign += (v.assign.empty() ? "" : ", ") + c + " = " + val;
    v.list += (v.list.empty() ? "" : ", ") + val;
  }
  return v;
}

std::string key_where(int table, int n) {
  switch (table) {
    case 0:
      return "id = " + key_plain(n);
    case 1:
      return key_composite_where(n);
    case 2:
      return "k = " + key_binary(n);
    default:
      return "u = " + key_uuid(n);
  }
}
std::string key_values(int table, int n) {
  switch (table) {
    case 0:
      return key_plain(n);
    case 1:
      return key_composite_values(n);
    case 2:
      return key_binary(n);
    default:
      return key_uuid(n);
  }
}
std::string key_assign(int table, int n) {
  switch (table) {
    case 0:
      return "id = " + key_plain(n);
    case 1: {
      std::string w = key_composite_where(n);
      for (std::string::size_type p; (p = w.find(" AND ")) != std::string::npos;)
        w.replace(p, 5, ", ");
      return w;
    }
    case 2:
      return "k = " + key_binary(n);
    default:
      return "u = " + key_uuid(n);
  }
}

std::string insert_rows(Rng& r, int table, int count, bool ignore) {
  std::string sql =
      std::string(ignore ? "INSERT IGNORE INTO " : "INSERT INTO ") + kTables[table] + " VALUES ";
  for (int i = 0; i < count; ++i) {
    int n = static_cast<int>(uni(r, 1, kKeySpace));
    sql += (i ? ", (" : "(") + key_values(table, n) + ", " + random_values(r, table).list + ")";
  }
  return sql;
}

// One random statement.
std::string random_statement(Rng& r) {
  int t = static_cast<int>(uni(r, 0, 3));
  int n = static_cast<int>(uni(r, 1, kKeySpace));
  switch (uni(r, 0, 9)) {
    case 0:
    case 1:
      return insert_rows(r, t, static_cast<int>(uni(r, 1, 5)), true);
    case 2:
    case 3:
      return std::string("UPDATE ") + kTables[t] + " SET " + random_values(r, t).assign +
             " WHERE " + key_where(t, n);
    case 4:  // a primary-key change
      return std::string("UPDATE IGNORE ") + kTables[t] + " SET " +
             key_assign(t, static_cast<int>(uni(r, 1, kKeySpace))) + " WHERE " + key_where(t, n);
    case 5:
      return std::string("DELETE FROM ") + kTables[t] + " WHERE " + key_where(t, n);
    case 6:  // many rows in one statement
      return fmt("UPDATE r_plain SET n = n + 1, amount = amount / 2 WHERE id BETWEEN %d AND %d", n,
                 n + 40);
    case 7:
      return fmt("DELETE FROM r_plain WHERE id BETWEEN %d AND %d", n, n + 15);
    case 8:  // shift keys of a range (key changes in bulk)
      return fmt(
          "UPDATE IGNORE r_plain SET id = id + %d WHERE id BETWEEN %d AND %d ORDER BY id DESC",
          static_cast<int>(uni(r, 1, 30)), n, n + 10);
    default:
      return std::string("REPLACE INTO ") + kTables[t] + " VALUES (" + key_values(t, n) + ", " +
             random_values(r, t).list + ")";
  }
}

// The writer: statements alone or in transactions (some rolled back), until told to stop.
struct Writer {
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> statements{0}, transactions{0};
  std::string error;
  std::thread thread;

  void start(const std::string& socket, const std::string& db, std::uint64_t seed) {
    thread = std::thread([this, socket, db, seed] {
      try {
        Rng r(seed);
        Client c(socket, db);
        c.exec("SET SESSION sql_mode = '', time_zone = '-03:00'");
        while (!stop.load()) {
          if (chance(r, 0.3)) {
            std::string sql = "BEGIN";
            for (int i = static_cast<int>(uni(r, 2, 6)); i > 0; --i) {
              sql += ";\n" + random_statement(r);
              ++statements;
            }
            sql += chance(r, 0.1) ? ";\nROLLBACK" : ";\nCOMMIT";
            c.exec(sql);
          } else {
            c.exec(random_statement(r));
            ++statements;
          }
          ++transactions;
        }
      } catch (const std::exception& e) {
        error = e.what();
      }
    });
  }
  void finish() {
    stop = true;
    if (thread.joinable()) thread.join();
  }
  ~Writer() { finish(); }
};

// table -> id -> content, as a consumer would hold them.
using State = std::map<std::string, std::map<std::string, std::string>>;

void apply_tuples(State& s, const std::vector<RawTuple>& ts) {
  for (const auto& t : ts) {
    if (t.op == "upsert")
      s[t.table][t.id] = t.content;
    else if (t.op == "delete")
      s[t.table].erase(t.id);
    else
      FAIL("unknown op " << t.op);
  }
}

// The first differences between two states, for the failure message.
std::string diff_states(const State& want, const State& got) {
  std::ostringstream o;
  int shown = 0;
  std::set<std::string> tables;
  for (auto& [t, _] : want) tables.insert(t);
  for (auto& [t, _] : got) tables.insert(t);
  for (const auto& t : tables) {
    static const std::map<std::string, std::string> empty;
    const auto& w = want.count(t) ? want.at(t) : empty;
    const auto& g = got.count(t) ? got.at(t) : empty;
    o << "\n  table " << t << ": final load has " << w.size() << " rows, replay has " << g.size();
    for (auto& [id, c] : w) {
      auto it = g.find(id);
      if (it == g.end() || it->second != c) {
        if (++shown > 12) break;
        o << "\n    id " << id << "\n      final load: " << c
          << "\n      replay:     " << (it == g.end() ? "(absent)" : it->second);
      }
    }
    for (auto& [id, c] : g)
      if (!w.count(id) && ++shown <= 12) o << "\n    id " << id << " only in replay: " << c;
  }
  return o.str();
}

std::vector<std::string> table_args() {
  return {kTables[0], kTables[1], kTables[2], kTables[3]};
}

State load_state(const std::string& socket, const std::string& db, std::vector<std::string> extra) {
  for (auto& t : table_args()) extra.push_back(t);
  RunResult r = run_dumpr("load", socket, db, extra);
  REQUIRE_MESSAGE(r.exit_code == 0, "load: " << dumpr_live::describe(r));
  State s;
  for (auto& t : table_args()) s[t];
  apply_tuples(s, split_tuples(r.out));
  return s;
}

}  // namespace

TEST_CASE(
    "replay: load's snapshot plus tail's changes equal the final tables, with tail killed and "
    "restarted too") {
  DiffSandbox& sbx = diff_sandbox();
  const std::string db = "dumpr_replay";
  const std::uint64_t seed = test_seed("replay");
  Rng rng(seed);
  GlobalSetting zone(sbx.socket(), "time_zone", "+05:30");
  {
    Client admin(sbx.socket());
    admin.exec("DROP DATABASE IF EXISTS " + db);
    admin.exec("CREATE DATABASE " + db + " CHARACTER SET utf8mb4");
  }
  Client c(sbx.socket(), db);
  c.exec("SET SESSION sql_mode = '', time_zone = '-03:00'");
  for (const char* ddl : kSchema) c.exec(ddl);
  // A starting population: ~1500 rows a table.
  for (int t = 0; t < 4; ++t)
    for (int batch = 0; batch < 15; ++batch) c.exec(insert_rows(rng, t, 100, true));

  TempDir dir;
  Writer writer;
  writer.start(sbx.socket(), db, rng());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const std::size_t before_load = writer.transactions.load();
  State snapshot_state;
  std::string snapshot_out;
  {
    std::vector<std::string> args = {"--checkpoint", dir / "c.json"};
    for (auto& t : table_args()) args.push_back(t);
    RunResult r = run_dumpr("load", sbx.socket(), db, args);
    REQUIRE_MESSAGE(r.exit_code == 0, "load: " << dumpr_live::describe(r));
    snapshot_out = r.out;
  }
  const std::size_t during_load = writer.transactions.load() - before_load;
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  writer.finish();
  REQUIRE_MESSAGE(writer.error.empty(), "writer: " << writer.error);
  MESSAGE("replay: writer ran " << writer.transactions.load() << " transactions ("
                                << writer.statements.load() << " statements), " << during_load
                                << " of them while load ran");
  CHECK(during_load > 0);

  const State final_state = load_state(sbx.socket(), db, {});
  std::size_t final_rows = 0;
  for (auto& [t, rows] : final_state) final_rows += rows.size();

  // 1. One uninterrupted tail from the load's checkpoint.
  std::size_t tail_lines = 0;
  {
    std::filesystem::copy_file(dir / "c.json", dir / "c1.json");
    RunResult r = run_dumpr("tail", sbx.socket(), db, {"--from", dir / "c1.json", "--until-end"});
    REQUIRE_MESSAGE(r.exit_code == 0, "tail: exit " << r.exit_code << " " << r.err);
    State s;
    for (auto& t : table_args()) s[t];
    apply_tuples(s, split_tuples(snapshot_out));
    auto changes = split_tuples(r.out);
    tail_lines = changes.size();
    apply_tuples(s, changes);
    MESSAGE("replay: snapshot " << split_tuples(snapshot_out).size() << " rows, tail " << tail_lines
                                << " changes, final " << final_rows << " rows");
    CHECK_MESSAGE(s == final_state, "snapshot + tail differs from the final tables (seed "
                                        << seed << "):" << diff_states(final_state, s));
  }
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
    apply_tuples(s, split_tuples(snapshot_out));
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
    CHECK_MESSAGE(s == final_state,
                  "snapshot + killed/restarted tails differ from the final tables (seed "
                      << seed << "):" << diff_states(final_state, s));
  }

  Client admin(sbx.socket());
  admin.exec("DROP DATABASE IF EXISTS " + db);
}
