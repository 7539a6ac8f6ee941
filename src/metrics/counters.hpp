// Rows and bytes written, by table and operation: the figures behind the metrics file and the
// end-of-run summary. Counting is on the per-record path, so a record of the same table as the
// one before costs two short string compares and two additions; only a change of table looks the
// table up (a hash of its name), and only a table seen for the first time allocates.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "dumpr/record.hpp"

namespace dumpr::metrics {

inline constexpr std::size_t kOps = 5;  // ChangeOp's values

struct TableCounts {
  std::string database, table;
  std::array<std::uint64_t, kOps> rows{};   // by ChangeOp
  std::array<std::uint64_t, kOps> bytes{};  // the records' bytes as the format rendered them
};

class RowCounters {
 public:
  void add(std::string_view database, std::string_view table, ChangeOp op, std::uint64_t bytes) {
    if (last_ == nullptr || table != last_->table || database != last_->database)
      last_ = &slot(database, table);
    const auto i = static_cast<std::size_t>(op);
    ++last_->rows[i];
    last_->bytes[i] += bytes;
  }

  // In the order first seen.
  const std::deque<TableCounts>& tables() const { return tables_; }
  std::array<std::uint64_t, kOps> rows_by_op() const;
  std::uint64_t rows() const;
  std::uint64_t bytes() const;

 private:
  TableCounts& slot(std::string_view database, std::string_view table);

  std::deque<TableCounts> tables_;  // a deque: last_ and the index stay valid as it grows
  std::unordered_map<std::string, TableCounts*> index_;  // database '\0' table
  std::string key_;                                      // reused for lookups
  TableCounts* last_ = nullptr;
};

}  // namespace dumpr::metrics
