// XA transactions in the binlog (MariaDB 10.5+, MySQL 5.7.7+): at XA PREPARE the transaction's
// rows are logged as an event group of their own (GTID ... XA_PREPARE_LOG_EVENT); its outcome
// comes later, any number of groups after, as a group "XA COMMIT xid" or "XA ROLLBACK xid"
// (MariaDB KB "XA Transactions"; MySQL manual "Restrictions on XA Transactions"). The rows
// exist only if the XA COMMIT comes, so the tail keeps them aside until then:
//
//   - XA PREPARE: the group's rows are kept under its xid, with where the group starts; the
//     checkpoint passes the group and lists it as prepared (Position::prepared_xa).
//   - XA COMMIT: the kept rows are given out as that transaction's, at the commit's position.
//   - XA ROLLBACK: they are dropped.
//   - A tail that starts from a checkpoint listing prepared XAs first reads those groups again
//     (from the oldest, only them: every other event before the checkpoint is passed over),
//     so their rows are at hand when the outcome comes.
//
// Pure (part of dumpr_pure): fed with what the events say; `Rows` is the caller's row storage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dumpr/position.hpp"

namespace dumpr::tail {

// The xid as the server logs it in XA statements, from its parts: X'gtrid',X'bqual',formatID,
// hex in lower case (both servers print it so; sql/xa.cc serialize_xid, MySQL XID::serialize).
std::string xid_text(std::int32_t format_id, std::string_view gtrid, std::string_view bqual);
// The xid of an XA statement's text after its keywords ("X'31',X'',1", or 'a','b',1 as a client
// may write it), in xid_text's form. False if it is not an xid.
bool parse_xid(std::string_view text, std::string& out);

template <class Rows>
class PreparedXas {
 public:
  struct Entry {
    PreparedXa where;
    Rows rows{};
    std::size_t bytes = 0;  // what its rows take, as the caller counts it
    bool loaded = false;    // its rows were read (false: listed by a checkpoint, not read yet)
  };

  // A checkpoint's list: XAs whose rows are to be read again before the checkpoint.
  void restore(const std::vector<PreparedXa>& list) {
    entries_.clear();
    bytes_ = 0;
    for (const PreparedXa& x : list) entries_.push_back(Entry{x, Rows{}, 0, false});
  }

  // Where to read from so that every group not read yet comes: the oldest such (nullptr: none).
  const PreparedXa* reread_from() const {
    const PreparedXa* first = nullptr;
    for (const Entry& e : entries_)
      if (!e.loaded && (!first || before(e.where, *first))) first = &e.where;
    return first;
  }
  // The entry whose group, not read yet, starts at file:pos (nullptr: pass the group over).
  Entry* rereading(std::string_view file, std::uint64_t pos) {
    for (Entry& e : entries_)
      if (!e.loaded && e.where.position == pos && e.where.file == file) return &e;
    return nullptr;
  }
  // Its rows were read: they are the entry's now.
  void loaded(Entry& e, Rows&& rows, std::size_t bytes) {
    e.rows = std::move(rows);
    e.bytes = bytes;
    e.loaded = true;
    bytes_ += bytes;
  }
  // The groups are read again from the start: what was read of them goes (returned to `drop`).
  template <class Drop>
  void unload_all(Drop&& drop) {
    for (Entry& e : entries_) {
      if (!e.loaded) continue;
      drop(e.rows);
      e.loaded = false;
      bytes_ -= e.bytes;
      e.bytes = 0;
    }
  }

  // XA PREPARE of the group at `where`: its rows. An xid listed already (read again from files
  // that hold its XA PREPARE, or a checkpoint's entry) takes the new rows.
  template <class Drop>
  void prepared(PreparedXa where, Rows&& rows, std::size_t bytes, Drop&& drop) {
    std::size_t k = find(where.xid);
    if (k == entries_.size()) {
      entries_.push_back(Entry{std::move(where), Rows{}, 0, false});
    } else {
      if (entries_[k].loaded) drop(entries_[k].rows);
      bytes_ -= entries_[k].bytes;
      entries_[k].where = std::move(where);
    }
    loaded(entries_[k], std::move(rows), bytes);
  }

  enum class Found { no, listed_unread, yes };
  // XA COMMIT or XA ROLLBACK of `xid`: its entry leaves the list, its rows into `out`.
  // `no`: not prepared after the start position; `listed_unread`: listed, its rows not read.
  Found resolve(std::string_view xid, Rows& out) {
    std::size_t k = find(xid);
    if (k == entries_.size()) return Found::no;
    const bool had = entries_[k].loaded;
    if (had) std::swap(out, entries_[k].rows);
    bytes_ -= entries_[k].bytes;
    entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(k));
    return had ? Found::yes : Found::listed_unread;
  }

  // The list a checkpoint keeps, in the order they were prepared.
  void list(std::vector<PreparedXa>& out) const {
    out.clear();
    for (const Entry& e : entries_) out.push_back(e.where);
  }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // What the kept rows take (the bound the caller checks).
  std::size_t bytes() const { return bytes_; }

 private:
  static bool before(const PreparedXa& a, const PreparedXa& b);
  std::size_t find(std::string_view xid) const {
    for (std::size_t k = 0; k < entries_.size(); ++k)
      if (entries_[k].where.xid == xid) return k;
    return entries_.size();
  }

  std::vector<Entry> entries_;
  std::size_t bytes_ = 0;
};

// Whether binlog position a comes before b (by file number, then offset).
bool position_before(const PreparedXa& a, const PreparedXa& b);

template <class Rows>
bool PreparedXas<Rows>::before(const PreparedXa& a, const PreparedXa& b) {
  return position_before(a, b);
}

}  // namespace dumpr::tail
