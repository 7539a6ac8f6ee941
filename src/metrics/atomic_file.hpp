// A file replaced whole: a reader (node_exporter's textfile collector) sees the old content or
// the new, never part of one.
#pragma once

#include <string>
#include <string_view>

#include "dumpr/error.hpp"

namespace dumpr::metrics {

// Writes `text` to a new file beside `path` (PATH.tmp.PID, mode 0644), fsyncs it and renames it
// over `path`, then fsyncs the directory. On failure the temp file is removed and `path` is as
// it was; the Error names the path and the system's reason.
Status write_file_atomically(const std::string& path, std::string_view text);

}  // namespace dumpr::metrics
