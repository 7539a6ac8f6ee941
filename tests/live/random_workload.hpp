// Random workloads over the random tables of random_schema.hpp: a logged writer session, random
// INSERT, UPDATE (of the key too), DELETE, REPLACE and INSERT ... ON DUPLICATE KEY UPDATE
// statements, single-row or many at once. Shared by the randomised differential test (one writer,
// between a load and a tail) and the online snapshot test (writers running while `tail
// --snapshot` reads the tables in chunks, some aimed at the rows around the chunks' bounds).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "live/random_schema.hpp"

namespace dumpr_random {

// The writer: one session; every statement logged, so that a failure can be replayed by hand.

class Writer {
 public:
  Writer(const std::string& socket, const std::string& db) : c_(socket, db) {}
  void exec(const std::string& sql) {
    log_ += sql + ";\n";
    c_.exec(sql);
  }
  // The server's error number, or 0; the statement is logged with it.
  unsigned try_exec(const std::string& sql) {
    const unsigned err = c_.try_exec(sql);
    log_ += sql + (err ? ";  -- error " + std::to_string(err) + "\n" : ";\n");
    return err;
  }
  void comment(const std::string& text) { log_ += "-- " + text + "\n"; }
  // A statement run elsewhere (as root), logged so that the file replays the whole run.
  void logged(const std::string& sql) { log_ += sql + ";\n"; }
  std::vector<dumpr_live::Row> query(const std::string& sql) { return c_.query(sql); }
  std::string scalar(const std::string& sql) { return c_.scalar(sql); }
  const std::string& log() const { return log_; }

 private:
  Client c_;
  std::string log_;
};

// The condition that finds one existing row of `t` (chosen at random), or nothing when `t` is
// empty (or the row went between the two queries: another writer). With `bound_every` N, the row
// is one next to a multiple of N in key order (offsets kN-1, kN, kN+1): the first and last rows of
// chunks of N rows read in key order.
inline std::optional<std::string> pick_row(Rng& r, Writer& w, const Table& t,
                                           std::uint64_t bound_every = 0) {
  std::uint64_t n = std::stoull(w.scalar("SELECT COUNT(*) FROM " + t.name));
  if (n == 0) return std::nullopt;
  std::uint64_t offset = uniu(r, 0, n - 1);
  if (bound_every > 0) {
    const std::uint64_t k = uniu(r, 0, n / bound_every);
    offset = std::min(n - 1, std::max<std::uint64_t>(k * bound_every + uniu(r, 0, 2), 1) - 1);
  }
  std::string sel;
  for (std::size_t k : t.key) sel += (sel.empty() ? "" : ", ") + key_select_expr(t.columns[k]);
  auto rows = w.query("SELECT " + sel + " FROM " + t.name + " ORDER BY " + t.key_list() +
                      " LIMIT 1 OFFSET " + std::to_string(offset));
  if (rows.empty()) return std::nullopt;
  std::string cond;
  for (std::size_t i = 0; i < t.key.size(); ++i)
    cond += (i ? " AND " : "") + key_condition(t.columns[t.key[i]], rows[0][i].value_or(""));
  return cond;
}

inline std::vector<std::size_t> writable_columns(const Table& t, bool with_key) {
  std::vector<std::size_t> v;
  for (std::size_t i = 0; i < t.columns.size(); ++i)
    if (t.columns[i].insertable() && (with_key || !t.columns[i].in_key)) v.push_back(i);
  return v;
}

// A random non-empty subset (in table order).
inline std::vector<std::size_t> some_of(Rng& r, const std::vector<std::size_t>& from) {
  if (from.empty()) return {};
  double p = std::uniform_real_distribution<double>(0, 1)(r);
  if (p < 0.2) return from;
  std::vector<std::size_t> out;
  if (p < 0.6) {
    out.push_back(pick(r, from));
    return out;
  }
  for (std::size_t i : from)
    if (chance(r, 0.4)) out.push_back(i);
  if (out.empty()) out.push_back(pick(r, from));
  return out;
}

// The columns each INSERT and REPLACE of the workload named, per table (rolled back or not): of
// a new row, binlog_row_image MINIMAL and NOBLOB log those, and only some of the others (see
// unnamed_is_logged).
using Named = std::map<std::string, std::set<std::set<std::string>>>;

inline std::string insert_sql(Rng& r, const Table& t, const std::string& verb, int rows,
                              bool all_columns, Named* named = nullptr) {
  std::vector<std::size_t> cols;
  for (std::size_t i : writable_columns(t, true))
    if (all_columns || t.columns[i].in_key || chance(r, 0.5)) cols.push_back(i);
  if (named) {
    std::set<std::string> names;
    for (std::size_t i : cols) names.insert(t.columns[i].name);
    (*named)[t.name].insert(std::move(names));
  }
  std::string sql = verb + " " + t.name + " (";
  for (std::size_t i = 0; i < cols.size(); ++i) sql += (i ? ", " : "") + t.columns[cols[i]].name;
  sql += ") VALUES ";
  for (int n = 0; n < rows; ++n) {
    sql += n ? ", (" : "(";
    for (std::size_t i = 0; i < cols.size(); ++i) {
      const Column& c = t.columns[cols[i]];
      sql += (i ? ", " : "") + literal(r, c, c.in_key);
    }
    sql += ")";
  }
  return sql;
}

inline std::string set_clause(Rng& r, const Table& t, const std::vector<std::size_t>& cols) {
  std::string s;
  for (std::size_t i : cols) {
    const Column& c = t.columns[i];
    s += (s.empty() ? "" : ", ") + c.name + " = " + literal(r, c, c.in_key);
  }
  return s;
}

// The first key column of a row one step away in key order (up or down), as an expression over
// the row's own columns, or nothing for the types with no such step here.
inline std::optional<std::string> next_key_expr(Rng& r, const Table& t) {
  const Column& k = t.columns[t.key[0]];
  const bool up = chance(r, 0.5);
  switch (k.type) {
    case Type::Int:
    case Type::Decimal:  // + 0.0: no unsigned overflow error; the insert clips out-of-range
      return "(" + k.name + " + 0.0 " + (up ? "+ 1" : "- 1") + ")";
    case Type::Text:
      return up ? "CONCAT(" + k.name + ", 'a')"
                : "LEFT(" + k.name + ", GREATEST(CHAR_LENGTH(" + k.name + ") - 1, 0))";
    case Type::Bytes:
      return up ? "CONCAT(" + k.name + ", X'00')"
                : "LEFT(" + k.name + ", GREATEST(LENGTH(" + k.name + ") - 1, 0))";
    case Type::Date:
    case Type::Datetime:
    case Type::Timestamp:
      return "(" + k.name + (up ? " + " : " - ") + "INTERVAL 1 SECOND)";
    default:
      return std::nullopt;
  }
}

// Near a chunk's bound (see pick_row): a copy of the bound row one step away in key order, or the
// bound row itself moved one step (its key changed, maybe across the bound).
inline std::optional<std::string> next_to_bound(Rng& r, Writer& w, const Table& t,
                                                std::uint64_t bound_every) {
  auto step = next_key_expr(r, t);
  if (!step) return std::nullopt;
  auto where = pick_row(r, w, t, bound_every);
  if (!where) return std::nullopt;
  const std::string& k0 = t.columns[t.key[0]].name;
  if (chance(r, 0.4))
    return "UPDATE IGNORE " + t.name + " SET " + k0 + " = " + *step + " WHERE " + *where;
  std::string cols, exprs;
  for (std::size_t i : writable_columns(t, true)) {
    const std::string& n = t.columns[i].name;
    cols += (cols.empty() ? "" : ", ") + n;
    exprs += (exprs.empty() ? "" : ", ") + (n == k0 ? *step : n);
  }
  return "INSERT IGNORE INTO " + t.name + " (" + cols + ") SELECT " + exprs + " FROM " + t.name +
         " WHERE " + *where;
}

// One random statement on `t` (a few need an existing row: none when the table is empty). With
// `bound_every` N, the statements that need a row take one at the bound of chunks of N rows in
// key order (pick_row), and a third of them insert or move a row next to such a bound.
inline std::optional<std::string> random_statement(Rng& r, Writer& w, const Table& t, Named& named,
                                                   std::uint64_t bound_every = 0) {
  if (bound_every > 0 && chance(r, 0.33)) {
    if (auto sql = next_to_bound(r, w, t, bound_every)) return sql;
  }
  const std::int64_t kind = uni(r, 0, 99);
  if (kind < 25)
    return insert_sql(r, t, "INSERT IGNORE INTO", static_cast<int>(uni(r, 1, 4)), chance(r, 0.7),
                      &named);
  if (kind < 50) {  // some columns of one row, not the key
    auto where = pick_row(r, w, t, bound_every);
    if (!where) return std::nullopt;
    return "UPDATE IGNORE " + t.name + " SET " +
           set_clause(r, t, some_of(r, writable_columns(t, false))) + " WHERE " + *where;
  }
  if (kind < 64) {  // the key of one row (some or all of its columns), and maybe more
    auto where = pick_row(r, w, t, bound_every);
    if (!where) return std::nullopt;
    std::vector<std::size_t> cols = some_of(r, t.key);
    if (chance(r, 0.5))
      for (std::size_t i : some_of(r, writable_columns(t, false))) cols.push_back(i);
    return "UPDATE IGNORE " + t.name + " SET " + set_clause(r, t, cols) + " WHERE " + *where;
  }
  if (kind < 74) {
    auto where = pick_row(r, w, t, bound_every);
    if (!where) return std::nullopt;
    return "DELETE FROM " + t.name + " WHERE " + *where;
  }
  if (kind < 80)
    return insert_sql(r, t, "REPLACE INTO", static_cast<int>(uni(r, 1, 2)), true, &named);
  if (kind < 86) {
    std::string sql =
        insert_sql(r, t, "INSERT INTO", 1, true, &named) + " ON DUPLICATE KEY UPDATE ";
    auto cols = some_of(r, writable_columns(t, false));
    for (std::size_t i = 0; i < cols.size(); ++i) {
      const std::string& n = t.columns[cols[i]].name;
      sql += (i ? ", " : "") + n +
             (chance(r, 0.5) ? " = VALUES(" + n + ")" : " = " + literal(r, t.columns[cols[i]]));
    }
    return sql;
  }
  if (kind < 95)  // many rows at once
    return "UPDATE IGNORE " + t.name + " SET " +
           set_clause(r, t, some_of(r, writable_columns(t, false))) + " ORDER BY " + t.key_list() +
           (chance(r, 0.5) ? " DESC" : "") + " LIMIT " + std::to_string(uni(r, 2, 10));
  std::string desc;
  for (std::size_t k : t.key) desc += (desc.empty() ? "" : ", ") + t.columns[k].name + " DESC";
  return "DELETE FROM " + t.name + " ORDER BY " + (chance(r, 0.5) ? desc : t.key_list()) +
         " LIMIT " + std::to_string(uni(r, 1, 5));
}

inline void fill(Rng& r, Writer& w, const std::vector<Table>& tables) {
  for (const auto& t : tables)
    for (int i = 0, n = static_cast<int>(uni(r, 1, 3)); i < n; ++i)
      w.exec(insert_sql(r, t, "INSERT IGNORE INTO", static_cast<int>(uni(r, 5, 20)), true));
}

}  // namespace dumpr_random
