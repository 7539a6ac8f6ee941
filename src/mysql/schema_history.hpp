// SchemaHistory: the captured tables' definitions as of the stream's position: the column names
// for binlogs whose table maps have none (binlog_row_metadata MINIMAL or NO_LOG), and always the
// kinds no table map tells (MariaDB's JSON, UUID, INET). Recorded by load and position, carried
// in the checkpoint, updated by each DDL event (src/schema/ddl), and checked against every table
// map (count and types) before a row is decoded.
#pragma once

#include <map>
#include <string>

#include "dumpr/error.hpp"
#include "mysql/table_schema.hpp"

namespace dumpr::mysql {

class SchemaHistory {
 public:
  // "db.table" -> definition.
  using Map = std::map<std::string, TableDefinition>;

  static std::string key(const std::string& db, const std::string& table) {
    return db + "." + table;
  }

  const TableDefinition* find(const std::string& db, const std::string& table) const;
  void put(const std::string& db, const std::string& table, TableDefinition def);
  void erase(const std::string& db, const std::string& table);
  bool empty() const { return tables_.empty(); }
  const Map& tables() const { return tables_; }
  Map& tables() { return tables_; }

  // The JSON object stored in a checkpoint's "tables", and back.
  std::string to_json() const;
  static Result<SchemaHistory> from_json(std::string_view json);

 private:
  Map tables_;
};

// The definitions of every table of `db`, read from the server now.
Result<SchemaHistory> record_schema(Connection& c, const std::string& db);
// The same for several databases, in one history.
Result<SchemaHistory> record_schema(Connection& c, const std::vector<std::string>& dbs);

}  // namespace dumpr::mysql
