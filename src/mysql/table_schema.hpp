// A table's definition as the server's information_schema describes it now: column names and
// kinds (including what a binlog table map cannot say: MariaDB's JSON is a LONGTEXT with a
// json_valid CHECK, UUID/INET are binary strings) and the primary key.
#pragma once

#include <string>
#include <vector>

#include "dumpr/error.hpp"
#include "mysql/connection.hpp"
#include "row/column.hpp"
#include "schema/table_definition.hpp"

namespace dumpr::mysql {

using schema::TableDefinition;

Result<TableDefinition> describe_table(Connection& c, const std::string& db,
                                       const std::string& table);

// ENUM/SET members from a COLUMN_TYPE such as "enum('a','it''s')".
std::vector<std::string> parse_members(std::string_view column_type);

}  // namespace dumpr::mysql
