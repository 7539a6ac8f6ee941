// XA transactions without a server: xids as the server logs them, and the prepared XAs' rows kept
// until their outcome, across restarts from a checkpoint, randomised against a model.
#include <doctest/doctest.h>

#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "tail/prepared_xa.hpp"
#include "tail/transaction.hpp"

using namespace dumpr;
using namespace dumpr::tail;
using Kind = TxnStatement::Kind;

TEST_CASE("xid_text and parse_xid: the server's form, and what a client may write") {
  CHECK(xid_text(1, "x1", "") == "X'7831',X'',1");
  CHECK(xid_text(-3, std::string_view("\0\xff", 2), "b") == "X'00ff',X'62',-3");
  std::string x;
  REQUIRE(parse_xid(" X'7831',X'',1", x));
  CHECK(x == "X'7831',X'',1");
  REQUIRE(parse_xid("X'4A4b',X'00',7 ONE PHASE", x));  // hex in any case
  CHECK(x == "X'4a4b',X'00',7");
  REQUIRE(parse_xid("'x1'", x));  // gtrid only: bqual empty, formatID 1
  CHECK(x == "X'7831',X'',1");
  REQUIRE(parse_xid("'a''b' , 'c', 5;", x));
  CHECK(x == xid_text(5, "a'b", "c"));
  REQUIRE(parse_xid("'a\\'b'", x));
  CHECK(x == xid_text(1, "a'b", ""));
  x = "unchanged";
  CHECK_FALSE(parse_xid("X'783'", x));  // odd number of digits
  CHECK_FALSE(parse_xid("X'78zz'", x));
  CHECK_FALSE(parse_xid("x1", x));  // not a literal
  CHECK_FALSE(parse_xid("'open", x));
  CHECK_FALSE(parse_xid("'a',", x));
  CHECK_FALSE(parse_xid("'a','b',", x));
  CHECK_FALSE(parse_xid("'a' + 1", x));
  CHECK(x == "unchanged");
}

TEST_CASE("classify_statement: XA statements and their xid") {
  auto s = classify_statement("XA START X'31',X'',1");
  CHECK(s.kind == Kind::xa_start);
  s = classify_statement("xa commit X'31',X'',1");
  CHECK(s.kind == Kind::xa_commit);
  std::string x;
  REQUIRE(parse_xid(s.xid, x));
  CHECK(x == "X'31',X'',1");
  s = classify_statement("XA ROLLBACK X'32',X'',1");
  CHECK(s.kind == Kind::xa_rollback);
  REQUIRE(parse_xid(s.xid, x));
  CHECK(x == "X'32',X'',1");
  CHECK(classify_statement("XA END X'31',X'',1").kind == Kind::xa);
  CHECK(classify_statement("XA PREPARE X'31',X'',1").kind == Kind::xa);
  CHECK(classify_statement("XA COMMITTED").kind == Kind::xa);  // a whole word only
  CHECK(classify_statement("ROLLBACK").kind == Kind::commit);  // not an XA's
}

namespace {

using Rows = std::vector<int>;
auto no_drop = [](Rows&) {};

PreparedXa at(const std::string& xid, int group) {
  // Seven groups a file, 100 bytes each: positions that cross files.
  return PreparedXa{xid, "bin.00000" + std::to_string(1 + group / 7),
                    static_cast<std::uint64_t>(4 + (group % 7) * 100)};
}

}  // namespace

TEST_CASE("PreparedXas: prepare, commit, rollback, and what a checkpoint lists") {
  PreparedXas<Rows> xas;
  xas.prepared(at("a", 0), Rows{1, 2}, 2, no_drop);
  xas.prepared(at("b", 3), Rows{3}, 1, no_drop);
  CHECK(xas.bytes() == 3);
  std::vector<PreparedXa> list;
  xas.list(list);
  REQUIRE(list.size() == 2);
  CHECK(list[0].xid == "a");
  CHECK(list[1].position == 304);
  Rows out;
  CHECK(xas.resolve("zz", out) == PreparedXas<Rows>::Found::no);
  CHECK(xas.resolve("b", out) == PreparedXas<Rows>::Found::yes);
  CHECK(out == Rows{3});
  CHECK(xas.bytes() == 2);
  // From a checkpoint: listed, not read; the oldest not read is where reading starts.
  PreparedXas<Rows> again;
  again.restore({at("c", 9), at("a", 0)});
  REQUIRE(again.reread_from());
  CHECK(again.reread_from()->xid == "a");
  CHECK(again.rereading("bin.000001", 5) == nullptr);
  auto* e = again.rereading("bin.000001", 4);
  REQUIRE(e);
  again.loaded(*e, Rows{1, 2}, 2);
  CHECK(again.reread_from()->xid == "c");
  CHECK(again.rereading("bin.000001", 4) == nullptr);  // read already
  Rows got;
  CHECK(again.resolve("c", got) == PreparedXas<Rows>::Found::listed_unread);
  CHECK(again.resolve("a", got) == PreparedXas<Rows>::Found::yes);
  CHECK(got == Rows{1, 2});
  CHECK(again.empty());
  CHECK(again.bytes() == 0);
}

// A binlog of groups: ordinary transactions (one phase XA among them), XA PREPARE groups, and
// XA COMMIT / ROLLBACK groups, interleaved. A tail built like the stream's (tail/binlog_stream:
// keep at prepare, give out at commit, drop at rollback, checkpoint after every group with the
// prepared list; a restart reads the listed groups again from the oldest, then goes on from the
// checkpoint) is stopped at random groups, and sometimes loses its connection while reading
// again. What it gives out, run after run, must be exactly the model's: each row once, at its
// transaction's commit, rolled back rows never.
TEST_CASE("PreparedXas: restarts while XAs are prepared, randomised against a model") {
  const unsigned seed = std::random_device{}();
  std::mt19937 rng(seed);
  INFO("seed " << seed);
  for (int round = 0; round < 300; ++round) {
    struct Group {
      enum { plain, prepare, commit, rollback } kind;
      std::string xid;
      Rows rows;
    };
    std::vector<Group> log;
    std::vector<int> model;
    std::map<std::string, Rows> open;  // the model's prepared XAs
    int next_row = 0, next_xid = 0;
    const int n = 5 + static_cast<int>(rng() % 40);
    for (int g = 0; g < n; ++g) {
      Rows rows;
      for (int k = static_cast<int>(rng() % 4); k > 0; --k) rows.push_back(next_row++);
      const unsigned pick = rng() % 10;
      if (pick < 3 || (pick < 6 && open.size() >= 4)) {
        log.push_back({Group::plain, "", rows});
        model.insert(model.end(), rows.begin(), rows.end());
      } else if (pick < 6 || open.empty()) {
        std::string xid = "x" + std::to_string(next_xid++);
        open[xid] = rows;
        log.push_back({Group::prepare, xid, rows});
      } else {
        auto it = open.begin();
        std::advance(it, static_cast<long>(rng() % open.size()));
        const bool commit = rng() % 3 != 0;
        log.push_back({commit ? Group::commit : Group::rollback, it->first, {}});
        if (commit) model.insert(model.end(), it->second.begin(), it->second.end());
        open.erase(it);
      }
    }
    INFO("round " << round << ", " << n << " groups");

    // The tail, run after run from its checkpoint.
    std::vector<int> delivered;
    std::vector<PreparedXa> checkpoint_list;
    int checkpoint = 0;  // the group to resume at
    int runs = 0;
    while (checkpoint < n) {
      REQUIRE(++runs < 1000);
      PreparedXas<Rows> xas;
      xas.restore(checkpoint_list);
      // Read the listed groups again; a lost connection starts that over.
      while (const PreparedXa* from = xas.reread_from()) {
        int g = 0;
        while (at("", g).file != from->file || at("", g).position != from->position) ++g;
        bool lost = false;
        for (; g < checkpoint; ++g) {
          if (rng() % 20 == 0) {
            lost = true;
            break;
          }
          const PreparedXa p = at("", g);
          auto* e = xas.rereading(p.file, p.position);
          if (!e) continue;  // passed over
          REQUIRE(log[static_cast<std::size_t>(g)].kind == Group::prepare);
          REQUIRE(e->where.xid == log[static_cast<std::size_t>(g)].xid);
          Rows r = log[static_cast<std::size_t>(g)].rows;
          const std::size_t b = r.size();
          xas.loaded(*e, std::move(r), b);
        }
        if (lost) {
          xas.unload_all([](Rows& r) { r.clear(); });
          continue;
        }
        REQUIRE(xas.reread_from() == nullptr);  // every listed group was found
      }
      // From the checkpoint, until a stop at a random group.
      const int stop =
          checkpoint + static_cast<int>(rng() % static_cast<unsigned>(n - checkpoint + 1));
      for (int g = checkpoint; g < stop; ++g) {
        const Group& gr = log[static_cast<std::size_t>(g)];
        Rows out;
        switch (gr.kind) {
          case Group::plain:
            delivered.insert(delivered.end(), gr.rows.begin(), gr.rows.end());
            break;
          case Group::prepare: {
            Rows r = gr.rows;
            const std::size_t b = r.size();
            xas.prepared(at(gr.xid, g), std::move(r), b, no_drop);
            break;
          }
          case Group::commit:
            REQUIRE(xas.resolve(gr.xid, out) == PreparedXas<Rows>::Found::yes);
            delivered.insert(delivered.end(), out.begin(), out.end());
            break;
          case Group::rollback:
            REQUIRE(xas.resolve(gr.xid, out) == PreparedXas<Rows>::Found::yes);
            break;
        }
        // The checkpoint after each group: the position and the prepared list.
        checkpoint = g + 1;
        xas.list(checkpoint_list);
        std::size_t bytes = 0;
        for (const PreparedXa& p : checkpoint_list) {
          Rows r;
          for (const Group& h : log)
            if (h.kind == Group::prepare && h.xid == p.xid) r = h.rows;
          bytes += r.size();
        }
        REQUIRE(xas.bytes() == bytes);
      }
    }
    CHECK(delivered == model);
    if (delivered != model) break;
  }
}

TEST_CASE("checkpoint JSON: xa_prepared round-trips, a bad entry is refused") {
  Position p;
  p.file = "bin.000003";
  p.position = 900;
  p.prepared_xa = {at("X'7831',X'',1", 0), at("X'00',X'ff',-2", 8)};
  const std::string text = to_checkpoint_json(p);
  CHECK(text.find("\"xa_prepared\":[{\"xid\":\"X'7831',X'',1\",\"file\":\"bin.000001\","
                  "\"position\":4}") != std::string::npos);
  auto back = parse_checkpoint_json(text, "test");
  REQUIRE(back);
  REQUIRE(back->prepared_xa.size() == 2);
  CHECK(back->prepared_xa[1].xid == "X'00',X'ff',-2");
  CHECK(back->prepared_xa[1].file == "bin.000002");
  CHECK(back->prepared_xa[1].position == 104);
  // None prepared: no key at all (checkpoints stay as they were).
  p.prepared_xa.clear();
  CHECK(to_checkpoint_json(p).find("xa_prepared") == std::string::npos);
  auto bad = parse_checkpoint_json(
      R"({"file":"bin.000001","position":4,"xa_prepared":[{"xid":"X'31',X'',1","file":"b"}]})",
      "checkpoint c.json");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == ErrorKind::usage);
  CHECK(bad.error().message.find("xa_prepared") != std::string::npos);
}
