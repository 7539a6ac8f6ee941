// The tail's schema tracker: the selection (which tables, and what of their columns: the
// matchers load uses), TABLE_MAPs -> table states (output shape and decode plan), the
// history of the captured tables' definitions as of the stream's position (carried in the
// checkpoint), DDL applied to that history or refreshed from the server, the server's collations
// and a cache of its current definitions and engines. The pure half is table_shape.hpp.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dumpr/binlog_stream.hpp"
#include "dumpr/config.hpp"
#include "dumpr/error.hpp"
#include "mysql/connection.hpp"
#include "mysql/schema_history.hpp"
#include "select/table_filter.hpp"
#include "select/value_mask.hpp"
#include "tail/table_shape.hpp"

namespace dumpr::tail {

class SchemaTracker {
 public:
  SchemaTracker(const Config& cfg, const TailOptions& opts) : cfg_(cfg), opts_(opts) {}

  // The connection that answers schema questions (none offline).
  void set_connection(mysql::Connection conn) { conn_.emplace(std::move(conn)); }
  // After a reconnect: a new connection (kept if it cannot be opened), the cache of the
  // server's definitions forgotten.
  void reconnect();

  // Definitions in force at the start (a checkpoint's "tables"); keeps the history from then on.
  Status start_history(std::string_view tables_json);
  void keep_history() { keep_history_ = true; }
  // What a checkpoint stores as "tables" ("" without a history).
  const std::string& checkpoint_json() const { return keep_history_ ? history_json_ : none_; }

  // The selection, from the Config (-D, --tables, --exclude-tables, --exclude-columns,
  // --mask-columns, --bigint-as-string) and TailOptions::tables (include patterns too): before
  // any table is built. The same matchers load uses.
  Status make_selection();
  const select::TableFilter& filter() const { return filter_; }
  const select::ColumnFilter& column_filter() const { return column_filter_; }
  const select::ValueMask* mask() const { return mask_ ? &*mask_ : nullptr; }

  // Whether rows of db.table are in the output (the selection's tables).
  bool captured(std::string_view db, std::string_view table) const {
    return filter_.captures(db, table);
  }

  // The state for a rows event's table (built on the first rows of each TABLE_MAP), or null for
  // a table not captured. `file`/`pos`: where the stream is, for messages.
  Result<TableState*> table_for(const binlog::RowsEvent& rows, const std::string& file,
                                std::uint64_t pos);
  // Table ids are per file and per connection: forget the table states.
  void forget_tables() { tables_.clear(); }

  // A DDL statement was read: table states and cached definitions are stale; the history is
  // brought to the statement's effect (by applying it, else from the server).
  Status after_ddl(std::string_view db, std::string_view sql, const std::string& file,
                   std::uint64_t pos);
  // The tables of `db` this stream knows of: recorded, or seen in this run.
  std::set<std::string> tables_of(const std::string& db) const;

  // Whether db.table's engine is transactional (cached; true offline or when unknown).
  bool is_transactional(const std::string& db, const std::string& table);

  // Names that tuples in flight point at; a set's nodes never move, and there are as many as
  // tables seen.
  const std::string& intern(std::string_view name) {
    auto it = interned_.find(name);
    if (it == interned_.end()) it = interned_.emplace(name).first;
    return *it;
  }

 private:
  void warn(const std::string& m) const {
    if (cfg_.on_warning) cfg_.on_warning(m);
  }
  Status build_table(TableState& t, const std::string& file, std::uint64_t pos);
  Status refresh_from_server(std::string_view db, const std::vector<std::string>& only);
  Status load_collations();

  const Config& cfg_;
  const TailOptions& opts_;
  std::optional<mysql::Connection> conn_;
  select::TableFilter filter_;
  select::ColumnFilter column_filter_;
  std::optional<select::ValueMask> mask_;  // shapes point at it

  std::unordered_map<std::uint64_t, std::unique_ptr<TableState>> tables_;
  std::map<std::string, mysql::TableDefinition> server_defs_;  // "db.table", current server
  // Definitions as of the stream's position, for table maps without column names.
  bool keep_history_ = false;
  mysql::SchemaHistory history_;
  std::string history_json_;  // history as stored in checkpoints, rebuilt when it changes
  const std::string none_;
  std::map<std::string, std::string> seen_shape_;  // "db.table" -> column names and kinds
  std::map<std::string, bool> warned_no_key_;
  std::map<std::string, bool> transactional_;  // "db.table" -> engine is transactional
  std::map<std::string, std::uint16_t> collation_ids_, charset_defaults_;
  std::set<std::string, std::less<>> interned_;
};

}  // namespace dumpr::tail
