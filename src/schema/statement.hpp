// What a statement in the binary log does to tables' rows, beyond DDL's effect on definitions:
// TRUNCATE and DROP empty tables, and DML logged as a statement (binlog_format=STATEMENT or MIXED
// in some session) changes rows that no row event will ever show.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dumpr::schema {

struct StatementEffect {
  enum class Kind {
    other,          // no effect on rows (DDL that keeps rows, SET, BEGIN, ...)
    truncate,       // TRUNCATE TABLE: `tables` are emptied
    drop,           // DROP TABLE (not TEMPORARY): `tables` are gone
    drop_database,  // DROP DATABASE/SCHEMA: `database` is gone with every table in it
    dml,            // INSERT, REPLACE, UPDATE, DELETE, LOAD DATA logged as a statement
  };
  Kind kind = Kind::other;
  // truncate/drop: the tables named; dml: the tables it may change (every table named in a
  // table position: targets and, for multi-table statements, their sources too).
  std::vector<std::pair<std::string, std::string>> tables;  // database, table
  std::string database;                                     // drop_database
  // dml: the statement could not be read well enough to list its tables; treat every table of
  // the default database as possibly changed.
  bool tables_unknown = false;
};

// `default_db` is the QUERY event's current database (for unqualified names).
StatementEffect statement_effect(std::string_view sql, std::string_view default_db);

}  // namespace dumpr::schema
