#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "dumpr/position.hpp"

using namespace dumpr;

TEST_CASE("checkpoint JSON round-trips") {
  Position p;
  p.file = "mariadb-bin.000042";
  p.position = 1234;
  p.gtid = "0-1-77,1-2-3";
  p.server_id = 7;
  p.flavor = "mariadb";
  std::string text = to_checkpoint_json(p);
  CHECK(text ==
        "{\"file\":\"mariadb-bin.000042\",\"position\":1234,\"gtid\":\"0-1-77,1-2-3\","
        "\"server_id\":7,\"flavor\":\"mariadb\"}\n");
  auto back = parse_checkpoint_json(text, "test");
  REQUIRE(back.ok());
  CHECK(back->file == p.file);
  CHECK(back->position == p.position);
  CHECK(back->gtid == p.gtid);
  CHECK(back->server_id == 7);
  CHECK(back->flavor == "mariadb");
}

TEST_CASE("bad checkpoints are usage errors that say what is wrong") {
  for (const char* bad :
       {"", "[]", "{\"position\": 4}", "{\"file\": \"x\"}",
        "{\"file\": \"../etc/x\", \"position\": 4}", "{\"file\": \"x\", \"position\": -1}",
        "{\"file\": 3, \"position\": 4}"}) {
    auto r = parse_checkpoint_json(bad, "checkpoint t.json");
    CHECK_FALSE(r.ok());
    if (!r.ok()) {
      CHECK(r.error().kind == ErrorKind::usage);
      CHECK(r.error().message.find("checkpoint t.json") != std::string::npos);
    }
  }
}

TEST_CASE("checkpoint files are replaced whole, and left alone on failure") {
  char dir[] = "/tmp/dumpr-cp-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  std::string path = std::string(dir) + "/pos.json";
  Position p;
  p.file = "bin.000001";
  p.position = 4;
  REQUIRE(write_checkpoint(path, p).ok());
  p.position = 99;
  REQUIRE(write_checkpoint(path, p).ok());
  auto back = read_checkpoint(path);
  REQUIRE(back.ok());
  CHECK(back->position == 99);
  // No temp files are left behind.
  std::string ls = std::string("ls -A ") + dir + " | wc -l > " + dir + "/../dumpr-cp-count";
  REQUIRE(std::system(ls.c_str()) == 0);
  std::ifstream cnt(std::string(dir) + "/../dumpr-cp-count");
  int n = 0;
  cnt >> n;
  CHECK(n == 1);

  // A directory that does not exist: an io error naming the path; nothing is written.
  auto s = write_checkpoint(std::string(dir) + "/missing/pos.json", p);
  CHECK_FALSE(s.ok());
  if (!s.ok()) {
    CHECK(s.error().kind == ErrorKind::io);
    CHECK(s.error().message.find("missing/pos.json") != std::string::npos);
  }
  CHECK(read_checkpoint(path)->position == 99);  // the existing checkpoint is untouched
  std::string rm = std::string("rm -rf ") + dir;
  CHECK(std::system(rm.c_str()) == 0);
}
