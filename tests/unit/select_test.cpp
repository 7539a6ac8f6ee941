// Choosing what to capture: the table and column patterns, the HMAC mask, and the column rules
// the tuple builder applies (the same code in load and tail).
#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>

#include "row/tuple_builder.hpp"
#include "row/values.hpp"
#include "select/table_filter.hpp"
#include "select/value_mask.hpp"

using namespace dumpr;
using namespace dumpr::select;

namespace {

// The obvious recursive matcher, to check the iterative one against (`?` is one byte here: the
// random names below are ASCII).
bool reference_match(std::string_view p, std::string_view s) {
  if (p.empty()) return s.empty();
  if (p[0] == '*')
    return reference_match(p.substr(1), s) || (!s.empty() && reference_match(p, s.substr(1)));
  if (s.empty()) return false;
  if (p[0] == '?' || p[0] == s[0]) return reference_match(p.substr(1), s.substr(1));
  return false;
}

TableFilter filter(std::vector<std::string> dbs, std::vector<std::string> tables,
                   std::vector<std::string> excludes = {}) {
  auto f = TableFilter::make(std::move(dbs), tables, excludes);
  REQUIRE_MESSAGE(f.ok(), (f.ok() ? "" : f.error().message));
  return std::move(f.value());
}

std::string error_of(std::vector<std::string> dbs, std::vector<std::string> tables,
                     std::vector<std::string> excludes = {}) {
  auto f = TableFilter::make(std::move(dbs), tables, excludes);
  return f.ok() ? std::string("(no error)") : f.error().message;
}

std::string hex(const std::array<std::uint8_t, 32>& d) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (std::uint8_t b : d) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

std::string openssl_hmac(std::string_view key, std::string_view data) {
  unsigned char md[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  std::array<std::uint8_t, 32> d{};
  std::copy(md, md + 32, d.begin());
  return hex(d);
}

}  // namespace

TEST_CASE("glob: * any run, ? one character, everything else itself") {
  CHECK(glob_match("order_*", "order_items"));
  CHECK(glob_match("order_*", "order_"));
  CHECK_FALSE(glob_match("order_*", "orders"));
  CHECK(glob_match("*", ""));
  CHECK(glob_match("a?c", "abc"));
  CHECK_FALSE(glob_match("a?c", "ac"));
  CHECK(glob_match("*_log", "audit_log"));
  CHECK(glob_match("a*b*c", "aXbYbZc"));
  CHECK_FALSE(glob_match("a*b*c", "aXbYbZ"));
  // ? is one character, not one byte: "é" is two bytes in UTF-8.
  CHECK(glob_match("caf?", "caf\xc3\xa9"));
  CHECK_FALSE(glob_match("caf??", "caf\xc3\xa9"));
  CHECK(glob_match("?", "\xe2\x82\xac"));  // €, three bytes
  // Case counts, as in the binlog.
  CHECK_FALSE(glob_match("Users", "users"));
}

TEST_CASE("glob: the iterative matcher agrees with the recursive definition (seeded)") {
  const unsigned seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  auto pick = [&](std::string_view alphabet, std::size_t max) {
    std::string s(rng() % (max + 1), ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    return s;
  };
  for (int i = 0; i < 20000; ++i) {
    const std::string p = pick("ab*?", 6), s = pick("ab", 8);
    INFO("pattern " << p << " name " << s);
    CHECK(glob_match(p, s) == reference_match(p, s));
  }
}

TEST_CASE("table patterns: db.table, backquotes, lists") {
  auto ps = parse_table_patterns("shop.order_*,users,`my.db`.`a,b`,`x``y`", "--tables");
  REQUIRE(ps.ok());
  REQUIRE(ps->size() == 4);
  CHECK((*ps)[0].database->text == "shop");
  CHECK((*ps)[0].table.text == "order_*");
  CHECK_FALSE((*ps)[0].table.literal);
  CHECK_FALSE((*ps)[1].database.has_value());
  CHECK((*ps)[1].literal());
  CHECK((*ps)[2].database->text == "my.db");
  CHECK((*ps)[2].table.text == "a,b");
  CHECK((*ps)[3].table.text == "x`y");
  // A backquoted * is a plain character.
  auto star = parse_table_patterns("`a*`", "--tables");
  REQUIRE(star.ok());
  CHECK((*star)[0].table.matches("a*"));
  CHECK_FALSE((*star)[0].table.matches("ab"));
}

TEST_CASE("table patterns: malformed ones are refused, naming the fix") {
  CHECK(error_of({}, {"a.b.c"}).find("more than two dot-separated parts") != std::string::npos);
  CHECK(error_of({}, {"shop."}).find("a name is empty") != std::string::npos);
  CHECK(error_of({}, {"a,,b"}).find("a name is empty") != std::string::npos);
  CHECK(error_of({}, {"`open"}).find("backquote is not closed") != std::string::npos);
  CHECK(error_of({}, {"`a`b"}).find("whole part") != std::string::npos);
  // A backquote that does not start a part is a plain character.
  auto tick = parse_table_patterns("tick`table,a.b`c", "--tables");
  REQUIRE(tick.ok());
  REQUIRE(tick->size() == 2);
  CHECK((*tick)[0].table.text == "tick`table");
  CHECK((*tick)[0].literal());
  CHECK((*tick)[1].table.text == "b`c");
  CHECK(error_of({}, {}, {"x.y.z"}).find("--exclude-tables x.y.z") != std::string::npos);
  CHECK(error_of({""}, {}).find("--database") != std::string::npos);
}

TEST_CASE("table filter: databases, includes, excludes") {
  SUBCASE("no patterns: every table of the -D databases") {
    TableFilter f = filter({"shop", "crm"}, {});
    CHECK(f.captures("shop", "users"));
    CHECK(f.captures("crm", "contacts"));
    CHECK_FALSE(f.captures("other", "users"));
    CHECK(f.qualified_names());
    CHECK(f.tuple_name("crm", "contacts") == "crm.contacts");
  }
  SUBCASE("no -D, no patterns: every database, bare names (tail)") {
    TableFilter f = filter({}, {});
    CHECK(f.captures("anything", "t"));
    CHECK_FALSE(f.qualified_names());
    CHECK(f.tuple_name("anything", "t") == "t");
  }
  SUBCASE("a bare name is a table of the -D databases") {
    TableFilter f = filter({"shop"}, {"users"});
    CHECK(f.captures("shop", "users"));
    CHECK_FALSE(f.captures("crm", "users"));
    CHECK_FALSE(f.captures("shop", "orders"));
    CHECK_FALSE(f.qualified_names());
    CHECK(f.tuple_name("shop", "users") == "users");
  }
  SUBCASE("db.table names add their database; names are qualified with two") {
    TableFilter f = filter({"shop"}, {"users", "crm.contacts"});
    CHECK(f.captures("crm", "contacts"));
    CHECK_FALSE(f.captures("crm", "users"));  // a bare name stays in the -D databases
    CHECK(f.named_databases() == std::vector<std::string>{"shop", "crm"});
    CHECK(f.qualified_names());
  }
  SUBCASE("one database named only by db.table: bare names") {
    TableFilter f = filter({}, {"shop.order_*"});
    CHECK(f.captures("shop", "order_items"));
    CHECK_FALSE(f.captures("shop2", "order_items"));
    CHECK_FALSE(f.qualified_names());
  }
  SUBCASE("a wildcard database part qualifies names") {
    TableFilter f = filter({}, {"shop_*.orders"});
    CHECK(f.captures("shop_eu", "orders"));
    CHECK_FALSE(f.captures("shop_eu", "users"));
    CHECK(f.qualified_names());
  }
  SUBCASE("excludes apply after includes, bare ones in the -D databases") {
    TableFilter f = filter({"shop", "crm"}, {}, {"tmp_*,crm.audit"});
    CHECK_FALSE(f.captures("shop", "tmp_1"));
    CHECK_FALSE(f.captures("crm", "tmp_1"));
    CHECK_FALSE(f.captures("crm", "audit"));
    CHECK(f.captures("shop", "audit"));
  }
  SUBCASE("repeated -D counts once") {
    TableFilter f = filter({"shop", "shop"}, {});
    CHECK(f.databases().size() == 1);
    CHECK_FALSE(f.qualified_names());
  }
}

TEST_CASE("column filter: exclude before mask, bigint quoting, id columns") {
  auto f = ColumnFilter::make({"shop"}, {"users.password_hash,crm.*.secret_*"},
                              {"shop.users.email"}, true, true);
  REQUIRE(f.ok());
  CHECK(f->rule("shop", "users", "password_hash", false) == ColumnRule::exclude);
  CHECK(f->rule("other", "users", "password_hash", false) == ColumnRule::keep);
  CHECK(f->rule("crm", "x", "secret_a", false) == ColumnRule::exclude);
  CHECK(f->rule("shop", "users", "email", false) == ColumnRule::mask);
  CHECK(f->rule("shop", "users", "id", true) == ColumnRule::quote);
  CHECK(f->rule("shop", "users", "n", false) == ColumnRule::keep);

  auto rules =
      f->rules("shop", "users", {"id", "email", "password_hash"}, {true, false, false}, {0});
  REQUIRE(rules.ok());
  CHECK(*rules ==
        std::vector<ColumnRule>{ColumnRule::quote, ColumnRule::mask, ColumnRule::exclude});
  // A masked id is allowed; an excluded one is not, and the message says what to do.
  CHECK(f->rules("shop", "users", {"email"}, {false}, {0}).ok());
  auto bad = f->rules("shop", "users", {"password_hash"}, {false}, {0});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("shop.users.password_hash is part of the id") !=
        std::string::npos);
  CHECK(bad.error().message.find("--mask-columns") != std::string::npos);
  // Nothing to do for a table: no rules at all (the builder's fast path).
  auto none = f->rules("shop", "plain", {"a", "b"}, {false, false}, {});
  REQUIRE(none.ok());
  CHECK(none->empty());

  auto no_key = ColumnFilter::make({}, {}, {"t.c"}, false, false);
  REQUIRE_FALSE(no_key.ok());
  CHECK(no_key.error().message.find("--mask-key-file") != std::string::npos);
  CHECK(no_key.error().message.find("DUMPR_MASK_KEY") != std::string::npos);
  auto one_part = ColumnFilter::make({}, {"email"}, {}, false, false);
  REQUIRE_FALSE(one_part.ok());
  CHECK(one_part.error().message.find("TABLE.COLUMN") != std::string::npos);
}

TEST_CASE("mask: HMAC-SHA256 as RFC 4231 and OpenSSL's HMAC compute it (seeded)") {
  // RFC 4231 test case 2.
  CHECK(hex(ValueMask("Jefe").digest("what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const unsigned seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int i = 0; i < 500; ++i) {
    std::string key(1 + rng() % 150, ' '), data(rng() % 300, ' ');  // keys past the block too
    for (char& c : key) c = static_cast<char>(rng());
    for (char& c : data) c = static_cast<char>(rng());
    CHECK(hex(ValueMask(key).digest(data)) == openssl_hmac(key, data));
  }
}

TEST_CASE("mask: a JSON string's characters are hashed, other values as written") {
  ValueMask m("k");
  std::string scratch;
  auto masked = [&](std::string_view json) {
    row::JsonOut o;
    o.put(std::string_view("{\"x\":"));
    const std::size_t start = o.size();
    o.put(json);
    m.mask_json_value(o, start, scratch);
    return std::string(o.view().substr(start));
  };
  CHECK(masked("\"alice@example.com\"") == "\"" + openssl_hmac("k", "alice@example.com") + "\"");
  CHECK(masked(R"("a\"b\\c\n\u0001")") ==
        "\"" + openssl_hmac("k", std::string("a\"b\\c\n\x01", 7)) + "\"");
  CHECK(masked("42") == "\"" + openssl_hmac("k", "42") + "\"");
  CHECK(masked(R"({"a":[1,2]})") == "\"" + openssl_hmac("k", R"({"a":[1,2]})") + "\"");
  CHECK(masked("null") == "null");
}

TEST_CASE("tuple builder: rules quote BIGINTs and mask values, ids included") {
  ValueMask m("key");
  row::TableShape shape;
  shape.table = "users";
  row::Column id, email, n;
  id.name = "id";
  id.kind = row::Kind::unsigned_int;
  email.name = "email";
  n.name = "n";
  n.kind = row::Kind::signed_int;
  shape.columns = {id, email, n};
  shape.id_columns = {0};
  shape.rules = {ColumnRule::quote, ColumnRule::mask, ColumnRule::quote};
  shape.mask = &m;
  shape.prepare();
  row::TupleBuilder b;
  b.start(shape);
  row::put_uint(b.begin_value(0), 18446744073709551615u);
  b.end_value(0);
  b.begin_value(1).put_string("a@b.c");
  b.end_value(1);
  b.put_null_value(2);
  CHECK_FALSE(b.partial());
  const std::string mask = openssl_hmac("key", "a@b.c");
  CHECK(b.finish(row::Op::upsert, "null") ==
        "[\"upsert\",\"users\",\"18446744073709551615\",{\"id\":\"18446744073709551615\","
        "\"email\":\"" +
            mask + "\",\"n\":null},null]");

  // A masked id: the id is the mask, byte for byte the content's value.
  shape.id_columns = {1};
  shape.prepare();
  b.start(shape);
  b.begin_value(1).put_string("a@b.c");
  b.end_value(1);
  CHECK(b.partial());
  shape.excluded = 2;  // the other two columns excluded: the row is whole
  CHECK_FALSE(b.partial());
  CHECK(b.finish(row::Op::upsert, "null") ==
        "[\"upsert\",\"users\",\"" + mask + "\",{\"email\":\"" + mask + "\"},null]");
}

TEST_CASE("mask key file: a final newline is not part of the key") {
  const std::string path = "/tmp/dumpr-select-test-key-" + std::to_string(::getpid());
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    REQUIRE(f);
    std::fputs("s3cret\n", f);
    std::fclose(f);
  }
  auto k = read_mask_key(path);
  REQUIRE(k.ok());
  CHECK(*k == "s3cret");
  std::FILE* f = std::fopen(path.c_str(), "wb");
  std::fclose(f);
  auto empty = read_mask_key(path);
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().message.find("is empty") != std::string::npos);
  std::remove(path.c_str());
  auto missing = read_mask_key(path);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("cannot open") != std::string::npos);
}

TEST_CASE("resolve: output order, views, literal names that match nothing") {
  const std::vector<ListedTable> listing = {
      {"shop", "users", true},     {"shop", "order_log", true}, {"shop", "order_items", true},
      {"shop", "v_orders", false}, {"crm", "users", true},      {"crm", "tmp_1", true},
      {"other", "users", true},
  };
  auto names = [](const ResolvedTables& r) {
    std::string s;
    for (const auto& [db, t] : r.tables) s += db + "." + t + " ";
    return s;
  };
  SUBCASE("no patterns: each database as given, tables by name, excludes applied") {
    auto r = resolve_tables(filter({"crm", "shop"}, {}, {"tmp_*"}), listing);
    REQUIRE(r.ok());
    CHECK(names(*r) == "crm.users shop.order_items shop.order_log shop.users ");
  }
  SUBCASE("patterns in the order given, a table once") {
    auto r = resolve_tables(filter({"shop"}, {"users,order_*", "shop.order_items"}), listing);
    REQUIRE(r.ok());
    CHECK(names(*r) == "shop.users shop.order_items shop.order_log ");
    CHECK(r->warnings.empty());
  }
  SUBCASE("a wildcard database part: named databases first, then the others by name") {
    auto r = resolve_tables(filter({"shop"}, {"*.users"}), listing);
    REQUIRE(r.ok());
    CHECK(names(*r) == "shop.users crm.users other.users ");
  }
  SUBCASE("a wildcard that matches nothing is a warning") {
    auto r = resolve_tables(filter({"shop"}, {"users", "nope_*"}), listing);
    REQUIRE(r.ok());
    CHECK(names(*r) == "shop.users ");
    REQUIRE(r->warnings.size() == 1);
    CHECK(r->warnings[0].find("nope_*") != std::string::npos);
  }
  SUBCASE("a literal name that matches nothing is an error, unless it may come later") {
    auto r = resolve_tables(filter({"shop"}, {"userz"}), listing);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::not_found);
    CHECK(r.error().message.find("no table userz in database shop") != std::string::npos);
    CHECK(resolve_tables(filter({"shop"}, {"userz"}), listing, true).ok());
    // Case counts, as in the binlog.
    CHECK_FALSE(resolve_tables(filter({"shop"}, {"Users"}), listing).ok());
  }
  SUBCASE("a view is named as one") {
    auto r = resolve_tables(filter({"shop"}, {"v_orders"}), listing);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("shop.v_orders is a view") != std::string::npos);
  }
}

TEST_CASE("statements without a table list: which databases they may touch") {
  CHECK(filter({}, {}).database_touched("x", "UPDATE t ...") == "x");
  CHECK(filter({"shop"}, {}).database_touched("shop", "DELETE ...") == "shop");
  CHECK(filter({"shop"}, {}).database_touched("crm", "UPDATE shop.t ...") == "shop");
  CHECK(filter({"shop"}, {}).database_touched("crm", "UPDATE t ...").empty());
  CHECK(filter({"shop", "crm"}, {}).database_touched("crm", "UPDATE t ...") == "crm");
}
