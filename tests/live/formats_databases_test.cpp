// --format debezium and --format maxwell over several databases (-D a -D b): every event names
// the database and the table its row came from (Debezium's source.db and source.table, Maxwell's
// database and table; the table's bare name, as the peers write it), for load and for tail, and a
// database that is not captured writes nothing. Two databases have a table of the same name, and
// every text value ends with its database's tag ("@a", "@b"), so an event labelled with the wrong
// database (the first -D's, say) or a qualified table name fails.
#include <map>

#include "live/diff_support.hpp"
#include "live/tail_support.hpp"

using namespace dumpr_live;
using dumpr_diff::object_members;
using dumpr_tail::tail_until_end;

namespace {

const std::string kA = "dumpr_t_fmtdb_a", kB = "dumpr_t_fmtdb_b", kC = "dumpr_t_fmtdb_c";

std::string member(const std::vector<std::pair<std::string, std::string>>& m,
                   const std::string& key) {
  for (const auto& [k, v] : m)
    if (k == key) return v;
  FAIL("no member " << key);
  return {};
}

std::string unquoted(const std::string& raw) {
  return raw.size() >= 2 && raw.front() == '"' ? raw.substr(1, raw.size() - 2) : raw;
}

// The tag every text value of the database's rows ends with.
std::string tag_of(const std::string& db) {
  if (db == kA) return "@a\"";
  if (db == kB) return "@b\"";
  FAIL("an event of database " << db << ", which is not captured");
  return {};
}

// Checks that the row's text values carry the tag of the database the event names, and counts
// the events as "db.table kind".
void check_row(std::map<std::string, int>& counts, const std::string& db, const std::string& table,
               const std::string& kind, const std::string& row) {
  CHECK((table == "users" || (table == "orders" && db == kA)));
  std::size_t texts = 0;
  for (const auto& [col, value] : object_members(row)) {
    if (col == "id") continue;
    INFO(col << " = " << value);
    CHECK(value.size() > 3);
    CHECK(value.substr(value.size() - 3) == tag_of(db));
    ++texts;
  }
  CHECK(texts == 1);
  ++counts[db + "." + table + " " + kind];
}

// "db.table kind=n" lines, so that a failed comparison shows what differs.
std::string show(const std::map<std::string, int>& counts) {
  std::string out;
  for (const auto& [k, n] : counts) out += k + "=" + std::to_string(n) + "\n";
  return out;
}

std::map<std::string, int> tally_debezium(const std::string& out) {
  std::map<std::string, int> counts;
  for (const std::string& line : split_lines(out)) {
    INFO("debezium: " << line);
    const auto m = object_members(line);
    const auto source = object_members(member(m, "source"));
    const std::string op = unquoted(member(m, "op"));
    const std::string row = member(m, op == "d" ? "before" : "after");
    check_row(counts, unquoted(member(source, "db")), unquoted(member(source, "table")), op, row);
  }
  return counts;
}

std::map<std::string, int> tally_maxwell(const std::string& out) {
  std::map<std::string, int> counts;
  for (const std::string& line : split_lines(out)) {
    INFO("maxwell: " << line);
    const auto m = object_members(line);
    check_row(counts, unquoted(member(m, "database")), unquoted(member(m, "table")),
              unquoted(member(m, "type")), member(m, "data"));
  }
  return counts;
}

std::vector<std::string> with_conn(std::vector<std::string> head,
                                   const std::vector<std::string>& rest) {
  for (auto& c : conn_args(kA)) head.push_back(c);
  head.insert(head.end(), {"-D", kB});
  head.insert(head.end(), rest.begin(), rest.end());
  return head;
}

}  // namespace

TEST_CASE("formats: debezium and maxwell name each row's database and table with -D a -D b") {
  TestDatabase a{kA}, b{kB}, c{kC};
  TempDir dir;
  Sql sql;
  for (const auto& db : {kA, kB, kC})
    sql.exec("CREATE TABLE " + db + ".users (id INT NOT NULL PRIMARY KEY, email VARCHAR(50))");
  sql.exec("CREATE TABLE " + kA + ".orders (id INT NOT NULL PRIMARY KEY, owner VARCHAR(50))");
  const std::string p0 = dir / "p0.json";
  RunResult pos = dumpr(with_conn({"position"}, {"--checkpoint", p0}));
  REQUIRE_MESSAGE(pos.exit_code == 0, describe(pos));

  sql.exec("INSERT INTO " + kA + ".users VALUES (1, '1@a'), (2, '2@a'), (3, '3@a')");
  sql.exec("INSERT INTO " + kB + ".users VALUES (1, '1@b'), (2, '2@b')");
  sql.exec("INSERT INTO " + kA + ".orders VALUES (1, 'o1@a')");
  sql.exec("INSERT INTO " + kC + ".users VALUES (1, '1@c'), (2, '2@c')");
  sql.exec("UPDATE " + kB + ".users SET email = '2new@b' WHERE id = 2");
  sql.exec("DELETE FROM " + kA + ".users WHERE id = 3");
  sql.exec("UPDATE " + kC + ".users SET email = '1new@c' WHERE id = 1");
  // One transaction over both databases.
  sql.exec("BEGIN");
  sql.exec("UPDATE " + kA + ".users SET email = '1new@a' WHERE id = 1");
  sql.exec("INSERT INTO " + kB + ".users VALUES (3, '3@b')");
  sql.exec("DELETE FROM " + kB + ".users WHERE id = 1");
  sql.exec("COMMIT");

  auto load = [&](const std::string& format) {
    RunResult r = dumpr(with_conn({"load"}, {"--format", format}));
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    return r.out;
  };
  auto tail = [&](const std::string& format) {
    const std::string p = dir / (format + ".json");
    std::filesystem::copy_file(p0, p, std::filesystem::copy_options::overwrite_existing);
    RunResult r = tail_until_end(kA, {"-D", kB, "--format", format, "--from", p});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    return r.out;
  };

  SUBCASE("debezium") {
    const std::map<std::string, int> snapshot = {
        {kA + ".orders r", 1}, {kA + ".users r", 2}, {kB + ".users r", 2}};
    CHECK(show(tally_debezium(load("debezium"))) == show(snapshot));
    const std::map<std::string, int> changes = {
        {kA + ".users c", 3}, {kA + ".users u", 1}, {kA + ".users d", 1}, {kA + ".orders c", 1},
        {kB + ".users c", 3}, {kB + ".users u", 1}, {kB + ".users d", 1}};
    CHECK(show(tally_debezium(tail("debezium"))) == show(changes));
  }
  SUBCASE("maxwell") {
    const std::map<std::string, int> snapshot = {{kA + ".orders bootstrap-insert", 1},
                                                 {kA + ".users bootstrap-insert", 2},
                                                 {kB + ".users bootstrap-insert", 2}};
    CHECK(show(tally_maxwell(load("maxwell"))) == show(snapshot));
    const std::map<std::string, int> changes = {
        {kA + ".users insert", 3},  {kA + ".users update", 1}, {kA + ".users delete", 1},
        {kA + ".orders insert", 1}, {kB + ".users insert", 3}, {kB + ".users update", 1},
        {kB + ".users delete", 1}};
    CHECK(show(tally_maxwell(tail("maxwell"))) == show(changes));
  }
}
