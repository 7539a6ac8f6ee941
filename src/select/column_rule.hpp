// What happens to one column's value beyond its kind's JSON (--exclude-columns, --mask-columns,
// --bigint-as-string), decided once per table by select::ColumnFilter.
#pragma once

#include <cstdint>

namespace dumpr::select {

enum class ColumnRule : std::uint8_t {
  keep,
  exclude,  // not in the tuple: load does not select it, tail skips its bytes unwritten
  mask,     // HMAC-SHA256 hex of the value's output text (select/value_mask.hpp)
  quote,    // a BIGINT's digits as a JSON string
};

class ValueMask;

}  // namespace dumpr::select
