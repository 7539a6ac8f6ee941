// binlog-position and valid-binlog-pos?: where the server's binary log is now, and whether it
// still serves a position.
#pragma once

#include "dumpr/config.hpp"
#include "dumpr/error.hpp"
#include "dumpr/position.hpp"

namespace dumpr {

// The server's current binlog position (also a connection and settings check).
Result<Position> binlog_position(const Config& cfg);

// OK when the server still serves `pos`; an Error of kind `position` says why it does not (file
// purged, offset past the end or not on an event boundary, another server). Any other kind means
// the check itself could not be made.
Status validate_position(const Config& cfg, const Position& pos);

}  // namespace dumpr
