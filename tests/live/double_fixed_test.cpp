// DOUBLE(M,D) and REAL(M,D): the server prints them rounded to D digits, but stores (and logs)
// the double it computed, which can differ in the last bits. load and tail write the same value.
#include "live/tail_support.hpp"

using namespace dumpr_tail;

TEST_CASE("DOUBLE(M,D): load writes the stored double, as tail does") {
  TestDatabase db("dumpr_t_double_md");
  Client c(server().socket, "dumpr_t_double_md");
  c.exec("CREATE TABLE t (id INT PRIMARY KEY, d DOUBLE(4,2), r REAL(12,5), p DOUBLE)");
  TempDir dir;
  const std::string pos = dir / "pos.json";
  RunResult p =
      dumpr({"position", "--no-defaults", "--socket", server().socket, "--user", server().user,
             "--password=" + server().password, "--database", db.name(), "--checkpoint", pos});
  REQUIRE_MESSAGE(p.exit_code == 0, describe(p));
  c.exec(
      "INSERT INTO t VALUES (1, -0.59, 1234567.12345, 0.1), (2, 0.07, -0.00001, -0.0), "
      "(3, 99.99, 0.33333, 1e300), (4, NULL, NULL, NULL)");
  RunResult load = dumpr_load(db.name(), {"t"});
  REQUIRE_MESSAGE(load.exit_code == 0, describe(load));
  RunResult tail = tail_until_end(db.name(), {"--from", pos});
  REQUIRE_MESSAGE(tail.exit_code == 0, describe(tail));
  std::vector<std::string> l, t;
  for (const std::string& line : split_lines(load.out)) {
    // load's lines have null metadata; compare the content objects
    auto start = line.find(",{"), end = line.rfind("},");
    l.push_back(line.substr(start + 1, end - start));
  }
  for (const Tuple& x : parse_tuples(tail.out)) t.push_back(x.content);
  CHECK(l == t);
  REQUIRE(t.size() == 4);
}
