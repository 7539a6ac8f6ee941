// Which tables and columns are captured: one pure matcher that load, tail and position all use,
// so they can never disagree about a table.
//
// Pattern syntax (man dumpr(1), SELECTING TABLES AND COLUMNS):
//   list     := item { "," item }
//   table    := [ part "." ] part          (no database part: a table of the -D databases)
//   column   := [ part "." ] part "." part (db.table.column, or table.column in the -D databases)
//   part     := glob | "`" literal "`"
// A glob's `*` matches any run of characters (none too), `?` exactly one character (a UTF-8 code
// point); every other character stands for itself. A part that starts with a backquote is
// literal up to the backquote that closes it: dots, commas, `*` and `?` inside it are plain
// characters, and a doubled backquote is one backquote (as in SQL). A backquote elsewhere is a
// plain character (`tick`table` names the table tick`table). So a dot outside backquotes always
// separates parts, and a name that holds a dot is backquoted. Names compare byte for byte, case
// included, as the binlog spells them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dumpr/config.hpp"
#include "dumpr/error.hpp"
#include "select/column_rule.hpp"

namespace dumpr::select {

// One part of a pattern: a glob, or a literal name (backquoted, or a glob without * and ?).
struct NamePart {
  std::string text;
  bool literal = true;

  bool matches(std::string_view name) const;
};

struct TablePattern {
  std::optional<NamePart> database;  // none: the given databases
  NamePart table;
  std::string spelled;  // as written, for messages

  // Whether it names one table outright (no wildcard in any part).
  bool literal() const { return (!database || database->literal) && table.literal; }
};

struct ColumnPattern {
  std::optional<NamePart> database;
  NamePart table;
  NamePart column;
  std::string spelled;
};

// `*` and `?` glob match, `?` taking one UTF-8 code point.
bool glob_match(std::string_view pattern, std::string_view name);

// Splits a comma-separated list of patterns (commas inside backquotes stay) and parses each;
// `option` names the option in messages ("--tables").
Result<std::vector<TablePattern>> parse_table_patterns(std::string_view list,
                                                       std::string_view option);
Result<std::vector<ColumnPattern>> parse_column_patterns(std::string_view list,
                                                         std::string_view option);

// A name as a pattern part that matches only itself: backquoted when it holds a character the
// syntax gives a meaning (for messages that suggest a pattern).
std::string quote_part(std::string_view name);

// A table the server lists (information_schema.TABLES).
struct ListedTable {
  std::string db, table;
  bool base = true;  // a BASE TABLE, not a view (or a system view)
};

struct ResolvedTables {
  std::vector<std::pair<std::string, std::string>> tables;  // db, table, in output order
  std::vector<std::string> warnings;  // wildcard patterns that matched no base table
};

class TableFilter;

// The captured base tables of `listing`, in output order: with include patterns, those matching
// each pattern in turn (each pattern's own matches ordered by database as named, then name;
// a table once); without, each -D database's tables by name. A literal include that names no
// base table is an error (a view is named as one) unless `allow_missing`; a wildcard one that
// matches none is a warning.
Result<ResolvedTables> resolve_tables(const TableFilter& filter,
                                      const std::vector<ListedTable>& listing,
                                      bool allow_missing = false);

class TableFilter {
 public:
  TableFilter() = default;

  // From a Config's selection (databases, tables, exclude_tables; each list entry may be a
  // comma-separated list). An empty include list captures every table of the databases.
  static Result<TableFilter> make(const Config& cfg);
  static Result<TableFilter> make(std::vector<std::string> databases,
                                  const std::vector<std::string>& tables,
                                  const std::vector<std::string>& exclude_tables);

  // Whether tuples of db.table are written.
  bool captures(std::string_view db, std::string_view table) const;
  // Whether some include pattern matches (before the excludes): no includes count as a match
  // for tables of the given databases.
  bool included(std::string_view db, std::string_view table) const;
  bool excluded(std::string_view db, std::string_view table) const;

  // The -D databases, in the order given, without repeats. Empty: every database (no -D).
  const std::vector<std::string>& databases() const { return databases_; }
  // The databases a capture can reach by name: the -D ones, then those named by literal
  // database parts of include patterns. Empty with some_database_glob(): any may match.
  const std::vector<std::string>& named_databases() const { return named_; }
  bool database_glob() const { return database_glob_; }
  const std::vector<TablePattern>& includes() const { return includes_; }
  const std::vector<TablePattern>& excludes() const { return excludes_; }

  // A statement whose tables cannot be listed (run in database `db`, with text `text`) may
  // change captured tables when `db` or a database its text names is captured: that database
  // (`db` when every database is), else empty.
  std::string database_touched(std::string_view db, std::string_view text) const;

  // Whether tuples name their table as `db.table` rather than `table`: when more than one
  // database is named (several -D, or include patterns with other databases than -D's) or a
  // database part has a wildcard. One database, or none at all (tail of every database, whose
  // metadata carries the db), keeps the bare table name.
  bool qualified_names() const { return named_.size() > 1 || database_glob_; }
  // The table's name in tuples: `table`, or `db.table` under qualified_names().
  std::string tuple_name(std::string_view db, std::string_view table) const;

 private:
  friend Result<ResolvedTables> resolve_tables(const TableFilter&, const std::vector<ListedTable>&,
                                               bool);
  bool in_databases(std::string_view db) const;
  bool matches(const TablePattern& p, std::string_view db, std::string_view table) const;

  std::vector<std::string> databases_, named_;
  bool database_glob_ = false;
  std::vector<TablePattern> includes_, excludes_;
};

// Per table: which columns are excluded and masked, and which are BIGINTs to quote.
class ColumnFilter {
 public:
  ColumnFilter() = default;
  static Result<ColumnFilter> make(const Config& cfg);
  static Result<ColumnFilter> make(std::vector<std::string> databases,
                                   const std::vector<std::string>& exclude_columns,
                                   const std::vector<std::string>& mask_columns,
                                   bool bigint_as_string, bool have_mask_key);

  bool active() const { return !excluded_.empty() || !masked_.empty() || bigint_as_string_; }
  bool excludes_any() const { return !excluded_.empty(); }

  // The rule for one column; `bigint` says whether it is a BIGINT (signed or unsigned).
  ColumnRule rule(std::string_view db, std::string_view table, std::string_view column,
                  bool bigint) const;

  // Rules for a table's columns (names and BIGINT flags in table order). Empty when every
  // column is kept as it is. Fails when an id column would be excluded.
  Result<std::vector<ColumnRule>> rules(std::string_view db, std::string_view table,
                                        const std::vector<std::string>& columns,
                                        const std::vector<bool>& bigint,
                                        const std::vector<std::size_t>& id_columns) const;

 private:
  bool matches(const ColumnPattern& p, std::string_view db, std::string_view table,
               std::string_view column) const;

  std::vector<std::string> databases_;
  std::vector<ColumnPattern> excluded_, masked_;
  bool bigint_as_string_ = false;
};

}  // namespace dumpr::select
