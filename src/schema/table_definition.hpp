// A table's definition as dumpr tracks it between binlog events: columns (names and kinds, as the
// row core needs them), primary key and default collation.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "row/column.hpp"

namespace dumpr::schema {

struct TableDefinition {
  std::vector<row::Column> columns;      // in table order
  std::vector<std::string> primary_key;  // column names in key order
  std::uint16_t default_collation = 0;   // for text columns added without a charset; 0: unknown
  bool exists = false;
};

// "db.table" -> definition.
using Definitions = std::map<std::string, TableDefinition>;

}  // namespace dumpr::schema
