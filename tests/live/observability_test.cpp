// Progress, the end-of-run summary and the metrics file, through the built binary: progress lines
// in a log file are whole and timestamped, the summary and the metrics file count exactly the
// rows written, the metrics file is never seen half-written, and an error exit still writes it.
#include <atomic>
#include <map>
#include <regex>

#include "live/tail_support.hpp"

using namespace dumpr_tail;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// name{labels} -> value, for the samples of a metrics file; fails the test on a line that is not
// a sample, a comment or the final # EOF.
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> m;
  REQUIRE_MESSAGE(text.size() >= 6, text);
  REQUIRE_MESSAGE(text.compare(text.size() - 6, 6, "# EOF\n") == 0, text);
  for (const std::string& line : split_lines(text)) {
    if (line.empty() || line[0] == '#') continue;
    const auto sp = line.rfind(' ');
    REQUIRE_MESSAGE(sp != std::string::npos, line);
    m[line.substr(0, sp)] = std::stod(line.substr(sp + 1));
  }
  return m;
}

std::string row_key(const std::string& metric, const std::string& db, const std::string& table,
                    const std::string& op) {
  return metric + "{database=\"" + db + "\",table=\"" + table + "\",op=\"" + op + "\"}";
}

// 300 inserts in 30 transactions, 40 updates in one, 10 deletes in one.
constexpr int kTxns = 32;
void write_changes(Client& w, const std::string& table, std::atomic<bool>* stop = nullptr,
                   int pause_ms = 0) {
  for (int j = 0; j < 30 && !(stop && *stop); ++j) {
    w.exec("INSERT INTO " + table + " SELECT seq, 0 FROM " + seq_from(j * 10 + 1, j * 10 + 10));
    if (pause_ms) std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
  }
  w.exec("UPDATE " + table + " SET v = 1 WHERE id <= 40");
  w.exec("DELETE FROM " + table + " WHERE id > 290");
}

// stdout's tuples by op.
std::map<std::string, int> ops_of(const std::string& out) {
  std::map<std::string, int> n;
  for (const Tuple& t : parse_tuples(out)) ++n[t.op];
  return n;
}

}  // namespace

TEST_CASE("observability: tail --progress to a file, --metrics-file read while it runs") {
  TestDatabase db("dumpr_t_obs_tail");
  Client c(server().socket);
  c.exec("CREATE TABLE " + db.name() + ".t (id INT PRIMARY KEY, v INT)");
  provide_seq(c, db.name(), 20000);  // MySQL: before the position, outside the database
  GlobalSetting expire(server().socket, "binlog_expire_logs_seconds", "86400", server().root_user);
  TempDir dir;
  const std::string ckpt = dir / "pos.json", metrics = dir / "dumpr.prom",
                    err_file = dir / "stderr.log";
  write_file(ckpt, checkpoint_text(master_status(c)));

  // stderr to a file, as a service's log would be.
  std::string cmd = "exec '" + std::string(DUMPR_BINARY) + "' tail";
  for (const std::string& a : conn_args(db.name())) cmd += " '" + a + "'";
  cmd += " --from '" + ckpt + "' --progress --progress-interval 0.2 --metrics-file '" + metrics +
         "' --metrics-interval 0.05 2> '" + err_file + "'";
  Background tail({"/bin/sh", "-c", cmd});

  // A reader of the metrics file, as node_exporter's collector: every read a whole file.
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0}, torn{0};
  std::string torn_text;
  std::thread reader([&] {
    bool seen = false;
    while (!stop) {
      std::ifstream in(metrics, std::ios::binary);
      if (!in) {
        if (seen && torn++ == 0) torn_text = "(missing)";
        continue;  // else not written yet
      }
      seen = true;
      std::ostringstream ss;
      ss << in.rdbuf();
      const std::string text = ss.str();
      ++reads;
      // Once written, the file is never missing, empty or cut short.
      const bool whole = text.rfind("# TYPE ", 0) == 0 && text.size() >= 6 &&
                         text.compare(text.size() - 6, 6, "# EOF\n") == 0;
      if (!whole && torn++ == 0) torn_text = text;
    }
  });
  StopAndJoin join(stop, reader);

  {
    Client w(server().socket, db.name());
    write_changes(w, db.name() + ".t", nullptr, 40);  // ~1.2 s: several progress lines
  }
  REQUIRE_MESSAGE(tail.wait_until([&] { return tail.lines() >= 350; }, 60),
                  "tail wrote " << tail.lines() << " lines; stderr: " << read_file(err_file));
  // One more metrics rewrite after the last row, then stop it as systemd would.
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  tail.signal(SIGTERM);
  auto status = tail.wait_exit(30);
  REQUIRE(status.has_value());
  CHECK(*status == 0);
  stop = true;
  reader.join();

  const std::string err = read_file(err_file);
  INFO("stderr:\n" << err);
  CHECK(err.find('\r') == std::string::npos);
  CHECK(err.find('\033') == std::string::npos);
  CHECK(tail.err().empty());  // all of it went to the file

  // Whole lines, each starting with its UTC time.
  static const std::regex progress_line(
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ dumpr tail: [^ ]+:\d+, \d+ rows, \d+ rows/s, lag \d+[smhd][0-9smh]*, \d+ bytes behind, 0 reconnects)");
  static const std::regex summary_line(
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ dumpr: tail done: (\d+) rows \(insert (\d+), update (\d+), delete (\d+)\), (\d+) transactions in [0-9.]+ s \(\d+ rows/s\), [^ ]+:\d+ -> [^ ]+:\d+)");
  int progress_lines = 0, summaries = 0;
  std::smatch m;
  for (const std::string& line : split_lines(err)) {
    if (line.empty()) continue;
    if (std::regex_match(line, progress_line)) {
      ++progress_lines;
    } else if (std::regex_match(line, m, summary_line)) {
      ++summaries;
      CHECK(m[1] == "350");
      CHECK(m[2] == "300");
      CHECK(m[3] == "40");
      CHECK(m[4] == "10");
      CHECK(std::stoi(m[5]) == kTxns);
    } else {
      FAIL_CHECK("not a progress or summary line: " << line);
    }
  }
  CHECK(progress_lines >= 3);
  CHECK(summaries == 1);

  // stdout: what the summary says.
  const auto ops = ops_of(tail.out());
  CHECK(ops.at("upsert") == 340);
  CHECK(ops.at("delete") == 10);

  // The metrics file: read many times, never torn; at the end the rows written by op.
  CHECK(reads > 10);
  CHECK_MESSAGE(torn == 0, "a torn read:\n" << torn_text);
  const std::string text = read_file(metrics);
  INFO("metrics:\n" << text);
  auto s = samples(text);
  CHECK(s[row_key("dumpr_rows_written_total", db.name(), "t", "insert")] == 300);
  CHECK(s[row_key("dumpr_rows_written_total", db.name(), "t", "update")] == 40);
  CHECK(s[row_key("dumpr_rows_written_total", db.name(), "t", "delete")] == 10);
  double bytes = 0;
  for (const char* op : {"insert", "update", "delete"})
    bytes += s[row_key("dumpr_bytes_written_total", db.name(), "t", op)];
  CHECK(bytes == static_cast<double>(tail.out().size() - tail.lines()));  // lines less their \n
  CHECK(s["dumpr_transactions_total"] == kTxns);
  CHECK(s["dumpr_errors_total"] == 0);
  CHECK(s["dumpr_reconnects_total"] == 0);
  CHECK(s.count("dumpr_lag_seconds") == 1);
  CHECK(s.count("dumpr_bytes_behind") == 1);
  const Pos end = read_checkpoint_pos(ckpt);
  CHECK(s["dumpr_position_file_index"] == static_cast<double>(file_seq(end.file)));
  CHECK(s["dumpr_position_offset_bytes"] == static_cast<double>(end.pos));
  CHECK(s["dumpr_last_commit_time_seconds"] > 1.7e9);
  // The checkpoint's file is the one being written: the whole expiry.
  CHECK(s["dumpr_binlog_purge_due_seconds"] == 86400);
}

TEST_CASE("observability: tail --until-end summary, silent without --progress, none with -q") {
  TestDatabase db("dumpr_t_obs_end");
  Client c(server().socket);
  c.exec("CREATE TABLE " + db.name() + ".t (id INT PRIMARY KEY, v INT)");
  TempDir dir;
  const std::string p0 = checkpoint_text(master_status(c));
  {
    Client w(server().socket, db.name());
    write_changes(w, db.name() + ".t");
  }
  write_file(dir / "a.json", p0);
  RunResult r = tail_until_end(db.name(), {"--from", dir / "a.json", "--progress"});
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  const auto ops = ops_of(r.out);
  CHECK(ops.at("upsert") == 340);
  CHECK(ops.at("delete") == 10);
  CHECK(count_occurrences(r.err, "\n") == 1);  // the summary alone (the run is under 10 s)
  CHECK(has(r.err, " dumpr: tail done: 350 rows (insert 300, update 40, delete 10), " +
                       std::to_string(kTxns) + " transactions in "));
  const Pos end = read_checkpoint_pos(dir / "a.json");
  CHECK(has(r.err, " -> " + end.file + ":" + std::to_string(end.pos) + "\n"));

  // A cron run: nothing on stderr; -q: nothing even with --progress.
  write_file(dir / "b.json", p0);
  RunResult quiet_cron = tail_until_end(db.name(), {"--from", dir / "b.json"});
  CHECK_MESSAGE(quiet_cron.exit_code == 0, describe(quiet_cron));
  CHECK(quiet_cron.err.empty());
  write_file(dir / "c.json", p0);
  RunResult q = tail_until_end(db.name(), {"--from", dir / "c.json", "--progress", "-q"});
  CHECK_MESSAGE(q.exit_code == 0, describe(q));
  CHECK(q.err.empty());
}

TEST_CASE("observability: an error exit still writes the metrics file, with the error counted") {
  TestDatabase db("dumpr_t_obs_error");
  Client c(server().socket);
  c.exec("CREATE TABLE " + db.name() + ".t (id INT PRIMARY KEY, v INT)");
  TempDir dir;
  // A checkpoint whose file the server never had.
  Pos gone = master_status(c);
  gone.file = "nosuch-bin.000001";
  gone.pos = 4;
  const std::string text = checkpoint_text(gone);
  write_file(dir / "pos.json", text);
  RunResult r =
      tail_until_end(db.name(), {"--from", dir / "pos.json", "--metrics-file", dir / "m.prom"});
  CHECK_MESSAGE(r.exit_code == 7, describe(r));
  CHECK(read_file(dir / "pos.json") == text);
  auto s = samples(read_file(dir / "m.prom"));
  CHECK(s["dumpr_errors_total"] == 1);

  // A metrics file that cannot be written: a usage error before anything is read.
  RunResult bad = tail_until_end(
      db.name(), {"--from", dir / "pos.json", "--metrics-file", dir / "no/such/dir/m.prom"});
  CHECK_MESSAGE(bad.exit_code == 2, describe(bad));
  CHECK(has(bad.err, "--metrics-file"));
  CHECK(has(bad.err, "no/such/dir"));
  CHECK(bad.out.empty());
  CHECK(read_file(dir / "pos.json") == text);
}

TEST_CASE(
    "observability: load --metrics-file counts rows by table, --progress ends with a summary") {
  TestDatabase db("dumpr_t_obs_load");
  Client c(server().socket, db.name());
  c.exec("CREATE TABLE a (id INT PRIMARY KEY, v INT)");
  c.exec("CREATE TABLE b (id INT PRIMARY KEY, v INT)");
  provide_seq(c, db.name(), 5000);  // MySQL: a view of rows made outside the database
  provide_seq(c, db.name(), 1234);
  c.exec("INSERT INTO a SELECT seq, 0 FROM seq_1_to_5000");
  c.exec("INSERT INTO b SELECT seq, 0 FROM seq_1_to_1234");
  TempDir dir;
  RunResult r = dumpr_load(db.name(), {"--checkpoint", dir / "pos.json", "--progress",
                                       "--metrics-file", dir / "m.prom"});
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  CHECK(count_occurrences(r.out, "\n") == 6234);
  CHECK(r.err.find('\r') == std::string::npos);
  const Pos p = read_checkpoint_pos(dir / "pos.json");
  CHECK(has(r.err, " dumpr: load done: 6234 rows of 2 tables in "));
  CHECK(has(r.err, "; snapshot position " + p.file + ":" + std::to_string(p.pos) + "\n"));
  const std::string text = read_file(dir / "m.prom");
  INFO(text);
  auto s = samples(text);
  CHECK(s[row_key("dumpr_rows_written_total", db.name(), "a", "read")] == 5000);
  CHECK(s[row_key("dumpr_rows_written_total", db.name(), "b", "read")] == 1234);
  CHECK(s[row_key("dumpr_bytes_written_total", db.name(), "a", "read")] +
            s[row_key("dumpr_bytes_written_total", db.name(), "b", "read")] ==
        static_cast<double>(r.out.size() - 6234));
  CHECK(s["dumpr_errors_total"] == 0);
  CHECK(s["dumpr_position_offset_bytes"] == static_cast<double>(p.pos));
}

TEST_CASE("observability: the purge deadline of a closed binlog file counts from its start") {
  TestDatabase db("dumpr_t_obs_purge");
  Client c(server().socket);
  c.exec("CREATE TABLE " + db.name() + ".t (id INT PRIMARY KEY, v INT)");
  provide_seq(c, db.name(), 20000);  // MySQL: before the position, outside the database
  GlobalSetting expire(server().socket, "binlog_expire_logs_seconds", "86400", server().root_user);
  // A file started now, then closed: the stream's position stays in it (the reader leaves
  // after one line, before the first transaction is delivered).
  const double started = std::stod(c.scalar("SELECT UNIX_TIMESTAMP()"));
  c.exec("FLUSH BINARY LOGS");
  TempDir dir;
  const Pos p0 = master_status(c);
  write_file(dir / "pos.json", checkpoint_text(p0));
  {
    Client w(server().socket, db.name());
    w.exec("INSERT INTO t SELECT seq, 0 FROM seq_1_to_20000");
  }
  c.exec("FLUSH BINARY LOGS");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  std::vector<std::string> a = {"tail"};
  for (auto& x : conn_args(db.name())) a.push_back(x);
  for (const std::string& x : std::vector<std::string>{"--from", dir / "pos.json", "--until-end",
                                                       "--metrics-file", dir / "m.prom"})
    a.push_back(x);
  dumpr_live::RunOptions head1;
  head1.close_stdout_after_lines = 1;
  RunResult r = dumpr(a, head1);
  CHECK_MESSAGE(r.shell_status() == 141, describe(r));
  const double ended = std::stod(c.scalar("SELECT UNIX_TIMESTAMP()"));
  const std::string text = read_file(dir / "m.prom");
  INFO(text);
  auto s = samples(text);
  REQUIRE(s["dumpr_position_file_index"] == static_cast<double>(file_seq(p0.file)));
  REQUIRE(s.count("dumpr_binlog_purge_due_seconds") == 1);
  // started + expiry - the time of the write (between the FLUSH and now, whole seconds).
  const double due = s["dumpr_binlog_purge_due_seconds"];
  CHECK(due <= started + 1 + 86400 - (ended - 10));  // the run took under 10 s
  CHECK(due >= started + 86400 - ended - 1);
  CHECK(due < 86400 - 1);
  CHECK(s["dumpr_bytes_behind"] > 0);
}
