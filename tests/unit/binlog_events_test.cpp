// Hand-made events through the Decoder: FORMAT_DESCRIPTION and checksums, control events,
// TABLE_MAP with optional metadata, rows of many types into a TupleBuilder, schema checks, files.
#include <doctest/doctest.h>

#include <deque>
#include <string>
#include <vector>

#include "binlog/crc32.hpp"
#include "binlog/decoder.hpp"
#include "binlog/file.hpp"
#include "binlog/rows.hpp"
#include "row/tuple_builder.hpp"

using namespace dumpr;
using namespace dumpr::binlog;
using Buf = std::vector<std::uint8_t>;

// Keeps event bytes alive for the whole test: decoded events point into them.
Bytes kept(Buf b) {
  static std::deque<Buf> store;
  store.push_back(std::move(b));
  return store.back();
}

namespace {

void le(Buf& b, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void be(Buf& b, std::uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void str(Buf& b, std::string_view s) {
  b.insert(b.end(), s.begin(), s.end());
}

// A whole v4 event: header, body and (when crc) the CRC32 of everything before it.
Buf event(std::uint8_t type, const Buf& body, bool crc, std::uint32_t log_pos = 1000) {
  Buf e;
  le(e, 1700000000, 4);
  e.push_back(type);
  le(e, 7, 4);  // server id
  le(e, 19 + body.size() + (crc ? 4 : 0), 4);
  le(e, log_pos, 4);
  le(e, 0, 2);
  e.insert(e.end(), body.begin(), body.end());
  if (crc) le(e, crc32(Bytes(e)), 4);
  return e;
}

Buf fde_body(std::string_view version, std::uint8_t alg) {
  Buf b;
  le(b, 4, 2);
  Buf v(50, 0);
  std::copy(version.begin(), version.end(), v.begin());
  b.insert(b.end(), v.begin(), v.end());
  le(b, 0, 4);
  b.push_back(19);
  Buf post(42, 0);
  post[kQuery - 1] = 13;
  post[kRotate - 1] = 8;
  post[kTableMap - 1] = 8;
  post[kWriteRowsV1 - 1] = post[kUpdateRowsV1 - 1] = post[kDeleteRowsV1 - 1] = 8;
  post[kWriteRowsV2 - 1] = post[kUpdateRowsV2 - 1] = post[kDeleteRowsV2 - 1] = 10;
  post[kGtid - 1] = 42;
  b.insert(b.end(), post.begin(), post.end());
  b.push_back(alg);
  return b;
}

// The FDE's checksum is over the event with its alg byte, as the server writes it.
Buf fde(std::string_view version = "8.0.36", bool crc = true) {
  return event(kFormatDescription, fde_body(version, crc ? 1 : 0), true);
}

// The table of the rows tests: id INT, u TINYINT UNSIGNED, s VARCHAR(20) utf8mb4,
// d DECIMAL(10,2), e ENUM('x','y'), dt DATETIME(3), b BLOB, j JSON.
Buf table_map_body(std::uint64_t table_id) {
  Buf b;
  le(b, table_id, 6);
  le(b, 1, 2);
  b.push_back(2);
  str(b, "db");
  b.push_back(0);
  b.push_back(1);
  str(b, "t");
  b.push_back(0);
  b.push_back(8);
  for (std::uint8_t t : {kLong, kTiny, kVarchar, kNewDecimal, kString, kDateTime2, kBlob, kJson})
    b.push_back(t);
  Buf meta = {20, 0, 10, 2, kEnum, 1, 3, 2, 4};
  b.push_back(static_cast<std::uint8_t>(meta.size()));
  b.insert(b.end(), meta.begin(), meta.end());
  b.push_back(0xFE);  // all nullable but id
  // SIGNEDNESS: numeric columns id, u, d -> 0,1,0 (MSB first).
  b.insert(b.end(), {1, 1, 0x40});
  // DEFAULT_CHARSET: 45 (utf8mb4_general_ci); character column #1 (the BLOB) is binary (63).
  b.insert(b.end(), {2, 3, 45, 1, 63});
  // COLUMN_NAME.
  Buf names;
  for (std::string_view n : {"id", "u", "s", "d", "e", "dt", "b", "j"}) {
    names.push_back(static_cast<std::uint8_t>(n.size()));
    str(names, n);
  }
  b.push_back(4);
  b.push_back(static_cast<std::uint8_t>(names.size()));
  b.insert(b.end(), names.begin(), names.end());
  // ENUM_STR_VALUE: one ENUM column with 2 members.
  b.insert(b.end(), {6, 5, 2, 1, 'x', 1, 'y'});
  // SIMPLE_PRIMARY_KEY: column 0.
  b.insert(b.end(), {8, 1, 0});
  return b;
}

Buf full_row() {
  Buf r;
  r.push_back(0x40);  // null bitmap: column 7 (b) is NULL
  le(r, static_cast<std::uint32_t>(-7), 4);
  r.push_back(200);
  r.push_back(6);
  str(r, "h\xC3\xA9llo");
  r.insert(r.end(), {0x80, 0x00, 0x00, 0x00, 0x01});  // DECIMAL(10,2) 0.01
  r.push_back(2);                                     // ENUM 'y'
  const std::uint64_t ymd = (2024ull * 13 + 2) << 5 | 29;
  be(r, (ymd << 17 | (23u << 12 | 59u << 6 | 59u)) + 0x8000000000ull, 5);
  be(r, 1230, 2);  // .123
  le(r, 2, 4);     // JSON length
  r.insert(r.end(), {0x04, 0x01});
  return r;
}

Buf rows_body(std::uint64_t table_id, const Buf& rows, std::uint8_t bitmap = 0xFF) {
  Buf b;
  le(b, table_id, 6);
  le(b, 1, 2);  // STMT_END_F
  le(b, 2, 2);  // v2 extra data: just its length
  b.push_back(8);
  b.push_back(bitmap);
  b.insert(b.end(), rows.begin(), rows.end());
  return b;
}

struct Fixture {
  Decoder dec;
  row::TableShape shape;
  std::unique_ptr<DecodePlan> plan;
  std::shared_ptr<const TableMap> map;

  void load() {
    REQUIRE(dec.decode(fde()).ok());
    auto tm = dec.decode(kept(event(kTableMap, table_map_body(0x42), true)));
    REQUIRE(tm.ok());
    map = tm->as<TableMapEvent>()->map;
    shape.table = map->table;
    shape.columns = columns_from_table_map(*map);
    shape.id_columns = {0};
    shape.prepare();
    auto p = DecodePlan::make(*map, shape.columns);
    REQUIRE(p.ok());
    plan = std::make_unique<DecodePlan>(std::move(p.value()));
  }
};

}  // namespace

TEST_CASE("FORMAT_DESCRIPTION: version, flavor, post-header lengths, checksum") {
  auto f = decode_format_description(fde("10.11.6-MariaDB-log"));
  REQUIRE(f.ok());
  CHECK(f->flavor == Flavor::mariadb);
  CHECK(f->checksum == ChecksumAlg::crc32);
  CHECK(f->server_version == "10.11.6-MariaDB-log");
  CHECK(f->post_header_length(kTableMap) == 8);
  CHECK(f->post_header_length(kWriteRowsV2) == 10);
  auto m = decode_format_description(fde("8.0.36", false));
  REQUIRE(m.ok());
  CHECK(m->flavor == Flavor::mysql);
  CHECK(m->checksum == ChecksumAlg::off);
  // Before 5.6.1 there is no algorithm byte: every byte is a post-header length.
  Buf old = fde_body("5.5.40-log", 0);
  old.pop_back();
  auto o = decode_format_description(event(kFormatDescription, old, false));
  REQUIRE(o.ok());
  CHECK(o->checksum == ChecksumAlg::off);
  CHECK(o->post_header_len.size() == 42);
}

TEST_CASE("Decoder verifies and strips CRC32 checksums") {
  Decoder dec;
  REQUIRE(dec.decode(fde()).ok());
  Buf xid_body;
  le(xid_body, 0x1122334455667788ull, 8);
  Buf xid = event(kXid, xid_body, true);
  auto ev = dec.decode(xid);
  REQUIRE(ev.ok());
  REQUIRE(ev->as<XidEvent>());
  CHECK(ev->as<XidEvent>()->xid == 0x1122334455667788ull);
  CHECK(ev->header.log_pos == 1000);
  CHECK(ev->header.server_id == 7);
  xid[20] ^= 1;  // one flipped bit in the body (the xid's second byte)
  auto bad = dec.decode(xid);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().kind == ErrorKind::corrupt);
  CHECK(bad.error().message.find("CRC32") != std::string::npos);
  // A size that disagrees with the header is corrupt too.
  Buf cut(xid.begin(), xid.end() - 1);
  CHECK_FALSE(dec.decode(cut).ok());
  // With the check off, the checksum is still removed (the XID reads 8 bytes, not 12).
  Decoder lax(DecoderOptions{false, ChecksumAlg::undefined});
  REQUIRE(lax.decode(fde()).ok());
  auto ok = lax.decode(xid);
  REQUIRE(ok.ok());
  CHECK(ok->as<XidEvent>()->xid == 0x1122334455667688ull);
}

TEST_CASE("Decoder compares a CRC computed by the receiver with the stored one") {
  Decoder dec;
  REQUIRE(dec.decode(fde()).ok());
  Buf xid_body;
  le(xid_body, 42, 8);
  Buf xid = event(kXid, xid_body, true);
  const std::uint32_t body_crc = crc32(Bytes(xid).first(xid.size() - 4));
  auto ev = dec.decode(xid, body_crc);
  REQUIRE(ev.ok());
  CHECK(ev->as<XidEvent>()->xid == 42u);
  // The receiver's CRC is what is compared: a different one is a mismatch even though the bytes
  // themselves are intact, and a flipped byte with the receiver's CRC of it is caught as well.
  auto wrong = dec.decode(xid, body_crc ^ 1);
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().message.find("CRC32") != std::string::npos);
  xid[20] ^= 1;
  auto flipped = dec.decode(xid, crc32(Bytes(xid).first(xid.size() - 4)));
  REQUIRE_FALSE(flipped.ok());
  CHECK(flipped.error().kind == ErrorKind::corrupt);
}

TEST_CASE("Decoder detects the checksum of events before the FORMAT_DESCRIPTION") {
  Buf rot;
  le(rot, 4, 8);
  str(rot, "binlog.000042");
  for (bool crc : {true, false}) {
    Decoder dec;
    const Buf bytes = event(kRotate, rot, crc, 0);  // the event's views point into these bytes
    auto ev = dec.decode(bytes);
    REQUIRE(ev.ok());
    REQUIRE(ev->as<RotateEvent>());
    CHECK(ev->as<RotateEvent>()->next_file == "binlog.000042");
    CHECK(ev->as<RotateEvent>()->position == 4);
  }
}

TEST_CASE("QUERY, MariaDB GTID and GTID_LIST, MySQL GTID, heartbeat") {
  Decoder dec;
  REQUIRE(dec.decode(fde("10.11.6-MariaDB-log")).ok());
  Buf q;
  le(q, 9, 4);
  le(q, 0, 4);
  q.push_back(4);
  le(q, 0, 2);
  le(q, 3, 2);
  q.insert(q.end(), {0x00, 0x00, 0x00});  // 3 bytes of status variables
  str(q, "shop");
  q.push_back(0);
  str(q, "COMMIT");
  auto qe = dec.decode(kept(event(kQuery, q, true)));
  REQUIRE(qe.ok());
  REQUIRE(qe->as<QueryEvent>());
  CHECK(qe->as<QueryEvent>()->db == "shop");
  CHECK(qe->as<QueryEvent>()->query == "COMMIT");
  CHECK(qe->as<QueryEvent>()->thread_id == 9);

  Buf g;
  le(g, 77, 8);
  le(g, 3, 4);
  g.push_back(MariaGtidEvent::kStandalone | MariaGtidEvent::kGroupCommitId);
  le(g, 5, 8);
  auto ge = dec.decode(kept(event(kMariaGtid, g, true)));
  REQUIRE(ge.ok());
  auto* gt = ge->as<MariaGtidEvent>();
  REQUIRE(gt);
  CHECK(gt->standalone());
  CHECK(gt->commit_id == 5);
  CHECK(gt->to_string() == "3-7-77");

  Buf xa;
  le(xa, 1, 8);
  le(xa, 0, 4);
  xa.push_back(MariaGtidEvent::kPreparedXa);
  le(xa, 1, 4);
  xa.push_back(2);
  xa.push_back(1);
  str(xa, "abc");
  auto xe = dec.decode(kept(event(kMariaGtid, xa, true)));
  REQUIRE(xe.ok());
  CHECK(xe->as<MariaGtidEvent>()->xa_prepare());
  CHECK(xe->as<MariaGtidEvent>()->xa_gtrid == "ab");
  CHECK(xe->as<MariaGtidEvent>()->xa_bqual == "c");

  Buf gl;
  le(gl, 2, 4);
  for (int i = 0; i < 2; ++i) {
    le(gl, i, 4);
    le(gl, 10 + i, 4);
    le(gl, 100 + i, 8);
  }
  auto le_ = dec.decode(kept(event(kMariaGtidList, gl, true)));
  REQUIRE(le_.ok());
  REQUIRE(le_->as<MariaGtidListEvent>()->gtids.size() == 2);
  CHECK(le_->as<MariaGtidListEvent>()->gtids[1].seq_no == 101);
  Buf gl_bad;
  le(gl_bad, 1000, 4);  // claims 1000 entries
  CHECK_FALSE(dec.decode(kept(event(kMariaGtidList, gl_bad, true))).ok());

  Buf mg;
  mg.push_back(1);
  for (int i = 0; i < 16; ++i) mg.push_back(static_cast<std::uint8_t>(i));
  le(mg, 23, 8);
  mg.push_back(2);
  le(mg, 4, 8);
  le(mg, 5, 8);
  auto me = dec.decode(kept(event(kGtid, mg, true)));
  REQUIRE(me.ok());
  CHECK(me->as<MysqlGtidEvent>()->to_string() == "00010203-0405-0607-0809-0a0b0c0d0e0f:23");
  CHECK(me->as<MysqlGtidEvent>()->sequence_number == 5);

  auto hb = dec.decode(kept(event(kHeartbeat, Buf{'b', 'i', 'n', '.', '1'}, true, 4711)));
  REQUIRE(hb.ok());
  CHECK(hb->as<HeartbeatEvent>()->file == "bin.1");
  CHECK(hb->as<HeartbeatEvent>()->position == 4711);
  // An unknown type that cannot carry rows is skipped, not an error.
  auto unk = dec.decode(kept(event(99, Buf{1, 2, 3}, true)));
  REQUIRE(unk.ok());
  CHECK(unk->as<SkippedEvent>());
}

TEST_CASE("TABLE_MAP with optional metadata") {
  Fixture f;
  f.load();
  const TableMap& m = *f.map;
  CHECK(m.table_id == 0x42);
  CHECK(m.database == "db");
  CHECK(m.table == "t");
  REQUIRE(m.columns.size() == 8);
  CHECK_FALSE(m.columns[0].nullable);
  CHECK(m.columns[1].nullable);
  CHECK(m.columns[1].is_unsigned == true);
  CHECK(m.columns[0].is_unsigned == false);
  CHECK(m.columns[2].collation == 45u);
  CHECK(m.columns[6].collation == 63u);
  CHECK(m.columns[4].real_type == kEnum);
  CHECK(m.columns[4].members == std::vector<std::string>{"x", "y"});
  CHECK(m.primary_key == std::vector<std::uint32_t>{0});
  const auto& cols = f.shape.columns;
  CHECK(cols[0].name == "id");
  CHECK(cols[0].kind == row::Kind::signed_int);
  CHECK(cols[1].kind == row::Kind::unsigned_int);
  CHECK(cols[2].kind == row::Kind::text);
  CHECK(cols[3].kind == row::Kind::decimal);
  CHECK(cols[3].precision == 10);
  CHECK(cols[3].scale == 2);
  CHECK(cols[4].kind == row::Kind::enumeration);
  CHECK(cols[5].kind == row::Kind::datetime);
  CHECK(cols[5].fsp == 3);
  CHECK(cols[6].kind == row::Kind::binary);
  CHECK(cols[7].kind == row::Kind::json);
}

TEST_CASE("TABLE_MAP without metadata names columns @N; truncated maps are errors") {
  Buf b;
  le(b, 1, 6);
  le(b, 0, 2);
  b.insert(b.end(), {1, 'd', 0, 1, 't', 0, 2, kLong, kVarchar, 2, 10, 0, 0x03});
  auto m = decode_table_map(Bytes(b), 8);
  REQUIRE(m.ok());
  auto cols = columns_from_table_map(*m);
  CHECK(cols[0].name == "@1");
  CHECK(cols[1].name == "@2");
  CHECK(cols[1].kind == row::Kind::binary);  // no charset logged: lossless base64
  // Every cut fails, except right after the column types: MySQL 5.1 before 5.1.23 ended there.
  for (std::size_t cut = 9; cut < b.size(); ++cut) {
    Buf t(b.begin(), b.begin() + static_cast<long>(cut));
    auto r = decode_table_map(Bytes(t), 8);
    CAPTURE(cut);
    CHECK(r.ok() == (cut == 17));
  }
}

TEST_CASE("WRITE_ROWS: every value through the plan into a TupleBuilder") {
  Fixture f;
  f.load();
  auto ev = f.dec.decode(kept(event(kWriteRowsV2, rows_body(0x42, full_row()), true)));
  REQUIRE(ev.ok());
  const RowsEvent* rows = ev->as<RowsEvent>();
  REQUIRE(rows);
  CHECK(rows->map == f.map);
  CHECK(rows->statement_end());
  RowsReader r(*rows, *f.plan);
  row::TupleBuilder b;
  b.start(f.shape);
  REQUIRE(r.next(nullptr, &b).ok());
  CHECK(r.done());
  CHECK(std::string(b.content()) ==
        "{\"id\":-7,\"u\":200,\"s\":\"h\xC3\xA9llo\",\"d\":\"0.01\",\"e\":\"y\","
        "\"dt\":\"2024-02-29T23:59:59.123\",\"b\":null,\"j\":true");
}

TEST_CASE("UPDATE_ROWS with a MINIMAL before image writes only present columns") {
  Fixture f;
  f.load();
  Buf body;
  le(body, 0x42, 6);
  le(body, 1, 2);
  le(body, 2, 2);
  body.push_back(8);
  body.push_back(0x01);  // before image: id only
  body.push_back(0x02);  // after image: u only
  body.push_back(0x00);
  le(body, 5, 4);
  body.push_back(0x00);
  body.push_back(9);
  auto ev = f.dec.decode(kept(event(kUpdateRowsV2, body, true)));
  REQUIRE(ev.ok());
  RowsReader r(*ev->as<RowsEvent>(), *f.plan);
  row::TupleBuilder before, after;
  before.start(f.shape);
  after.start(f.shape);
  REQUIRE(r.next(&before, &after).ok());
  CHECK(std::string(before.content()) == "{\"id\":5");
  CHECK(std::string(after.content()) == "{\"u\":9");
  CHECK(r.done());
}

TEST_CASE("a truncated row is an error naming table, row and column") {
  Fixture f;
  f.load();
  Buf row = full_row();
  row.resize(row.size() - 3);
  auto ev = f.dec.decode(kept(event(kWriteRowsV2, rows_body(0x42, row), true)));
  REQUIRE(ev.ok());
  RowsReader r(*ev->as<RowsEvent>(), *f.plan);
  row::TupleBuilder b;
  b.start(f.shape);
  Status s = r.next(nullptr, &b);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().kind == ErrorKind::corrupt);
  CHECK(s.error().message.find("`db`.`t`") != std::string::npos);
  CHECK(s.error().message.find(", row 1,") != std::string::npos);
  CHECK(s.error().message.find("`j`") != std::string::npos);
  CHECK(r.done());
}

TEST_CASE("DecodePlan cross-checks the schema's columns against the table map") {
  Fixture f;
  f.load();
  auto cols = f.shape.columns;
  cols.pop_back();
  auto fewer = DecodePlan::make(*f.map, cols);
  REQUIRE_FALSE(fewer.ok());
  CHECK(fewer.error().kind == ErrorKind::schema);
  CHECK(fewer.error().message.find("`db`.`t`") != std::string::npos);
  auto wrong = f.shape.columns;
  wrong[3].kind = row::Kind::date;
  auto w = DecodePlan::make(*f.map, wrong);
  REQUIRE_FALSE(w.ok());
  CHECK(w.error().kind == ErrorKind::schema);
  CHECK(w.error().message.find("`d`") != std::string::npos);
  CHECK(w.error().message.find("NEWDECIMAL") != std::string::npos);
  // The schema decides signedness: id read as unsigned.
  auto uns = f.shape.columns;
  uns[0].kind = row::Kind::unsigned_int;
  auto p = DecodePlan::make(*f.map, uns);
  REQUIRE(p.ok());
  auto ev = f.dec.decode(kept(event(kWriteRowsV2, rows_body(0x42, full_row()), true)));
  REQUIRE(ev.ok());
  row::TableShape shape = f.shape;
  shape.columns = uns;
  shape.prepare();
  RowsReader r(*ev->as<RowsEvent>(), *p);
  row::TupleBuilder b;
  b.start(shape);
  REQUIRE(r.next(nullptr, &b).ok());
  CHECK(std::string(b.content()).rfind("{\"id\":4294967289,", 0) == 0);
}

TEST_CASE("BINARY(n) gets its stripped zero bytes back; MariaDB UUID/INET types print as text") {
  Buf b;
  le(b, 5, 6);
  le(b, 0, 2);
  b.insert(b.end(), {1, 'd', 0, 1, 't', 0, 4, kString, kString, kString, kString, 8});
  b.insert(b.end(), {kString, 4, kString, 16, kString, 16, kString, 4, 0x0F});
  auto m = decode_table_map(Bytes(b), 8);
  REQUIRE(m.ok());
  std::vector<row::Column> cols(4);
  cols[0].name = "bin";
  cols[0].kind = row::Kind::binary;
  cols[1].name = "u";
  cols[1].kind = row::Kind::server_text;
  cols[1].type_name = "uuid";
  cols[2].name = "i6";
  cols[2].kind = row::Kind::server_text;
  cols[2].type_name = "inet6";
  cols[3].name = "i4";
  cols[3].kind = row::Kind::server_text;
  cols[3].type_name = "inet4";
  auto plan = DecodePlan::make(*m, cols);
  REQUIRE(plan.ok());
  Buf rows = {0x00, 2, 'a', 'b', 15};
  const Buf uuid = {0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3,
                    0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40};  // last 00 stripped
  rows.insert(rows.end(), uuid.begin(), uuid.end());
  const Buf v6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0x00, 0x00, 0x42, 0x83, 0x29};
  rows.push_back(16);
  rows.insert(rows.end(), v6.begin(), v6.end());
  rows.insert(rows.end(), {4, 192, 168, 1, 1});
  RowsEvent ev;
  ev.kind = RowsEvent::Kind::write;
  ev.width = 4;
  const Buf present = {0x0F};
  ev.present_after = Bytes(present);
  ev.rows = Bytes(rows);
  row::TableShape shape;
  shape.table = "t";
  shape.columns = cols;
  shape.prepare();
  auto plan2 = DecodePlan::make(*m, shape.columns);
  REQUIRE(plan2.ok());
  RowsReader r(ev, *plan2);
  row::TupleBuilder tb;
  tb.start(shape);
  REQUIRE(r.next(nullptr, &tb).ok());
  CHECK(std::string(tb.content()) ==
        "{\"bin\":\"YWIAAA==\",\"u\":\"123e4567-e89b-12d3-a456-426614174000\","
        "\"i6\":\"2001:db8::ff00:42:8329\",\"i4\":\"192.168.1.1\"");
}

TEST_CASE("BinlogFile frames events and names file and offset on truncation") {
  Buf file = {0xFE, 'b', 'i', 'n'};
  Buf f1 = fde();
  file.insert(file.end(), f1.begin(), f1.end());
  Buf xid_body;
  le(xid_body, 1, 8);
  Buf x = event(kXid, xid_body, true);
  file.insert(file.end(), x.begin(), x.end());
  {
    auto bf = BinlogFile::from_memory(Bytes(file), "mem.000001");
    REQUIRE(bf.ok());
    RawEvent raw;
    std::vector<std::uint64_t> offsets;
    while (true) {
      auto more = bf->next(raw);
      REQUIRE(more.ok());
      if (!*more) break;
      offsets.push_back(raw.offset);
    }
    CHECK(offsets == std::vector<std::uint64_t>{4, 4 + f1.size()});
  }
  Buf cut(file.begin(), file.end() - 5);
  auto bf = BinlogFile::from_memory(Bytes(cut), "mem.000002");
  REQUIRE(bf.ok());
  RawEvent raw;
  REQUIRE(bf->next(raw).ok());
  auto bad = bf->next(raw);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().kind == ErrorKind::corrupt);
  CHECK(bad.error().message.find("mem.000002 at offset " + std::to_string(4 + f1.size())) == 0);
  CHECK_FALSE(BinlogFile::from_memory(Bytes(f1), "x").ok());  // no magic
  Buf enc = {0xFD, 'b', 'i', 'n'};
  auto e = BinlogFile::from_memory(Bytes(enc), "enc");
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().message.find("encrypted") != std::string::npos);
}

TEST_CASE("TRANSACTION_PAYLOAD with compression NONE yields its inner events") {
  Decoder dec;
  REQUIRE(dec.decode(fde()).ok());
  Buf xid_body;
  le(xid_body, 99, 8);
  Buf inner = event(kXid, xid_body, false);  // inner events carry no checksum
  Buf body;
  body.insert(body.end(), {2, 3, 0xFC, 0xFF, 0x00});  // compression NONE (255, packed)
  body.insert(body.end(), {3, 1, static_cast<std::uint8_t>(inner.size())});  // uncompressed size
  body.insert(body.end(), {1, 1, static_cast<std::uint8_t>(inner.size())});  // payload size
  body.push_back(0);
  body.insert(body.end(), inner.begin(), inner.end());
  auto ev = dec.decode(kept(event(kTransactionPayload, body, true)));
  REQUIRE(ev.ok());
  auto* p = ev->as<TransactionPayloadEvent>();
  REQUIRE(p);
  REQUIRE(p->events.size() == 1);
  auto x = dec.decode_inner(p->events[0]);
  REQUIRE(x.ok());
  CHECK(x->as<XidEvent>()->xid == 99);
  // A payload that lies about its inner event size is corrupt.
  body[body.size() - inner.size() + 9] = 0xFF;
  CHECK_FALSE(dec.decode(kept(event(kTransactionPayload, body, true))).ok());
}

TEST_CASE("PARTIAL_UPDATE_ROWS: JSON diffs in the after image apply to the before image") {
  Decoder dec;
  REQUIRE(dec.decode(fde()).ok());
  Buf tm;
  le(tm, 9, 6);
  le(tm, 1, 2);
  tm.insert(tm.end(), {1, 'd', 0, 1, 'p', 0, 2, kLong, kJson, 1, 4, 0x02});
  auto t = dec.decode(kept(event(kTableMap, tm, true)));
  REQUIRE(t.ok());
  auto map = t->as<TableMapEvent>()->map;
  row::TableShape shape;
  shape.table = "p";
  shape.columns = columns_from_table_map(*map);
  shape.prepare();
  auto plan = DecodePlan::make(*map, shape.columns);
  REQUIRE(plan.ok());
  CHECK(plan->json_columns() == 1);

  Buf body;
  le(body, 9, 6);
  le(body, 1, 2);
  le(body, 2, 2);
  body.push_back(2);
  body.push_back(0x03);  // before: id, j
  body.push_back(0x03);  // after: id, j
  body.push_back(0x00);
  le(body, 1, 4);
  const Buf doc = {0x00, 0x01, 0x00, 0x0C, 0x00, 0x0B, 0x00, 0x01, 0x00, 0x05, 0x01, 0x00, 'a'};
  le(body, doc.size(), 4);  // {"a":1}
  body.insert(body.end(), doc.begin(), doc.end());
  body.push_back(0x01);  // value_options: PARTIAL_JSON_UPDATES
  body.push_back(0x01);  // partial bits: the one JSON column holds a diff
  body.push_back(0x00);
  le(body, 1, 4);
  const Buf diff = {0, 3, '$', '.', 'a', 3, 0x05, 0x1A, 0x00};
  le(body, diff.size(), 4);  // the diff vector's length is always 4 bytes
  body.insert(body.end(), diff.begin(), diff.end());
  auto ev = dec.decode(kept(event(kPartialUpdateRows, body, true)));
  REQUIRE(ev.ok());
  const RowsEvent* rows = ev->as<RowsEvent>();
  REQUIRE(rows);
  CHECK(rows->partial);
  RowsReader r(*rows, *plan);
  row::TupleBuilder before, after;
  before.start(shape);
  after.start(shape);
  REQUIRE(r.next(&before, &after).ok());
  CHECK(std::string(before.content()) == "{\"@1\":1,\"@2\":{\"a\":1}");
  CHECK(std::string(after.content()) == "{\"@1\":1,\"@2\":{\"a\":26}");
  CHECK(r.done());
}

TEST_CASE("a column type the decoder cannot read is a clear error when the plan is made") {
  Buf b;
  le(b, 3, 6);
  le(b, 0, 2);
  b.insert(b.end(), {1, 'd', 0, 1, 'o', 0, 2, kLong, kDecimal, 0, 0x03});
  auto m = decode_table_map(Bytes(b), 8);
  REQUIRE(m.ok());
  auto cols = columns_from_table_map(*m);
  auto plan = DecodePlan::make(*m, cols);
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.error().kind == ErrorKind::corrupt);
  CHECK(plan.error().message.find("`d`.`o`: column 2 `@2` has binlog type DECIMAL") !=
        std::string::npos);
}
