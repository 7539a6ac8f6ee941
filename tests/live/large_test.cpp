// Large tables stream: 200k rows with the right count and order, in bounded memory.
#include "live/live_support.hpp"

using namespace dumpr_live;

// Streaming keeps dumpr near 10 MiB here; a client-side buffered result alone would take about
// 40 MiB, so the bound is 32 MiB. Sanitizer builds (quarantined frees) are not measured.
#if defined(__SANITIZE_ADDRESS__)
#define DUMPR_LIVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DUMPR_LIVE_ASAN 1
#endif
#endif

TEST_CASE("load: 200k rows stream out complete and in order, in bounded memory") {
  TestDatabase db("dumpr_t_large");
  Sql sql;
  sql.exec(
      "CREATE TABLE dumpr_t_large.big (id INT UNSIGNED PRIMARY KEY, name VARCHAR(64), "
      "amount DECIMAL(12,2), at DATETIME(3), blob_col VARBINARY(64))");
  // About 40 MB of output: more than any sensible buffer, so memory must stay flat.
  provide_seq(sql, db.name(), 200000);
  sql.exec(
      "INSERT INTO dumpr_t_large.big SELECT seq, CONCAT('name-', seq, '-', REPEAT('n', 40)), "
      "seq / 100, '2024-01-31 13:45:00.125' + INTERVAL seq SECOND, "
      "UNHEX(REPEAT('ABCD', 16)) FROM dumpr_t_large.seq_1_to_200000");
  TempDir dir;
  const std::string rss = dir / "maxrss";

  std::vector<std::string> a = {"/usr/bin/time", "-f", "%M", "-o", rss, DUMPR_BINARY, "load"};
  for (auto& c : conn_args(db.name())) a.push_back(c);
  a.insert(a.end(), {"--checkpoint", dir / "pos.json", "big"});
  REQUIRE_MESSAGE(std::filesystem::exists("/usr/bin/time"),
                  "GNU time is needed to measure dumpr's peak memory (apt-get install time)");
  RunResult r = run_process(a);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  CHECK(r.err.empty());

  std::vector<std::string> lines = split_lines(r.out);
  REQUIRE(lines.size() == 200000);
  std::size_t in_order = 0;
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (lines[i].rfind("[\"upsert\",\"big\"," + std::to_string(i + 1) + ",", 0) == 0) ++in_order;
  CHECK(in_order == 200000);
  std::string blob;
  for (int i = 0; i < 16; ++i) blob += "\xAB\xCD";
  CHECK(lines[0] ==
        "[\"upsert\",\"big\",1,{\"id\":1,\"name\":\"name-1-" + std::string(40, 'n') +
            "\",\"amount\":\"0.01\",\"at\":\"2024-01-31T13:45:01.125\",\"blob_col\":\"" +
            base64(blob) + "\"},null]");
  CHECK(lines.back().rfind("[\"upsert\",\"big\",200000,{\"id\":200000,\"name\":\"name-200000-",
                           0) == 0);
  std::string head;
  for (std::size_t i = 0; i < 1000; ++i) head += lines[i] + "\n";
  CHECK(check_tuple_lines(head) == 1000);

  const std::string peak = read_file(rss);
  INFO("peak RSS (KiB): " << peak);
  REQUIRE(!peak.empty());
#ifdef DUMPR_LIVE_ASAN
  MESSAGE("AddressSanitizer build: peak memory not checked (" << peak << " KiB)");
#else
  CHECK(std::stoul(peak) < 32 * 1024);
#endif
}

TEST_CASE("load and tail of 64 MiB LONGBLOB rows stay within 3x the row in memory") {
  TestDatabase db("dumpr_t_huge");
  Sql sql;
  // Both flavours' sandboxes allow such packets only when asked (MySQL's default is 64 MiB).
  sql.exec("SET GLOBAL max_allowed_packet = 268435456");
  Client c(server().socket, "dumpr_t_huge");  // a new session takes the new limit
  c.exec("CREATE TABLE t (id INT PRIMARY KEY, b LONGBLOB)");
  TempDir dir;
  const std::string pos = dir / "pos.json";
  RunResult p =
      dumpr({"position", "--no-defaults", "--socket", server().socket, "--user", server().user,
             "--password=" + server().password, "--database", db.name(), "--checkpoint", pos});
  REQUIRE_MESSAGE(p.exit_code == 0, describe(p));
  constexpr std::size_t kRow = 64u << 20;
  // Two huge rows in one transaction (tail holds one row back), and one more on its own.
  c.exec("BEGIN");
  c.exec("INSERT INTO t VALUES (1, REPEAT('a', " + std::to_string(kRow) + "))");
  c.exec("INSERT INTO t VALUES (2, REPEAT('b', " + std::to_string(kRow) + "))");
  c.exec("COMMIT");
  c.exec("INSERT INTO t VALUES (3, REPEAT('c', " + std::to_string(kRow) + "))");
  REQUIRE_MESSAGE(std::filesystem::exists("/usr/bin/time"),
                  "GNU time is needed to measure dumpr's peak memory (apt-get install time)");

  auto measure = [&](const std::vector<std::string>& args, std::size_t& lines) {
    const std::string rss = dir / "maxrss";
    std::vector<std::string> a = {"/usr/bin/time", "-f", "%M", "-o", rss, DUMPR_BINARY};
    a.insert(a.end(), args.begin(), args.end());
    RunResult r = run_process(a);
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    lines = count_occurrences(r.out, "\n");
    return std::stoul(read_file(rss));
  };
  std::vector<std::string> load = {"load"};
  for (auto& a : conn_args(db.name())) load.push_back(a);
  load.push_back("t");
  std::vector<std::string> tail = {"tail"};
  for (auto& a : conn_args(db.name())) tail.push_back(a);
  tail.insert(tail.end(), {"--from", pos, "--until-end"});
  std::size_t load_lines = 0, tail_lines = 0;
  const unsigned long load_kib = measure(load, load_lines);
  const unsigned long tail_kib = measure(tail, tail_lines);
  CHECK(load_lines == 3);
  CHECK(tail_lines == 3);
  INFO("peak RSS (KiB): load " << load_kib << ", tail " << tail_kib);
#ifdef DUMPR_LIVE_ASAN
  MESSAGE("AddressSanitizer build: peak memory not checked");
#else
  CHECK(load_kib < 3 * (kRow >> 10));
  CHECK(tail_kib < 3 * (kRow >> 10));
#endif
}
