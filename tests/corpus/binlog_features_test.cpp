// Specific corpus files through the real tail (`dumpr tail --binlog-file`), checked for what the
// oracle cannot show: MariaDB compressed events, MySQL transaction compression, tagged GTIDs,
// binary JSON, VECTOR, the offline rules for binlogs without full metadata (and their warnings),
// and the fuzz findings in tests/data/binlog/ (which must end cleanly).
//
// Two facts the tail does not print are read with the decoder itself (events only, no rows): the
// TABLE_MAP optional metadata as decoded, and the text of a compressed QUERY event.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "binlog/decoder.hpp"
#include "binlog/file.hpp"
#include "corpus/corpus_support.hpp"

namespace fs = std::filesystem;
using namespace dumpr;
using namespace dumpr::corpus;

namespace {

// One `dumpr tail --binlog-file FILE [extra...]` run in `dir`, its tuples split out.
struct Tail {
  Run run;
  std::vector<std::string> lines;
  std::vector<Tuple> tuples;  // views into `lines` (heap buffers: a tuple is never short)

  std::vector<std::string> contents() const {
    std::vector<std::string> v;
    for (const auto& t : tuples) v.emplace_back(t.content);
    return v;
  }
  // The content of the first tuple whose content starts with `prefix` ("" if none).
  std::string find(std::string_view prefix) const {
    for (const auto& t : tuples)
      if (t.content.rfind(prefix, 0) == 0) return std::string(t.content);
    return "";
  }
  bool has(std::string_view content) const {
    for (const auto& t : tuples)
      if (t.content == content) return true;
    return false;
  }
  // Warnings on stderr containing `text`.
  std::size_t warnings(std::string_view text) const {
    std::size_t n = 0;
    for (std::string_view l : lines_of(run.err))
      if (l.rfind("dumpr: warning: ", 0) == 0 && l.find(text) != std::string_view::npos) ++n;
    return n;
  }
};

Tail tail(const fs::path& dir, const std::string& file, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"tail", "--binlog-file", file};
  args.insert(args.end(), extra.begin(), extra.end());
  Tail t;
  t.run = run_dumpr(dir, args);
  for (std::string_view l : lines_of(t.run.out)) t.lines.emplace_back(l);
  for (const auto& l : t.lines) {
    auto tu = tuple_of(l);
    REQUIRE_MESSAGE(tu.has_value(), "not a tuple: " << l);
    t.tuples.push_back(*tu);
  }
  return t;
}

// Decoder level: the TABLE_MAPs (last of each table) and QUERY texts of a file, no rows decoded.
struct Events {
  std::map<std::string, std::shared_ptr<const binlog::TableMap>> maps;
  std::vector<std::string> queries;
};

Events events_of(const fs::path& path) {
  Events out;
  auto file = binlog::BinlogFile::open(path.string());
  if (!file) FAIL(path.string() << ": " << file.error().message);
  binlog::Decoder dec;
  binlog::RawEvent raw;
  while (true) {
    auto more = file->next(raw);
    if (!more) FAIL(more.error().message);
    if (!*more) break;
    auto ev = dec.decode(raw.bytes);
    if (!ev) FAIL(ev.error().message);
    if (auto* q = ev->as<binlog::QueryEvent>()) out.queries.emplace_back(q->query);
    if (auto* tm = ev->as<binlog::TableMapEvent>()) out.maps[tm->map->table] = tm->map;
  }
  return out;
}

}  // namespace

TEST_CASE("MariaDB compressed QUERY and ROWS events (log_bin_compress)") {
  const auto dir = corpus_or_skip();
  if (!dir) return;
  const std::string gen = "local-generated+mariadb-10.11.19/";
  Tail w = tail(*dir, gen + "mariadb-bin.000002");
  CAPTURE(w.run.err);
#ifdef DUMPR_HAVE_ZLIB
  REQUIRE(w.run.exit == 0);
  // compressed.sql: INSERT INTO t_str (id, vc, tx, bl) VALUES (100, REPEAT('compress me ', 20),
  // ...); UPDATE ... vc = REPEAT('again ', 40); DELETE; INSERT INTO t_int; CREATE TABLE t_c;
  // INSERT INTO t_c.
  REQUIRE(w.tuples.size() == 5);
  std::string vc;
  for (int i = 0; i < 20; ++i) vc += "compress me ";
  CHECK(w.tuples[0].op == "upsert");
  CHECK(w.tuples[0].content.rfind("{\"id\":100,", 0) == 0);
  CHECK(w.tuples[0].content.find("\"vc\":\"" + vc + "\"") != std::string::npos);
  std::string again;
  for (int i = 0; i < 40; ++i) again += "again ";
  CHECK(w.tuples[1].content.find("\"vc\":\"" + again + "\"") != std::string::npos);
  CHECK(w.tuples[2].op == "delete");
  CHECK(w.tuples[2].id == "100");
  CHECK(w.tuples[3].content.find("\"ii\":30,") != std::string::npos);
  CHECK(w.tuples[4].table == "t_c");
  CHECK(w.tuples[4].content ==
        "{\"id\":1,\"v\":\"a query event that should be logged compressed if statement-based\"}");
  // The CREATE TABLE was written as a QUERY_COMPRESSED event and comes back inflated.
  const Events e = events_of(*dir / (gen + "mariadb-bin.000002"));
  CHECK(std::find(e.queries.begin(), e.queries.end(),
                  "CREATE TABLE t_c (id INT PRIMARY KEY, v VARCHAR(100))") != e.queries.end());
  Tail w3 = tail(*dir, gen + "mariadb-bin.000003");
  CHECK(w3.run.exit == 0);
#else
  // Without zlib the compressed events are a clear error, never skipped.
  CHECK(w.run.exit == 8);
  CHECK(w.run.err.find("no zlib support") != std::string::npos);
#endif
}

TEST_CASE("MySQL 8 TRANSACTION_PAYLOAD (zstd) yields its inner events and rows") {
  const auto dir = corpus_or_skip();
  if (!dir) return;
  Tail w =
      tail(*dir, "blackbeam+rust_mysql_common/test-data/binlogs/transaction_compression.000001");
  CAPTURE(w.run.err);
  REQUIRE(w.run.exit == 0);
  REQUIRE(w.tuples.size() == 1);
  CHECK(w.tuples[0].table == "tb1");
  CHECK(w.tuples[0].content == "{\"@1\":1}");
  // The commit inside the payload ends the transaction: its position is the payload's end.
  CHECK(w.tuples[0].metadata.find("\"next_position\":431") != std::string::npos);
  Tail c =
      tail(*dir, "osheroff+mysql-binlog-connector-java/src/test/resources/mysql-bin.compressed");
  CAPTURE(c.run.err);
  CHECK(c.run.exit == 0);
  CHECK(c.tuples.size() > 0);
}

TEST_CASE("GTID_TAGGED (MySQL 9) carries uuid, tag and number") {
  const auto dir = corpus_or_skip();
  if (!dir) return;
  Tail w =
      tail(*dir,
           "blackbeam+rust_mysql_common/test-data/binlogs/binlog_transaction_with_GTID_TAG.000001");
  CAPTURE(w.run.err);
  REQUIRE(w.run.exit == 0);
  REQUIRE(w.tuples.size() == 1);
  CHECK(w.tuples[0].content == "{\"@1\":3,\"@2\":100,\"@3\":\"250.00\"}");
  CHECK(w.tuples[0].metadata.find("\"gtid\":\"55778904-0299-11f1-b1b8-4ef0c4956feb:mytag:3\"") !=
        std::string::npos);
}

TEST_CASE("MySQL binary JSON columns and opaque JSON values") {
  const auto dir = corpus_or_skip();
  if (!dir) return;
  Tail w = tail(*dir, "blackbeam+rust_mysql_common/test-data/binlogs/json-opaque.binlog");
  CAPTURE(w.run.err);
  REQUIRE(w.run.exit == 0);
  for (const char* r :
       {"{\"a\":{\"b\":\"2012-03-18\"}}", "{\"a\":{\"c\":\"2012-03-18 11:30:45.000000\"}}",
        "{\"a\":{\"c\":\"87:31:46.654321\"}}", "{\"a\":{\"d\":123.456}}", "{\"a\":{\"e\":9.00}}"}) {
    CAPTURE(r);
    CHECK(w.has(r));
  }
  Tail j = tail(*dir, "blackbeam+rust_mysql_common/test-data/binlogs/json.binlog.000001");
  CAPTURE(j.run.err);
  REQUIRE(j.run.exit == 0);
  REQUIRE(j.tuples.size() == 18);
  CHECK(j.tuples[0].content ==
        "{\"@1\":1,\"@2\":{\"age\":24,\"data\":\"xxxxxxxxxx\",\"name\":\"Joe\"},\"@3\":\"Joe\","
        "\"@4\":24}");
  // UPDATE t SET @2 = JSON_SET(...), @4 = @4 + 1: full images first.
  CHECK(j.tuples[6].content ==
        "{\"@1\":1,\"@2\":{\"age\":25,\"data\":\"xxxxxxxxxx\",\"name\":\"Joe\"},\"@3\":\"Joe\","
        "\"@4\":25}");
}

TEST_CASE("MySQL 9 VECTOR columns are base64 of their floats") {
  const auto dir = corpus_or_skip();
  if (!dir) return;
  Tail w = tail(*dir, "blackbeam+rust_mysql_common/test-data/binlogs/vector.binlog");
  CAPTURE(w.run.err);
  REQUIRE(w.run.exit == 0);
  REQUIRE_FALSE(w.tuples.empty());
  // [1.1, 2.2, 3.3] as little-endian floats.
  CHECK(w.tuples[0].content == "{\"id\":1,\"vector_column\":\"zcyMP83MDEAzM1NA\"}");
}

TEST_CASE("MariaDB 10.11 JSON, UUID and INET columns from the table map alone") {
  const auto dir = corpus_or_skip();
  if (!dir) return;
  Tail w = tail(*dir, "local-generated+mariadb-10.11.19/mariadb-bin.000001");
  CAPTURE(w.run.err);
  REQUIRE(w.run.exit == 0);
  // Without the server's schema, MariaDB JSON (a LONGTEXT utf8mb4) is text and UUID/INET6/INET4
  // are BINARY(n), padded back to their length; names come from binlog_row_metadata=FULL.
  CHECK(
      w.has("{\"id\":1,\"j\":\"{\\\"a\\\": 1, \\\"b\\\": [true, false, null], \\\"c\\\": "
            "{\\\"d\\\": \\\"\xC3\xA9\\\"}, \\\"e\\\": 1.5}\",\"u\":\"Ej5FZ+ibEtOkVkJmFBdAAA==\","
            "\"i6\":\"IAENuAAAAAAAAP8AAEKDKQ==\",\"i4\":\"wKgBAQ==\"}"));
  // alltypes.sql, the extremes of every integer type, signedness from the table map.
  CHECK(
      w.find("{\"id\":1,\"ti\"") ==
      "{\"id\":1,\"ti\":-128,\"tu\":255,\"si\":-32768,\"su\":65535,\"mi\":-8388608,\"mu\":16777215,"
      "\"ii\":-2147483648,\"iu\":4294967295,\"bi\":-9223372036854775808,"
      "\"bu\":18446744073709551615,\"yr\":1901,\"b1\":1,\"b13\":5461,"
      "\"b64\":18446744073709551615,\"bo\":1}");
  // MINIMAL row image: only the changed column in the after image, marked partial.
  bool minimal = false;
  for (const auto& t : w.tuples) {
    if (t.content != "{\"si\":7}") continue;
    minimal = true;
    CHECK(t.op == "upsert");
    CHECK(t.metadata.find("\"partial\":true") != std::string::npos);
  }
  CHECK(minimal);
  // Every row image decoded, no warning: FULL metadata leaves nothing to guess.
  CHECK(w.warnings("column") == 0);
}

TEST_CASE("fuzz findings end cleanly") {
  const fs::path dir = fs::path(DUMPR_TEST_DATA) / "binlog";
  REQUIRE(fs::exists(dir));
  // Each was a crash or a hang of the fuzz target, which reads its input as a binlog file (magic
  // prepended when absent); now the tail reads each to its end or to a clean error (exit 8).
  char tmpl[] = "/tmp/dumpr-corpus-fuzz.XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  const fs::path work = tmpl;
  std::size_t n = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("fuzz-", 0) != 0) continue;
    ++n;
    CAPTURE(name);
    std::string data = read_file(entry.path());
    if (data.size() < 4 || data.compare(0, 4,
                                        "\xFE"
                                        "bin") != 0)
      data.insert(0,
                  "\xFE"
                  "bin");
    std::ofstream(work / name, std::ios::binary) << data;
    Tail w = tail(work, name);
    CAPTURE(w.run.err);
    CHECK((w.run.exit == 0 || w.run.exit == 8));
    if (w.run.exit == 8) CHECK(w.run.err.rfind("dumpr: " + name + " at offset ", 0) == 0);
  }
  fs::remove_all(work);
  CHECK(n >= 2);
}

namespace {

// SIGNEDNESS as decoded, one entry per column: 'u' unsigned, 's' signed, '-' no bit.
std::string signedness(const binlog::TableMap& m) {
  std::string s;
  for (const auto& c : m.columns) s += !c.is_unsigned ? '-' : *c.is_unsigned ? 'u' : 's';
  return s;
}

// Collations as decoded, one entry per column ("-" for none).
std::vector<std::string> collations(const binlog::TableMap& m) {
  std::vector<std::string> v;
  for (const auto& c : m.columns) v.push_back(c.collation ? std::to_string(*c.collation) : "-");
  return v;
}

}  // namespace

TEST_CASE("TABLE_MAP optional metadata: MariaDB counts YEAR and GEOMETRY, MySQL YEAR only") {
  // tests/data/binlog/table-map-metadata.*: table-map-metadata.sql run on MariaDB 10.11 and
  // MySQL 9.7 with binlog_row_metadata=FULL.
  const fs::path dir = fs::path(DUMPR_TEST_DATA) / "binlog";
  for (const char* name :
       {"table-map-metadata.mariadb-10.11.bin", "table-map-metadata.mysql-9.7.bin"}) {
    CAPTURE(name);
    const bool maria = std::string_view(name).find("mariadb") != std::string_view::npos;
    Tail w = tail(dir, name);
    CAPTURE(w.run.err);
    REQUIRE(w.run.exit == 0);
    // The table maps as decoded (the tail prints only their effect on the rows).
    Events e = events_of(dir / name);
    REQUIRE(e.maps.size() == 4);
    // YEAR has a SIGNEDNESS bit on both (1: unsigned); the INT after it is signed.
    CHECK(signedness(*e.maps["yr"]) == "susu");
    CHECK(signedness(*e.maps["ky"]) == "us-usususuus");
    CHECK(w.find("{\"id\":1,\"y\"") == "{\"id\":1,\"y\":2024,\"x\":-5,\"u\":18446744073709551615}");
    CHECK(w.find("{\"y\":2000") ==
          "{\"y\":2000,\"k\":-3,\"b\":5,\"f\":1.5,\"d\":-2.25,\"dc\":\"1.50\",\"t\":-100,"
          "\"s\":65535,\"mi\":-8000000,\"bi\":18446744073709551615,\"yy\":2155,\"z\":-1}");
    // GEOMETRY has a charset entry on MariaDB only; JSON is a LONGTEXT there.
    if (maria) {
      CHECK(collations(*e.maps["g1"]) == std::vector<std::string>{"-", "63", "63", "45", "33"});
      CHECK(collations(*e.maps["g2"]) ==
            std::vector<std::string>{"-", "63", "46", "63", "33", "8", "63"});
    } else {
      CHECK(collations(*e.maps["g1"]) == std::vector<std::string>{"-", "-", "63", "255", "33"});
      CHECK(collations(*e.maps["g2"]) ==
            std::vector<std::string>{"-", "63", "-", "-", "33", "8", "63"});
    }
    CHECK(w.find("{\"id\":1,\"p\"") ==
          "{\"id\":1,\"p\":\"AAAAAAEBAAAAAAAAAAAA8D8AAAAAAAAAQA==\",\"lb\":\"CgD/QQ==\","
          "\"v\":\"\xC3\xA9\",\"t\":\"\xC3\xBC\"}");
    const std::string g2 = w.find("{\"id\":1,\"bt\"");
    CHECK(g2.find("\"t\":\"\xC3\xB1\",\"c\":\"\xC3\xA7"
                  "a\",\"bn\":\"AQIAAA==\"}") != std::string::npos);
    CHECK(w.warnings("column") == 0);
  }
}

TEST_CASE("metadata_rules: which server counts what") {
  using namespace dumpr::binlog;
  const auto v = [](unsigned a, unsigned b, unsigned c) { return (a * 256 + b) * 256 + c; };
  MetadataRules maria = metadata_rules(Flavor::mariadb, v(10, 11, 9));
  CHECK(maria.year_signedness);
  CHECK(maria.geometry_charset);
  CHECK_FALSE(metadata_rules(Flavor::mysql, v(8, 0, 20)).year_signedness);
  CHECK(metadata_rules(Flavor::mysql, v(8, 0, 21)).year_signedness);
  CHECK(metadata_rules(Flavor::mysql, v(9, 7, 0)).year_signedness);
  CHECK_FALSE(metadata_rules(Flavor::mysql, v(9, 7, 0)).geometry_charset);
  CHECK(signedness_counted(kDecimal, maria));
  CHECK_FALSE(signedness_counted(kBit, maria));
  CHECK_FALSE(charset_counted(kJson, maria));
  CHECK_FALSE(charset_counted(kEnum, maria));
  CHECK(charset_counted(kVector, metadata_rules(Flavor::mysql, v(9, 0, 1))));
}

TEST_CASE("offline: ENUM and SET without member names are numbers, with one warning") {
  const auto dir = corpus_or_skip();
  if (!dir) return;
  // MySQL 8.0.31 with binlog_row_metadata=MINIMAL: no ENUM/SET strings in the table map;
  // test_table_3's @7 is an ENUM, @8 a SET.
  Tail w =
      tail(*dir, "apecloud+mysql-binlog-connector-rust/tests/parse_file_tests/mysql-bin.000057");
  CAPTURE(w.run.err);
  REQUIRE(w.run.exit == 0);
  // Never "": the stored number.
  for (const auto& t : w.tuples) CHECK(t.content.find("\":\"\"") == std::string::npos);
  bool seen = false;
  for (const auto& t : w.tuples) {
    if (t.table != "test_table_3") continue;
    const std::size_t a = t.content.find("\"@7\":"), b = t.content.find("\"@8\":");
    if (a == std::string::npos || b == std::string::npos) continue;
    seen = true;
    CHECK(std::isdigit(static_cast<unsigned char>(t.content[a + 5])));
    CHECK(std::isdigit(static_cast<unsigned char>(t.content[b + 5])));
  }
  CHECK(seen);
  CHECK(w.warnings("table test_table_3 columns @7, @8: the binlog does not record the ENUM/SET "
                   "member names") == 1);
  CHECK(w.warnings("member names") == 1);
}

TEST_CASE("offline: CHAR without charset metadata is unpadded text, with one warning") {
  const auto dir = corpus_or_skip();
  if (!dir) return;
  // MySQL 5.6: `language`.@2 is CHAR(20) utf8, 'German'. The file also has a DELETE logged as a
  // statement: without --skip-statement-dml the tail stops there (exit 4).
  Tail stop = tail(*dir, "zalora+binlog-parser/data/fixtures/mysql-bin.06");
  CHECK(stop.run.exit == 4);
  CHECK(stop.run.err.find("a change to captured table test_db.filler was logged as a statement") !=
        std::string::npos);
  CHECK(stop.tuples.empty());
  Tail w = tail(*dir, "zalora+binlog-parser/data/fixtures/mysql-bin.06", {"--skip-statement-dml"});
  CAPTURE(w.run.err);
  REQUIRE(w.run.exit == 0);
  CHECK(w.find("{\"@1\":70,") == "{\"@1\":70,\"@2\":\"German\",\"@3\":\"2017-04-24T05:45:11Z\"}");
  CHECK(w.warnings("skipped a statement-format change to table test_db.filler") == 1);
  // Once per column of each table definition (the table is altered in between).
  CHECK(w.warnings("table language column @2: the binlog does not record the character set") == 2);
  CHECK(w.warnings("character set") == 2);
}

TEST_CASE("offline: a partial JSON update without a before image leaves the column out") {
  const auto dir = corpus_or_skip();
  if (!dir) return;
  // MySQL 8.0.22, binlog_row_image=MINIMAL with PARTIAL_JSON: the after image's JSON diffs
  // have nothing to apply to.
  Tail w = tail(*dir, "blackbeam+rust_mysql_common/test-data/binlogs/json.binlog.000001");
  CAPTURE(w.run.err);
  REQUIRE(w.run.exit == 0);
  bool seen = false;
  for (const auto& t : w.tuples) {
    if (t.content != "{\"@3\":\"Sue\",\"@4\":34}") continue;
    seen = true;
    CHECK(t.metadata.find("\"partial\":true") != std::string::npos);
  }
  CHECK(seen);
  CHECK(w.warnings("column") == 1);
  CHECK(w.warnings("table t column @2: a MySQL partial JSON update") == 1);
}

TEST_CASE("offline: MariaDB 10.0 TIMESTAMP(3) is named as the column that cannot be read") {
  const auto dir = corpus_or_skip();
  if (!dir) return;
  Tail w = tail(*dir, "pingcap+tiflow/mysql-bin.000001");
  CAPTURE(w.run.err);
  CHECK(w.run.exit == 10);
  CHECK(w.run.err.find("table `steven`.`t`: column 2 `@2` (TIMESTAMP) cannot be read from the "
                       "binlog alone") != std::string::npos);
  CHECK(w.run.err.find("row 2") == std::string::npos);
  // No row of that table (id, TIMESTAMP) was given before the error; the rows before it were.
  CHECK(w.tuples.size() == 4);
  for (const auto& t : w.tuples) CHECK(t.table != "t");
}
