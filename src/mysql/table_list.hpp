// The tables a selection can match, as the server lists them (for select::resolve_tables).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "dumpr/error.hpp"
#include "mysql/connection.hpp"
#include "select/table_filter.hpp"

namespace dumpr::mysql {

// Base tables and views of `databases`, or of every database but the server's own
// (information_schema, performance_schema, mysql, sys) when it is empty. Names as the server
// stores them; a system-versioned table (MariaDB) is a base table.
Result<std::vector<select::ListedTable>> list_tables(Connection& c,
                                                     const std::vector<std::string>& databases);

// tail --tables: each literal name must be a base table the user can see, spelled byte for byte
// as the binary log names it (case included), unless it may be created later (allow_missing).
// A name no table can have is refused even then: it would never match.
Status check_selected_tables(Connection& c, const select::TableFilter& filter, bool allow_missing);

// --exclude-columns naming an id column of a captured table (of those there now): refused at the
// start, as load refuses it, rather than at the table's first row. `id_columns` is Config's.
Status check_excluded_ids(Connection& c, const select::TableFilter& filter,
                          const select::ColumnFilter& columns,
                          const std::map<std::string, std::vector<std::string>>& id_columns);

}  // namespace dumpr::mysql
