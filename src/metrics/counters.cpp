#include "metrics/counters.hpp"

namespace dumpr::metrics {

TableCounts& RowCounters::slot(std::string_view database, std::string_view table) {
  key_.assign(database);
  key_.push_back('\0');
  key_.append(table);
  auto it = index_.find(key_);
  if (it != index_.end()) return *it->second;
  TableCounts& t = tables_.emplace_back();
  t.database.assign(database);
  t.table.assign(table);
  index_.emplace(key_, &t);
  return t;
}

std::array<std::uint64_t, kOps> RowCounters::rows_by_op() const {
  std::array<std::uint64_t, kOps> r{};
  for (const TableCounts& t : tables_)
    for (std::size_t i = 0; i < kOps; ++i) r[i] += t.rows[i];
  return r;
}

std::uint64_t RowCounters::rows() const {
  std::uint64_t n = 0;
  for (const TableCounts& t : tables_)
    for (std::uint64_t v : t.rows) n += v;
  return n;
}

std::uint64_t RowCounters::bytes() const {
  std::uint64_t n = 0;
  for (const TableCounts& t : tables_)
    for (std::uint64_t v : t.bytes) n += v;
  return n;
}

}  // namespace dumpr::metrics
