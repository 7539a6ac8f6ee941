// A table as `load` reads it: its shape for the tuple builder, the SELECT that reads it, and what
// `--jobs N` needs to cut it into key ranges. Shared by the one-connection path and the workers of
// the parallel one, so both write the very same bytes.
#pragma once

#include <mysql.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dumpr/config.hpp"
#include "dumpr/record.hpp"
#include "row/text_values.hpp"
#include "row/tuple_builder.hpp"

namespace dumpr::load {

struct LoadTable {
  row::TableShape shape;
  std::string database;    // the table's database
  std::string name;        // the table's own name (shape.table may be db.table)
  std::string qualified;   // `db`.`table`
  std::string select_sql;  // SELECT <every column> FROM <db>.<table>, no WHERE, no ORDER BY
  // " ORDER BY <primary key columns>" for InnoDB tables with a whole-column primary key: their
  // clustered index order, so every read gives the same order whatever plan the server picks
  // (a covering secondary index would otherwise reorder a plain scan), and key ranges read one
  // after the other give the same bytes as one read. Empty for other tables.
  std::string order_by;
  // The column whose values can be cut into ranges (the primary key's first column, an integer
  // of an InnoDB table that is not partitioned), or npos.
  std::size_t split_column = static_cast<std::size_t>(-1);
  std::uint64_t estimated_rows = 0;      // table statistics
  std::uint64_t avg_row_length = 0;      // table statistics: bytes a row takes on disk
  std::vector<bool> warned;              // per column: a repaired value already reported
  std::vector<std::string> key_columns;  // the primary key's columns, in key order (may be empty)
  bool key_prefix = false;  // a primary key column is indexed by a prefix (col(10)) only

  bool splittable() const { return split_column != static_cast<std::size_t>(-1); }
  // The whole table, in the order every read of it uses.
  std::string whole_sql() const { return select_sql + order_by; }
};

// One row of the text protocol as its tuple line (no newline), built in `b`; the columns whose
// values were repaired are in b.repaired(). The view is valid until the builder's next row.
// One row of the text protocol into `b` (started here): every column's value through the row
// core; the caller finishes the line (finish(), or take_prefix() for tail's snapshot rows).
inline void fill_row(row::TupleBuilder& b, const LoadTable& t, const ValueOptions& values,
                     MYSQL_ROW cells, const unsigned long* len) {
  b.start(t.shape);
  const std::size_t n = t.shape.columns.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (!cells[i]) {
      b.put_null_value(i);
      continue;
    }
    row::JsonOut& out = b.begin_value(i);
    if (!row::put_server_text(out, t.shape.columns[i], values, cells[i], len[i]))
      b.note_repaired(i);
    b.end_value(i);
  }
}

inline std::string_view row_line(row::TupleBuilder& b, const LoadTable& t,
                                 const ValueOptions& values, MYSQL_ROW cells,
                                 const unsigned long* len) {
  fill_row(b, t, values, cells, len);
  return b.finish(row::Op::upsert, "null");
}

// A load line's parts as a change record (op read): the id and the row within the line that
// row_line() built, `["upsert",table,id,row,null]`. `table_json` is the shape's table_json.
inline void line_record(std::string_view line, std::size_t table_json_size, ChangeRecord& r) {
  constexpr std::size_t kOp = sizeof("[\"upsert\",") - 1;
  constexpr std::size_t kTail = sizeof(",null]") - 1;
  const std::size_t id_begin = kOp + table_json_size + 1;
  // The id is a scalar or an array of scalars: its end is the first comma outside strings and
  // brackets.
  std::size_t i = id_begin;
  int depth = 0;
  bool in_string = false;
  for (; i < line.size(); ++i) {
    const char c = line[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[') {
      ++depth;
    } else if (c == ']') {
      --depth;
    } else if (c == ',' && depth == 0) {
      break;
    }
  }
  r.id = line.substr(id_begin, i - id_begin);
  r.row = line.substr(i + 1, line.size() - kTail - (i + 1));
  r.dumpr_head = line.substr(0, line.size() - kTail + 1);
}

}  // namespace dumpr::load
