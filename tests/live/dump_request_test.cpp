// The binlog dump request's bytes (COM_BINLOG_DUMP). Needs no server: it lives with the live
// tests only because they link the server side of the library.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "mysql/binlog_dump.hpp"

using namespace dumpr;

TEST_CASE("the dump request carries the offset in 4 bytes, and refuses a wider one (no server)") {
  mysql::DumpRequest req;
  req.file = "bin.000007";
  req.position = 0xFFFFFFFFu;
  req.server_id = 0x01020304;
  req.non_blocking = true;
  auto body = mysql::binlog_dump_body(req);
  REQUIRE(body.ok());
  CHECK(*body == std::string("\xFF\xFF\xFF\xFF\x01\x00\x04\x03\x02\x01", 10) + "bin.000007");

  for (std::uint64_t wide :
       {std::uint64_t{1} << 32, std::uint64_t{5000000000}, ~std::uint64_t{0}}) {
    INFO("offset " << wide);
    req.position = wide;
    auto refused = mysql::binlog_dump_body(req);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::position);
    CHECK(refused.error().message.find(std::to_string(wide)) != std::string::npos);
  }
}
