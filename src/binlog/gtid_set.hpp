// MySQL GTID sets: the executed set a checkpoint keeps, in MySQL's text form and in the binary
// form of PREVIOUS_GTIDS_LOG_EVENT and COM_BINLOG_DUMP_GTID.
//
// Text (sql/rpl_gtid_set.cc Gtid_set::to_string, MySQL 8.4+ with tags):
//   "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7:mytag:1-3,4a2c...:1-9"
// one entry per UUID, sorted; after the UUID its untagged intervals, then each tag (sorted, in
// lower case) followed by its intervals. An interval is "N" or "N-M", inclusive.
//
// Binary (Gtid_set::encode; libs/mysql/gtid): n 8 bytes little-endian, then n entries of UUID 16
// bytes, [tag: mysql::serialization varlen length + bytes], interval count 8, and per interval
// start 8 and end 8 (end exclusive). Untagged format: n is the entry count, no tag field. Tagged
// format (MySQL 8.3+, used when any tag is present): the first 8 bytes are
// (1 << 56) | (count << 8) | 1, and every (UUID, tag) pair is an entry, the untagged one with an
// empty tag.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "binlog/events.hpp"
#include "binlog/reader.hpp"
#include "dumpr/error.hpp"

namespace dumpr::binlog {

using Uuid = std::array<std::uint8_t, 16>;

class GtidSet {
 public:
  struct Interval {
    std::int64_t first = 0, last = 0;  // inclusive
  };

  // MySQL's text form; a usage Error names what is wrong with it.
  static Result<GtidSet> parse(std::string_view text);
  // The binary form (a PREVIOUS_GTIDS event's body, without checksum); a corrupt Error when the
  // bytes are not one.
  static Result<GtidSet> decode(Bytes bytes);

  // Adds one GTID (a transaction's, at its commit). Transactions mostly come in order: the
  // newest interval of its (UUID, tag) grows in place, with no allocation.
  void add(const Uuid& uuid, std::string_view tag, std::int64_t gno);
  // Adds every GTID of `other`.
  void add(const GtidSet& other);
  bool contains(const Uuid& uuid, std::string_view tag, std::int64_t gno) const;
  bool empty() const { return sets_.empty(); }
  bool has_tags() const;
  bool operator==(const GtidSet& o) const;

  // MySQL's canonical text (as @@gtid_executed prints it, without the newlines), written into
  // `out`, whose buffer is reused.
  void write_text(std::string& out) const;
  std::string to_string() const {
    std::string s;
    write_text(s);
    return s;
  }
  // The binary form, as COM_BINLOG_DUMP_GTID sends it: the untagged format unless a tag is
  // present (a server before 8.3 knows only that one).
  std::string encode() const;

 private:
  using Key = std::pair<Uuid, std::string>;  // tag "" for untagged GTIDs
  // Also compares (Uuid, string_view) keys: a transaction's GTID is looked up without a string.
  struct KeyLess {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      if (a.first != b.first) return a.first < b.first;
      return std::string_view(a.second) < std::string_view(b.second);
    }
  };
  std::map<Key, std::vector<Interval>, KeyLess> sets_;
  void add_interval(std::vector<Interval>& v, Interval iv);
};

// A MariaDB GTID position ("0-1-5,1-2-9": the last GTID of each domain) as domain -> sequence
// number; a usage Error naming the part that is not domain-server-seq, or a domain given twice.
Result<std::map<std::uint32_t, std::uint64_t>> parse_maria_position(std::string_view text);

// Whether a MariaDB server can send everything after `pos` when its oldest binlog file starts at
// the GTID position `oldest_start` and its binlog ends at `server_end`: "" when it can, else why
// not (the domains whose transactions are gone, or that `pos` has beyond the server's history).
std::string maria_position_gap(const std::map<std::uint32_t, std::uint64_t>& pos,
                               const std::map<std::uint32_t, std::uint64_t>& oldest_start,
                               const std::map<std::uint32_t, std::uint64_t>& server_end);

// "3e11fa47-71ca-11e1-9e33-c80aa9429562" (as MySQL prints a UUID).
std::string uuid_text(const Uuid& u);

// The GTID part of a checkpoint, kept up to date transaction by transaction: on MySQL the
// executed GTID set (every GTID before the position), on MariaDB the GTID position (the last
// GTID of each domain). The flavour is the GTID events': a stream has one kind only.
//
// MySQL: starting from a checkpoint without a GTID set, the set is unknown (nothing is written)
// until a file's PREVIOUS_GTIDS event (at its start: every GTID before that file) is read; the
// transactions seen before it are kept and added to it. MariaDB: each committed GTID replaces its
// domain's; a position started empty holds the domains seen since.
class GtidPosition {
 public:
  // From a checkpoint's "gtid" ("" when it has none).
  explicit GtidPosition(std::string start = {}) : text_(std::move(start)) {}

  void begin(const MysqlGtidEvent& g);  // a transaction's GTID event (anonymous: no GTID)
  void begin(const MariaGtidEvent& g);
  // MySQL PREVIOUS_GTIDS at the start of a file; a corrupt Error when its body is not a set.
  Status file_start(const PreviousGtidsEvent& e);
  // The transaction begun last committed: true when the position moved (then write() it).
  bool commit();
  // The position as a checkpoint's "gtid" ("" while unknown), into `out`, whose buffer is reused.
  void write(std::string& out) const;

 private:
  enum class Kind { unknown, mysql, mariadb };
  void become_mysql();
  Kind kind_ = Kind::unknown;
  std::string text_;  // the start text until the kind is known; MariaDB: the position
  GtidSet set_;       // MySQL
  bool set_known_ = false;
  bool pending_ = false;  // a begun transaction's GTID not yet committed
  Uuid uuid_{};
  std::string tag_;
  std::int64_t gno_ = 0;
  std::string maria_gtid_;  // "domain-server-seq"
};

}  // namespace dumpr::binlog
