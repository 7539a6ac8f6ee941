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
