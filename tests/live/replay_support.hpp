// The replay scenario, shared by the replay test and the `load --jobs` test: four tables of
// different key shapes, a writer running a random mix of inserts, updates, primary-key changes
// and deletes (multi-statement transactions, rollbacks, multi-row statements), and a consumer's
// state (table -> id -> content) built by applying load's snapshot and then tail's changes.
#pragma once

#include <atomic>
#include <cinttypes>
#include <cstdarg>
#include <set>

#include "live/diff_support.hpp"

namespace dumpr_replay {

using namespace dumpr_diff;
using dumpr_live::TempDir;

inline const char* const kTables[] = {"r_plain", "r_composite", "r_binary_key", "r_uuid"};

inline const char* const kSchema[] = {
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

// MySQL has no UUID type: there r_uuid keeps the same keys as text, CHAR(36) in ASCII (the way
// MySQL schemas commonly hold UUIDs); everything else is the same SQL on both servers.
inline std::string portable_ddl(std::string ddl) {
  if (!dumpr_live::server_is_mysql()) return ddl;
  const std::string uuid = "u UUID NOT NULL";
  if (auto at = ddl.find(uuid); at != std::string::npos)
    ddl.replace(at, uuid.size(), "u CHAR(36) CHARACTER SET ascii NOT NULL");
  return ddl;
}

// Keys of each table, from a small space so that inserts collide with deletes and key changes.
inline constexpr int kKeySpace = 3000;

inline std::string key_plain(int n) {
  return std::to_string(n);
}
inline std::string key_composite_where(int n) {
  static const char* bs[] = {"alpha", "beta", "gamma", "d\xC3\xA9lta", "\xF0\x9F\x9A\x80",
                             "e",     "",     "zz z"};
  return fmt("a = %d AND b = _utf8mb4 X'%s' AND c = '2024-01-%02d'", n / 80, hex(bs[n % 8]).c_str(),
             1 + (n / 8) % 10);
}
inline std::string key_composite_values(int n) {
  static const char* bs[] = {"alpha", "beta", "gamma", "d\xC3\xA9lta", "\xF0\x9F\x9A\x80",
                             "e",     "",     "zz z"};
  return fmt("%d, _utf8mb4 X'%s', '2024-01-%02d'", n / 80, hex(bs[n % 8]).c_str(),
             1 + (n / 8) % 10);
}
inline std::string key_binary(int n) {
  std::string k = fmt("%08X", static_cast<unsigned>(n) * 2654435761u);
  return "X'" + k.substr(0, 2 + 2 * (n % 4)) + "'";  // 1 to 4 bytes, trailing zeros kept
}
inline std::string key_uuid(int n) {
  return fmt("'00000000-0000-0000-0000-%012x'", n);
}

inline std::string random_text(Rng& r) {
  static const char* words[] = {"ab", "z\xC3\xA9", "\xF0\x9F\x99\x82", " ", "q\"", "\\", "x"};
  std::string s;
  for (int i = static_cast<int>(uni(r, 0, 6)); i > 0; --i) s += words[uni(r, 0, 6)];
  return "_utf8mb4 X'" + hex(s) + "'";
}

// The non-key columns of a table as "col = value, ..." (for UPDATE) or "value, ..." (for INSERT).
struct Values {
  std::string assign, list;
};

inline Values random_values(Rng& r, int table) {
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

inline std::string key_where(int table, int n) {
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
inline std::string key_values(int table, int n) {
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
inline std::string key_assign(int table, int n) {
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

inline std::string insert_rows(Rng& r, int table, int count, bool ignore) {
  std::string sql =
      std::string(ignore ? "INSERT IGNORE INTO " : "INSERT INTO ") + kTables[table] + " VALUES ";
  for (int i = 0; i < count; ++i) {
    int n = static_cast<int>(uni(r, 1, kKeySpace));
    sql += (i ? ", (" : "(") + key_values(table, n) + ", " + random_values(r, table).list + ")";
  }
  return sql;
}

// One random statement.
inline std::string random_statement(Rng& r) {
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

inline void apply_tuples(State& s, const std::vector<RawTuple>& ts) {
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
inline std::string diff_states(const State& want, const State& got) {
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

inline std::vector<std::string> table_args() {
  return {kTables[0], kTables[1], kTables[2], kTables[3]};
}

inline State load_state(const std::string& socket, const std::string& db,
                        std::vector<std::string> extra) {
  for (auto& t : table_args()) extra.push_back(t);
  RunResult r = run_dumpr("load", socket, db, extra);
  REQUIRE_MESSAGE(r.exit_code == 0, "load: " << dumpr_live::describe(r));
  State s;
  for (auto& t : table_args()) s[t];
  apply_tuples(s, split_tuples(r.out));
  return s;
}

// The scenario up to the load: database `db` made fresh with the four tables (~1500 rows each),
// the writer started, and `dumpr load LOAD_ARGS --checkpoint DIR/c.json TABLES` run while it
// writes; then the writer stops and the tables' final contents are loaded as well.
struct ReplayLoad {
  std::string snapshot_out;  // the load's stdout
  State final_state;
  std::size_t final_rows = 0;
  std::size_t during_load = 0;  // transactions the writer committed while the load ran
};

inline ReplayLoad replay_load(DiffSandbox& sbx, const std::string& db, Rng& rng, const TempDir& dir,
                              const std::vector<std::string>& load_args) {
  {
    Client admin(sbx.socket());
    admin.exec("DROP DATABASE IF EXISTS " + db);
    admin.exec("CREATE DATABASE " + db + " CHARACTER SET utf8mb4");
  }
  Client c(sbx.socket(), db);
  c.exec("SET SESSION sql_mode = '', time_zone = '-03:00'");
  for (const char* ddl : kSchema) c.exec(portable_ddl(ddl));
  for (int t = 0; t < 4; ++t)
    for (int batch = 0; batch < 15; ++batch) c.exec(insert_rows(rng, t, 100, true));

  ReplayLoad out;
  Writer writer;
  writer.start(sbx.socket(), db, rng());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const std::size_t before_load = writer.transactions.load();
  {
    std::vector<std::string> args = load_args;
    args.insert(args.end(), {"--checkpoint", dir / "c.json"});
    for (auto& t : table_args()) args.push_back(t);
    RunResult r = run_dumpr("load", sbx.socket(), db, args);
    REQUIRE_MESSAGE(r.exit_code == 0, "load: " << dumpr_live::describe(r));
    CHECK_MESSAGE(r.err.empty(), "load: " << r.err);
    out.snapshot_out = r.out;
  }
  out.during_load = writer.transactions.load() - before_load;
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  writer.finish();
  REQUIRE_MESSAGE(writer.error.empty(), "writer: " << writer.error);
  MESSAGE("replay: writer ran " << writer.transactions.load() << " transactions ("
                                << writer.statements.load() << " statements), " << out.during_load
                                << " of them while load ran");
  out.final_state = load_state(sbx.socket(), db, {});
  for (auto& [t, rows] : out.final_state) out.final_rows += rows.size();
  return out;
}

// The snapshot, then one uninterrupted `tail --until-end` from a copy of its checkpoint: the
// state must be the final one. Returns how many changes the tail wrote.
inline std::size_t check_snapshot_plus_tail(DiffSandbox& sbx, const std::string& db,
                                            const ReplayLoad& load, const TempDir& dir,
                                            std::uint64_t seed) {
  std::filesystem::copy_file(dir / "c.json", dir / "c1.json",
                             std::filesystem::copy_options::overwrite_existing);
  RunResult r = run_dumpr("tail", sbx.socket(), db, {"--from", dir / "c1.json", "--until-end"});
  REQUIRE_MESSAGE(r.exit_code == 0, "tail: exit " << r.exit_code << " " << r.err);
  State s;
  for (auto& t : table_args()) s[t];
  apply_tuples(s, split_tuples(load.snapshot_out));
  auto changes = split_tuples(r.out);
  apply_tuples(s, changes);
  MESSAGE("replay: snapshot " << split_tuples(load.snapshot_out).size() << " rows, tail "
                              << changes.size() << " changes, final " << load.final_rows
                              << " rows");
  CHECK_MESSAGE(s == load.final_state, "snapshot + tail differs from the final tables (seed "
                                           << seed << "):" << diff_states(load.final_state, s));
  return changes.size();
}

}  // namespace dumpr_replay
