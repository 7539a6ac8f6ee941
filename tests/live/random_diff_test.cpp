// The randomised differential test: the main proof that dumpr is exact.
//
// Each seed makes 1 to 3 random tables (random_schema.hpp: 4 to 20 columns of every type with its
// modifiers, in random order, a random primary key of 1 to 3 key-able columns), fills them, and
// then, under each combination of binlog_row_metadata (FULL, MINIMAL) and binlog_row_image (FULL,
// MINIMAL, NOBLOB), runs the same random workload from a fresh copy of the tables: inserts (some
// naming only some columns), updates (some of the key), deletes, REPLACE, INSERT ... ON DUPLICATE
// KEY UPDATE, multi-row statements, TRUNCATE, DROP TABLE and CREATE again, in multi-statement
// transactions (some rolled back).
// Two checks per run:
//   (a) `load --checkpoint` before the writes, plus `tail` from that checkpoint replayed by a
//       consumer that follows the documented rules (below), equals a `load` taken at the end,
//       value for value;
//   (b) both loads equal what the server itself says of each value (its text, HEX() of bytes,
//       the exact double of a FLOAT), turned into dumpr's documented form (man dumpr, VALUES)
//       by this test, not by dumpr's code.
// The replaying consumer: "upsert" replaces the row of its id, or, with "partial": true in the
// metadata, merges its columns into it; "delete" removes the id; an upsert whose metadata has
// "moved_from": <old id> follows the delete of that old id, and when partial, the columns it lacks
// come from the row the old id had just before that delete; "truncate" (id null) empties the
// table.
// Under binlog_row_image MINIMAL and NOBLOB the server does not log every value (man dumpr,
// LIMITS): MINIMAL never logs a VIRTUAL column, and of a new row it logs only the columns the
// INSERT named (and STORED generated columns, BLOB and TEXT columns with a DEFAULT); NOBLOB
// leaves out the BLOB, TEXT and JSON columns it did not name (but those with a DEFAULT). The
// consumer holds such cells as unknown, one by one, until a later change logs the column (a key
// change carries them over); check (a) leaves them out and counts them. Only those: a new row must
// have exactly the columns the server logs of one of the workload's INSERTs, and an unknown cell of
// a column the server logs fails the run.
//
// Seeds: a fixed budget in CI (seeds 1 to kCiSeeds under FULL row images, 1 to
// kCiPartialImageSeeds under MINIMAL and NOBLOB, whose runs take longer); DUMPR_RANDOM_SEEDS=N
// runs N seeds under every mode from a random start (or from DUMPR_RANDOM_FIRST_SEED),
// DUMPR_RANDOM_SEED=S reruns one, DUMPR_RANDOM_MODE=META/IMAGE (comma-separated) limits the
// modes. scripts/random-test wraps these. A failure prints the seed, the mode, the CREATE TABLE,
// the ids, columns, expected and actual values, the files with every statement and dumpr's
// output, and the command that reruns exactly that run.
#include <chrono>
#include <iostream>
#include <set>

#include "live/random_workload.hpp"

using namespace dumpr_random;
using dumpr_live::TempDir;

namespace {

constexpr std::uint64_t kCiSeeds = 24, kCiPartialImageSeeds = 16;

struct Mode {
  std::string metadata, image;
  std::string label() const { return metadata + "/" + image; }
};

const std::vector<Mode> kModes = {{"FULL", "FULL"},       {"FULL", "MINIMAL"},
                                  {"FULL", "NOBLOB"},     {"MINIMAL", "FULL"},
                                  {"MINIMAL", "MINIMAL"}, {"MINIMAL", "NOBLOB"}};

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::vector<Mode> modes_to_run() {
  const char* env = std::getenv("DUMPR_RANDOM_MODE");
  if (!env || !*env || upper(env) == "ALL") return kModes;
  std::vector<Mode> out;
  std::string list = upper(env);
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t comma = list.find(',', start);
    std::string one =
        list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    bool found = false;
    for (const auto& m : kModes)
      if (m.label() == one) {
        out.push_back(m);
        found = true;
      }
    if (!found)
      FAIL("DUMPR_RANDOM_MODE: unknown mode '"
           << one
           << "' (use META/IMAGE, META one of FULL and MINIMAL, "
              "IMAGE one of FULL, MINIMAL, NOBLOB)");
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::vector<std::uint64_t> seeds_to_run() {
  if (const char* one = std::getenv("DUMPR_RANDOM_SEED"); one && *one)
    return {std::strtoull(one, nullptr, 0)};
  std::vector<std::uint64_t> seeds;
  if (const char* n = std::getenv("DUMPR_RANDOM_SEEDS"); n && *n) {
    std::uint64_t first;
    if (const char* f = std::getenv("DUMPR_RANDOM_FIRST_SEED"); f && *f)
      first = std::strtoull(f, nullptr, 0);
    else
      first = (std::random_device{}() % 1000000) * 1000 + 1000;
    for (std::uint64_t i = 0, count = std::strtoull(n, nullptr, 0); i < count; ++i)
      seeds.push_back(first + i);
    return seeds;
  }
  for (std::uint64_t s = 1; s <= kCiSeeds; ++s) seeds.push_back(s);
  return seeds;
}

// Whether the CI budget leaves out `seed` under `mode`.
bool beyond_ci_budget(std::uint64_t seed, const Mode& mode) {
  for (const char* v : {"DUMPR_RANDOM_SEED", "DUMPR_RANDOM_SEEDS"})
    if (const char* e = std::getenv(v); e && *e) return false;
  return mode.image != "FULL" && seed > kCiPartialImageSeeds;
}

// ---------------------------------------------------------------------------------------------
// The tables of a seed.

std::vector<Table> make_schema(std::uint64_t seed, Flavor f) {
  Rng r(seed);
  std::vector<Table> tables;
  for (int i = 0, n = static_cast<int>(uni(r, 1, 3)); i < n; ++i)
    tables.push_back(random_table(r, "t" + std::to_string(i), f));
  return tables;
}

std::vector<std::string> table_names(const std::vector<Table>& tables) {
  std::vector<std::string> v;
  for (const auto& t : tables) v.push_back(t.name);
  return v;
}

// DUMPR_RANDOM_TRUNCATE=0 leaves TRUNCATE and DROP TABLE out (when their rows stay in a replay,
// that hides the rest).
bool truncate_enabled() {
  const char* e = std::getenv("DUMPR_RANDOM_TRUNCATE");
  return !e || std::string(e) != "0";
}

// Transactions: single statements, or BEGIN ... COMMIT (or ROLLBACK) of 2 to 6; now and then
// TRUNCATE, DROP TABLE and CREATE again (each commits on its own), FLUSH BINARY LOGS. Returns the
// tables it truncated or dropped; `named` gets the columns of its INSERTs.
std::set<std::string> workload(Rng& r, Writer& w, const std::vector<Table>& tables, Named& named) {
  std::set<std::string> emptied;
  for (int tx = 0, n = static_cast<int>(uni(r, 15, 35)); tx < n; ++tx) {
    if (chance(r, 0.04)) {  // every row gone at once: TRUNCATE, or DROP TABLE and CREATE again
      const Table& t = pick(r, tables);
      const bool drop = chance(r, 0.3);
      if (!truncate_enabled()) continue;
      emptied.insert(t.name);
      if (drop) {
        w.exec("DROP TABLE " + t.name);
        w.exec(t.create_sql());
      } else {
        w.exec("TRUNCATE TABLE " + t.name);
      }
      continue;
    }
    if (chance(r, 0.02)) {  // tail follows the server to its next binlog file
      w.exec("FLUSH BINARY LOGS");
      continue;
    }
    const bool multi = chance(r, 0.55);
    if (multi) w.exec("BEGIN");
    for (int s = 0, m = multi ? static_cast<int>(uni(r, 2, 6)) : 1; s < m; ++s) {
      const Table& t = pick(r, tables);
      if (auto sql = random_statement(r, w, t, named)) w.exec(*sql);
    }
    if (multi) w.exec(chance(r, 0.1) ? "ROLLBACK" : "COMMIT");
  }
  return emptied;
}

// ---------------------------------------------------------------------------------------------
// The consumer's view: table -> id (raw JSON) -> column -> value (raw JSON).

using Content = std::map<std::string, std::string>;
using TableRows = std::map<std::string, Content>;
using State = std::map<std::string, TableRows>;

Content content_of(const std::string& raw) {
  Content c;
  for (auto& [k, v] : object_members(raw)) c[k] = v;
  return c;
}

// The same JSON value (ids from metadata against ids of tuples).
bool same_json(const std::string& a, const std::string& b) {
  auto ca = JsonCanon::of(a), cb = JsonCanon::of(b);
  return ca && cb && *ca == *cb;
}

std::string clip(const std::string& s, std::size_t n = 240) {
  return s.size() > n ? s.substr(0, n) + "... (" + std::to_string(s.size()) + " bytes)" : s;
}

// The id a tuple's content implies: its key columns' values (in key order; an array for a
// composite key), with the id's own values for the key columns the content lacks.
std::string id_from_content(const Table& table, const std::string& id, const Content& c) {
  std::vector<std::string> parts =
      table.key.size() == 1 ? std::vector<std::string>{id} : array_elements(id);
  if (parts.size() != table.key.size()) return id;
  for (std::size_t k = 0; k < table.key.size(); ++k)
    if (auto it = c.find(table.columns[table.key[k]].name); it != c.end()) parts[k] = it->second;
  if (table.key.size() == 1) return parts[0];
  std::string out = "[";
  for (std::size_t k = 0; k < parts.size(); ++k) out += (k ? "," : "") + parts[k];
  return out + "]";
}

// The replaying consumer's view. A cell is a value, or unknown to a consumer: a value the server
// never logged (man dumpr, LIMITS), tracked explicitly so that it is left out of check (a) and
// counted, cell by cell, and known again once a later change logs the column:
//   - kVirtual: a VIRTUAL generated column under binlog_row_image=MINIMAL, which never logs one:
//     of a new row, and of a held row when a change logs the column its expression reads;
//   - kUnnamed: a column an INSERT (or REPLACE) did not name, of the new row it wrote, that the
//     server does not log (unnamed_is_logged): under MINIMAL, under NOBLOB BLOB, TEXT and JSON.
// A key change carries the unknown cells of the old id over (moved_from).
enum class Unknown { kNo, kVirtual, kUnnamed };
struct Cell {
  std::string value;  // raw JSON, when known
  Unknown unknown = Unknown::kNo;
};
using Cells = std::map<std::string, Cell>;
using ReplayRows = std::map<std::string, Cells>;
using ReplayState = std::map<std::string, ReplayRows>;

ReplayState replay_state_of(const State& s) {
  ReplayState out;
  for (const auto& [table, rows] : s) {
    auto& to = out[table];
    for (const auto& [id, content] : rows)
      for (const auto& [col, v] : content) to[id][col] = Cell{v, Unknown::kNo};
  }
  return out;
}

// What the server logs of a column of a new row it did not name (MariaDB 10.11, seen with
// mariadb-binlog -v; MySQL 9.7 by this test): a BLOB or TEXT column's DEFAULT is an expression
// the server evaluates and writes, so it is logged under every image; NOBLOB leaves out BLOB,
// TEXT and JSON columns (not GEOMETRY) on MariaDB, where JSON is a LONGTEXT, and only BLOB and
// TEXT on MySQL (whose NOBLOB test is the field type MYSQL_TYPE_BLOB: JSON, GEOMETRY and VECTOR
// have types of their own); MINIMAL every other column.
bool unnamed_is_logged(const Column& c, const std::string& image) {
  if (c.blob && !c.default_sql.empty()) return true;
  const bool noblob_leaves_out = c.flavor == Flavor::MySQL
                                     ? c.type == Type::Text || c.type == Type::Bytes
                                     : c.type != Type::Geometry;
  return image == "NOBLOB" && !(c.blob && noblob_leaves_out);
}

// Whether a new row's partial upsert has exactly the columns the server logs of an INSERT (or
// REPLACE) of the workload: the ones it named, and unnamed_is_logged(); no VIRTUAL column under
// MINIMAL, every other generated column. If so, `unknown` gets the cells it lacks; if not,
// `unlogged` names them.
bool explained_new_row(const Table& table, const Content& c, const std::string& image,
                       const Named& named, std::map<std::string, Unknown>& unknown,
                       std::string& unlogged) {
  unknown.clear();
  std::vector<const Column*> lacking;
  for (const auto& col : table.columns)
    if (!c.count(col.name)) lacking.push_back(&col);
  if (lacking.empty()) return true;
  static const std::set<std::set<std::string>> none;
  const auto it = named.find(table.name);
  for (const auto& names : it == named.end() ? none : it->second) {
    bool fits = image != "FULL";
    for (const auto& col : table.columns) {
      const bool logged = c.count(col.name) > 0;
      if (!col.insertable())
        fits = fits && (logged || (image == "MINIMAL" && !col.stored));
      else
        fits = fits && logged == (names.count(col.name) || unnamed_is_logged(col, image));
    }
    if (!fits) continue;
    for (const Column* col : lacking)
      unknown[col->name] = col->insertable() ? Unknown::kUnnamed : Unknown::kVirtual;
    return true;
  }
  for (const Column* col : lacking) unlogged += (unlogged.empty() ? "" : ", ") + col->name;
  return false;
}

// Applies tuples by the consumer rules above; breaches of those rules go to `issues`. `image` is
// the binlog_row_image of the run, `named` the columns its INSERTs named.
void replay(ReplayState& s, const std::vector<RawTuple>& ts, const std::vector<Table>& tables,
            const std::string& image, const Named& named,
            std::vector<std::pair<std::string, std::string>>& issues) {
  struct Deleted {
    std::string table, id;
    std::optional<Cells> row;
  };
  std::optional<Deleted> last_deleted;
  auto note = [&](const char* kind, const std::string& details) {
    if (issues.size() < 20) issues.emplace_back(kind, details);
  };
  for (const auto& t : ts) {
    if (t.op == "upsert") {
      bool partial = false;
      std::optional<std::string> moved_from;
      if (t.metadata != "null")
        for (auto& [k, v] : object_members(t.metadata)) {
          if (k == "partial") partial = v == "true";
          if (k == "moved_from") moved_from = v;
        }
      const Content c = content_of(t.content);
      ReplayRows& rows = s[t.table];
      const Table* table = nullptr;
      for (const auto& x : tables)
        if (x.name == t.table) table = &x;
      // The content's key columns must be the id.
      if (table && !same_json(id_from_content(*table, t.id, c), t.id))
        note("an upsert whose content has other key values than its id",
             t.table + " " + t.id + ": " + clip(t.content, 200));
      Cells row;
      if (!partial) {
        // The whole row.
      } else if (moved_from) {
        if (last_deleted && last_deleted->table == t.table &&
            same_json(last_deleted->id, *moved_from)) {
          if (last_deleted->row)
            row = *last_deleted->row;
          else
            note("a partial upsert moved from a row the consumer did not hold",
                 t.table + " " + t.id + " moved from " + *moved_from);
        } else {
          note("moved_from does not name the row deleted just before",
               t.table + " " + t.id + " moved from " + *moved_from + ", the last delete: " +
                   (last_deleted ? last_deleted->table + " " + last_deleted->id : "none"));
        }
      } else if (auto it = rows.find(t.id); it != rows.end()) {
        row = it->second;
      } else if (table) {
        // A new row: the columns it lacks must be ones the server does not log (or a key change
        // lost its moved_from, if right after a delete).
        std::map<std::string, Unknown> unknown;
        std::string unlogged;
        if (explained_new_row(*table, c, image, named, unknown, unlogged)) {
          for (const auto& [col, why] : unknown) row[col] = Cell{"", why};
        } else {
          const RawTuple* prev = &t == &ts.front() ? nullptr : &t - 1;
          note(prev && prev->op == "delete" && prev->table == t.table
                   ? "a key change without moved_from (a partial upsert of a new id right after "
                     "a delete, not the columns an INSERT logs)"
                   : "a new row without the columns an INSERT logs (a partial upsert of an id "
                     "the consumer does not hold)",
               t.table + " " + t.id + " lacks " + unlogged + ": " + clip(t.content, 200));
        }
      }
      for (const auto& [k, v] : c) row[k] = Cell{v, Unknown::kNo};
      // MINIMAL never logs a VIRTUAL column: when the change logs the column it reads, its value
      // may have changed.
      if (partial && table && image == "MINIMAL")
        for (const auto& col : table->columns)
          if (!col.generated.empty() && !col.stored && !c.count(col.name) && c.count(col.source))
            row[col.name] = Cell{"", Unknown::kVirtual};
      rows[t.id] = std::move(row);
    } else if (t.op == "delete") {
      ReplayRows& rows = s[t.table];
      auto it = rows.find(t.id);
      last_deleted = Deleted{t.table, t.id, std::nullopt};
      if (it != rows.end()) {
        last_deleted->row = std::move(it->second);
        rows.erase(it);
      }
    } else if (t.op == "truncate") {
      if (t.id != "null" || t.content != "null")
        note("a truncate with an id or content", t.table + " " + t.id + " " + clip(t.content, 200));
      s[t.table].clear();
    } else {
      note("an unknown op", t.op);
    }
  }
}

State state_of(const std::vector<std::string>& tables, const std::vector<RawTuple>& ts) {
  State s;
  for (const auto& t : tables) s[t];
  for (const auto& t : ts) {
    if (t.op != "upsert") throw std::runtime_error("load wrote op " + t.op);
    s[t.table][t.id] = content_of(t.content);
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Findings.

struct Finding {
  std::string check;  // "(a) replay" or "(b) load<N> vs server"
  std::string table, id, column, column_type, expected, actual;
};

std::string type_of(const std::vector<Table>& tables, const std::string& table,
                    const std::string& column) {
  for (const auto& t : tables)
    if (t.name == table)
      if (const Column* c = t.find(column)) return c->ddl().substr(c->name.size() + 1);
  return "";
}

// Cells the comparison left out because no consumer can know them (see Unknown).
struct UnknownCount {
  std::size_t virtual_columns = 0, unnamed = 0;
  std::size_t total() const { return virtual_columns + unnamed; }
};

// (a): the final load against the replay, value for value, but for the replay's unknown cells,
// which are counted in `unknown`. An unknown cell of a column the server logs under `image` (a
// key column, a column under FULL, ...) is a finding: the replay has no reason to lose it.
void compare_states(const std::vector<Table>& tables, const State& want, const ReplayState& got,
                    const std::string& image, std::vector<Finding>& out, UnknownCount& unknown) {
  for (const auto& t : tables) {
    static const TableRows empty;
    static const ReplayRows none;
    const TableRows& w = want.count(t.name) ? want.at(t.name) : empty;
    const ReplayRows& g = got.count(t.name) ? got.at(t.name) : none;
    for (const auto& [id, row] : w) {
      auto it = g.find(id);
      if (it == g.end()) {
        out.push_back(
            {"(a) replay", t.name, id, "", "", "row in the final load", "absent from the replay"});
        continue;
      }
      for (const auto& [col, v] : row) {
        auto c = it->second.find(col);
        if (c != it->second.end() && c->second.unknown != Unknown::kNo) {
          const Column* column = t.find(col);
          const bool is_virtual = column && !column->generated.empty() && !column->stored;
          const bool why = c->second.unknown == Unknown::kVirtual
                               ? is_virtual && image == "MINIMAL"
                               : column && column->insertable() && !column->in_key &&
                                     image != "FULL" && !unnamed_is_logged(*column, image);
          if (!why)
            out.push_back({"(a) replay", t.name, id, col, type_of(tables, t.name, col), clip(v),
                           "(unknown, yet the server logs this column)"});
          ++(c->second.unknown == Unknown::kVirtual ? unknown.virtual_columns : unknown.unnamed);
          continue;
        }
        std::string actual = c == it->second.end() ? "(column absent)" : c->second.value;
        if (actual != v)
          out.push_back(
              {"(a) replay", t.name, id, col, type_of(tables, t.name, col), clip(v), clip(actual)});
      }
      for (const auto& [col, v] : it->second)
        if (!row.count(col))
          out.push_back({"(a) replay", t.name, id, col, "", "(no such column in the load)",
                         v.unknown == Unknown::kNo ? clip(v.value) : "(unknown)"});
    }
    for (const auto& [id, row] : g)
      if (!w.count(id))
        out.push_back(
            {"(a) replay", t.name, id, "", "", "absent from the final load", "row in the replay"});
  }
}

// (b): every row of `load_out` against the server's text of the same table, read now. Rows whose
// id is not unique (on the server's side or in the load) are reported as such, not compared.
void check_against_server(Client& reader, const std::vector<Table>& tables,
                          const std::string& load_out, const std::string& label,
                          std::vector<Finding>& out) {
  std::map<std::string, std::map<std::string, std::string>> loaded;  // table -> id -> content
  std::set<std::pair<std::string, std::string>> twice;               // (table, id)
  for (const auto& t : split_tuples(load_out)) {
    auto id = JsonCanon::of(t.id);
    if (!loaded[t.table].emplace(id ? *id : t.id, t.content).second &&
        twice.emplace(t.table, id ? *id : t.id).second)
      out.push_back(
          {label, t.table, t.id, "", "", "one row per id", "the load wrote this id twice"});
  }
  for (const auto& t : tables) {
    std::string sel;
    for (const auto& c : t.columns) sel += (sel.empty() ? "" : ", ") + server_text_expr(c);
    struct Want {
      std::string id;
      std::vector<Expected> values;
      const dumpr_live::Row* row;
    };
    const auto rows = reader.query("SELECT " + sel + " FROM " + t.name);
    std::vector<Want> want;
    std::map<std::string, int> count;
    for (const auto& row : rows) {
      Want w{"", {}, &row};
      for (std::size_t i = 0; i < t.columns.size(); ++i)
        w.values.push_back(expected_value(t.columns[i], row[i]));
      if (t.key.size() == 1) {
        w.id = w.values[t.key[0]].text;
      } else {
        w.id = "[";
        for (std::size_t k = 0; k < t.key.size(); ++k)
          w.id += (k ? "," : "") + w.values[t.key[k]].text;
        w.id += "]";
      }
      ++count[w.id];
      want.push_back(std::move(w));
    }
    auto& got = loaded[t.name];
    for (const auto& w : want) {
      if (count[w.id] > 1) {
        if (count[w.id] > 0) {
          out.push_back({label, t.name, w.id, "", "", "one row per id",
                         "rows of the table that differ on the server have the same id (" +
                             std::to_string(count[w.id]) + " rows)"});
          count[w.id] = -1;  // reported
        }
        continue;
      }
      if (count[w.id] < 0 || twice.count({t.name, w.id})) continue;
      auto it = got.find(w.id);
      if (it == got.end()) {
        out.push_back({label, t.name, w.id, "", "", "row on the server", "absent from the load"});
        continue;
      }
      auto members = object_members(it->second);
      std::map<std::string, std::string> m(members.begin(), members.end());
      for (std::size_t i = 0; i < t.columns.size(); ++i) {
        const Column& c = t.columns[i];
        const auto& text = (*w.row)[i];
        auto v = m.find(c.name);
        if (v == m.end()) {
          out.push_back({label, t.name, w.id, c.name, type_of(tables, t.name, c.name),
                         w.values[i].text, "(column absent)"});
          continue;
        }
        if (!matches(w.values[i], v->second))
          out.push_back({label, t.name, w.id, c.name, type_of(tables, t.name, c.name),
                         clip(w.values[i].text) + "  (server text: " +
                             clip(text ? "'" + *text + "'" : std::string("NULL"), 120) + ")",
                         clip(v->second)});
      }
      bool in_order = members.size() == t.columns.size();
      for (std::size_t i = 0; in_order && i < members.size(); ++i)
        in_order = members[i].first == t.columns[i].name;
      if (!in_order)
        out.push_back(
            {label, t.name, w.id, "(column order)", "", "the table's order", clip(it->second)});
    }
    for (const auto& [id, content] : got)
      if (!count.count(id))
        out.push_back({label, t.name, id, "", "", "absent from the server", "row in the load"});
  }
}

// ---------------------------------------------------------------------------------------------
// One seed under one mode.

struct Outcome {
  std::vector<Finding> findings;
  // Breaches of the consumer rules seen while replaying: (kind, details).
  std::vector<std::pair<std::string, std::string>> issues;
  std::string problem;  // a run that did not complete (exit status, stderr)
  std::size_t rows = 0, changes = 0;
  UnknownCount unknown;  // cells of the replay no consumer can know, left out of (a)
};

std::string out_dir() {
  const char* d = std::getenv("DUMPR_RANDOM_OUT");
  return d && *d ? d : "/tmp/dumpr-random";
}

std::string rerun_command(std::uint64_t seed, const Mode& m, Flavor f) {
  const std::string env = truncate_enabled() ? "" : "DUMPR_RANDOM_TRUNCATE=0 ";
  return env + "scripts/random-test --seed " + std::to_string(seed) + " --mode " + m.label() +
         (f == Flavor::MySQL ? " --flavor mysql" : "") + "   (or: " + env +
         (f == Flavor::MySQL ? "DUMPR_SANDBOX_FLAVOR=mysql " : "") +
         "DUMPR_RANDOM_SEED=" + std::to_string(seed) + " DUMPR_RANDOM_MODE=" + m.label() +
         " build/dumpr_live_tests -tc='random differential*')";
}

// What one run leaves for a failure report.
struct RunFiles {
  RunResult load0, tail, load1;
};

void run_steps(DiffSandbox& sbx, std::uint64_t seed, const Mode& mode,
               const std::vector<Table>& tables, Writer& w, RunFiles& f, Outcome& o) {
  const std::string db = "dumpr_random";
  const auto names = table_names(tables);
  {
    Client admin(sbx.socket());
    w.logged("SET GLOBAL binlog_row_metadata = '" + mode.metadata + "'");
    for (std::string sql :
         {"DROP DATABASE IF EXISTS " + db, "CREATE DATABASE " + db + " CHARACTER SET utf8mb4"}) {
      w.logged(sql);
      admin.exec(sql);
    }
    // A fresh binlog file: the server scans the current one from its start to find a GTID
    // position (BINLOG_GTID_POS, in every load), and the big values make it grow fast. On the
    // private sandbox, the old files go too.
    admin.exec("FLUSH BINARY LOGS");
    if (const char* own = std::getenv("DUMPR_DIFF_SOCKET"); !own || !*own) {
      auto logs = admin.query("SHOW BINARY LOGS");
      if (!logs.empty() && logs.back()[0])
        admin.exec("PURGE BINARY LOGS TO '" + *logs.back()[0] + "'");
    }
  }
  w.exec("USE " + db);
  w.exec("SET SESSION sql_mode = '', time_zone = '-03:00', innodb_strict_mode = 0");
  for (const auto& t : tables) w.exec(t.create_sql());
  Rng fill_rng(seed * 0x9E3779B97F4A7C15ull + 1);
  fill(fill_rng, w, tables);

  Client reader(sbx.socket(), db);
  reader.exec("SET SESSION time_zone = '+00:00'");
  TempDir dir;
  std::vector<std::string> args = {"--checkpoint", dir / "c.json"};
  args.insert(args.end(), names.begin(), names.end());
  f.load0 = run_dumpr("load", sbx.socket(), db, args);
  if (f.load0.exit_code != 0) {
    o.problem = "load --checkpoint: " + dumpr_live::describe(f.load0);
    return;
  }
  check_against_server(reader, tables, f.load0.out, "(b) first load vs server", o.findings);

  w.comment("here: dumpr load --checkpoint c.json " + db + " (the tail starts from it)");
  w.exec("SET SESSION binlog_row_image = '" + mode.image + "'");
  Rng work_rng(seed * 0x9E3779B97F4A7C15ull + 2);
  Named named;
  const std::set<std::string> emptied = workload(work_rng, w, tables, named);
  w.comment("here: dumpr tail --from c.json --until-end, and dumpr load");

  f.tail = run_dumpr("tail", sbx.socket(), db, {"--from", dir / "c.json", "--until-end"});
  f.load1 = run_dumpr("load", sbx.socket(), db, names);
  if (f.load1.exit_code != 0) {
    o.problem = "final load: " + dumpr_live::describe(f.load1);
    return;
  }
  check_against_server(reader, tables, f.load1.out, "(b) final load vs server", o.findings);
  if (f.tail.exit_code != 0) {
    o.problem = "tail: " + dumpr_live::describe(f.tail);
    return;
  }
  ReplayState s = replay_state_of(state_of(names, split_tuples(f.load0.out)));
  auto changes = split_tuples(f.tail.out);
  o.changes = changes.size();
  for (const auto& t : emptied) {
    bool seen = false;
    for (const auto& c : changes) seen = seen || (c.op == "truncate" && c.table == t);
    if (!seen)
      o.issues.emplace_back("TRUNCATE or DROP TABLE in the window, and no truncate tuple", t);
  }
  replay(s, changes, tables, mode.image, named, o.issues);
  State final_state = state_of(names, split_tuples(f.load1.out));
  for (const auto& [t, rows] : final_state) o.rows += rows.size();
  compare_states(tables, final_state, s, mode.image, o.findings, o.unknown);
  Client admin(sbx.socket());
  admin.exec("DROP DATABASE IF EXISTS " + db);
}

// One seed under one mode; a failed run leaves its files (every statement, dumpr's outputs) in
// out_dir(), named in `files`.
Outcome run_one(DiffSandbox& sbx, std::uint64_t seed, const Mode& mode,
                const std::vector<Table>& tables, std::string& files) {
  Outcome o;
  RunFiles f;
  std::optional<Writer> w;
  try {
    GlobalSetting meta(sbx.socket(), "binlog_row_metadata", mode.metadata);
    w.emplace(sbx.socket(), "");
    w->comment("seed " + std::to_string(seed) + ", binlog_row_metadata=" + mode.metadata +
               ", binlog_row_image=" + mode.image);
    run_steps(sbx, seed, mode, tables, *w, f, o);
  } catch (const std::exception& e) {
    o.problem = std::string("exception: ") + e.what();
  }
  if (!o.findings.empty() || !o.problem.empty() || !o.issues.empty()) {
    std::filesystem::create_directories(out_dir());
    std::string base =
        out_dir() + "/seed-" + std::to_string(seed) + "-" + mode.metadata + "-" + mode.image;
    dumpr_live::write_file(base + ".sql", w ? w->log() : "");
    dumpr_live::write_file(base + ".load0.jsonl", f.load0.out);
    dumpr_live::write_file(base + ".tail.jsonl", f.tail.out);
    dumpr_live::write_file(base + ".tail.err", f.tail.err);
    dumpr_live::write_file(base + ".load1.jsonl", f.load1.out);
    files = base + ".{sql,load0.jsonl,tail.jsonl,tail.err,load1.jsonl}";
  }
  return o;
}

std::string report(std::uint64_t seed, const Mode& mode, const std::vector<Table>& tables,
                   const Outcome& o, const std::string& files) {
  std::ostringstream m;
  m << "seed " << seed << ", binlog_row_metadata=" << mode.metadata
    << ", binlog_row_image=" << mode.image << ": " << o.findings.size() << " differences";
  if (o.unknown.total())
    m << " (" << o.unknown.total()
      << " cells unknown to a consumer left out of (a): " << o.unknown.virtual_columns
      << " VIRTUAL under MINIMAL, " << o.unknown.unnamed << " not named by an INSERT)";
  if (!o.problem.empty()) m << "\n  a run failed: " << clip(o.problem, 3000);
  std::set<std::string> involved;
  std::map<std::string, int> shown;
  for (const auto& f : o.findings) {
    involved.insert(f.table);
    if (++shown[f.check] > 8) continue;
    m << "\n  " << f.check << ": " << f.table << " id " << clip(f.id, 200);
    if (!f.column.empty())
      m << " column " << f.column << (f.column_type.empty() ? "" : " (" + f.column_type + ")");
    m << "\n      expected: " << f.expected << "\n      actual:   " << f.actual;
  }
  for (const auto& [check, n] : shown)
    if (n > 8) m << "\n  (" << n - 8 << " more differences of " << check << ")";
  for (const auto& [kind, details] : o.issues)
    m << "\n  consumer rule broken: " << kind << ": " << details;
  for (const auto& t : tables)
    if (involved.count(t.name) || involved.empty()) m << "\n" << t.create_sql() << ";";
  if (!files.empty()) m << "\n  every statement and dumpr's outputs: " << files;
  const Flavor f =
      tables.empty() || tables[0].columns.empty() ? Flavor::MariaDB : tables[0].columns[0].flavor;
  m << "\n  rerun: " << rerun_command(seed, mode, f);
  return m.str();
}

}  // namespace

TEST_CASE(
    "random differential: random tables, values and statements; tail replayed equals load, load "
    "equals the server, under every binlog_row_metadata and binlog_row_image") {
  DiffSandbox& sbx = diff_sandbox();
  const auto seeds = seeds_to_run();
  const auto modes = modes_to_run();
  REQUIRE_MESSAGE(!seeds.empty(), "no seeds to run (DUMPR_RANDOM_SEEDS=0?)");
  REQUIRE(!modes.empty());
  GlobalSetting zone(sbx.socket(), "time_zone", "+05:30");
  // The SQL of the sandbox's own flavour (its VERSION() says MariaDB or not).
  const Flavor flavor =
      Client(sbx.socket()).scalar("SELECT VERSION()").find("MariaDB") == std::string::npos
          ? Flavor::MySQL
          : Flavor::MariaDB;
  MESSAGE("random differential: " << seeds.size() << " seeds from " << seeds.front() << ", "
                                  << modes.size() << " modes, on "
                                  << std::string(flavor == Flavor::MySQL ? "MySQL" : "MariaDB"));
  // Across runs, for the summary: (check, column type) -> mode -> the seeds where it differed.
  std::map<std::string, std::map<std::string, std::set<std::uint64_t>>> classes;
  std::size_t runs = 0, failed = 0, rows = 0, changes = 0;
  std::map<std::string, UnknownCount> unknown;  // mode -> cells left out of (a)
  const auto started = std::chrono::steady_clock::now();
  for (std::uint64_t seed : seeds) {
    const auto tables = make_schema(seed, flavor);
    for (const auto& mode : modes) {
      if (beyond_ci_budget(seed, mode)) continue;
      std::string files;
      const Outcome o = run_one(sbx, seed, mode, tables, files);
      ++runs;
      rows += o.rows;
      changes += o.changes;
      unknown[mode.label()].virtual_columns += o.unknown.virtual_columns;
      unknown[mode.label()].unnamed += o.unknown.unnamed;
      const bool ok = o.findings.empty() && o.problem.empty() && o.issues.empty();
      if (!ok) ++failed;
      CHECK_MESSAGE(ok, report(seed, mode, tables, o, files));
      for (const auto& f : o.findings) {
        std::string what =
            f.column.empty()
                ? f.actual.substr(0, f.actual.find(" ("))
                : "a value of " + f.column_type.substr(0, f.column_type.find_first_of(" ("));
        std::string check = f.check.starts_with("(b)") ? "(b) load vs server" : f.check;
        classes[check + ": " + what][mode.label()].insert(seed);
      }
      for (const auto& [kind, details] : o.issues)
        classes["consumer rule broken: " + kind][mode.label()].insert(seed);
      if (!o.problem.empty()) classes["a run failed"][mode.label()].insert(seed);
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::ostringstream summary;
  summary << "random differential: " << runs << " runs (" << seeds.size() << " seeds, "
          << modes.size() << " modes), " << failed << " with differences, " << rows
          << " final rows, " << changes << " changes tailed, " << fmt("%.1f", secs) << " s";
  for (const auto& [mode, n] : unknown)
    if (n.total())
      summary << "\n  " << mode << ": " << n.total()
              << " cells unknown to a consumer (never logged by the server) left out of (a): "
              << n.virtual_columns << " VIRTUAL under a MINIMAL image, " << n.unnamed
              << " not named by an INSERT";
  for (const auto& [cls, by_mode] : classes) {
    summary << "\n  " << cls;
    for (const auto& [mode, s] : by_mode) {
      summary << "\n      " << mode << ": seed" << (s.size() > 1 ? "s" : "");
      int n = 0;
      for (auto seed : s)
        if (++n <= 12) summary << " " << seed;
      if (s.size() > 12) summary << " ... (" << s.size() << " seeds)";
    }
  }
  if (failed)
    MESSAGE(summary.str());
  else
    std::cout << summary.str() << "\n";
}
