// One output tuple, `[op, table, id, content, metadata]`, as the JSON line dumpr writes.
#pragma once

#include <string_view>

namespace dumpr {

// truncate: every row of the table is gone (TRUNCATE TABLE, DROP TABLE, DROP DATABASE).
enum class RowOp { upsert, erase, truncate };

struct RowView {
  RowOp op = RowOp::upsert;
  std::string_view table;
  std::string_view line;  // the tuple's JSON text, no trailing newline
};

}  // namespace dumpr
