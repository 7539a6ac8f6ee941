// The row core's value shapes: bytes or parts in, exact JSON text out.
#include <doctest/doctest.h>

#include <limits>
#include <string>

#include "row/charset.hpp"
#include "row/text_values.hpp"
#include "row/tuple_builder.hpp"
#include "row/values.hpp"

using namespace dumpr;
using namespace dumpr::row;

namespace {

template <class F>
std::string json(F&& f) {
  JsonOut out;
  f(out);
  return std::string(out.view());
}

std::string text_value(const Column& c, std::string_view s, ValueOptions opt = {}) {
  JsonOut out;
  put_server_text(out, c, opt, s.data(), s.size());
  return std::string(out.view());
}

Column col(Kind k, std::uint8_t fsp = 0) {
  Column c;
  c.kind = k;
  c.fsp = fsp;
  c.collation = 45;  // utf8mb4_general_ci
  return c;
}

}  // namespace

TEST_CASE("integers keep every digit") {
  CHECK(json([](JsonOut& o) { put_int(o, std::numeric_limits<std::int64_t>::min()); }) ==
        "-9223372036854775808");
  CHECK(json([](JsonOut& o) { put_uint(o, std::numeric_limits<std::uint64_t>::max()); }) ==
        "18446744073709551615");
  CHECK(text_value(col(Kind::unsigned_int), "18446744073709551615") == "18446744073709551615");
  CHECK(text_value(col(Kind::year), "0000") == "0");
  CHECK(text_value(col(Kind::year), "2155") == "2155");
  CHECK(text_value(col(Kind::bit), std::string_view("\x01\x00", 2)) == "256");
  CHECK(text_value(col(Kind::bit), "\xff\xff\xff\xff\xff\xff\xff\xff") == "18446744073709551615");
}

TEST_CASE("floats are the shortest text that reads back to the same value") {
  CHECK(json([](JsonOut& o) { put_float(o, 0.1f); }) == "0.1");
  CHECK(json([](JsonOut& o) { put_float(o, 1234567.0f); }) == "1234567");
  CHECK(json([](JsonOut& o) { put_double(o, 0.1); }) == "0.1");
  CHECK(json([](JsonOut& o) { put_double(o, 5e-324); }) == "5e-324");
  CHECK(json([](JsonOut& o) { put_double(o, 1.7976931348623157e308); }) ==
        "1.7976931348623157e+308");
  CHECK(json([](JsonOut& o) { put_double(o, std::numeric_limits<double>::infinity()); }) == "null");
  // The load path selects FLOAT as a DOUBLE: the exact float value comes back as its float.
  CHECK(text_value(col(Kind::float32), "0.10000000149011612") == "0.1");
  CHECK(text_value(col(Kind::float32), "3.4028234663852886e38") == "3.4028235e+38");
}

TEST_CASE("decimals are strings with the column's scale") {
  CHECK(text_value(col(Kind::decimal), "1.50") == "\"1.50\"");
  CHECK(text_value(col(Kind::decimal), "-0.000000000000000000000000000001") ==
        "\"-0.000000000000000000000000000001\"");
}

TEST_CASE("dates and times") {
  ValueOptions keep, null_zero;
  null_zero.zero_dates_as_null = true;
  CHECK(text_value(col(Kind::date), "2024-01-31") == "\"2024-01-31\"");
  CHECK(text_value(col(Kind::date), "0000-00-00") == "\"0000-00-00\"");
  CHECK(text_value(col(Kind::date), "2024-00-15", null_zero) == "null");
  CHECK(text_value(col(Kind::datetime, 3), "2024-01-31 13:45:00.123") ==
        "\"2024-01-31T13:45:00.123\"");
  CHECK(text_value(col(Kind::datetime, 0), "0000-00-00 00:00:00") == "\"0000-00-00T00:00:00\"");
  CHECK(text_value(col(Kind::datetime, 6), "0000-00-00 00:00:00.000000", null_zero) == "null");
  CHECK(text_value(col(Kind::timestamp, 6), "2038-01-19 03:14:07.999999") ==
        "\"2038-01-19T03:14:07.999999Z\"");
  CHECK(text_value(col(Kind::time, 6), "-838:59:59.000000") == "\"-838:59:59.000000\"");
  CHECK(text_value(col(Kind::time, 0), "00:00:01") == "\"00:00:01\"");
  CHECK(text_value(col(Kind::time, 2), "-00:00:00.50") == "\"-00:00:00.50\"");
  CHECK(json([](JsonOut& o) { put_time(o, false, 100, 2, 3, 4, 6); }) == "\"100:02:03.000004\"");
}

TEST_CASE("text is converted to UTF-8 and invalid bytes become U+FFFD") {
  Column latin1 = col(Kind::text);
  latin1.collation = 8;  // latin1_swedish_ci
  CHECK(text_value(latin1, "caf\xe9 \x80") == "\"café €\"");
  CHECK(text_value(col(Kind::text), "emoji \xf0\x9f\x9a\x80") == "\"emoji 🚀\"");
  JsonOut out;
  CHECK(put_text(out, "a\xc3(b\xf0\x9f\x9a", 45));  // an invalid byte, a truncated sequence
  CHECK(out.view() == "\"a\xEF\xBF\xBD(b\xEF\xBF\xBD\"");
  JsonOut esc;
  CHECK_FALSE(put_text(esc, std::string_view("q\"\\\n\x01", 5), 45));
  CHECK(esc.view() == "\"q\\\"\\\\\\n\\u0001\"");
  JsonOut ucs;
  put_text(ucs, std::string_view("\x00\x41\xd8\x3d\xde\x80", 6), 54);  // utf16: A, U+1F680
  CHECK(ucs.view() == "\"A🚀\"");
  JsonOut cp1251;
  put_text(cp1251, "\xcf\xf0\xe8", 51);
  CHECK(cp1251.view() == "\"При\"");
}

TEST_CASE("binary is base64") {
  CHECK(json([](JsonOut& o) { put_base64(o, ""); }) == "\"\"");
  CHECK(json([](JsonOut& o) { put_base64(o, "f"); }) == "\"Zg==\"");
  CHECK(json([](JsonOut& o) { put_base64(o, "fo"); }) == "\"Zm8=\"");
  CHECK(json([](JsonOut& o) { put_base64(o, std::string_view("\xff\x00\xc3", 3)); }) == "\"/wDD\"");
}

TEST_CASE("JSON columns are written canonically, numbers as written") {
  auto canon = [](std::string_view s) {
    JsonOut out;
    Status st = put_json_text(out, s);
    return st ? std::string(out.view()) : "ERROR " + st.error().message;
  };
  CHECK(canon(R"( {"a" : [1, 2.50, -0.0, 1e400, 123456789012345678901234567890],
                  "b": {"\u00e9": "\ud83d\ude80\n"}, "c": [], "d": {}, "e": null} )") ==
        "{\"a\":[1,2.50,-0.0,1e400,123456789012345678901234567890],\"b\":{\"é\":\"🚀\\n\"},"
        "\"c\":[],\"d\":{},\"e\":null}");
  CHECK(canon("\"x\"") == "\"x\"");
  CHECK(canon(" 42 ") == "42");
  CHECK(canon("true") == "true");
  CHECK(canon("[[[[[[]]]]]]") == "[[[[[[]]]]]]");
  CHECK(canon("{\"a\":1} x").rfind("ERROR", 0) == 0);
  CHECK(canon("{\"a\":}").rfind("ERROR", 0) == 0);
}

TEST_CASE("ENUM and SET by index and bits") {
  Column e = col(Kind::enumeration);
  e.members = {"home", "work", "it's"};
  CHECK(json([&](JsonOut& o) { put_enum(o, e, 2); }) == "\"work\"");
  CHECK(json([&](JsonOut& o) { put_enum(o, e, 0); }) == "\"\"");
  Column s = col(Kind::set);
  s.members = {"a", "b", "c"};
  CHECK(json([&](JsonOut& o) { put_set(o, s, 0b101); }) == "\"a,c\"");
  CHECK(json([&](JsonOut& o) { put_set(o, s, 0); }) == "\"\"");
}

TEST_CASE("the tuple builder repeats the key columns' JSON as the id") {
  TableShape shape;
  shape.table = "t\"q";
  shape.columns = {col(Kind::signed_int), col(Kind::text), col(Kind::text)};
  shape.columns[0].name = "id";
  shape.columns[1].name = "kind";
  shape.columns[2].name = "Mixed Case";
  shape.id_columns = {0, 1};
  shape.prepare();
  TupleBuilder b;
  b.start(shape);
  put_int(b.begin_value(0), 7);
  b.end_value(0);
  put_text(b.begin_value(1), "home", 45);
  b.end_value(1);
  b.put_null_value(2);
  CHECK(b.values() == 3);
  CHECK(
      b.finish(Op::upsert, "null") ==
      "[\"upsert\",\"t\\\"q\",[7,\"home\"],{\"id\":7,\"kind\":\"home\",\"Mixed Case\":null},null]");

  // A partial image without the key: the id is null unless given.
  b.start(shape);
  put_text(b.begin_value(2), "x", 45);
  b.end_value(2);
  CHECK_FALSE(b.has_id());
  CHECK(b.finish(Op::erase, "{}") == "[\"delete\",\"t\\\"q\",null,{\"Mixed Case\":\"x\"},{}]");
  // The prefix alone, with an id given, replacing what `prefix` held; then the next row.
  JsonOut prefix;
  prefix.put(std::string_view("old"));
  b.start(shape);
  put_text(b.begin_value(2), "x", 45);
  b.end_value(2);
  b.take_prefix(prefix, Op::upsert, "[1,\"a\"]");
  CHECK(prefix.view() == "[\"upsert\",\"t\\\"q\",[1,\"a\"],{\"Mixed Case\":\"x\"},");
  b.start(shape);
  CHECK(b.finish(Op::upsert, "null") == "[\"upsert\",\"t\\\"q\",null,{},null]");
}

TEST_CASE("ZEROFILL integers lose their padding") {
  CHECK(text_value(col(Kind::unsigned_int), "00042") == "42");
  CHECK(text_value(col(Kind::unsigned_int), "0000") == "0");
  CHECK(text_value(col(Kind::signed_int), "-7") == "-7");
  // DECIMAL ZEROFILL pads the integer part; the binlog's value (and so tail) has no padding.
  CHECK(text_value(col(Kind::decimal), "000012.50") == "\"12.50\"");
  CHECK(text_value(col(Kind::decimal), "0000.0000") == "\"0.0000\"");
  CHECK(text_value(col(Kind::decimal), "00042") == "\"42\"");
  CHECK(text_value(col(Kind::decimal), "0") == "\"0\"");
  CHECK(text_value(col(Kind::decimal), "-0.5") == "\"-0.5\"");
  CHECK(text_value(col(Kind::decimal), "12.50") == "\"12.50\"");
}

TEST_CASE("the validating escaper agrees byte for byte with validate-then-escape") {
  // Every mix of plain runs longer than 8 bytes with quotes, controls, multi-byte and invalid
  // sequences at every offset of an 8-byte block.
  const std::string pieces[] = {"abcdefghij",
                                "\"",
                                "\\",
                                "\n",
                                "\x1f",
                                "é",
                                "🚀",
                                "\xe2\x82",
                                "\xff",
                                "\xed\xa0\x80",
                                "\xf4\x90\x80\x80",
                                "\xc0\xaf"};
  const std::string expect[] = {"abcdefghij",
                                "\\\"",
                                "\\\\",
                                "\\n",
                                "\\u001f",
                                "é",
                                "🚀",
                                "\xEF\xBF\xBD",
                                "\xEF\xBF\xBD",
                                "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD",
                                "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD",
                                "\xEF\xBF\xBD\xEF\xBF\xBD"};
  const bool invalid[] = {false, false, false, false, false, false,
                          false, true,  true,  true,  true,  true};
  for (std::size_t pad = 0; pad < 9; ++pad)
    for (std::size_t i = 0; i < std::size(pieces); ++i) {
      std::string in = std::string(pad, 'x') + pieces[i] + "tail-of-text";
      std::string want = std::string(pad, 'x') + expect[i] + "tail-of-text";
      JsonOut out;
      CHECK(out.escape_utf8_validating(in) == invalid[i]);
      CHECK(out.view() == want);
    }
}

TEST_CASE("bare JSON literals with white space around them") {
  for (const char* text : {"null ", " null\n", "true\n  ", "false\n  ", " 1.5 \t"}) {
    JsonOut out;
    CHECK(put_json_column(out, text, 46));
    std::string want = text;
    want.erase(0, want.find_first_not_of(" \t\n"));
    want.erase(want.find_last_not_of(" \t\n") + 1);
    CHECK(out.view() == want);
  }
}

TEST_CASE("ENUM members and names convert from their charset") {
  CHECK(to_utf8("caf\xe9", 8) == "café");
  CHECK(to_utf8("a\"b\\c\n\x01", 45) == "a\"b\\c\n\x01");
  CHECK(to_utf8("\xff", 45) == "\xEF\xBF\xBD");
}
