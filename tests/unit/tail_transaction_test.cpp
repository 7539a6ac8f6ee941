// The tail's transaction tracker without a server: statements that open, end and mark a
// transaction, GTID positions, savepoints with ROLLBACK TO, and the skipping of tuples read again
// after a reconnect.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "tail/transaction.hpp"

using namespace dumpr;
using namespace dumpr::tail;
using Kind = TxnStatement::Kind;

TEST_CASE("classify_statement: transaction statements, whole words, any case") {
  CHECK(classify_statement("BEGIN").kind == Kind::begin);
  CHECK(classify_statement(" \n\tbegin").kind == Kind::begin);
  CHECK(classify_statement("XA START X'31',X'',1").kind == Kind::xa_start);
  CHECK(classify_statement("BEGINNING").kind == Kind::other);
  CHECK(classify_statement("COMMIT").kind == Kind::commit);
  CHECK(classify_statement("ROLLBACK").kind == Kind::commit);  // ends it too: nothing kept
  CHECK(classify_statement("XA END X'31',X'',1").kind == Kind::xa);
  CHECK(classify_statement("XA COMMIT X'31',X'',1").kind == Kind::xa_commit);
  CHECK(classify_statement("RELEASE SAVEPOINT a").kind == Kind::release);
  CHECK(classify_statement("INSERT INTO t VALUES (1)").kind == Kind::other);
  CHECK(classify_statement("COMMITTED").kind == Kind::other);
  CHECK(classify_statement("").kind == Kind::other);

  auto sp = classify_statement("SAVEPOINT `a b`");
  CHECK(sp.kind == Kind::savepoint);
  CHECK(sp.savepoint == " `a b`");
  // Lower case as a client may write it: the name is still what follows the keyword.
  CHECK(classify_statement("  savepoint s1").savepoint == " s1");
  auto rb = classify_statement("ROLLBACK TO `a b`");
  CHECK(rb.kind == Kind::rollback_to);
  CHECK(rb.savepoint == " `a b`");
  rb = classify_statement("rollback to savepoint s1");
  CHECK(rb.kind == Kind::rollback_to);
  CHECK(rb.savepoint == " s1");
}

TEST_CASE("at_or_after: by offset in the same file, by number across files") {
  Position end;
  end.file = "mariadb-bin.000009";
  end.position = 400;
  CHECK(file_number("mariadb-bin.000012") == 12);
  CHECK(file_number("nodot") == 0);
  CHECK(at_or_after("mariadb-bin.000009", 400, end));
  CHECK(at_or_after("mariadb-bin.000009", 500, end));
  CHECK_FALSE(at_or_after("mariadb-bin.000009", 399, end));
  CHECK(at_or_after("mariadb-bin.000010", 4, end));
  CHECK_FALSE(at_or_after("mariadb-bin.000008", 9999, end));
}

TEST_CASE("TransactionTracker: begin, GTID and commit positions") {
  TransactionTracker t;
  t.gtid_position() = dumpr::binlog::GtidPosition("0-1-4,1-1-7");
  CHECK_FALSE(t.in_txn());
  t.begin("bin.000001", 100);
  t.set_gtid("1-1-8");
  dumpr::binlog::MariaGtidEvent g;
  g.domain_id = 1;
  g.server_id = 1;
  g.seq_no = 8;
  t.gtid_position().begin(g);
  t.begin("bin.000001", 200);  // already open: still the first start
  CHECK(t.in_txn());
  CHECK(t.file() == "bin.000001");
  CHECK(t.start() == 100);
  CHECK_FALSE(t.seen_begin());
  t.set_seen_begin(true);
  CHECK(t.seen_begin());
  t.commit("bin.000001", 300, "{\"tables\":1}");
  CHECK_FALSE(t.in_txn());
  CHECK_FALSE(t.seen_begin());
  CHECK(t.committed().file == "bin.000001");
  CHECK(t.committed().position == 300);
  CHECK(t.committed().gtid == "0-1-4,1-1-8");
  CHECK(t.committed().tables_json == "{\"tables\":1}");

  // The next transaction starts without the last one's GTID; one with none keeps the position.
  t.begin("bin.000002", 4);
  CHECK(t.gtid().empty());
  t.commit("bin.000002", 50, "");
  CHECK(t.committed().gtid == "0-1-4,1-1-8");
  CHECK(t.committed().tables_json.empty());
}

TEST_CASE("TransactionTracker: tuples given out before a reconnect are skipped once") {
  TransactionTracker t;
  t.begin("f", 4);
  for (int i = 0; i < 3; ++i) {
    CHECK_FALSE(t.skip_replayed());
    t.count_released();
  }
  t.start_over();  // lost the server: the transaction comes again from its start
  CHECK_FALSE(t.in_txn());
  CHECK(t.replaying());
  t.begin("f", 4);
  CHECK(t.skip_replayed());
  CHECK(t.skip_replayed());
  // Lost again after two of the three came back: still three to skip, not one.
  t.start_over();
  t.start_over();  // a failed attempt counts nothing new
  t.begin("f", 4);
  CHECK(t.skip_replayed());
  CHECK(t.skip_replayed());
  CHECK(t.skip_replayed());
  CHECK_FALSE(t.replaying());
  CHECK_FALSE(t.skip_replayed());  // the fourth is new
  t.count_released();
  t.commit("f", 80, "");
  CHECK_FALSE(t.replaying());
  t.start_over();  // at a commit: nothing to skip
  CHECK_FALSE(t.replaying());
}

namespace {

// A transaction's buffered tuples with savepoints, the way the stream keeps them: a vector with
// a count, and the tracker's marks into it.
struct Buffer {
  struct Tuple {
    int id;
    bool transactional;
  };
  std::vector<Tuple> items;
  std::size_t count = 0;
  void add(int id, bool transactional) {
    if (count == items.size()) items.emplace_back();
    items[count++] = {id, transactional};
  }
  void rollback_to(TransactionTracker& t, std::string_view name) {
    t.rollback_to(name, [this](std::size_t since) {
      std::size_t keep = since;
      for (std::size_t i = since; i < count; ++i) {
        if (items[i].transactional) continue;
        if (i != keep) std::swap(items[i], items[keep]);
        ++keep;
      }
      count = keep;
      return count;
    });
  }
  std::vector<int> ids() const {
    std::vector<int> v;
    for (std::size_t i = 0; i < count; ++i) v.push_back(items[i].id);
    return v;
  }
};

}  // namespace

TEST_CASE("TransactionTracker: ROLLBACK TO keeps what non-transactional tables got") {
  TransactionTracker t;
  Buffer b;
  t.begin("f", 4);
  t.savepoint(classify_statement("SAVEPOINT `a`").savepoint, b.count);
  CHECK(t.has_savepoints());
  b.add(1, true);
  b.add(2, false);  // a MyISAM table: written whatever happens
  t.savepoint(classify_statement("SAVEPOINT b").savepoint, b.count);
  b.add(3, true);
  b.rollback_to(t, classify_statement("ROLLBACK TO b").savepoint);
  CHECK(b.ids() == std::vector<int>{1, 2});
  b.add(4, true);
  b.rollback_to(t, classify_statement("ROLLBACK TO SAVEPOINT a;").savepoint);  // quotes aside
  CHECK(b.ids() == std::vector<int>{2});
  // b was set after a: gone with the rollback to a.
  b.add(5, true);
  b.rollback_to(t, classify_statement("ROLLBACK TO b").savepoint);
  CHECK(b.ids() == std::vector<int>{2, 5});
  // An unknown name changes nothing.
  b.rollback_to(t, " nosuch");
  CHECK(b.ids() == std::vector<int>{2, 5});
  t.clear_savepoints();
  CHECK_FALSE(t.has_savepoints());
}

TEST_CASE("TransactionTracker: savepoints randomised against a model of undone rows") {
  const unsigned seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  auto pick = [&](unsigned n) { return static_cast<unsigned>(rng() % n); };
  for (int round = 0; round < 300; ++round) {
    TransactionTracker t;
    Buffer b;
    t.begin("f", 4);
    // The model: every row written, in order, with whether it is undone; savepoints as the
    // number of rows written when set.
    struct Row {
      int id;
      bool transactional;
      bool undone = false;
    };
    std::vector<Row> rows;
    std::vector<std::pair<std::string, std::size_t>> points;
    int next_id = 0;
    for (int step = 0; step < 40; ++step) {
      const unsigned what = pick(10);
      if (what < 6) {
        const bool tr = pick(4) != 0;
        b.add(next_id, tr);
        rows.push_back({next_id++, tr});
      } else if (what < 8) {
        const std::string name = "s" + std::to_string(pick(4));
        t.savepoint(classify_statement("SAVEPOINT `" + name + "`").savepoint, b.count);
        points.emplace_back(name, rows.size());
      } else {
        const std::string name = "s" + std::to_string(pick(4));
        b.rollback_to(t, classify_statement("ROLLBACK TO " + name).savepoint);
        for (std::size_t k = points.size(); k-- > 0;) {
          if (points[k].first != name) continue;
          for (std::size_t i = points[k].second; i < rows.size(); ++i)
            if (rows[i].transactional) rows[i].undone = true;
          points.resize(k + 1);
          break;
        }
      }
      std::vector<int> want;
      for (const Row& r : rows)
        if (!r.undone) want.push_back(r.id);
      REQUIRE(b.ids() == want);
      REQUIRE(t.has_savepoints() == !points.empty());
    }
  }
}
