// Every column type through `dumpr load`, with edge values, against the output contract:
// one table per type, (id INT PRIMARY KEY, v TYPE), and the exact expected line for every row.
#include <cstdio>
#include <map>

#include "live/live_support.hpp"

using namespace dumpr_live;

namespace {

struct Value {
  std::string sql;                // the SQL literal inserted into v
  std::vector<std::string> json;  // the expected JSON text of v (any of these spellings)
};

struct TypeCase {
  std::string table;
  std::string type;
  std::vector<Value> values;  // row ids 1..n; row n+1 is NULL
  std::string session = "";   // SQL run before the inserts (e.g. sql_mode, time_zone)
};

std::string unhex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

std::string b64json(std::string_view hex) {
  return "\"" + base64(unhex(hex)) + "\"";
}

std::vector<TypeCase> type_cases() {
  std::vector<TypeCase> c;
  // Integers of every width, signed and unsigned: exact digits.
  c.push_back({"i_tiny", "TINYINT", {{"-128", {"-128"}}, {"0", {"0"}}, {"127", {"127"}}}});
  c.push_back({"i_tiny_u", "TINYINT UNSIGNED", {{"0", {"0"}}, {"255", {"255"}}}});
  c.push_back({"i_small", "SMALLINT", {{"-32768", {"-32768"}}, {"32767", {"32767"}}}});
  c.push_back({"i_small_u", "SMALLINT UNSIGNED", {{"0", {"0"}}, {"65535", {"65535"}}}});
  c.push_back({"i_medium", "MEDIUMINT", {{"-8388608", {"-8388608"}}, {"8388607", {"8388607"}}}});
  c.push_back({"i_medium_u", "MEDIUMINT UNSIGNED", {{"0", {"0"}}, {"16777215", {"16777215"}}}});
  c.push_back({"i_int", "INT", {{"-2147483648", {"-2147483648"}}, {"2147483647", {"2147483647"}}}});
  c.push_back({"i_int_u", "INT UNSIGNED", {{"0", {"0"}}, {"4294967295", {"4294967295"}}}});
  c.push_back({"i_big",
               "BIGINT",
               {{"-9223372036854775808", {"-9223372036854775808"}},
                {"-1", {"-1"}},
                {"9223372036854775807", {"9223372036854775807"}}}});
  c.push_back({"i_big_u",
               "BIGINT UNSIGNED",
               {{"0", {"0"}}, {"18446744073709551615", {"18446744073709551615"}}}});
  // ZEROFILL: the server's text is "00042", the value is 42.
  c.push_back({"i_zerofill", "INT(5) UNSIGNED ZEROFILL", {{"42", {"42"}}, {"0", {"0"}}}});
  // YEAR: 0000 is 0; the range ends at 2155.
  c.push_back({"y_year",
               "YEAR",
               {{"0", {"0"}}, {"1901", {"1901"}}, {"2024", {"2024"}}, {"2155", {"2155"}}}});
  // BIT: unsigned integers of the column's width.
  c.push_back({"b_bit1", "BIT(1)", {{"b'0'", {"0"}}, {"b'1'", {"1"}}}});
  c.push_back({"b_bit10", "BIT(10)", {{"b'1010101010'", {"682"}}}});
  c.push_back({"b_bit64",
               "BIT(64)",
               {{"x'FFFFFFFFFFFFFFFF'", {"18446744073709551615"}},
                {"x'8000000000000000'", {"9223372036854775808"}},
                {"x'0000000000000001'", {"1"}}}});
  // DECIMAL: a string with exactly the column's scale.
  c.push_back({"d_5_2",
               "DECIMAL(5,2)",
               {{"1.5", {"\"1.50\""}}, {"-999.99", {"\"-999.99\""}}, {"0", {"\"0.00\""}}}});
  c.push_back({"d_65_30",
               "DECIMAL(65,30)",
               {{"99999999999999999999999999999999999.999999999999999999999999999999",
                 {"\"99999999999999999999999999999999999.999999999999999999999999999999\""}},
                {"-12345678901234567890123456789012345.000000000000000000000000000001",
                 {"\"-12345678901234567890123456789012345.000000000000000000000000000001\""}},
                {"0", {"\"0.000000000000000000000000000000\""}}}});
  c.push_back({"d_10_0", "DECIMAL(10,0)", {{"-1234567890", {"\"-1234567890\""}}}});
  // FLOAT/DOUBLE: the shortest text that reads back to the same 32/64-bit value.
  c.push_back({"f_float",
               "FLOAT",
               {{"0.1", {"0.1"}},
                {"1234567", {"1234567"}},
                {"-0.5", {"-0.5"}},
                {"3.40282e38", {"3.40282e+38", "3.40282e38", "3.40282E+38"}},
                {"-3.40282e38", {"-3.40282e+38", "-3.40282e38", "-3.40282E+38"}},
                {"1.1754944e-38", {"1.1754944e-38", "1.1754944E-38"}}}});
  c.push_back({"f_double",
               "DOUBLE",
               {{"0.1", {"0.1"}},
                {"1.7976931348623157e308",
                 {"1.7976931348623157e+308", "1.7976931348623157e308", "1.7976931348623157E+308"}},
                {"5e-324", {"5e-324", "5E-324"}},
                {"-2.5", {"-2.5"}},
                {"123456789", {"123456789"}}}});
  // DATE.
  c.push_back({"t_date",
               "DATE",
               {{"'2024-01-31'", {"\"2024-01-31\""}},
                {"'1000-01-01'", {"\"1000-01-01\""}},
                {"'9999-12-31'", {"\"9999-12-31\""}}}});
  // DATETIME(n): exactly n fraction digits, no zone.
  const char* frac6 = "123456";
  for (int n = 0; n <= 6; ++n) {
    std::string f = n ? std::string(".") + std::string(frac6, static_cast<std::size_t>(n)) : "";
    std::string half =
        n ? "." + std::string("5") + std::string(static_cast<std::size_t>(n - 1), '0') : "";
    c.push_back({"t_datetime" + std::to_string(n),
                 "DATETIME(" + std::to_string(n) + ")",
                 {{"'2024-01-31 13:45:00" + f + "'", {"\"2024-01-31T13:45:00" + f + "\""}},
                  {"'1000-01-01 00:00:00'",
                   {"\"1000-01-01T00:00:00" + (n ? "." + std::string(n, '0') : "") + "\""}},
                  {"'9999-12-31 23:59:59" + (n ? "." + std::string(n, '9') : "") + "'",
                   {"\"9999-12-31T23:59:59" + (n ? "." + std::string(n, '9') : "") + "\""}},
                  {"'2024-02-29 12:00:00" + half + "'", {"\"2024-02-29T12:00:00" + half + "\""}}}});
  }
  // TIMESTAMP(n): written in a +05:30 session, shown in UTC with a Z.
  for (int n = 0; n <= 6; ++n) {
    std::string f = n ? std::string(".") + std::string(frac6, static_cast<std::size_t>(n)) : "";
    std::string nines = n ? "." + std::string(n, '9') : "";
    std::string zeros = n ? "." + std::string(n, '0') : "";
    c.push_back({"t_timestamp" + std::to_string(n),
                 "TIMESTAMP(" + std::to_string(n) + ") NULL DEFAULT NULL",
                 {{"'2024-01-31 18:15:00" + f + "'", {"\"2024-01-31T12:45:00" + f + "Z\""}},
                  {"'1970-01-01 05:30:01'", {"\"1970-01-01T00:00:01" + zeros + "Z\""}},
                  {"'2038-01-19 08:44:07" + nines + "'", {"\"2038-01-19T03:14:07" + nines + "Z\""}},
                  {"'2024-07-01 00:00:00'", {"\"2024-06-30T18:30:00" + zeros + "Z\""}}},
                 "SET SESSION time_zone = '+05:30'"});
  }
  // TIME(n): sign and hours beyond 24 kept.
  for (int n = 0; n <= 6; ++n) {
    std::string f = n ? std::string(".") + std::string(frac6, static_cast<std::size_t>(n)) : "";
    std::string zeros = n ? "." + std::string(n, '0') : "";
    c.push_back({"t_time" + std::to_string(n),
                 "TIME(" + std::to_string(n) + ")",
                 {{"'-838:59:59'", {"\"-838:59:59" + zeros + "\""}},
                  {"'838:59:59'", {"\"838:59:59" + zeros + "\""}},
                  {"'00:00:00'", {"\"00:00:00" + zeros + "\""}},
                  {"'100:00:00'", {"\"100:00:00" + zeros + "\""}},
                  {"'-00:00:01'", {"\"-00:00:01" + zeros + "\""}},
                  {"'12:34:56" + f + "'", {"\"12:34:56" + f + "\""}},
                  {"'-25:00:00" + f + "'", {"\"-25:00:00" + f + "\""}}}});
  }
  // Zero and partly-zero dates (allowed only without NO_ZERO_DATE / NO_ZERO_IN_DATE): kept.
  c.push_back({"z_date",
               "DATE",
               {{"'0000-00-00'", {"\"0000-00-00\""}},
                {"'2024-00-15'", {"\"2024-00-15\""}},
                {"'2024-03-00'", {"\"2024-03-00\""}},
                {"'2024-03-01'", {"\"2024-03-01\""}}},
               "SET SESSION sql_mode = ''"});
  c.push_back({"z_datetime",
               "DATETIME",
               {{"'0000-00-00 00:00:00'", {"\"0000-00-00T00:00:00\""}},
                {"'2024-00-00 10:00:00'", {"\"2024-00-00T10:00:00\""}},
                {"'2024-03-01 10:00:00'", {"\"2024-03-01T10:00:00\""}}},
               "SET SESSION sql_mode = ''"});
  c.push_back({"z_datetime3",
               "DATETIME(3)",
               {{"'0000-00-00 00:00:00'", {"\"0000-00-00T00:00:00.000\""}}},
               "SET SESSION sql_mode = ''"});
  c.push_back({"z_timestamp",
               "TIMESTAMP NULL DEFAULT NULL",
               {{"'0000-00-00 00:00:00'", {"\"0000-00-00T00:00:00Z\""}}},
               "SET SESSION sql_mode = ''"});
  // Text: UTF-8 out, JSON escapes, 4-byte characters.
  c.push_back(
      {"s_utf8mb4",
       "VARCHAR(100) CHARACTER SET utf8mb4",
       {{"'h\xC3\xA9llo'", {"\"h\xC3\xA9llo\""}},
        {"'\xF0\x9F\x98\x80\xF0\x9F\x9A\x80'", {"\"\xF0\x9F\x98\x80\xF0\x9F\x9A\x80\""}},
        {"''", {"\"\""}},
        {"'quote \" backslash \\\\ slash /'",
         {"\"quote \\\" backslash \\\\ slash /\"", "\"quote \\\" backslash \\\\ slash \\/\""}},
        {"CONCAT('a', CHAR(10), 'b', CHAR(9), 'c', CHAR(13))", {"\"a\\nb\\tc\\r\""}},
        {"CONCAT('x', CHAR(1), 'y')", {"\"x\\u0001y\"", "\"x\\u0001y\""}},
        {"'trailing  '", {"\"trailing  \""}}}});
  c.push_back({"s_utf8mb3",
               "VARCHAR(20) CHARACTER SET utf8mb3",
               {{"'\xC3\xBC\xE2\x82\xAC'", {"\"\xC3\xBC\xE2\x82\xAC\""}}}});
  c.push_back(
      {"s_char",
       "CHAR(10) CHARACTER SET utf8mb4",
       // The server strips CHAR's trailing spaces when reading (no PAD_CHAR_TO_FULL_LENGTH).
       {{"'ab  '", {"\"ab\""}}, {"'  x'", {"\"  x\""}}, {"''", {"\"\""}}}});
  c.push_back({"s_text", "TEXT CHARACTER SET utf8mb4", {{"'t\xC3\xA9xt'", {"\"t\xC3\xA9xt\""}}}});
  c.push_back({"s_longtext", "LONGTEXT CHARACTER SET utf8mb4", {{"REPEAT('ab', 40000)", {"\"" + [] {
                                                                   std::string s;
                                                                   for (int i = 0; i < 40000; ++i)
                                                                     s += "ab";
                                                                   return s;
                                                                 }() + "\""}}}});
  // latin1 is Windows-1252 in MySQL and MariaDB: 0x80 is the euro sign.
  c.push_back({"s_latin1",
               "VARCHAR(20) CHARACTER SET latin1",
               {{"'caf\xC3\xA9'", {"\"caf\xC3\xA9\""}},
                {"_latin1 x'80'", {"\"\xE2\x82\xAC\""}},
                {"_latin1 x'E9FF'", {"\"\xC3\xA9\xC3\xBF\""}}}});
  c.push_back({"s_cp1251",
               "VARCHAR(20) CHARACTER SET cp1251",
               {{"'\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82'",
                 {"\"\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82\""}}}});
  c.push_back({"s_koi8r",
               "VARCHAR(20) CHARACTER SET koi8r",
               {{"'\xD0\x9C\xD0\xB8\xD1\x80'", {"\"\xD0\x9C\xD0\xB8\xD1\x80\""}}}});
  c.push_back({"s_sjis",
               "VARCHAR(20) CHARACTER SET sjis",
               {{"'\xE6\x97\xA5\xE6\x9C\xAC'", {"\"\xE6\x97\xA5\xE6\x9C\xAC\""}}}});
  c.push_back({"s_ucs2",
               "VARCHAR(20) CHARACTER SET ucs2",
               {{"'\xC3\xA9t\xC3\xA9'", {"\"\xC3\xA9t\xC3\xA9\""}}}});
  c.push_back({"s_utf16",
               "VARCHAR(20) CHARACTER SET utf16",
               {{"'a\xF0\x9F\x98\x80'", {"\"a\xF0\x9F\x98\x80\""}}}});
  c.push_back({"s_utf32",
               "VARCHAR(20) CHARACTER SET utf32",
               {{"'a\xF0\x9F\x98\x80'", {"\"a\xF0\x9F\x98\x80\""}}}});
  // ENUM: the member's name; '' (a member here) and the error value 0 both show as "".
  c.push_back({"e_enum",
               "ENUM('', 'a', 'b c', '\xC3\xBC')",
               {{"''", {"\"\""}},
                {"'a'", {"\"a\""}},
                {"'b c'", {"\"b c\""}},
                {"'\xC3\xBC'", {"\"\xC3\xBC\""}}}});
  c.push_back({"e_enum_invalid",
               "ENUM('x', 'y')",
               {{"'nope'", {"\"\""}}, {"'y'", {"\"y\""}}},
               "SET SESSION sql_mode = ''"});
  // SET: members comma-separated in definition order, whatever the order written.
  c.push_back({"e_set",
               "SET('a', 'b', 'c', 'd')",
               {{"''", {"\"\""}},
                {"'d,a'", {"\"a,d\""}},
                {"'c,b,a,d'", {"\"a,b,c,d\""}},
                {"'c'", {"\"c\""}}}});
  // JSON: the value itself, numbers kept as written, escapes decoded and re-encoded. MySQL
  // keeps its own binary form of the document: keys sorted (by length, then bytes), numbers as
  // integers or doubles; that form is the value there.
  const bool mysql = server_is_mysql();
  c.push_back(
      {"j_json",
       "JSON",
       {{"'{\"a\": {\"b\": [1, 2, {\"c\": null}]}, \"t\": true, \"f\": false}'",
         {mysql ? "{\"a\":{\"b\":[1,2,{\"c\":null}]},\"f\":false,\"t\":true}"
                : "{\"a\":{\"b\":[1,2,{\"c\":null}]},\"t\":true,\"f\":false}"}},
        {"'{\"s\": \"\\\\u00e9\\\\ud83d\\\\ude00\", \"q\": \"x\\\\\"y\\\\\\\\z\\\\n\"}'",
         {mysql ? "{\"q\":\"x\\\"y\\\\z\\n\",\"s\":\"\xC3\xA9\xF0\x9F\x98\x80\"}"
                : "{\"s\":\"\xC3\xA9\xF0\x9F\x98\x80\",\"q\":\"x\\\"y\\\\z\\n\"}"}},
        {"'{\"big\": 123456789012345678901234567890, \"dec\": 1.50, \"neg\": -0.0, \"exp\": 1E+2}'",
         {mysql
              ? "{\"big\":1.2345678901234568e29,\"dec\":1.5,\"exp\":100.0,\"neg\":-0.0}"
              : "{\"big\":123456789012345678901234567890,\"dec\":1.50,\"neg\":-0.0,\"exp\":1E+2}"}},
        {"'[]'", {"[]"}},
        {"'{}'", {"{}"}},
        {"'\"just a string\"'", {"\"just a string\""}},
        {"'42'", {"42"}},
        {"'null'", {"null"}},
        {"'[[[[[\"deep\"]]]]]'", {"[[[[[\"deep\"]]]]]"}}}});
  // MariaDB's UUID, INET4 and INET6: the text the server prints.
  if (server_is_mysql()) {
    skipped_on_mysql("types UUID, INET4, INET6", "MariaDB's own types");
  } else {
    c.push_back(
        {"x_uuid",
         "UUID",
         {{"'123e4567-e89b-12d3-a456-426655440000'", {"\"123e4567-e89b-12d3-a456-426655440000\""}},
          {"'00000000-0000-0000-0000-000000000000'",
           {"\"00000000-0000-0000-0000-000000000000\""}}}});
    c.push_back({"x_inet4",
                 "INET4",
                 {{"'192.168.0.1'", {"\"192.168.0.1\""}}, {"'0.0.0.0'", {"\"0.0.0.0\""}}}});
    c.push_back({"x_inet6",
                 "INET6",
                 {{"'2001:db8::ff00:42:8329'", {"\"2001:db8::ff00:42:8329\""}},
                  {"'::ffff:1.2.3.4'", {"\"::ffff:1.2.3.4\""}},
                  {"'::'", {"\"::\""}}}});
  }
  // Binary strings: standard base64 of the exact bytes.
  c.push_back({"bin_binary4",
               "BINARY(4)",
               {{"x'01'", {b64json("01000000")}},
                {"'ab'", {b64json("61620000")}},
                {"x'FFFEFDFC'", {b64json("FFFEFDFC")}}}});
  c.push_back(
      {"bin_varbinary",
       "VARBINARY(10)",
       {{"x'00FF80'", {b64json("00FF80")}}, {"''", {"\"\""}}, {"'ab '", {b64json("616220")}}}});
  c.push_back({"bin_blob",
               "BLOB",
               {{"x'C328'", {b64json("C328")}},      // invalid UTF-8
                {"x'F09F98'", {b64json("F09F98")}},  // a truncated 4-byte sequence
                {"x'EDA080'", {b64json("EDA080")}},  // an encoded surrogate
                {"x'00'", {b64json("00")}}}});
  c.push_back({"bin_tinyblob", "TINYBLOB", {{"x'DEADBEEF'", {b64json("DEADBEEF")}}}});
  c.push_back({"bin_mediumblob", "MEDIUMBLOB", {{"x'0102030405'", {b64json("0102030405")}}}});
  c.push_back({"bin_longblob", "LONGBLOB", {{"x'FF'", {b64json("FF")}}}});
  return c;
}

std::string expected_line(const std::string& table, std::size_t id, const std::string& value) {
  return "[\"upsert\",\"" + table + "\"," + std::to_string(id) + ",{\"id\":" + std::to_string(id) +
         ",\"v\":" + value + "},null]";
}

void create_cases(Sql& sql, const std::string& db, const std::vector<TypeCase>& cases) {
  for (const TypeCase& tc : cases) {
    Sql session;  // a fresh session per table: its own sql_mode and time zone
    session.exec("USE `" + db + "`");
    session.exec("CREATE TABLE `" + tc.table + "` (id INT NOT NULL PRIMARY KEY, v " + tc.type +
                 ") DEFAULT CHARSET=utf8mb4");
    if (!tc.session.empty()) session.exec(tc.session);
    for (std::size_t i = 0; i < tc.values.size(); ++i)
      session.exec("INSERT INTO `" + tc.table + "` VALUES (" + std::to_string(i + 1) + ", " +
                   tc.values[i].sql + ")");
    session.exec("INSERT INTO `" + tc.table + "` VALUES (" + std::to_string(tc.values.size() + 1) +
                 ", NULL)");
  }
  (void)sql;
}

}  // namespace

TEST_CASE("load: every column type with edge values, and NULL in every type") {
  TestDatabase db("dumpr_t_types");
  Sql sql;
  const std::vector<TypeCase> cases = type_cases();
  create_cases(sql, db.name(), cases);

  std::vector<std::string> tables;
  for (const TypeCase& tc : cases) tables.push_back(tc.table);

  RunResult r = dumpr_load(db.name(), tables);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  CHECK_MESSAGE(r.err.empty(), r.err);
  check_tuple_lines(r.out);

  std::vector<std::string> lines = split_lines(r.out);
  std::size_t at = 0;
  for (const TypeCase& tc : cases) {
    for (std::size_t i = 0; i <= tc.values.size(); ++i, ++at) {
      const bool is_null = i == tc.values.size();
      INFO("table " << tc.table << " (" << tc.type << "), row " << i + 1 << ": "
                    << (is_null ? std::string("NULL") : tc.values[i].sql));
      REQUIRE(at < lines.size());
      bool matched = false;
      std::vector<std::string> expected;
      for (const std::string& json : is_null ? std::vector<std::string>{"null"} : tc.values[i].json)
        expected.push_back(expected_line(tc.table, i + 1, json));
      for (const std::string& e : expected) matched = matched || lines[at] == e;
      CHECK_MESSAGE(matched, "got:      " << lines[at] << "\nexpected: " << expected[0]);
    }
  }
  CHECK(lines.size() == at);
}

TEST_CASE("load: TIMESTAMP is UTC whatever the server's global time zone") {
  TestDatabase db("dumpr_t_tz");
  Sql session;
  session.exec("SET SESSION time_zone = '-08:00'");
  session.exec(
      "CREATE TABLE dumpr_t_tz.ts (id INT PRIMARY KEY, v TIMESTAMP(3) NULL, d DATETIME(3))");
  session.exec(
      "INSERT INTO dumpr_t_tz.ts VALUES (1, '2024-01-31 04:45:00.250', "
      "'2024-01-31 04:45:00.250')");
  RunResult r;
  {
    // Every new session of the server defaults to +05:30 for a moment (kept short: other
    // clients of a shared sandbox see it too); DATETIME has no zone and stays as written.
    dumpr_live::GlobalSetting tz(server().socket, "time_zone", "+05:30", server().root_user);
    r = dumpr_load(db.name(), {"ts"});
  }
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  CHECK(r.out ==
        "[\"upsert\",\"ts\",1,{\"id\":1,\"v\":\"2024-01-31T12:45:00.250Z\","
        "\"d\":\"2024-01-31T04:45:00.250\"},null]\n");
}

TEST_CASE("load: --zero-dates=null turns zero and partly-zero dates into null") {
  TestDatabase db("dumpr_t_zero");
  Sql sql;
  sql.exec(
      "CREATE TABLE dumpr_t_zero.z (id INT PRIMARY KEY, d DATE, dt DATETIME, dt3 DATETIME(3), "
      "ts TIMESTAMP NULL DEFAULT NULL)");
  Sql session;
  session.exec("SET SESSION sql_mode = ''");
  session.exec(
      "INSERT INTO dumpr_t_zero.z VALUES "
      "(1, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00.000', "
      "'0000-00-00 00:00:00'), "
      "(2, '2024-00-15', '2024-00-00 10:00:00', '2024-03-00 00:00:00.250', NULL), "
      "(3, '2024-03-01', '2024-03-01 10:00:00', '2024-03-01 00:00:00.250', "
      "'2024-03-01 10:00:00')");

  RunResult keep = dumpr_load(db.name(), {"z"});
  REQUIRE_MESSAGE(keep.exit_code == 0, describe(keep));
  CHECK(keep.out ==
        "[\"upsert\",\"z\",1,{\"id\":1,\"d\":\"0000-00-00\",\"dt\":\"0000-00-00T00:00:00\","
        "\"dt3\":\"0000-00-00T00:00:00.000\",\"ts\":\"0000-00-00T00:00:00Z\"},null]\n"
        "[\"upsert\",\"z\",2,{\"id\":2,\"d\":\"2024-00-15\",\"dt\":\"2024-00-00T10:00:00\","
        "\"dt3\":\"2024-03-00T00:00:00.250\",\"ts\":null},null]\n"
        "[\"upsert\",\"z\",3,{\"id\":3,\"d\":\"2024-03-01\",\"dt\":\"2024-03-01T10:00:00\","
        "\"dt3\":\"2024-03-01T00:00:00.250\",\"ts\":\"2024-03-01T10:00:00Z\"},null]\n");

  RunResult null = dumpr_load(db.name(), {"--zero-dates=null", "z"});
  REQUIRE_MESSAGE(null.exit_code == 0, describe(null));
  CHECK(null.err.empty());
  CHECK(null.out ==
        "[\"upsert\",\"z\",1,{\"id\":1,\"d\":null,\"dt\":null,\"dt3\":null,\"ts\":null},null]\n"
        "[\"upsert\",\"z\",2,{\"id\":2,\"d\":null,\"dt\":null,\"dt3\":null,\"ts\":null},null]\n"
        "[\"upsert\",\"z\",3,{\"id\":3,\"d\":\"2024-03-01\",\"dt\":\"2024-03-01T10:00:00\","
        "\"dt3\":\"2024-03-01T00:00:00.250\",\"ts\":\"2024-03-01T10:00:00Z\"},null]\n");
}

TEST_CASE("load: GEOMETRY is base64 of the server's bytes (SRID, then WKB)") {
  TestDatabase db("dumpr_t_geo");
  Sql sql;
  sql.exec("CREATE TABLE dumpr_t_geo.g (id INT PRIMARY KEY, v GEOMETRY, p POINT)");
  sql.exec(
      "INSERT INTO dumpr_t_geo.g VALUES "
      "(1, ST_GeomFromText('POINT(1 2)'), ST_GeomFromText('POINT(-0.5 1e10)')), "
      "(2, ST_GeomFromText('LINESTRING(0 0, 1 1, 2 2)', 4326), NULL), "
      "(3, ST_GeomFromText('POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (1 1, 2 1, 2 2, 1 1))', "
      "3857), NULL), "
      "(4, ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1), LINESTRING(0 0, 1 2))'), NULL), "
      "(5, ST_GeomFromText('MULTIPOINT(1 1, 2 2)', 0), NULL), "
      "(6, NULL, NULL)");
  RunResult r = dumpr_load(db.name(), {"g"});
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  CHECK(r.err.empty());
  std::vector<std::string> lines = split_lines(r.out);
  REQUIRE(lines.size() == 6);

  // The reference: the 4-byte little-endian SRID, then ST_AsBinary's WKB, in base64 (TO_BASE64
  // wraps lines at 76 characters: the newlines are removed).
  auto reference = [&](const std::string& col, int id) -> std::string {
    auto rows =
        sql.query("SELECT REPLACE(TO_BASE64(CONCAT(REVERSE(UNHEX(LPAD(HEX(ST_SRID(" + col +
                  ")), 8, '0'))), ST_AsBinary(" + col + "))), '\\n', ''), REPLACE(TO_BASE64(" +
                  col + "), '\\n', '') FROM dumpr_t_geo.g WHERE id = " + std::to_string(id));
    REQUIRE(rows.size() == 1);
    if (!rows[0][0]) return "null";
    // The server's own bytes of the value agree with SRID + WKB.
    CHECK(*rows[0][0] == *rows[0][1]);
    return "\"" + *rows[0][0] + "\"";
  };
  for (int id = 1; id <= 6; ++id) {
    std::string expected = "[\"upsert\",\"g\"," + std::to_string(id) +
                           ",{\"id\":" + std::to_string(id) + ",\"v\":" + reference("v", id) +
                           ",\"p\":" + reference("p", id) + "},null]";
    CHECK(lines[static_cast<std::size_t>(id - 1)] == expected);
  }
  // And one spelled out: POINT(1 2), SRID 0.
  CHECK(lines[0].find("\"v\":\"" +
                      base64(unhex("00000000"
                                   "0101000000"
                                   "000000000000F03F"
                                   "0000000000000040")) +
                      "\"") != std::string::npos);
}

TEST_CASE("load: text with bytes invalid in its character set: U+FFFD and one warning per column") {
  TestDatabase db("dumpr_t_badtext");
  // The server refuses invalid utf8mb4 (x'C3' becomes '?' even with sql_mode='' or SET NAMES
  // binary), but it stores a byte >= 0x80 in an ascii column and lone surrogates in ucs2/utf32.
  Sql session;
  session.exec("SET SESSION sql_mode = ''");
  session.exec(
      "CREATE TABLE dumpr_t_badtext.bad (id INT PRIMARY KEY, "
      "a VARCHAR(10) CHARACTER SET ascii, u VARCHAR(10) CHARACTER SET ucs2, "
      "w VARCHAR(10) CHARACTER SET utf32, ok VARCHAR(10) CHARACTER SET utf8mb4)");
  session.exec(
      "INSERT INTO dumpr_t_badtext.bad VALUES "
      "(1, x'6180', x'D800', x'0000D800', 'fine'), "
      "(2, x'FF62', x'0041DC00', x'00110000', 'fine'), "
      "(3, 'clean', 'clean', 'clean', 'fine')");
  auto stored =
      session.query("SELECT HEX(a), HEX(u), HEX(w) FROM dumpr_t_badtext.bad WHERE id = 1");
  REQUIRE(stored.size() == 1);
  // If a later server refuses these bytes, this test must be rethought, not silently pass.
  // MySQL refuses them in ascii and utf32 too (it stores what comes before them, with a
  // warning) and keeps only the ucs2 surrogate: there only column u has bad bytes.
  const bool mysql = server_is_mysql();
  REQUIRE(*stored[0][0] == (mysql ? "61" : "6180"));
  REQUIRE(*stored[0][1] == "D800");
  REQUIRE(*stored[0][2] == (mysql ? "" : "0000D800"));

  RunResult r = dumpr_load(db.name(), {"bad"});
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  const std::string fffd = "\xEF\xBF\xBD";
  std::vector<std::string> lines = split_lines(r.out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "[\"upsert\",\"bad\",1,{\"id\":1,\"a\":\"a" + (mysql ? "" : fffd) +
                        "\",\"u\":\"" + fffd + "\",\"w\":\"" + (mysql ? "" : fffd) +
                        "\",\"ok\":\"fine\"},null]");
  CHECK(lines[2] ==
        "[\"upsert\",\"bad\",3,{\"id\":3,\"a\":\"clean\",\"u\":\"clean\",\"w\":\"clean\","
        "\"ok\":\"fine\"},null]");
  check_tuple_lines(r.out);
  // One warning per column with bad bytes (not per row), naming table and column.
  INFO("stderr: " << r.err);
  CHECK(count_occurrences(r.err, "\n") == (mysql ? 1u : 3u));
  CHECK(count_occurrences(r.err, "table bad column a:") == (mysql ? 0u : 1u));
  CHECK(count_occurrences(r.err, "table bad column u:") == 1);
  CHECK(count_occurrences(r.err, "table bad column w:") == (mysql ? 0u : 1u));
  CHECK(count_occurrences(r.err, "column ok") == 0);
}
