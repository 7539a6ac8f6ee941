// Columns of a result set (MYSQL_FIELD) as row::Columns: the load path's half of the type mapping.
#pragma once

#include <mysql.h>

#include <vector>

#include "row/column.hpp"

namespace dumpr::mysql {

row::Column column_from_field(const MYSQL_FIELD& f);

}  // namespace dumpr::mysql
