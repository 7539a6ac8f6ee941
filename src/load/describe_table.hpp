// How `load` describes a table it reads: its columns as a result set shows them, what the
// selection does to each (--exclude-columns, --mask-columns, --bigint-as-string), the id columns,
// the SELECT that reads every column, and the order and key ranges a read can use. Shared by
// load and tail's online snapshot (src/snapshot), so both write the very same bytes for a row.
#pragma once

#include <string>

#include "dumpr/config.hpp"
#include "dumpr/error.hpp"
#include "load/load_table.hpp"
#include "mysql/connection.hpp"
#include "select/table_filter.hpp"
#include "select/value_mask.hpp"

namespace dumpr::load {

// The table db.name as load reads it, described on `conn` (a not_found Error when it does not
// exist, a privilege Error with its GRANT when it cannot be read). `mask` (may be null) must
// outlive the result: its shape points at it.
Result<LoadTable> describe_table(mysql::Connection& conn, const Config& cfg,
                                 const select::TableFilter& filter,
                                 const select::ColumnFilter& column_filter,
                                 const select::ValueMask* mask, const std::string& db,
                                 const std::string& name);

}  // namespace dumpr::load
