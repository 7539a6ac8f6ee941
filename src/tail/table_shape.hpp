// The pure half of the tail's schema tracker (part of dumpr_pure, no server): how a TABLE_MAP and
// the table's definition (recorded, or the server's) become the output shape a table's rows are
// decoded into, and the bookkeeping of definitions that needs no server.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "binlog/rows.hpp"
#include "binlog/table_map.hpp"
#include "row/column.hpp"
#include "row/tuple_builder.hpp"
#include "schema/table_definition.hpp"

namespace dumpr::tail {

// Per TABLE_MAP: the output shape and the decode plan, built on the first rows event.
struct TableState {
  std::shared_ptr<const binlog::TableMap> map;
  bool skip = false;
  std::vector<bool> warned;  // per column: a repaired value was reported
  row::TableShape shape;
  std::optional<binlog::DecodePlan> plan;
  // The table's and database's names, interned: tuples in flight point at them.
  const std::string* name = nullptr;   // as the dumpr format names it (db.table: several dbs)
  const std::string* table = nullptr;  // the table's own name
  const std::string* db = nullptr;
};

// Whether two table maps describe the same table the same way, so a decode plan built for one
// serves the other (the server logs a TABLE_MAP in every transaction).
bool same_table_map(const binlog::TableMap& a, const binlog::TableMap& b);

// "name kind, name enum(a,b)": a shape as the "has a new definition" warning shows it.
std::string shape_signature(const row::TableShape& shape);

// Completes the columns a table map gives (`cols`, from columns_from_table_map) with what only
// the table's definition `def` knows. Without column names in the map, names, members, some
// kinds and charsets come from `def`, whose column count the caller checked to be the map's;
// with names, only MariaDB's JSON, UUID, INET4 and INET6. Either way, fraction digits of
// MariaDB's pre-10.1 TIME/DATETIME/TIMESTAMP.
void merge_definition(const binlog::TableMap& m, const schema::TableDefinition& def,
                      std::vector<row::Column>& cols);

// The definition to record for a table first seen in a table map with column names: its
// columns as decoded (`cols`), its key from the map, else from `def`, and `def`'s collation.
schema::TableDefinition definition_from_map(const binlog::TableMap& m,
                                            const std::vector<row::Column>& cols,
                                            const schema::TableDefinition* def);

// Fills shape.id_columns: `id_option` (--id), else the table map's primary key, else `def`'s.
void choose_id_columns(const binlog::TableMap& m, const std::vector<std::string>* id_option,
                       const schema::TableDefinition* def, row::TableShape& shape);

// The tables of `db` among the keys ("db.table") of `recorded` and `seen`.
std::set<std::string> tables_of_database(const schema::Definitions& recorded,
                                         const std::map<std::string, std::string>& seen,
                                         const std::string& db);

}  // namespace dumpr::tail
