// --format debezium, --format maxwell and --before: the replay scenario (four tables of most
// column types, a random writer during the load) consumed in each format. A consumer that knows
// only the table keys rebuilds the final tables from Debezium's before/after and from Maxwell's
// data, and every old row a format shows (Debezium's "before", Maxwell's "old", dumpr's
// --before) is exactly the row the consumer held before that change.
#include "live/replay_support.hpp"

using namespace dumpr_replay;

namespace {

// The key columns of each replay table, in key order.
const std::map<std::string, std::vector<std::string>>& key_columns() {
  static const std::map<std::string, std::vector<std::string>> k = {
      {"r_plain", {"id"}},
      {"r_composite", {"a", "b", "c"}},
      {"r_binary_key", {"k"}},
      {"r_uuid", {"u"}}};
  return k;
}

std::string member(const std::vector<std::pair<std::string, std::string>>& m,
                   const std::string& key) {
  for (const auto& [k, v] : m)
    if (k == key) return v;
  throw std::runtime_error("no member " + key);
}

// The id as dumpr writes it: the key column's value, or an array of them.
std::string id_of(const std::string& table, const std::string& row) {
  const auto members = object_members(row);
  const auto& cols = key_columns().at(table);
  if (cols.size() == 1) return member(members, cols[0]);
  std::string id = "[";
  for (std::size_t i = 0; i < cols.size(); ++i) id += (i ? "," : "") + member(members, cols[i]);
  return id + "]";
}

std::string unquoted(const std::string& raw) {
  return raw.size() >= 2 ? raw.substr(1, raw.size() - 2) : raw;
}

struct Applied {
  std::size_t changes = 0, olds_checked = 0;
};

// Applies Debezium change events; `before` of u and d must be the row held.
Applied apply_debezium(State& s, const std::string& out) {
  Applied a;
  for (const std::string& line : dumpr_live::split_lines(out)) {
    const auto m = object_members(line);
    const auto source = object_members(member(m, "source"));
    const std::string table = unquoted(member(source, "table"));
    const std::string op = unquoted(member(m, "op"));
    const std::string before = member(m, "before"), after = member(m, "after");
    INFO("debezium: " << line);
    REQUIRE(member(source, "connector") == "\"mysql\"");
    if (op == "c" || op == "r" || op == "u") {
      // c and r have no old row; u has one (checked against the row held below).
      if (op == "u")
        REQUIRE(before != "null");
      else
        REQUIRE(before == "null");
      const std::string id = id_of(table, after);
      if (op == "u") {
        REQUIRE(s[table].count(id) == 1);
        CHECK(before == s[table][id]);
        ++a.olds_checked;
      }
      CHECK(member(source, "snapshot") == (op == "r" ? "\"true\"" : "\"false\""));
      s[table][id] = after;
    } else if (op == "d") {
      REQUIRE(after == "null");
      const std::string id = id_of(table, before);
      REQUIRE(s[table].count(id) == 1);
      CHECK(before == s[table][id]);
      ++a.olds_checked;
      s[table].erase(id);
    } else {
      FAIL("unexpected op " << op);
    }
    ++a.changes;
  }
  return a;
}

// Applies Maxwell events; "old" lists exactly the changed columns, with the held row's values.
Applied apply_maxwell(State& s, const std::string& out) {
  Applied a;
  std::size_t commits = 0;
  for (const std::string& line : dumpr_live::split_lines(out)) {
    const auto m = object_members(line);
    const std::string table = unquoted(member(m, "table"));
    const std::string type = unquoted(member(m, "type"));
    const std::string data = member(m, "data");
    const std::string id = id_of(table, data);
    INFO("maxwell: " << line);
    for (const auto& [k, v] : m) commits += k == "commit";
    if (type == "insert") {
      s[table][id] = data;
    } else if (type == "update") {
      REQUIRE(s[table].count(id) == 1);
      const auto held = object_members(s[table][id]);
      const auto now = object_members(data);
      std::map<std::string, std::string> old;
      for (const auto& [k, v] : m)
        if (k == "old")
          for (const auto& [ck, cv] : object_members(v)) old[ck] = cv;
      REQUIRE(held.size() == now.size());
      for (std::size_t i = 0; i < now.size(); ++i) {
        const bool changed = held[i].second != now[i].second;
        CHECK(old.count(now[i].first) == (changed ? 1u : 0u));
        if (changed) CHECK(old[now[i].first] == held[i].second);
      }
      ++a.olds_checked;
      s[table][id] = data;
    } else if (type == "delete") {
      REQUIRE(s[table].count(id) == 1);
      CHECK(data == s[table][id]);
      s[table].erase(id);
    } else {
      FAIL("unexpected type " << type);
    }
    ++a.changes;
  }
  CHECK(commits > 0);
  return a;
}

// Applies dumpr tuples with --before: an update's metadata "before" is the row held.
Applied apply_dumpr_before(State& s, const std::string& out) {
  Applied a;
  for (const RawTuple& t : split_tuples(out)) {
    INFO("dumpr --before: " << t.content << " " << t.metadata);
    const auto meta = object_members(t.metadata);
    std::string before;
    for (const auto& [k, v] : meta)
      if (k == "before") before = v;
    if (t.op == "upsert") {
      auto it = s[t.table].find(t.id);
      bool moved = false;
      for (const auto& [k, v] : meta) moved = moved || k == "moved_from";
      if (it != s[t.table].end() && !moved && it->second != t.content) {
        // An update of a held row: its old row comes along.
        CHECK(before == it->second);
        ++a.olds_checked;
      } else if (it == s[t.table].end()) {
        CHECK(before.empty());  // an insert has no old row
      }
      s[t.table][t.id] = t.content;
    } else if (t.op == "delete") {
      CHECK(before.empty());
      s[t.table].erase(t.id);
    } else {
      FAIL("unexpected op " << t.op);
    }
    ++a.changes;
  }
  return a;
}

}  // namespace

TEST_CASE("formats: debezium, maxwell and --before replay to the final tables, old rows exact") {
  DiffSandbox& sbx = diff_sandbox();
  const std::string db = "dumpr_formats";
  const std::uint64_t seed = test_seed("formats");
  Rng rng(seed);
  TempDir dir;
  const ReplayLoad load = replay_load(sbx, db, rng, dir, {"--format", "debezium"});
  REQUIRE(load.during_load > 0);

  State snapshot;
  for (auto& t : table_args()) snapshot[t];
  const Applied snap = apply_debezium(snapshot, load.snapshot_out);
  CHECK(snap.olds_checked == 0);

  auto tail = [&](const std::string& name, std::vector<std::string> args) {
    std::filesystem::copy_file(dir / "c.json", dir / name,
                               std::filesystem::copy_options::overwrite_existing);
    args.insert(args.end(), {"--from", dir / name, "--until-end"});
    RunResult r = run_dumpr("tail", sbx.socket(), db, args);
    REQUIRE_MESSAGE(r.exit_code == 0, name << ": " << dumpr_live::describe(r));
    return r.out;
  };

  State s = snapshot;
  const Applied d =
      apply_debezium(s, tail("d.json", {"--format", "debezium", "--server-name", "t"}));
  CHECK_MESSAGE(s == load.final_state, "debezium replay differs (seed "
                                           << seed << "):" << diff_states(load.final_state, s));
  CHECK(d.changes > 1000);
  CHECK(d.olds_checked > 500);

  s = snapshot;
  const Applied m = apply_maxwell(s, tail("m.json", {"--format", "maxwell"}));
  CHECK_MESSAGE(s == load.final_state, "maxwell replay differs (seed "
                                           << seed << "):" << diff_states(load.final_state, s));
  CHECK(m.changes == d.changes);
  CHECK(m.olds_checked > 500);

  s = snapshot;
  const Applied b = apply_dumpr_before(s, tail("b.json", {"--before"}));
  CHECK_MESSAGE(s == load.final_state, "dumpr --before replay differs (seed "
                                           << seed << "):" << diff_states(load.final_state, s));
  CHECK(b.olds_checked > 500);
  MESSAGE("formats: " << d.changes << " changes in each format; old rows checked: debezium "
                      << d.olds_checked << ", maxwell " << m.olds_checked << ", --before "
                      << b.olds_checked);

  // Bad combinations are usage errors, before anything is written.
  RunResult bad = run_dumpr("tail", sbx.socket(), db,
                            {"--format", "maxwell", "--before", "--from", dir / "c.json"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.empty());
  CHECK(bad.err.find("--before goes with --format dumpr") != std::string::npos);
  bad = run_dumpr("load", sbx.socket(), db, {"--format", "avro", "r_plain"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.empty());

  Client admin(sbx.socket());
  admin.exec("DROP DATABASE IF EXISTS " + db);
}
