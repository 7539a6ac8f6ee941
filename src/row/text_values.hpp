// The load path's decoder: a value as the server's text protocol sends it (character_set_results
// = NULL, so text arrives in the column's own charset; time_zone = '+00:00'; FLOAT columns
// selected as CAST(col AS DOUBLE) so no digits are lost) -> the shared put_* functions.
#pragma once

#include <cstddef>

#include "dumpr/config.hpp"
#include "row/column.hpp"
#include "row/json_out.hpp"

namespace dumpr::row {

// Writes the JSON of one non-NULL value. Returns false when the value had to be repaired
// (invalid text bytes replaced, JSON that did not parse written as a string): the caller warns
// once per column.
bool put_server_text(JsonOut& out, const Column& col, const ValueOptions& opt, const char* s,
                     std::size_t n);

}  // namespace dumpr::row
