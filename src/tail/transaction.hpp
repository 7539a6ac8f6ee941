// The tail's transaction tracker: where the transaction in progress started, its GTID, the
// savepoints it set, how many of its tuples were given out (and after a reconnect, how many of
// them to skip because they were given out before), and the last commit: the position a
// checkpoint stores. Pure (part of dumpr_pure): fed with what the events say, no server.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "binlog/gtid_set.hpp"
#include "dumpr/position.hpp"

namespace dumpr::tail {

// Whether `q` starts, after blanks, with the upper-case `word` (compared case-insensitively) as
// a whole word.
bool starts_with_word(std::string_view q, std::string_view word);

// What a QUERY event's text means to the transaction (BEGIN, COMMIT, savepoints and XA are
// logged as text), and the savepoint it names.
struct TxnStatement {
  // xa_start opens a transaction as begin does (MySQL logs it at the head of an XA PREPARE
  // group; MariaDB flags the group's GTID instead); xa_commit and xa_rollback end a prepared XA
  // (tail/prepared_xa.hpp); xa: other XA bookkeeping (XA END).
  enum class Kind {
    other,
    begin,
    savepoint,
    rollback_to,
    release,
    commit,
    xa,
    xa_start,
    xa_commit,
    xa_rollback
  };
  Kind kind = Kind::other;
  std::string_view savepoint;  // savepoint, rollback_to: the name, as written (maybe quoted)
  std::string_view xid;        // xa_*: the text after the keywords (tail::parse_xid reads it)
};
TxnStatement classify_statement(std::string_view query);

// "mariadb-bin.000012" -> 12, for ordering files.
std::uint64_t file_number(const std::string& file);
// Whether file:pos is at or after `target` (the --until-end stop).
bool at_or_after(const std::string& file, std::uint64_t pos, const Position& target);

class TransactionTracker {
 public:
  // The last commit: where a consumer that applied everything so far resumes.
  const Position& committed() const { return committed_; }
  Position& committed() { return committed_; }

  bool in_txn() const { return in_txn_; }
  // Whether the transaction was opened by a BEGIN (or what stands for one): a DDL statement
  // inside it does not commit it.
  bool seen_begin() const { return seen_begin_; }
  // Where the transaction in progress started: every tuple of it but the last restarts here.
  const std::string& file() const { return file_; }
  std::uint64_t start() const { return start_; }
  const std::string& gtid() const { return gtid_; }

  // Opens a transaction at file:event_start unless one is open.
  void begin(const std::string& file, std::uint64_t event_start);
  // Whether a BEGIN (or XA START, or a MariaDB GTID that is not standalone) opened it.
  void set_seen_begin(bool seen) { seen_begin_ = seen; }
  void set_gtid(std::string_view gtid) { gtid_.assign(gtid); }

  // Savepoints: each remembers a caller's mark (the count of tuples buffered when it was set).
  void savepoint(std::string_view name, std::size_t mark) { savepoints_.emplace_back(name, mark); }
  bool has_savepoints() const { return !savepoints_.empty(); }
  void clear_savepoints() { savepoints_.clear(); }
  // ROLLBACK TO `name`: the newest savepoint of that name (quotes and blanks aside) and those
  // before it stay, later ones go. `keep_since(mark)` drops what was buffered since the
  // savepoint's mark and returns the new count, which becomes its mark. False: no such savepoint.
  template <class KeepSince>
  bool rollback_to(std::string_view name, KeepSince&& keep_since) {
    const std::size_t k = find_savepoint(name);
    if (k == savepoints_.size()) return false;
    savepoints_.resize(k + 1);
    savepoints_[k].second = keep_since(savepoints_[k].second);
    return true;
  }

  // A tuple of this transaction was given out.
  void count_released() { ++released_; }
  // After a reconnect the transaction is read again from its start: true (and counted as given
  // out) for each tuple that was already given out before, which the caller skips.
  bool skip_replayed() {
    if (skip_ == 0) return false;
    --skip_;
    ++released_;
    return true;
  }
  bool replaying() const { return skip_ > 0; }
  // The stream restarts at committed(): the transaction in progress is forgotten, and the tuples
  // it gave out are skipped when they come again.
  void start_over();

  // The checkpoint's GTID position (a MySQL GTID set or a MariaDB position), fed with each
  // transaction's GTID event and MySQL's PREVIOUS_GTIDS.
  binlog::GtidPosition& gtid_position() { return gtid_position_; }

  // The transaction ends at file:pos: that is the new commit position (with `tables_json`, and
  // the transaction's GTID added to the GTID position).
  void commit(const std::string& file, std::uint64_t pos, const std::string& tables_json);

 private:
  std::size_t find_savepoint(std::string_view name) const;

  Position committed_;
  binlog::GtidPosition gtid_position_;
  bool in_txn_ = false, seen_begin_ = false;
  std::string file_;
  std::uint64_t start_ = 0;
  std::string gtid_;
  std::uint64_t released_ = 0;  // tuples of this transaction given to the consumer
  std::uint64_t skip_ = 0;      // after a reconnect: tuples already given, to skip
  std::vector<std::pair<std::string, std::size_t>> savepoints_;  // name, mark
};

}  // namespace dumpr::tail
