// Applies a DDL statement from the binary log to the recorded table definitions, so a stream that
// is behind the server decodes each row with the definition in force when it was written, not
// the server's current one. Covers the statements that change columns: ALTER TABLE (ADD, DROP,
// CHANGE, MODIFY, RENAME COLUMN, RENAME TO, primary key, CONVERT TO CHARACTER SET), RENAME TABLE,
// DROP TABLE, CREATE TABLE with a column list. Anything it cannot read with certainty is
// reported as `unknown`, and the caller falls back to the server's definition (still checked
// against every table map).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "schema/table_definition.hpp"

namespace dumpr::schema {

struct CollationLookup {
  // Collation id of a collation name, 0 if unknown.
  std::function<std::uint16_t(std::string_view)> by_name;
  // Default collation id of a character set, 0 if unknown.
  std::function<std::uint16_t(std::string_view)> default_of;
  // Default collation id of a database (for CREATE TABLE without a charset), 0 if unknown.
  std::function<std::uint16_t(std::string_view)> database_default;
};

struct DdlEffect {
  enum class Kind {
    none,     // not a statement that changes a recorded table's columns
    applied,  // applied to the definitions; `tables` lists the keys changed, added or removed
    unknown,  // a statement about a recorded table (or a new one) that could not be applied
  };
  Kind kind = Kind::none;
  std::vector<std::string> tables;  // "db.table"
  std::string why;                  // for unknown
};

// `defs` holds the tracked tables ("db.table"). CREATE TABLE adds a table only in `captured_db`
// (or any database when it is empty).
DdlEffect apply_ddl(Definitions& defs, std::string_view sql, std::string_view default_db,
                    std::string_view captured_db, const CollationLookup& collations);

}  // namespace dumpr::schema
