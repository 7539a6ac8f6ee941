// dumpr tail on the shared sandbox: the tuples of inserts, updates and deletes, exactly, with
// their metadata; transactions (multi-statement, multi-table, rolled back); multi-table
// statements and triggers; big statements split over several rows events; primary-key changes;
// --tables; --until-end under a live writer; restarts from the checkpoint.
#include <atomic>

#include "live/tail_support.hpp"

using namespace dumpr_tail;

namespace {

// Writes a checkpoint file at `p` and returns its path.
std::string checkpoint_at(const TempDir& dir, const Pos& p, const std::string& name = "pos.json") {
  std::string path = dir / name;
  write_file(path, checkpoint_text(p));
  return path;
}

// Runs tail --until-end from `ckpt` (which it also advances) and returns its tuples.
std::vector<Tuple> tail_all(const std::string& db, const std::string& ckpt,
                            const std::vector<std::string>& extra = {}) {
  std::vector<std::string> a = {"--from", ckpt};
  a.insert(a.end(), extra.begin(), extra.end());
  RunResult r = tail_until_end(db, a);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  return parse_tuples(r.out);
}

// The checkpoint after a --until-end run: the end of the binlog as of its start. The shared
// server may see other clients' writes: `after_writes` is the end once the test's writes were
// done, `after_run` once tail returned; exact when nobody else wrote in between.
void check_final_checkpoint(const std::string& ckpt, const Pos& last_commit,
                            const Pos& after_writes, const Pos& after_run) {
  Pos got = read_checkpoint_pos(ckpt);
  INFO("checkpoint " << got << ", last commit " << last_commit << ", binlog end after the writes "
                     << after_writes << ", after the run " << after_run);
  if (after_writes == after_run) {
    CHECK(got == after_writes);
  } else {
    CHECK(!before(got, last_commit));
    CHECK(!before(after_run, got));
  }
  if (last_commit == after_writes) CHECK(got == last_commit);
}

}  // namespace

TEST_CASE("tail: inserts, updates and deletes as exact tuples, with exact metadata") {
  TestDatabase db("dumpr_t_tail_basic");
  Client c(server().socket);
  c.exec("CREATE TABLE dumpr_t_tail_basic.t (id INT PRIMARY KEY, name VARCHAR(20), n INT)");
  TempDir dir;
  const Pos p0 = master_status(c);
  const std::string t_before = server_utc(c);
  c.exec("INSERT INTO dumpr_t_tail_basic.t VALUES (1, 'a', 10), (2, 'b', 20), (3, NULL, 30)");
  const std::string g1 = last_gtid(c);
  c.exec("UPDATE dumpr_t_tail_basic.t SET n = n + 1 WHERE id IN (1, 2)");
  const std::string g2 = last_gtid(c);
  c.exec("DELETE FROM dumpr_t_tail_basic.t WHERE id = 3");
  const std::string g3 = last_gtid(c);
  const Pos after_writes = master_status(c);
  const std::string t_after = server_utc(c);
  const TxnBounds b1 = txn_bounds(c, p0, g1), b2 = txn_bounds(c, p0, g2),
                  b3 = txn_bounds(c, p0, g3);

  const std::string ckpt = checkpoint_at(dir, p0);
  auto tuples = tail_all(db.name(), ckpt);
  const Pos after_run = master_status(c);

  const std::vector<std::string> expected = {
      R"(upsert t 1 {"id":1,"name":"a","n":10})",  R"(upsert t 2 {"id":2,"name":"b","n":20})",
      R"(upsert t 3 {"id":3,"name":null,"n":30})", R"(upsert t 1 {"id":1,"name":"a","n":11})",
      R"(upsert t 2 {"id":2,"name":"b","n":21})",  R"(delete t 3 {"id":3,"name":null,"n":30})",
  };
  CHECK(briefs(tuples) == lines_of(expected));
  REQUIRE(tuples.size() == 6);
  // Every row but a transaction's last: its start; the last: its end.
  const std::vector<Pos> next = {b1.start, b1.start, b1.end, b2.start, b2.end, b3.end};
  const std::vector<std::string> gtids = {g1, g1, g1, g2, g2, g3};
  for (std::size_t i = 0; i < tuples.size(); ++i) {
    INFO("tuple " << i << ": " << tuples[i].line);
    CHECK(tuples[i].next() == next[i]);
    CHECK(tuples[i].db == db.name());
    CHECK(tuples[i].gtid == gtids[i]);
    CHECK(is_utc_second(tuples[i].ts));
    CHECK(tuples[i].ts >= t_before);
    CHECK(tuples[i].ts <= t_after);
    CHECK(!tuples[i].has_partial_key);
  }
  check_final_checkpoint(ckpt, b3.end, after_writes, after_run);
}

TEST_CASE("tail: multi-statement and multi-table transactions; rolled back work gives no rows") {
  TestDatabase db("dumpr_t_tail_txn");
  Client c(server().socket, "dumpr_t_tail_txn");
  c.exec("CREATE TABLE a (id INT PRIMARY KEY, v VARCHAR(10))");
  c.exec("CREATE TABLE b (id INT PRIMARY KEY, w VARCHAR(10))");
  TempDir dir;
  const Pos p0 = master_status(c);
  c.exec("BEGIN");
  c.exec("INSERT INTO a VALUES (1, 'one')");
  c.exec("INSERT INTO b VALUES (1, 'uno')");
  c.exec("UPDATE a SET v = 'ONE' WHERE id = 1");
  c.exec("DELETE FROM b WHERE id = 1");
  c.exec("INSERT INTO b VALUES (2, 'dos')");
  c.exec("COMMIT");
  const std::string g1 = last_gtid(c);
  // Rolled back entirely.
  c.exec("BEGIN");
  c.exec("INSERT INTO a VALUES (2, 'two')");
  c.exec("INSERT INTO b VALUES (3, 'tres')");
  c.exec("ROLLBACK");
  // Rolled back to a savepoint: only the work before it stays.
  c.exec("BEGIN");
  c.exec("INSERT INTO a VALUES (3, 'three')");
  c.exec("SAVEPOINT s1");
  c.exec("INSERT INTO a VALUES (4, 'four')");
  c.exec("INSERT INTO b VALUES (4, 'cuatro')");
  c.exec("ROLLBACK TO SAVEPOINT s1");
  c.exec("INSERT INTO b VALUES (5, 'cinco')");
  c.exec("COMMIT");
  const std::string g2 = last_gtid(c);
  // autocommit off, rolled back.
  c.exec("SET autocommit = 0");
  c.exec("INSERT INTO a VALUES (6, 'six')");
  c.exec("ROLLBACK");
  c.exec("SET autocommit = 1");
  // A statement that fails half-way is rolled back as a whole (duplicate key on the 2nd row).
  CHECK_THROWS(c.exec("INSERT INTO a VALUES (7, 'seven'), (1, 'dup')"));
  c.exec("INSERT INTO a VALUES (8, 'eight')");
  const std::string g3 = last_gtid(c);
  const Pos after_writes = master_status(c);
  const TxnBounds b1 = txn_bounds(c, p0, g1), b2 = txn_bounds(c, p0, g2),
                  b3 = txn_bounds(c, p0, g3);

  const std::string ckpt = checkpoint_at(dir, p0);
  auto tuples = tail_all(db.name(), ckpt);
  const Pos after_run = master_status(c);
  const std::vector<std::string> expected = {
      R"(upsert a 1 {"id":1,"v":"one"})",   R"(upsert b 1 {"id":1,"w":"uno"})",
      R"(upsert a 1 {"id":1,"v":"ONE"})",   R"(delete b 1 {"id":1,"w":"uno"})",
      R"(upsert b 2 {"id":2,"w":"dos"})",   R"(upsert a 3 {"id":3,"v":"three"})",
      R"(upsert b 5 {"id":5,"w":"cinco"})", R"(upsert a 8 {"id":8,"v":"eight"})",
  };
  CHECK(briefs(tuples) == lines_of(expected));
  REQUIRE(tuples.size() == expected.size());
  const std::vector<Pos> next = {b1.start, b1.start, b1.start, b1.start,
                                 b1.end,   b2.start, b2.end,   b3.end};
  for (std::size_t i = 0; i < tuples.size(); ++i) {
    INFO("tuple " << i << ": " << tuples[i].line);
    CHECK(tuples[i].next() == next[i]);
  }
  check_final_checkpoint(ckpt, b3.end, after_writes, after_run);
}

TEST_CASE(
    "tail: ROLLBACK TO SAVEPOINT after a non-transactional write: rolled-back rows are not "
    "emitted") {
  // The server cannot truncate its transaction cache once a MyISAM table was written in the
  // transaction: it logs the rows written after the savepoint, then "ROLLBACK TO `s1`". A
  // reader must drop those rows, and the transaction goes on to its XID.
  if (server_is_mysql()) {
    // Under GTID mode (the MySQL sandbox's) the server refuses the MyISAM write inside a
    // transaction: the case cannot happen there.
    skipped_on_mysql("a non-transactional write inside a transaction",
                     "enforce_gtid_consistency refuses it");
    return;
  }
  TestDatabase db("dumpr_t_tail_svp");
  Client c(server().socket, "dumpr_t_tail_svp");
  c.exec("CREATE TABLE a (id INT PRIMARY KEY) ENGINE=InnoDB");
  c.exec("CREATE TABLE m (id INT PRIMARY KEY) ENGINE=MyISAM");
  TempDir dir;
  const Pos p0 = master_status(c);
  c.exec("BEGIN");
  c.exec("INSERT INTO a VALUES (1)");
  c.exec("SAVEPOINT s1");
  c.exec("INSERT INTO a VALUES (2)");
  c.exec("INSERT INTO m VALUES (1)");
  c.exec("ROLLBACK TO SAVEPOINT s1");
  c.exec("INSERT INTO a VALUES (3)");
  c.exec("COMMIT");
  const std::string g = last_gtid(c);
  REQUIRE(c.scalar("SELECT GROUP_CONCAT(id ORDER BY id) FROM a") == "1,3");
  const TxnBounds b = txn_bounds(c, p0, g);
  auto tuples = tail_all(db.name(), checkpoint_at(dir, p0));
  CHECK(briefs(tuples) == lines_of({
                              R"(upsert m 1 {"id":1})",
                              R"(upsert a 1 {"id":1})",
                              R"(upsert a 3 {"id":3})",
                          }));
  REQUIRE(tuples.size() == 3);
  for (std::size_t i = 1; i < 3; ++i) {
    INFO("tuple " << i << ": " << tuples[i].line);
    CHECK(tuples[i].next() == (i == 2 ? b.end : b.start));
    CHECK(tuples[i].gtid == g);
  }
}

TEST_CASE("tail: XA transactions, prepared then committed, and one-phase: each row once") {
  // MariaDB logs a prepared XA transaction's rows at XA PREPARE (an XA_PREPARE event ends them)
  // and the XA COMMIT later as a statement group of its own.
  if (server_is_mysql()) {
    skipped_on_mysql("XA transactions", "only MariaDB's binlog of them is checked so far");
    return;
  }
  TestDatabase db("dumpr_t_tail_xa");
  Client c(server().socket, "dumpr_t_tail_xa");
  c.exec("CREATE TABLE a (id INT PRIMARY KEY)");
  TempDir dir;
  const Pos p0 = master_status(c);
  c.exec("XA START 'x1'");
  c.exec("INSERT INTO a VALUES (1), (2)");
  c.exec("XA END 'x1'");
  c.exec("XA PREPARE 'x1'");
  c.exec("XA COMMIT 'x1'");
  c.exec("XA START 'x2'");
  c.exec("INSERT INTO a VALUES (3)");
  c.exec("XA END 'x2'");
  c.exec("XA COMMIT 'x2' ONE PHASE");
  c.exec("INSERT INTO a VALUES (4)");
  const std::string g = last_gtid(c);
  const Pos after_writes = master_status(c);
  const TxnBounds b = txn_bounds(c, p0, g);
  REQUIRE(c.scalar("SELECT GROUP_CONCAT(id ORDER BY id) FROM a") == "1,2,3,4");
  const std::string ckpt = checkpoint_at(dir, p0);
  auto tuples = tail_all(db.name(), ckpt);
  const Pos after_run = master_status(c);
  CHECK(briefs(tuples) == lines_of({
                              R"(upsert a 1 {"id":1})",
                              R"(upsert a 2 {"id":2})",
                              R"(upsert a 3 {"id":3})",
                              R"(upsert a 4 {"id":4})",
                          }));
  REQUIRE(tuples.size() == 4);
  // No restart point is past a row after it: the XA rows' are at or before the last
  // transaction's start, and the last row's is its commit.
  for (std::size_t i = 0; i + 1 < tuples.size(); ++i) {
    INFO("tuple " << i << ": " << tuples[i].line);
    CHECK_FALSE(before(b.start, tuples[i].next()));
  }
  CHECK(tuples[3].next() == b.end);
  check_final_checkpoint(ckpt, b.end, after_writes, after_run);
}

TEST_CASE("tail: a multi-table UPDATE and a trigger's writes are attributed to their tables") {
  TestDatabase db("dumpr_t_tail_multi");
  Client c(server().socket, "dumpr_t_tail_multi");
  c.exec("CREATE TABLE orders (id INT PRIMARY KEY, status VARCHAR(10), total INT)");
  c.exec("CREATE TABLE items (id INT PRIMARY KEY, order_id INT, qty INT)");
  c.exec("CREATE TABLE audit (seq INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(40))");
  c.exec(
      "CREATE TRIGGER orders_ai AFTER INSERT ON orders FOR EACH ROW "
      "INSERT INTO audit (what) VALUES (CONCAT('new order ', NEW.id))");
  TempDir dir;
  const Pos p0 = master_status(c);
  c.exec("INSERT INTO items VALUES (10, 1, 1), (11, 1, 2), (12, 2, 5)");
  // The trigger writes `audit` inside the same statement: two tables, one statement.
  c.exec("INSERT INTO orders VALUES (1, 'new', 0), (2, 'new', 0)");
  const std::string g_trig = last_gtid(c);
  // One statement updating two tables.
  c.exec(
      "UPDATE orders o JOIN items i ON i.order_id = o.id SET o.status = 'paid', "
      "i.qty = i.qty * 10 WHERE o.id = 1");
  const std::string g_multi = last_gtid(c);
  auto tuples = tail_all(db.name(), checkpoint_at(dir, p0));

  std::vector<std::string> orders, items, audit;
  for (auto& t : tuples) {
    if (t.table == "orders")
      orders.push_back(brief(t));
    else if (t.table == "items")
      items.push_back(brief(t));
    else if (t.table == "audit")
      audit.push_back(brief(t));
    else
      FAIL("a tuple of an unexpected table: " << t.line);
  }
  CHECK(lines_of(orders) == lines_of({
                                R"(upsert orders 1 {"id":1,"status":"new","total":0})",
                                R"(upsert orders 2 {"id":2,"status":"new","total":0})",
                                R"(upsert orders 1 {"id":1,"status":"paid","total":0})",
                            }));
  CHECK(lines_of(items) == lines_of({
                               R"(upsert items 10 {"id":10,"order_id":1,"qty":1})",
                               R"(upsert items 11 {"id":11,"order_id":1,"qty":2})",
                               R"(upsert items 12 {"id":12,"order_id":2,"qty":5})",
                               R"(upsert items 10 {"id":10,"order_id":1,"qty":10})",
                               R"(upsert items 11 {"id":11,"order_id":1,"qty":20})",
                           }));
  CHECK(lines_of(audit) == lines_of({
                               R"(upsert audit 1 {"seq":1,"what":"new order 1"})",
                               R"(upsert audit 2 {"seq":2,"what":"new order 2"})",
                           }));
  // The trigger's rows and the multi-table update's rows carry their statement's GTID.
  std::size_t trig = 0, multi = 0;
  for (auto& t : tuples) {
    if (t.gtid == g_trig) {
      ++trig;
      CHECK((t.table == "orders" || t.table == "audit"));
    }
    if (t.gtid == g_multi) {
      ++multi;
      CHECK((t.table == "orders" || t.table == "items"));
    }
  }
  CHECK(trig == 4);
  CHECK(multi == 3);
}

TEST_CASE("tail: one statement of 12,000 rows over several rows events: every row, in order") {
  TestDatabase db("dumpr_t_tail_big");
  Client c(server().socket, "dumpr_t_tail_big");
  c.exec("CREATE TABLE t (id INT PRIMARY KEY, pad VARCHAR(40))");
  provide_seq(c, db.name(), 12000);
  TempDir dir;
  const Pos p0 = master_status(c);
  c.exec("INSERT INTO t SELECT seq, CONCAT('row-', seq) FROM seq_1_to_12000");
  const std::string g = last_gtid(c);
  const TxnBounds b = txn_bounds(c, p0, g);
  // The statement really is split: several Write_rows events between its start and end.
  std::size_t rows_events = 0;
  for (auto& ev : c.query("SHOW BINLOG EVENTS IN '" + b.start.file + "' FROM " +
                          std::to_string(b.start.pos))) {
    if (std::stoull(*ev[1]) >= b.end.pos) break;
    if (ev[2]->rfind("Write_rows", 0) == 0) ++rows_events;
  }
  INFO("rows events: " << rows_events);
  CHECK(rows_events >= 5);

  auto tuples = tail_all(db.name(), checkpoint_at(dir, p0));
  REQUIRE(tuples.size() == 12000);
  for (std::size_t i = 0; i < tuples.size(); ++i) {
    const Tuple& t = tuples[i];
    const std::string id = std::to_string(i + 1);
    if (t.op != "upsert" || t.table != "t" || t.id != id ||
        t.content != "{\"id\":" + id + ",\"pad\":\"row-" + id + "\"}" ||
        t.next() != (i + 1 == tuples.size() ? b.end : b.start) || t.gtid != g)
      FAIL("tuple " << i << " is not upsert t " << id << " at the transaction's "
                    << (i + 1 == tuples.size() ? "end " : "start ")
                    << (i + 1 == tuples.size() ? b.end : b.start) << ": " << t.line);
  }
}

TEST_CASE("tail: an UPDATE that changes the primary key gives delete(old) then upsert(new)") {
  TestDatabase db("dumpr_t_tail_pk");
  Client c(server().socket, "dumpr_t_tail_pk");
  c.exec("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))");
  c.exec("CREATE TABLE k2 (a INT, b VARCHAR(5), v INT, PRIMARY KEY (a, b))");
  c.exec("INSERT INTO t VALUES (1, 'x'), (2, 'y')");
  c.exec("INSERT INTO k2 VALUES (1, 'p', 0)");
  TempDir dir;
  const Pos p0 = master_status(c);
  c.exec("UPDATE t SET id = 100 WHERE id = 1");
  const std::string g1 = last_gtid(c);
  c.exec("UPDATE t SET id = id + 1000, v = 'z'");  // both rows, each a key change
  c.exec("UPDATE k2 SET b = 'q', v = 1");          // one part of a composite key
  c.exec("UPDATE k2 SET v = 2");                   // the key unchanged: an upsert only
  const TxnBounds b1 = txn_bounds(c, p0, g1);
  auto tuples = tail_all(db.name(), checkpoint_at(dir, p0));
  CHECK(briefs(tuples) == lines_of({
                              R"(delete t 1 {"id":1,"v":"x"})",
                              R"(upsert t 100 {"id":100,"v":"x"})",
                              R"(delete t 2 {"id":2,"v":"y"})",
                              R"(upsert t 1002 {"id":1002,"v":"z"})",
                              R"(delete t 100 {"id":100,"v":"x"})",
                              R"(upsert t 1100 {"id":1100,"v":"z"})",
                              R"(delete k2 [1,"p"] {"a":1,"b":"p","v":0})",
                              R"(upsert k2 [1,"q"] {"a":1,"b":"q","v":1})",
                              R"(upsert k2 [1,"q"] {"a":1,"b":"q","v":2})",
                          }));
  REQUIRE(tuples.size() >= 2);
  CHECK(tuples[0].next() == b1.start);
  CHECK(tuples[1].next() == b1.end);
}

TEST_CASE("tail --tables: only the tables named, and the checkpoint still moves past the others") {
  TestDatabase db("dumpr_t_tail_tables");
  Client c(server().socket, "dumpr_t_tail_tables");
  for (const char* t : {"t1", "t2", "t3"})
    c.exec(std::string("CREATE TABLE ") + t + " (id INT PRIMARY KEY)");
  TempDir dir;
  const Pos p0 = master_status(c);
  c.exec("INSERT INTO t1 VALUES (1)");
  c.exec("INSERT INTO t2 VALUES (1)");
  c.exec("BEGIN");
  c.exec("INSERT INTO t3 VALUES (1)");
  c.exec("INSERT INTO t2 VALUES (2)");
  c.exec("INSERT INTO t1 VALUES (2)");
  c.exec("COMMIT");
  const std::string g_mixed = last_gtid(c);
  c.exec("INSERT INTO t2 VALUES (3)");  // the last transaction touches an excluded table only
  const std::string g_last = last_gtid(c);
  const Pos after_writes = master_status(c);
  const TxnBounds mixed = txn_bounds(c, p0, g_mixed), last = txn_bounds(c, p0, g_last);
  const std::string ckpt = checkpoint_at(dir, p0);
  auto tuples = tail_all(db.name(), ckpt, {"--tables", "t1,t3"});
  const Pos after_run = master_status(c);
  CHECK(briefs(tuples) == lines_of({
                              R"(upsert t1 1 {"id":1})",
                              R"(upsert t3 1 {"id":1})",
                              R"(upsert t1 2 {"id":2})",
                          }));
  REQUIRE(tuples.size() == 3);
  CHECK(tuples[1].next() == mixed.start);
  CHECK(tuples[2].next() == mixed.end);
  check_final_checkpoint(ckpt, last.end, after_writes, after_run);
}

TEST_CASE("tail --until-end: exits 0 at the end as of its start while a writer keeps writing") {
  TestDatabase db("dumpr_t_tail_until");
  Client c(server().socket, "dumpr_t_tail_until");
  c.exec("CREATE TABLE t (id INT PRIMARY KEY)");
  TempDir dir;
  const Pos p0 = master_status(c);
  for (int i = 1; i <= 50; ++i) c.exec("INSERT INTO t VALUES (" + std::to_string(i) + ")");

  // A writer that never pauses: one row per transaction, ids in order.
  std::atomic<bool> stop{false};
  std::atomic<int> committed{50};
  std::string writer_error;
  std::thread writer([&] {
    try {
      Client w(server().socket, "dumpr_t_tail_until");
      for (int i = 51; !stop; ++i) {
        w.exec("INSERT INTO t VALUES (" + std::to_string(i) + ")");
        committed = i;
      }
    } catch (const std::exception& e) {
      writer_error = e.what();
    }
  });
  dumpr_live::StopAndJoin joiner(stop, writer);
  // Let the writer get going, then start the tail.
  while (committed < 100 && writer_error.empty())
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const int committed_at_start = committed;
  Background tail(tail_args(conn_to(server().socket, db.name()),
                            {"--from", checkpoint_at(dir, p0), "--until-end"}));
  auto rc = tail.wait_exit(30);
  const int committed_at_exit = committed;
  stop = true;
  writer.join();
  REQUIRE(writer_error.empty());
  INFO("stderr: " << tail.err());
  REQUIRE_MESSAGE(rc.has_value(), "tail --until-end did not return within 30 s under a writer");
  CHECK(*rc == 0);
  auto tuples = parse_tuples(tail.out());
  // A prefix of the writer's rows: everything committed before it started, nothing after it
  // returned, no gap and no repeat.
  INFO("rows " << tuples.size() << ", committed at start " << committed_at_start << ", at exit "
               << committed_at_exit << ", finally " << committed.load());
  CHECK(static_cast<int>(tuples.size()) >= committed_at_start);
  CHECK(static_cast<int>(tuples.size()) <= committed_at_exit);
  for (std::size_t i = 0; i < tuples.size(); ++i) {
    if (tuples[i].id != std::to_string(i + 1) || tuples[i].op != "upsert")
      FAIL("tuple " << i << " is not upsert of id " << i + 1 << ": " << tuples[i].line);
  }
  // The checkpoint it left is the end of its last transaction (or a later transaction of
  // another client), and a re-run from it continues with the very next row.
  REQUIRE(!tuples.empty());
  const std::string ckpt = dir / "pos.json";
  CHECK(!before(read_checkpoint_pos(ckpt), tuples.back().next()));
  auto rest = tail_all(db.name(), ckpt);
  const int total = committed;
  CHECK(tuples.size() + rest.size() == static_cast<std::size_t>(total));
  for (std::size_t i = 0; i < rest.size(); ++i)
    if (rest[i].id != std::to_string(tuples.size() + i + 1))
      FAIL("re-run tuple " << i << " is not id " << tuples.size() + i + 1 << ": " << rest[i].line);
}

TEST_CASE("tail: re-runs from the checkpoint emit nothing twice and lose nothing") {
  TestDatabase db("dumpr_t_tail_rerun");
  Client c(server().socket, "dumpr_t_tail_rerun");
  c.exec("CREATE TABLE t (id INT PRIMARY KEY, v INT)");
  TempDir dir;
  const std::string ckpt = checkpoint_at(dir, master_status(c));
  std::vector<std::string> seen;
  int next_id = 1;
  for (int round = 0; round < 3; ++round) {
    std::vector<std::string> expected;
    for (int k = 0; k < 5 * round; ++k, ++next_id) {  // round 0 writes nothing
      c.exec("INSERT INTO t VALUES (" + std::to_string(next_id) + ", 0)");
      expected.push_back("upsert t " + std::to_string(next_id) +
                         " {\"id\":" + std::to_string(next_id) + ",\"v\":0}");
    }
    if (round == 2) {
      c.exec("UPDATE t SET v = 1 WHERE id = 1");
      expected.push_back(R"(upsert t 1 {"id":1,"v":1})");
    }
    auto tuples = tail_all(db.name(), ckpt);
    INFO("round " << round);
    CHECK(briefs(tuples) == lines_of(expected));
  }
}
