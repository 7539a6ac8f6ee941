// Choosing what to capture (issue 17): every base table by default, several databases, table
// patterns, --exclude-columns, --mask-columns and --bigint-as-string. For each option, load's
// rows and the rows a consumer rebuilds from tail (from a checkpoint taken before the rows were
// written) are the same, byte for byte; and the CLI's mistakes are usage errors that say what to
// do, with no output and no checkpoint.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <filesystem>

#include "live/replay_support.hpp"
#include "live/tail_support.hpp"

using namespace dumpr_live;
using dumpr_diff::split_tuples;
using dumpr_replay::apply_tuples;
using dumpr_replay::diff_states;
using dumpr_replay::State;
using dumpr_tail::lines_of;
using dumpr_tail::tail_until_end;

namespace {

const std::string kA = "dumpr_t_sel_a", kB = "dumpr_t_sel_b";

std::string hmac_hex(std::string_view key, std::string_view data) {
  unsigned char md[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (unsigned i = 0; i < len; ++i) {
    s += digits[md[i] >> 4];
    s += digits[md[i] & 15];
  }
  return s;
}

// Two databases: tables of every shape the options act on, a view, and a table to exclude.
void create_tables(Sql& sql) {
  sql.exec("CREATE TABLE " + kA +
           ".users (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, email VARCHAR(100) CHARACTER SET "
           "utf8mb4, password_hash VARBINARY(32), score BIGINT, n INT, doc JSON, note TEXT "
           "CHARACTER SET utf8mb4)");
  sql.exec("CREATE TABLE " + kA +
           ".order_items (id INT NOT NULL PRIMARY KEY, qty BIGINT, big BIGINT UNSIGNED)");
  sql.exec("CREATE TABLE " + kA + ".order_log (id INT NOT NULL PRIMARY KEY, what VARCHAR(20))");
  sql.exec("CREATE TABLE " + kA + ".tmp_x (id INT NOT NULL PRIMARY KEY)");
  sql.exec("CREATE VIEW " + kA + ".v AS SELECT id, email FROM " + kA + ".users");
  sql.exec("CREATE TABLE " + kB + ".users (id INT NOT NULL PRIMARY KEY, email VARCHAR(100))");
}

// Rows with the edge values (64-bit extremes, 2^53 + 1, text that JSON escapes), then updates
// (one of them of a key), deletes.
void write_rows(Sql& sql) {
  sql.exec("INSERT INTO " + kA +
           ".users VALUES "
           "(18446744073709551615, 'max@example.com', x'00ff', -9223372036854775808, 1, "
           "'{\"big\": 18446744073709551615}', 'a'),"
           "(9007199254740993, 'q\"uote\\\\back\\nline@x', NULL, 9223372036854775807, NULL, NULL, "
           "NULL),"
           "(1, 'caf\xC3\xA9@example.com', x'01', 0, -5, '[1, \"two\"]', 'tab\\there'),"
           "(2, NULL, NULL, NULL, NULL, NULL, NULL),"
           "(3, 'gone@example.com', x'02', 3, 3, NULL, NULL)");
  sql.exec("INSERT INTO " + kA +
           ".order_items VALUES (1, 9007199254740993, 18446744073709551615), (2, -1, 0), "
           "(3, NULL, NULL)");
  sql.exec("INSERT INTO " + kA + ".order_log VALUES (1, 'made'), (2, 'paid')");
  sql.exec("INSERT INTO " + kA + ".tmp_x VALUES (1), (2)");
  sql.exec("INSERT INTO " + kB + ".users VALUES (1, 'b1@example.com'), (2, 'b2@example.com')");
  sql.exec("UPDATE " + kA +
           ".users SET email = 'new@example.com', password_hash = x'abcd' "
           "WHERE id = 1");
  sql.exec("UPDATE " + kA + ".users SET id = 4 WHERE id = 2");
  sql.exec("DELETE FROM " + kA + ".users WHERE id = 3");
  sql.exec("UPDATE " + kA + ".order_items SET big = 9223372036854775808 WHERE id = 2");
  sql.exec("DELETE FROM " + kA + ".tmp_x WHERE id = 2");
  sql.exec("UPDATE " + kB + ".users SET email = 'b2new@example.com' WHERE id = 2");
}

struct Capture {
  std::string load_out, tail_out;
  State load, replay;
};

// A checkpoint before the rows, the rows, then load (its final state) and tail from the
// checkpoint to the end (replayed); both with `options`.
struct Scenario {
  TestDatabase a{kA}, b{kB};
  TempDir dir;
  std::string p0 = dir / "p0.json";
  std::string key_file = dir / "key";

  Scenario() {
    Sql sql;
    create_tables(sql);
    RunResult pos = dumpr([&] {
      std::vector<std::string> args = {"position"};
      for (auto& c : conn_args(kA)) args.push_back(c);
      args.insert(args.end(), {"-D", kB, "--checkpoint", p0});
      return args;
    }());
    REQUIRE_MESSAGE(pos.exit_code == 0, describe(pos));
    write_rows(sql);
    write_file(key_file, "the key\n");
  }

  Capture run(const std::vector<std::string>& options) {
    Capture c;
    std::vector<std::string> load_args = {"load"};
    for (auto& x : conn_args(kA)) load_args.push_back(x);
    load_args.insert(load_args.end(), options.begin(), options.end());
    load_args.insert(load_args.end(), {"--checkpoint", dir / "p1.json"});
    RunResult l = dumpr(load_args);
    REQUIRE_MESSAGE(l.exit_code == 0, describe(l));
    c.load_out = l.out;
    apply_tuples(c.load, split_tuples(l.out));

    RunResult t = tail_until_end(kA, [&] {
      std::vector<std::string> a = options;
      a.insert(a.end(), {"--from", p0, "--checkpoint", dir / "t.json"});
      return a;
    }());
    REQUIRE_MESSAGE(t.exit_code == 0, describe(t));
    c.tail_out = t.out;
    apply_tuples(c.replay, split_tuples(t.out));
    INFO("load:\n" << c.load_out << "tail:\n" << c.tail_out);
    CHECK_MESSAGE(c.load == c.replay, diff_states(c.load, c.replay));
    return c;
  }
};

std::vector<std::string> tables_of(const State& s) {
  std::vector<std::string> v;
  for (const auto& [t, rows] : s)
    if (!rows.empty()) v.push_back(t);
  return v;
}

bool contains(const std::string& s, std::string_view what) {
  return s.find(what) != std::string::npos;
}

}  // namespace

TEST_CASE("selection: load with no names takes every base table (no views); tail agrees") {
  Scenario s;
  Capture c = s.run({});
  CHECK(tables_of(c.load) ==
        std::vector<std::string>{"order_items", "order_log", "tmp_x", "users"});
  // Tables in name order, rows in key order.
  CHECK(c.load_out.rfind("[\"upsert\",\"order_items\",1,", 0) == 0);
  CHECK_FALSE(contains(c.load_out, "\"v\""));
  // Tail wrote changes of every kind (a key change is a delete and an upsert).
  CHECK(contains(c.tail_out, "[\"delete\",\"users\",3,"));
  CHECK(contains(c.tail_out, "\"moved_from\":2"));
}

TEST_CASE("selection: several databases give db.table names, in load and tail alike") {
  Scenario s;
  Capture c = s.run({"-D", kB, "--exclude-tables", "tmp_*,order_log"});
  CHECK(tables_of(c.load) ==
        std::vector<std::string>{kA + ".order_items", kA + ".users", kB + ".users"});
  // Output order: the databases as given, then table names.
  CHECK(c.load_out.rfind("[\"upsert\",\"" + kA + ".order_items\",1,", 0) == 0);
  CHECK(c.load.at(kB + ".users").at("2") == "{\"id\":2,\"email\":\"b2new@example.com\"}");
}

TEST_CASE("selection: table patterns and db.table names without -D") {
  Scenario s;
  SUBCASE("one database named by a pattern: bare names") {
    RunResult r = dumpr({"load", "--no-defaults", "--socket", server().socket, "--user",
                         server().user, "--password=" + server().password, kA + ".order_*"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    State st;
    apply_tuples(st, split_tuples(r.out));
    CHECK(tables_of(st) == std::vector<std::string>{"order_items", "order_log"});
  }
  SUBCASE("--tables lists, repeated: the order as given") {
    Capture c = s.run({"--tables", "order_log,users", "--tables", kB + ".users"});
    CHECK(tables_of(c.load) ==
          std::vector<std::string>{kA + ".order_log", kA + ".users", kB + ".users"});
    CHECK(c.load_out.rfind("[\"upsert\",\"" + kA + ".order_log\",1,", 0) == 0);
  }
}

TEST_CASE("selection: --exclude-columns leaves columns out of load and tail alike") {
  Scenario s;
  Capture c = s.run({"--exclude-columns", "users.password_hash,order_items.b*", "--exclude-columns",
                     kA + ".users.doc"});
  CHECK(c.load.at("users").at("1") ==
        "{\"id\":1,\"email\":\"new@example.com\",\"score\":0,\"n\":-5,\"note\":\"tab\\there\"}");
  CHECK(c.load.at("order_items").at("2") == "{\"id\":2,\"qty\":-1}");
  CHECK_FALSE(contains(c.load_out, "password_hash"));
  CHECK_FALSE(contains(c.tail_out, "password_hash"));
  // Rows without the excluded columns are whole rows, not partial ones.
  CHECK_FALSE(contains(c.tail_out, "\"partial\""));
}

TEST_CASE("selection: --mask-columns writes the keyed HMAC-SHA256 of the value's text") {
  Scenario s;
  SUBCASE("key from a file; a masked id") {
    Capture c = s.run(
        {"--mask-columns", "users.email,users.id,order_items.qty", "--mask-key-file", s.key_file});
    const std::string id1 = "\"" + hmac_hex("the key", "1") + "\"";
    REQUIRE(c.load.at("users").count(id1) == 1);
    const std::string& row = c.load.at("users").at(id1);
    CHECK(row.rfind(
              "{\"id\":" + id1 + ",\"email\":\"" + hmac_hex("the key", "new@example.com") + "\",",
              0) == 0);
    // A string's characters are hashed (its JSON escapes undone); NULL stays null.
    const std::string id_big = "\"" + hmac_hex("the key", "9007199254740993") + "\"";
    CHECK(contains(c.load.at("users").at(id_big),
                   "\"email\":\"" + hmac_hex("the key", "q\"uote\\back\nline@x") + "\""));
    CHECK(
        contains(c.load.at("users").at("\"" + hmac_hex("the key", "4") + "\""), "\"email\":null"));
    CHECK(contains(c.load.at("order_items").at("3"), "\"qty\":null"));
    CHECK(contains(c.load.at("order_items").at("1"),
                   "\"qty\":\"" + hmac_hex("the key", "9007199254740993") + "\""));
  }
  SUBCASE("key from DUMPR_MASK_KEY: the same masks as from the file") {
    RunResult r = dumpr_load(kA, {"--mask-columns", kA + ".users.email", "users"},
                             {.env = {"DUMPR_MASK_KEY=the key"}});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(contains(r.out, "\"email\":\"" + hmac_hex("the key", "new@example.com") + "\""));
  }
}

TEST_CASE("selection: --bigint-as-string quotes every BIGINT value, and only those") {
  Scenario s;
  Capture c = s.run({"--bigint-as-string"});
  CHECK(c.load.at("users").count("\"18446744073709551615\"") == 1);
  CHECK(contains(c.load.at("users").at("\"18446744073709551615\""),
                 "\"score\":\"-9223372036854775808\",\"n\":1,"));
  // Inside a JSON column numbers stay as the document has them.
  CHECK(contains(c.load.at("users").at("\"18446744073709551615\""),
                 "\"doc\":{\"big\":18446744073709551615}"));
  CHECK(c.load.at("order_items").at("2") ==
        "{\"id\":2,\"qty\":\"-1\",\"big\":\"9223372036854775808\"}");
  CHECK(c.load.at("order_items").at("3") == "{\"id\":3,\"qty\":null,\"big\":null}");
}

TEST_CASE("selection: every option at once, over both databases") {
  Scenario s;
  Capture c = s.run({"-D", kB, "--tables", "users,order_items", "--exclude-columns",
                     "*.users.password_hash", "--mask-columns", "users.email", "--mask-key-file",
                     s.key_file, "--bigint-as-string"});
  CHECK(tables_of(c.load) ==
        std::vector<std::string>{kA + ".order_items", kA + ".users", kB + ".users"});
  CHECK(c.load.at(kB + ".users").at("1") ==
        "{\"id\":1,\"email\":\"" + hmac_hex("the key", "b1@example.com") + "\"}");
}

TEST_CASE("selection: mistakes are usage errors naming the fix; nothing written") {
  TestDatabase a(kA);
  Sql sql;
  sql.exec("CREATE TABLE " + kA + ".users (id INT PRIMARY KEY, email VARCHAR(40))");
  sql.exec("CREATE VIEW " + kA + ".v AS SELECT id FROM " + kA + ".users");
  TempDir dir;
  const std::string ckpt = dir / "c.json";
  RunResult pos = dumpr([&] {
    std::vector<std::string> args = {"position"};
    for (auto& c : conn_args(kA)) args.push_back(c);
    return args;
  }());
  write_file(dir / "p0.json", pos.out);
  auto both = [&](const std::vector<std::string>& extra, const std::vector<std::string>& needles,
                  int code = 2) {
    for (const char* sub : {"load", "tail"}) {
      std::vector<std::string> args = {sub};
      for (auto& c : conn_args(kA)) args.push_back(c);
      args.insert(args.end(), extra.begin(), extra.end());
      if (std::string(sub) == "tail")
        args.insert(args.end(), {"--from", dir / "p0.json", "--until-end"});
      args.insert(args.end(), {"--checkpoint", ckpt});
      RunResult r = dumpr(args, {.env = {"DUMPR_MASK_KEY="}});
      INFO(sub << " " << lines_of(extra));
      CHECK_MESSAGE(r.exit_code == code, describe(r));
      CHECK(r.out.empty());
      for (const std::string& n : needles) CHECK_MESSAGE(contains(r.err, n), r.err);
      CHECK_FALSE(std::filesystem::exists(ckpt));
    }
  };
  both({"--exclude-columns", "users.id"},
       {"column " + kA + ".users.id is part of the id", "--mask-columns", "--id"});
  both({"--mask-columns", "users.email"}, {"--mask-key-file", "DUMPR_MASK_KEY"});
  both({"--mask-columns", "users.email", "--mask-key-file", dir / "none"},
       {"--mask-key-file " + (dir / "none") + ": cannot open"});
  both({"--tables", "a.b.c"}, {"--tables a.b.c", "more than two"});
  both({"--exclude-columns", "email"}, {"TABLE.COLUMN"});
  both({"--tables", "`users"}, {"backquote is not closed"});

  RunResult view = dumpr_load(kA, {"v"});
  CHECK_MESSAGE(view.exit_code == 2, describe(view));
  CHECK(contains(view.err, "is a view"));
  RunResult no_db = dumpr_load("", {"users"});
  CHECK_MESSAGE(no_db.exit_code == 2, describe(no_db));
  CHECK(contains(no_db.err, "-D/--database"));
  RunResult typo = dumpr_load(kA, {"userz"});
  CHECK_MESSAGE(typo.exit_code == 6, describe(typo));
  CHECK(contains(typo.err, "userz does not exist in database " + kA));
}
