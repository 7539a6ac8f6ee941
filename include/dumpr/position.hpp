// A binlog position and its checkpoint file form: {"file": "...", "position": N, ...}.
#pragma once

#include <cstdint>
#include <string>

#include "dumpr/error.hpp"

namespace dumpr {

struct Position {
  std::string file;            // binlog file name, e.g. "mariadb-bin.000042"
  std::uint64_t position = 0;  // byte offset of the next event to read in that file
  std::string gtid;            // GTID position at that point when the server has GTIDs ("" if none)
  std::uint32_t server_id = 0;  // @@server_id of the server the position belongs to
  std::string server_uuid;      // MySQL @@server_uuid; empty on MariaDB
  std::string flavor;           // "mariadb" or "mysql"
  // The captured tables' definitions in force at this position, as JSON (an object), kept only
  // when the server's binlog does not describe columns itself (binlog_row_metadata != FULL).
  // Opaque here; src/mysql/schema_history reads and writes it.
  std::string tables_json;
  // The online snapshot's progress (tail --snapshot), as JSON (an array): per table, whether it
  // is done, the last key emitted and the key bound fixed at its start. Opaque here;
  // src/snapshot reads and writes it. Empty when no snapshot was ever asked for (and in
  // checkpoints written before it existed).
  std::string snapshot_json;

  bool empty() const { return file.empty(); }
};

// The checkpoint's JSON text (one line, with a trailing newline).
std::string to_checkpoint_json(const Position& pos);

// Parses a checkpoint's text; an Error of kind usage names what is wrong with it.
Result<Position> parse_checkpoint_json(std::string_view text, std::string_view origin);

// Reads a checkpoint file.
Result<Position> read_checkpoint(const std::string& path);

// Writes a checkpoint file atomically: a temp file in the same directory, fsync, rename over the
// old one, fsync of the directory. On any failure the old file is left as it was. A symlink's
// target is what is replaced (in its own directory), keeping the old file's mode and owner.
Status write_checkpoint(const std::string& path, const Position& pos);

}  // namespace dumpr
