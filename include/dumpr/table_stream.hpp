// create-table-stream: a consistent snapshot of tables as upsert tuples, and the binlog position
// at which that snapshot is consistent (next-position).
//
//   auto s = dumpr::TableStream::open(cfg, {"people", "addresses"});
//   while (true) { auto r = s->next(); if (!r) fail(r.error()); if (!*r) break; use((*r)->line); }
//   write_checkpoint(path, s->position());
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dumpr/config.hpp"
#include "dumpr/error.hpp"
#include "dumpr/position.hpp"
#include "dumpr/row.hpp"

namespace dumpr {

struct LoadProgress {
  std::size_t table_index = 0;  // which of the tables is being read
  std::string table;
  std::uint64_t rows = 0;            // rows of this table so far
  std::uint64_t total_rows = 0;      // rows of all tables so far
  std::uint64_t estimated_rows = 0;  // this table's row estimate (table statistics)
};

class TableStream {
 public:
  // Connects, checks the server's binlog settings, resolves the tables (in cfg.database) and
  // their ids, and opens one consistent snapshot whose binlog position is position().
  static Result<TableStream> open(const Config& cfg, std::vector<std::string> tables);

  TableStream(TableStream&&) noexcept;
  TableStream& operator=(TableStream&&) noexcept;
  ~TableStream();

  // The next row, or nullptr once every table has been read. The view is valid until the next
  // call. Tables come in the order given; rows in the server's order.
  Result<const RowView*> next();

  // The binlog position of the snapshot: replaying the binlog from here after applying every
  // row gives the tables' later contents.
  const Position& position() const;

  LoadProgress progress() const;

  struct Impl;

 private:
  explicit TableStream(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dumpr
