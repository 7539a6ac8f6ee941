// Values through tail equal values through load, type by type; and offline decoding of the
// server's own binlog file equals the live tail.
#include <cmath>
#include <cstring>

#include "live/diff_support.hpp"
#include "live/tail_support.hpp"

using namespace dumpr_tail;

namespace {

// {"a":1,"b":"x"} -> [("a","1"), ("b","\"x\"")], values as raw JSON text.
std::vector<std::pair<std::string, std::string>> object_members(const std::string& obj) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string_view s = obj;
  if (s.size() < 2 || s.front() != '{') throw std::runtime_error("not an object: " + obj);
  std::size_t i = 1;
  while (i < s.size() && s[i] != '}') {
    std::size_t key_end = detail::skip_value(s, i);
    std::string key = detail::json_string(s.substr(i, key_end - i));
    if (key_end >= s.size() || s[key_end] != ':') throw std::runtime_error("bad object: " + obj);
    std::size_t v = key_end + 1;
    std::size_t v_end = detail::skip_value(s, v);
    if (v_end == std::string_view::npos) throw std::runtime_error("bad object: " + obj);
    out.emplace_back(key, std::string(s.substr(v, v_end - v)));
    i = v_end;
    if (i < s.size() && s[i] == ',') ++i;
  }
  return out;
}

const char* kTypesTable = R"(CREATE TABLE types (
  id INT PRIMARY KEY,
  ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED,
  mi MEDIUMINT, miu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED,
  bi BIGINT, biu BIGINT UNSIGNED,
  dec_a DECIMAL(20,6), dec_b DECIMAL(5,0), dec_c DECIMAL(65,30),
  fl FLOAT, dbl DOUBLE,
  d DATE, dt DATETIME(6), dt0 DATETIME, ts TIMESTAMP(3) NULL, tm TIME(6), tm0 TIME, yr YEAR,
  bits BIT(64), bit5 BIT(5),
  ch CHAR(10), vc VARCHAR(100), tx TEXT, mtx MEDIUMTEXT,
  ch_l CHAR(10) CHARACTER SET latin1, vc_l VARCHAR(100) CHARACTER SET latin1,
  tx_l TEXT CHARACTER SET latin1,
  bin4 BINARY(4), vb VARBINARY(20), bl BLOB, tbl TINYBLOB,
  en ENUM('a','b','c d'), st SET('x','y','z'),
  js JSON, geo GEOMETRY, pt POINT%s
) DEFAULT CHARSET=utf8mb4)";
// MariaDB's own types, the last columns there (MySQL has none of them).
const char* kMariaDbColumns = ",\n  uu UUID, ip4 INET4, ip6 INET6";

const char* kTypesRows[] = {
    // Upper bounds and rich values.
    R"((1, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295,
        9223372036854775807, 18446744073709551615,
        99999999999999.999999, 99999, 12345678901234567890123456789012345.123456789012345678901234567890,
        3.40282e38, 1.7976931348623157e308,
        '9999-12-31', '9999-12-31 23:59:59.999999', '2026-01-31 12:00:00', '2038-01-19 03:14:07.999',
        '838:59:59.000000', '-12:00:01', 2155,
        b'1111111111111111111111111111111111111111111111111111111111111111', b'10101',
        'abc', 'héllo 🚀 "quoted" \\ back', REPEAT('long text ', 50), 'medium',
        'café', 'naïve Ünï', 'Ågård',
        0x00010203, 0xDEADBEEF, 0x00FF10, 0x7F,
        'c d', 'x,z',
        '{"a": [1, 2.5, null, true, false], "b": {"c": "dé"}, "n": 12345678901234567890}',
        ST_GeomFromText('POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))'), ST_PointFromText('POINT(1.5 -2.25)')%s))",
    // Lower bounds and empties.
    R"((2, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0,
        -9223372036854775808, 0,
        -99999999999999.999999, -99999, -0.000000000000000000000000000001,
        -1.5, -2.2250738585072014e-308,
        '1000-01-01', '1000-01-01 00:00:00.000000', '1000-01-01 00:00:00', '1970-01-01 00:00:01.000',
        '-838:59:59.000000', '00:00:00', 1901,
        b'0', b'0',
        '', '', '', '',
        '', '', '',
        0x00000000, '', '', '',
        'a', '',
        '[]', ST_GeomFromText('LINESTRING(0 0, 1 1, 2 0)'), ST_PointFromText('POINT(0 0)')%s))",
    // Everyday values: fractions, trailing spaces, control characters, small floats.
    R"((4, 0, 1, -1, 2, -3, 4, 0, 7, -1, 1, 0.000001, 0, 0.1, 0.1, 0.1,
        '2024-02-29', '2024-02-29 23:59:59.5', '2024-02-29 00:00:01', '2024-02-29 12:34:56.789',
        '12:34:56.5', '-00:00:01', 2000,
        b'1000000000000000000000000000000000000000000000000000000000000001', b'00001',
        'ab  ', 'x  ', 'tab\there\nnewline\r\u0001', 'z',
        'ÿ', ' lead', 'trail ',
        0x41420000, 0x00, 0x0000, 0x00,
        'b', 'x,y,z',
        '{"k": "v", "e": {}, "f": 1e300, "g": -0.0, "u": "☃"}',
        ST_GeomFromText('MULTIPOINT(1 1, 2 2)'), ST_PointFromText('POINT(-180 90)')%s))",
};
// Their values, row by row.
const char* kMariaDbValues[] = {
    ", 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6', '192.168.10.1', '2001:db8::ff00:42:8329'",
    ", '00000000-0000-0000-0000-000000000000', '0.0.0.0', '::'",
    ", '123e4567-e89b-12d3-a456-426614174000', '255.255.255.255', '::ffff:1.2.3.4'",
};

// A statement of the table above with `extra` where the %s is.
std::string with(const char* text, const char* extra) {
  std::string s = text;
  s.replace(s.find("%s"), 2, extra);
  return s;
}

}  // namespace

TEST_CASE("tail: every column type gives the same content as load, byte for byte") {
  TestDatabase db("dumpr_t_tail_types");
  Client c(server().socket, "dumpr_t_tail_types");
  const bool mariadb = !server_is_mysql();
  if (!mariadb) skipped_on_mysql("columns UUID, INET4, INET6", "MariaDB's own types");
  c.exec(with(kTypesTable, mariadb ? kMariaDbColumns : ""));
  TempDir dir;
  const Pos p0 = master_status(c);
  for (std::size_t i = 0; i < std::size(kTypesRows); ++i)
    c.exec("INSERT INTO types VALUES " + with(kTypesRows[i], mariadb ? kMariaDbValues[i] : ""));
  c.exec("INSERT INTO types (id) VALUES (3)");  // everything NULL but the key
  // The same values again through an UPDATE (after-image) and a DELETE (before-image).
  c.exec("CREATE TABLE types_copy LIKE types");
  c.exec("INSERT INTO types_copy SELECT * FROM types");
  c.exec("UPDATE types_copy SET id = id + 100");
  c.exec("DELETE FROM types_copy WHERE id = 104");

  RunResult load = dumpr_load(db.name(), {"types"});
  INFO("load: " << describe(load));
  REQUIRE(load.exit_code == 0);
  std::map<std::string, std::string> loaded;
  for (const std::string& line : split_lines(load.out)) {
    // load prints null metadata; reuse the tuple splitter by giving it an object.
    std::string as_tail = line.substr(0, line.size() - 5) +
                          "{\"ts\":\"\",\"db\":\"\",\"next_file\":\"\",\"next_position\":0}]";
    Tuple t = parse_tuple(as_tail);
    loaded[t.id] = t.content;
  }
  REQUIRE(loaded.size() == 4);

  write_file(dir / "pos.json", checkpoint_text(p0));
  RunResult tail = tail_until_end(db.name(), {"--from", dir / "pos.json"});
  INFO("tail: " << describe(tail));
  REQUIRE(tail.exit_code == 0);
  std::map<std::string, std::string> inserted, updated, deleted;
  for (const Tuple& t : parse_tuples(tail.out)) {
    if (t.table == "types" && t.op == "upsert") inserted[t.id] = t.content;
    // types_copy rows: the UPDATE's upserts carry id + 100; its deletes the old ids.
    if (t.table == "types_copy" && t.op == "upsert" && t.id.size() == 3)
      updated[std::to_string(std::stoi(t.id) - 100)] = t.content;
    if (t.table == "types_copy" && t.op == "delete" && t.id == "104") deleted["4"] = t.content;
  }
  REQUIRE(inserted.size() == 4);
  REQUIRE(updated.size() == 4);
  REQUIRE(deleted.size() == 1);

  // Column by column, so a failure names the type.
  for (const auto& [id, want] : loaded) {
    auto want_cols = object_members(want);
    auto check_against = [&](const std::string& what, const std::string& got_text, bool copied) {
      auto got_cols = object_members(got_text);
      REQUIRE(got_cols.size() == want_cols.size());
      for (std::size_t k = 0; k < want_cols.size(); ++k) {
        INFO(what << ", id " << id << ", column " << want_cols[k].first);
        CHECK(got_cols[k].first == want_cols[k].first);
        if (copied && k == 0) continue;  // the copy's id differs by 100
        CHECK(got_cols[k].second == want_cols[k].second);
      }
    };
    check_against("INSERT", inserted[id], false);
    check_against("UPDATE of types_copy", updated[id], true);
    if (id == "4") check_against("DELETE of types_copy", deleted[id], true);
  }
}

TEST_CASE("tail --binlog-file: offline decoding of the server's own binlog equals the live tail") {
  const std::string name = "dumpr_t_tail_off_" + std::to_string(::getpid());
  TestDatabase db(name);
  Client c(server().socket, name);
  REQUIRE(!server().datadir.empty());
  c.exec(
      "CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(50), n BIGINT UNSIGNED, d DECIMAL(8,3), "
      "f DOUBLE, dt DATETIME(3), tm TIME, b VARBINARY(8), e ENUM('on','off'), st SET('p','q'), "
      "bt BIT(12), g POINT, y YEAR, l TEXT CHARACTER SET latin1)");
  c.exec("CREATE TABLE k (a INT, b CHAR(3), v INT, PRIMARY KEY (a, b))");
  provide_seq(c, db.name(), 3000);
  TempDir dir;
  const Pos p0 = master_status(c);
  c.exec(
      "INSERT INTO t VALUES (1, 'Zoë 🚀', 18446744073709551615, -12.5, 0.1, '2026-01-31 "
      "12:00:00.125', "
      "'-01:02:03', 0x00FF, 'on', 'p,q', b'101010101010', ST_PointFromText('POINT(1 2)'), 1999, "
      "'Ågård'), "
      "(2, NULL, 0, 0, -1e-300, NULL, NULL, NULL, NULL, '', NULL, NULL, NULL, NULL)");
  c.exec("INSERT INTO k SELECT seq, 'abc', seq FROM seq_1_to_3000");
  c.exec("BEGIN");
  c.exec("UPDATE t SET s = 'updated', id = 3 WHERE id = 2");
  c.exec("DELETE FROM k WHERE a <= 10");
  c.exec("COMMIT");
  c.exec("UPDATE k SET v = v + 1 WHERE a % 100 = 0");

  write_file(dir / "pos.json", checkpoint_text(p0));
  RunResult live = tail_until_end(name, {"--from", dir / "pos.json"});
  INFO("live: " << describe(live));
  REQUIRE(live.exit_code == 0);

  std::vector<std::string> args = {"tail", "--no-defaults", "--database", name};
  const Pos end = master_status(c);
  for (auto& log : c.query("SHOW BINARY LOGS"))
    if (file_seq(*log[0]) >= file_seq(p0.file) && file_seq(*log[0]) <= file_seq(end.file)) {
      args.push_back("--binlog-file");
      args.push_back(server().datadir + "/" + *log[0]);
    }
  RunResult offline = dumpr(args);
  INFO("offline: " << describe(offline));
  CHECK(offline.exit_code == 0);
  // Whole lines: content, ids and metadata (next_file/next_position, ts, gtid) alike.
  auto live_lines = split_lines(live.out);
  auto off_lines = split_lines(offline.out);
  CHECK(live_lines.size() == 2 + 3000 + 2 + 10 + 30);
  CHECK(off_lines.size() == live_lines.size());
  for (std::size_t i = 0; i < std::min(live_lines.size(), off_lines.size()); ++i)
    if (live_lines[i] != off_lines[i])
      FAIL("line " << i << " differs\n  live:    " << live_lines[i]
                   << "\n  offline: " << off_lines[i]);
}

namespace {

// A double to write into a JSON document: spread over the cases of MySQL's printing (positional
// from 1e-15 to below 1e15, exponent outside; 17 digits; integral values; signs and zeros;
// subnormals), as "%.17e" so that both servers take it as a double, never as an integer.
double random_json_double(dumpr_diff::Rng& r) {
  using dumpr_diff::uni;
  static const double edges[] = {0.0,
                                 -0.0,
                                 1e15,
                                 1e16,
                                 1e17,
                                 1e-15,
                                 1e-16,
                                 1e-14,
                                 5e-324,
                                 1.7976931348623157e308,
                                 2.2250738585072014e-308,
                                 9007199254740993.0,
                                 0.1,
                                 100.0,
                                 123456789012345680000.0,
                                 999999999999999.9};
  double d = 0;
  switch (uni(r, 0, 5)) {
    case 0:
    case 1:  // any finite double
      do {
        const std::uint64_t bits = r();
        std::memcpy(&d, &bits, 8);
      } while (!std::isfinite(d));
      return d;
    case 2:  // 1 to 17 digits, scaled around the boundaries of the positional form
      d = static_cast<double>(uni(r, 1, 99999999999999999)) /
          std::pow(10.0, static_cast<double>(uni(r, 0, 17)));
      return d * std::pow(10.0, static_cast<double>(uni(r, -20, 20))) * (uni(r, 0, 1) ? 1 : -1);
    case 3:  // an integral value
      return static_cast<double>(uni(r, -(std::int64_t{1} << 60), std::int64_t{1} << 60) >>
                                 uni(r, 0, 60));
    case 4:  // a short decimal fraction
      return static_cast<double>(uni(r, -1000000, 1000000)) /
             std::pow(10.0, static_cast<double>(uni(r, 1, 8)));
    default:
      return edges[uni(r, 0, std::size(edges) - 1)];
  }
}

}  // namespace

TEST_CASE("tail: doubles in JSON documents are byte for byte what load gives (random doubles)") {
  const std::uint64_t seed = dumpr_diff::test_seed("doubles in JSON");
  dumpr_diff::Rng rng(seed);
  TestDatabase db("dumpr_t_json_doubles");
  Client c(server().socket, db.name());
  c.exec("CREATE TABLE jd (id INT PRIMARY KEY, j JSON)");
  TempDir dir;
  const Pos p0 = master_status(c);

  // 200 documents of 15 doubles: an array, or an object of arrays and members.
  constexpr int kDocs = 200, kPerDoc = 15;
  std::map<std::string, std::vector<double>> written;
  std::string sql;
  for (int id = 1; id <= kDocs; ++id) {
    std::vector<double>& ds = written[std::to_string(id)];
    std::string doc = id % 2 ? "[" : "{\"a\": [";
    for (int k = 0; k < kPerDoc; ++k) {
      ds.push_back(random_json_double(rng));
      if (id % 2 == 0 && k == 5)
        doc += "], \"b\": {\"c\": ";
      else if (id % 2 == 0 && k > 5)
        doc += ", \"c" + std::to_string(k) + "\": ";
      else if (k)
        doc += ", ";
      doc += dumpr_diff::fmt("%.17e", ds.back());
    }
    doc += id % 2 ? "]" : "}}";
    sql += std::string(sql.empty() ? "INSERT INTO jd VALUES " : ", ") + "(" + std::to_string(id) +
           ", '" + doc + "')";
  }
  c.exec(sql);
  c.exec("UPDATE jd SET id = id + 1000 WHERE id % 3 = 0");  // the after image too

  RunResult load = dumpr_load(db.name(), {"jd"});
  INFO("load: " << describe(load));
  REQUIRE(load.exit_code == 0);
  std::map<std::string, std::string> loaded;
  for (const std::string& line : split_lines(load.out)) {
    std::string as_tail = line.substr(0, line.size() - 5) +
                          "{\"ts\":\"\",\"db\":\"\",\"next_file\":\"\",\"next_position\":0}]";
    Tuple t = parse_tuple(as_tail);
    loaded[t.id] = object_members(t.content).at(1).second;
  }
  REQUIRE(loaded.size() == kDocs);

  write_file(dir / "pos.json", checkpoint_text(p0));
  RunResult tail = tail_until_end(db.name(), {"--from", dir / "pos.json"});
  INFO("tail: " << describe(tail));
  REQUIRE(tail.exit_code == 0);
  std::map<std::string, std::string> tailed;  // the last image of each id, as the load has it
  for (const Tuple& t : parse_tuples(tail.out))
    if (t.op == "upsert") tailed[t.id] = object_members(t.content).at(1).second;
  REQUIRE(tailed.size() == kDocs + kDocs / 3);

  int compared = 0, differ = 0;
  for (const auto& [id, want] : loaded) {
    const auto it = tailed.find(id);
    REQUIRE_MESSAGE(it != tailed.end(), "tail has no row " << id);
    const int n = std::stoi(id);
    const std::vector<double>& ds = written.at(std::to_string(n > 1000 ? n - 1000 : n));
    // The numbers of the document as load wrote them: each reads back as the double written.
    std::vector<std::string> numbers;
    for (std::size_t i = 0; i < want.size();) {
      if (want[i] == '"') {  // a key: no escapes in these
        i = want.find('"', i + 1) + 1;
      } else if (want[i] == '-' || (want[i] >= '0' && want[i] <= '9')) {
        const std::size_t end = want.find_first_not_of("-+.eE0123456789", i);
        numbers.push_back(want.substr(i, end - i));
        i = end;
      } else {
        ++i;
      }
    }
    REQUIRE_MESSAGE(numbers.size() == ds.size(), "load: " << want);
    for (std::size_t k = 0; k < ds.size(); ++k) {
      INFO("row " << id << ", double " << dumpr_diff::fmt("%.17e", ds[k]) << ": load wrote "
                  << numbers[k]);
      const double back = std::strtod(numbers[k].c_str(), nullptr);
      CHECK(std::memcmp(&back, &ds[k], 8) == 0);
    }
    ++compared;
    if (it->second != want && ++differ <= 10)
      FAIL_CHECK("row " << id << ":\n  load: " << want << "\n  tail: " << it->second);
  }
  CHECK(compared == kDocs);
  CHECK(differ == 0);
}
