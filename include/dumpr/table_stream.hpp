// create-table-stream: a consistent snapshot of tables as change records (op read), and the
// binlog position at which that snapshot is consistent (next-position). dumpr/pipeline.hpp runs
// it into a format and a sink and writes the checkpoint; this is the stream alone:
//
//   auto s = dumpr::TableStream::open(cfg, {"people", "addresses"}, {.jobs = 4});
//   while (true) { auto r = s->next(); if (!r) fail(r.error()); if (!*r) break; use(**r); }
//   write_checkpoint(path, s->position());
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dumpr/config.hpp"
#include "dumpr/error.hpp"
#include "dumpr/position.hpp"
#include "dumpr/record.hpp"

namespace dumpr {

struct LoadProgress {
  std::size_t table_index = 0;  // which of the tables is being read
  std::string table;
  std::uint64_t rows = 0;                  // rows of this table so far
  std::uint64_t total_rows = 0;            // rows of all tables so far
  std::uint64_t estimated_rows = 0;        // this table's row estimate (table statistics)
  std::size_t table_count = 0;             // how many tables the load reads
  std::uint64_t estimated_total_rows = 0;  // every table's row estimate, summed
};

struct LoadOptions {
  // Connections that read the tables in parallel, all inside one snapshot (1 to 64). With more
  // than one, a table whose primary key starts with an integer column (InnoDB, not partitioned)
  // is read as key ranges, other tables whole, side by side; the output is the same bytes as
  // with one connection. Sharing the snapshot takes a brief lock that holds commits while the
  // connections open it (MariaDB 10.4+: BACKUP STAGE BLOCK_COMMIT, else FLUSH TABLES WITH READ
  // LOCK; RELOAD privilege; 3 s lock_wait_timeout). When it is refused or not granted in time,
  // the load uses one connection and says why through cfg.on_warning.
  unsigned jobs = 1;
  // Whether the caller needs position() (to write a checkpoint for tail). Without it, a server
  // whose binary log is off or not in ROW format gives a plain consistent snapshot, as
  // mariadb-dump would, with one warning through cfg.on_warning, and position() is empty.
  bool need_position = true;
};

class TableStream {
 public:
  // Connects, checks the server's binlog settings, resolves the tables (in cfg.database) and
  // their ids, and opens one consistent snapshot whose binlog position is position().
  static Result<TableStream> open(const Config& cfg, std::vector<std::string> tables,
                                  const LoadOptions& options = {});

  TableStream(TableStream&&) noexcept;
  TableStream& operator=(TableStream&&) noexcept;
  ~TableStream();

  // The next row, or nullptr once every table has been read. The record is valid until the next
  // call. Tables come in the order given; rows of an InnoDB table in primary-key order, of other
  // tables in the server's order.
  Result<const ChangeRecord*> next();

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
