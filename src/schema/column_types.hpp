// SQL type names to the row core's kinds: one mapping for information_schema's DATA_TYPE and
// for the types written in DDL statements.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "row/column.hpp"

namespace dumpr::schema {

// The kind of a column of type `type` (lower case, without arguments), or nullopt for a type
// dumpr does not know. Character types are text, or binary in the binary charset (collation 63);
// FLOAT(p) with p > 24 is a DOUBLE, which the caller tells with `float_precision`.
std::optional<row::Kind> kind_of_type(std::string_view type, bool is_unsigned,
                                      std::uint16_t collation, unsigned float_precision = 0);

}  // namespace dumpr::schema
