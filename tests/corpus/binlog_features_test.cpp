// Specific corpus files checked for what the oracle cannot show: MariaDB compressed events, MySQL
// transaction compression, tagged GTIDs, binary JSON, VECTOR, and the fuzz findings in
// tests/data/binlog/ (which must end cleanly).
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "binlog/decoder.hpp"
#include "binlog/file.hpp"
#include "binlog/rows.hpp"
#include "row/tuple_builder.hpp"

namespace fs = std::filesystem;
using namespace dumpr;
using namespace dumpr::binlog;

namespace {

struct Walk {
  std::vector<std::string> rows;     // "after"/"before" content, closed with '}'
  std::vector<std::string> queries;  // QUERY texts
  std::vector<std::string> gtids;
  std::vector<std::string> warnings;  // once-per-column repair warnings, in order
  std::map<std::string, std::shared_ptr<const TableMap>> maps;  // last map of each table
  std::string error;
};

std::vector<std::uint8_t> slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Walk walk_bytes(Bytes data, const std::string& name) {
  Walk w;
  auto file = BinlogFile::from_memory(data, name);
  if (!file) {
    w.error = file.error().message;
    return w;
  }
  Decoder dec;
  struct Table {
    row::TableShape shape;
    std::unique_ptr<DecodePlan> plan;
    std::vector<bool> warned;
  };
  std::map<std::uint64_t, Table> tables;
  row::TupleBuilder b;
  std::function<std::string(const Event&)> handle = [&](const Event& ev) -> std::string {
    if (auto* q = ev.as<QueryEvent>()) w.queries.emplace_back(q->query);
    if (auto* g = ev.as<MysqlGtidEvent>()) w.gtids.push_back(g->to_string());
    if (auto* g = ev.as<MariaGtidEvent>()) w.gtids.push_back(g->to_string());
    if (auto* tm = ev.as<TableMapEvent>()) {
      Table& t = tables[tm->map->table_id];
      w.maps[tm->map->table] = tm->map;
      t.shape.table = tm->map->table;
      t.shape.columns = columns_from_table_map(*tm->map);
      t.shape.prepare();
      auto p = DecodePlan::make(*tm->map, t.shape.columns);
      if (!p) return p.error().message;
      t.plan = std::make_unique<DecodePlan>(std::move(p.value()));
    }
    if (auto* r = ev.as<RowsEvent>()) {
      auto it = tables.find(r->table_id);
      if (it == tables.end()) return "no table map";
      RowsReader rr(*r, *it->second.plan);
      while (!rr.done()) {
        row::TupleBuilder before, after;
        before.start(it->second.shape);
        after.start(it->second.shape);
        Status s = rr.next(&before, &after);
        if (!s.ok()) return s.error().message;
        if (r->has_before()) w.rows.push_back("B" + std::string(before.content()) + "}");
        if (r->has_after()) w.rows.push_back("A" + std::string(after.content()) + "}");
        before.new_repair_warnings(it->second.warned, w.warnings);
        after.new_repair_warnings(it->second.warned, w.warnings);
      }
    }
    if (auto* p = ev.as<TransactionPayloadEvent>()) {
      const std::vector<Bytes> inner = p->events;
      for (Bytes e : inner) {
        auto iev = dec.decode_inner(e);
        if (!iev) return iev.error().message;
        std::string err = handle(*iev);
        if (!err.empty()) return err;
      }
    }
    return "";
  };
  RawEvent raw;
  while (true) {
    auto more = file->next(raw);
    if (!more) {
      w.error = more.error().message;
      return w;
    }
    if (!*more) break;
    auto ev = dec.decode(raw.bytes);
    if (!ev) {
      w.error = file->at(raw, ev.take_error()).message;
      return w;
    }
    std::string err = handle(*ev);
    if (!err.empty()) {
      w.error = file->at(raw, make_error(ErrorKind::corrupt, err)).message;
      return w;
    }
  }
  return w;
}

Walk walk(const fs::path& path) {
  const std::vector<std::uint8_t> data = slurp(path);
  return walk_bytes(Bytes(data), path.string());
}

const fs::path kCorpus = DUMPR_CORPUS_DIR;
bool have_corpus() {
  return fs::exists(kCorpus / "MANIFEST.tsv");
}

}  // namespace

TEST_CASE("MariaDB compressed QUERY and ROWS events (log_bin_compress)") {
  if (!have_corpus()) return;
  Walk w = walk(kCorpus / "local-generated+mariadb-10.11.19/mariadb-bin.000002");
#ifdef DUMPR_HAVE_ZLIB
  REQUIRE(w.error.empty());
  // INSERT INTO t_str (id, vc, tx, bl) VALUES (100, REPEAT('compress me ', 20), ...).
  REQUIRE(w.rows.size() >= 5);
  CHECK(w.rows[0].rfind("A{\"id\":100,", 0) == 0);
  std::string vc;
  for (int i = 0; i < 20; ++i) vc += "compress me ";  // compressed.sql: REPEAT(.., 20)
  CHECK(w.rows[0].find("\"vc\":\"" + vc + "\"") != std::string::npos);
  // The CREATE TABLE was written as a QUERY_COMPRESSED event and comes back inflated.
  CHECK(std::find(w.queries.begin(), w.queries.end(),
                  "CREATE TABLE t_c (id INT PRIMARY KEY, v VARCHAR(100))") != w.queries.end());
  Walk w3 = walk(kCorpus / "local-generated+mariadb-10.11.19/mariadb-bin.000003");
  CHECK(w3.error.empty());
#else
  // Without zlib the compressed events are a clear error, never skipped.
  CHECK(w.error.find("no zlib support") != std::string::npos);
#endif
}

TEST_CASE("MySQL 8 TRANSACTION_PAYLOAD (zstd) yields its inner events and rows") {
  if (!have_corpus()) return;
  Walk w = walk(kCorpus /
                "blackbeam+rust_mysql_common/test-data/binlogs/transaction_compression.000001");
  REQUIRE(w.error.empty());
  REQUIRE(w.rows.size() == 1);
  CHECK(w.rows[0] == "A{\"@1\":1}");
  CHECK(w.queries == std::vector<std::string>{"BEGIN"});
  Walk c = walk(kCorpus /
                "osheroff+mysql-binlog-connector-java/src/test/resources/mysql-bin.compressed");
  CHECK(c.error.empty());
  CHECK(c.rows.size() > 0);
}

TEST_CASE("GTID_TAGGED (MySQL 9) carries uuid, tag and number") {
  if (!have_corpus()) return;
  Walk w =
      walk(kCorpus /
           "blackbeam+rust_mysql_common/test-data/binlogs/binlog_transaction_with_GTID_TAG.000001");
  REQUIRE(w.error.empty());
  REQUIRE_FALSE(w.gtids.empty());
  CHECK(w.gtids[0] == "55778904-0299-11f1-b1b8-4ef0c4956feb:mytag:3");
}

TEST_CASE("MySQL binary JSON columns and opaque JSON values") {
  if (!have_corpus()) return;
  Walk w = walk(kCorpus / "blackbeam+rust_mysql_common/test-data/binlogs/json-opaque.binlog");
  REQUIRE(w.error.empty());
  std::vector<std::string> want = {
      "A{\"a\":{\"b\":\"2012-03-18\"}}", "A{\"a\":{\"c\":\"2012-03-18 11:30:45.000000\"}}",
      "A{\"a\":{\"c\":\"87:31:46.654321\"}}", "A{\"a\":{\"d\":123.456}}", "A{\"a\":{\"e\":9.00}}"};
  for (const auto& r : want) {
    CAPTURE(r);
    CHECK(std::find(w.rows.begin(), w.rows.end(), r) != w.rows.end());
  }
  Walk j = walk(kCorpus / "blackbeam+rust_mysql_common/test-data/binlogs/json.binlog.000001");
  REQUIRE(j.rows.size() >= 2);
  CHECK(j.rows[0] ==
        "A{\"@1\":1,\"@2\":{\"age\":24,\"data\":\"xxxxxxxxxx\",\"name\":\"Joe\"},\"@3\":\"Joe\","
        "\"@4\":24}");
}

TEST_CASE("MySQL 9 VECTOR columns are base64 of their floats") {
  if (!have_corpus()) return;
  Walk w = walk(kCorpus / "blackbeam+rust_mysql_common/test-data/binlogs/vector.binlog");
  REQUIRE(w.error.empty());
  REQUIRE_FALSE(w.rows.empty());
  // [1.1, 2.2, 3.3] as little-endian floats.
  CHECK(w.rows[0] == "A{\"id\":1,\"vector_column\":\"zcyMP83MDEAzM1NA\"}");
}

TEST_CASE("MariaDB 10.11 JSON, UUID and INET columns from the table map alone") {
  if (!have_corpus()) return;
  Walk w = walk(kCorpus / "local-generated+mariadb-10.11.19/mariadb-bin.000001");
  REQUIRE(w.error.empty());
  // Without the server's schema, MariaDB JSON (a LONGTEXT utf8mb4) is text and UUID/INET6/INET4
  // are BINARY(n), padded back to their length; names come from binlog_row_metadata=FULL.
  const std::string want =
      "A{\"id\":1,\"j\":\"{\\\"a\\\": 1, \\\"b\\\": [true, false, null], \\\"c\\\": "
      "{\\\"d\\\": \\\"\xC3\xA9\\\"}, \\\"e\\\": 1.5}\",\"u\":\"Ej5FZ+ibEtOkVkJmFBdAAA==\","
      "\"i6\":\"IAENuAAAAAAAAP8AAEKDKQ==\",\"i4\":\"wKgBAQ==\"}";
  CHECK(std::find(w.rows.begin(), w.rows.end(), want) != w.rows.end());
  // MINIMAL row image: only the changed column in the after image.
  CHECK(std::find(w.rows.begin(), w.rows.end(), "A{\"si\":7}") != w.rows.end());
}

TEST_CASE("fuzz findings end cleanly") {
  const fs::path dir = fs::path(DUMPR_TEST_DATA) / "binlog";
  REQUIRE(fs::exists(dir));
  std::size_t n = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().rfind("fuzz-", 0) != 0) continue;
    ++n;
    CAPTURE(entry.path().string());
    // Each was a crash or a hang of the fuzz target, which reads its input as a binlog file
    // (magic prepended when absent); now each is read to its end or to a clean error.
    std::vector<std::uint8_t> data = slurp(entry.path());
    if (data.size() < 4 || data[0] != 0xFE || data[1] != 'b')
      data.insert(data.begin(), kBinlogMagic, kBinlogMagic + 4);
    Walk w = walk_bytes(Bytes(data), entry.path().filename().string());
    CHECK((w.error.empty() || w.error.find(entry.path().filename().string()) == 0));
  }
  CHECK(n >= 2);
}

namespace {

// SIGNEDNESS as decoded, one entry per column: 'u' unsigned, 's' signed, '-' no bit.
std::string signedness(const TableMap& m) {
  std::string s;
  for (const auto& c : m.columns) s += !c.is_unsigned ? '-' : *c.is_unsigned ? 'u' : 's';
  return s;
}

// Collations as decoded, one entry per column ("-" for none).
std::vector<std::string> collations(const TableMap& m) {
  std::vector<std::string> v;
  for (const auto& c : m.columns) v.push_back(c.collation ? std::to_string(*c.collation) : "-");
  return v;
}

std::string find_row(const Walk& w, std::string_view prefix) {
  for (const auto& r : w.rows)
    if (r.rfind(prefix, 0) == 0) return r;
  return "";
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
    Walk w = walk(dir / name);
    REQUIRE(w.error.empty());
    REQUIRE(w.maps.size() == 4);
    // YEAR has a SIGNEDNESS bit on both (1: unsigned); the INT after it is signed.
    CHECK(signedness(*w.maps["yr"]) == "susu");
    CHECK(signedness(*w.maps["ky"]) == "us-usususuus");
    CHECK(find_row(w, "A{\"id\":1,\"y\"") ==
          "A{\"id\":1,\"y\":2024,\"x\":-5,\"u\":18446744073709551615}");
    CHECK(find_row(w, "A{\"y\":2000") ==
          "A{\"y\":2000,\"k\":-3,\"b\":5,\"f\":1.5,\"d\":-2.25,\"dc\":\"1.50\",\"t\":-100,"
          "\"s\":65535,\"mi\":-8000000,\"bi\":18446744073709551615,\"yy\":2155,\"z\":-1}");
    // GEOMETRY has a charset entry on MariaDB only; JSON is a LONGTEXT there.
    if (maria) {
      CHECK(collations(*w.maps["g1"]) == std::vector<std::string>{"-", "63", "63", "45", "33"});
      CHECK(collations(*w.maps["g2"]) ==
            std::vector<std::string>{"-", "63", "46", "63", "33", "8", "63"});
    } else {
      CHECK(collations(*w.maps["g1"]) == std::vector<std::string>{"-", "-", "63", "255", "33"});
      CHECK(collations(*w.maps["g2"]) ==
            std::vector<std::string>{"-", "63", "-", "-", "33", "8", "63"});
    }
    CHECK(find_row(w, "A{\"id\":1,\"p\"") ==
          "A{\"id\":1,\"p\":\"AAAAAAEBAAAAAAAAAAAA8D8AAAAAAAAAQA==\",\"lb\":\"CgD/QQ==\","
          "\"v\":\"\xC3\xA9\",\"t\":\"\xC3\xBC\"}");
    const std::string g2 = find_row(w, "A{\"id\":1,\"bt\"");
    CHECK(g2.find("\"t\":\"\xC3\xB1\",\"c\":\"\xC3\xA7"
                  "a\",\"bn\":\"AQIAAA==\"}") != std::string::npos);
    CHECK(w.warnings.empty());
  }
}

TEST_CASE("metadata_rules: which server counts what") {
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
  if (!have_corpus()) return;
  // MySQL 8.0.31 with binlog_row_metadata=MINIMAL: no ENUM/SET strings in the table map.
  Walk w = walk(kCorpus /
                "apecloud+mysql-binlog-connector-rust/tests/parse_file_tests/"
                "mysql-bin.000057");
  REQUIRE(w.error.empty());
  const TableMap* m = nullptr;
  std::size_t e = 0, st = 0;
  for (const auto& [name, map] : w.maps) {
    for (std::size_t i = 0; i < map->columns.size(); ++i) {
      if (map->columns[i].real_type == kEnum && !map->columns[i].has_members)
        e = i + 1, m = map.get();
      if (map->columns[i].real_type == kSet && !map->columns[i].has_members) st = i + 1;
    }
  }
  REQUIRE(m != nullptr);
  REQUIRE(e > 0);
  REQUIRE(st > 0);
  // Never "": the stored number.
  for (const auto& r : w.rows) CHECK(r.find("\":\"\"") == std::string::npos);
  const std::string key_e = "\"@" + std::to_string(e) + "\":";
  const std::string key_s = "\"@" + std::to_string(st) + "\":";
  bool seen = false;
  for (const auto& r : w.rows) {
    const std::size_t a = r.find(key_e), b = r.find(key_s);
    if (a == std::string::npos || b == std::string::npos) continue;
    seen = true;
    CHECK(std::isdigit(static_cast<unsigned char>(r[a + key_e.size()])));
    CHECK(std::isdigit(static_cast<unsigned char>(r[b + key_s.size()])));
  }
  CHECK(seen);
  std::size_t member_warnings = 0;
  for (const auto& wn : w.warnings)
    if (wn.find("member names") != std::string::npos) ++member_warnings;
  CHECK(member_warnings == 1);
}

TEST_CASE("offline: CHAR without charset metadata is unpadded text, with one warning") {
  if (!have_corpus()) return;
  // MySQL 5.6: `language`.@2 is CHAR(20) utf8, 'German'.
  Walk w = walk(kCorpus / "zalora+binlog-parser/data/fixtures/mysql-bin.06");
  REQUIRE(w.error.empty());
  CHECK(find_row(w, "A{\"@1\":70,") ==
        "A{\"@1\":70,\"@2\":\"German\",\"@3\":\"2017-04-24T05:45:11Z\"}");
  // Once per column of each table definition (the table is altered in between).
  REQUIRE(w.warnings.size() == 2);
  for (const auto& wn : w.warnings)
    CHECK(wn.find("table language column @2: the binlog does not record the character set") !=
          std::string::npos);
}

TEST_CASE("offline: a partial JSON update without a before image leaves the column out") {
  if (!have_corpus()) return;
  // MySQL 8.0.22, binlog_row_image=MINIMAL with PARTIAL_JSON: the after image's JSON diffs
  // have nothing to apply to.
  Walk w = walk(kCorpus / "blackbeam+rust_mysql_common/test-data/binlogs/json.binlog.000001");
  REQUIRE(w.error.empty());
  CHECK(std::find(w.rows.begin(), w.rows.end(), "A{\"@3\":\"Sue\",\"@4\":34}") != w.rows.end());
  REQUIRE(w.warnings.size() == 1);
  CHECK(w.warnings[0].find("column @2: a MySQL partial JSON update") != std::string::npos);
}

TEST_CASE("offline: MariaDB 10.0 TIMESTAMP(3) is named as the column that cannot be read") {
  if (!have_corpus()) return;
  Walk w = walk(kCorpus / "pingcap+tiflow/mysql-bin.000001");
  CAPTURE(w.error);
  CHECK(w.error.find("table `steven`.`t`: column 2 `@2` (TIMESTAMP) cannot be read from the "
                     "binlog alone") != std::string::npos);
  CHECK(w.error.find("row 2") == std::string::npos);
  // No row of that table (id, TIMESTAMP) was given before the error.
  for (const auto& r : w.rows) CHECK(r.find("Z\"}") == std::string::npos);
}
