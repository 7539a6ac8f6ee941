// How far a position is behind the server's binary log, in bytes, from the server's list of
// binlog files and their sizes (SHOW BINARY LOGS, whose last file is the one being written).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dumpr::metrics {

struct BinlogFileSize {
  std::string name;
  std::uint64_t size = 0;
};

// The rest of `file` after `position` plus every later file; empty when `file` is not in
// `files` (purged, or another server's). A position past a file's listed size counts as 0 there.
std::optional<std::uint64_t> bytes_behind(const std::vector<BinlogFileSize>& files,
                                          const std::string& file, std::uint64_t position);

}  // namespace dumpr::metrics
