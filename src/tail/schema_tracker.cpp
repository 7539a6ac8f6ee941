#include "tail/schema_tracker.hpp"

#include <cctype>
#include <charconv>

#include "mysql/table_schema.hpp"
#include "schema/ddl.hpp"

namespace dumpr::tail {

void SchemaTracker::reconnect() {
  auto c = mysql::Connection::open(cfg_);
  if (c) conn_.emplace(std::move(c.value()));
  server_defs_.clear();
}

Status SchemaTracker::start_history(std::string_view tables_json) {
  auto h = mysql::SchemaHistory::from_json(tables_json);
  if (!h) return h.take_error();
  history_ = std::move(h.value());
  history_json_ = history_.to_json();
  keep_history_ = true;
  return {};
}

Status SchemaTracker::make_selection() {
  Config sel = cfg_;  // TailOptions::tables are include patterns too
  sel.selection.tables.insert(sel.selection.tables.end(), opts_.tables.begin(), opts_.tables.end());
  auto f = select::TableFilter::make(sel);
  if (!f) return f.take_error();
  filter_ = std::move(f.value());
  auto cf = select::ColumnFilter::make(cfg_);
  if (!cf) return cf.take_error();
  column_filter_ = std::move(cf.value());
  if (!cfg_.selection.mask_key.empty()) mask_.emplace(cfg_.selection.mask_key);
  return {};
}

std::set<std::string> SchemaTracker::tables_of(const std::string& db) const {
  return tables_of_database(history_.tables(), seen_shape_, db);
}

Status SchemaTracker::load_collations() {
  if (!conn_ || !collation_ids_.empty()) return {};
  auto r = conn_->query(
      "SELECT COLLATION_NAME, ID, CHARACTER_SET_NAME, IS_DEFAULT FROM "
      "information_schema.COLLATIONS");
  if (!r) return r.take_error();
  for (auto& row : r->rows) {
    std::uint16_t id = 0;
    const std::string idtext = row[1].value_or("0");
    std::from_chars(idtext.data(), idtext.data() + idtext.size(), id);
    collation_ids_[row[0].value_or("")] = id;
    if (row[3].value_or("") == "Yes") charset_defaults_[row[2].value_or("")] = id;
  }
  return {};
}

Status SchemaTracker::after_ddl(std::string_view db, std::string_view sql, const std::string& file,
                                std::uint64_t pos) {
  server_defs_.clear();
  tables_.clear();
  if (!keep_history_) return {};
  // Apply the statement to the recorded definitions: right for this position however far the
  // server has moved on since.
  DUMPR_TRY(load_collations());
  schema::CollationLookup lookup;
  lookup.by_name = [this](std::string_view name) -> std::uint16_t {
    auto it = collation_ids_.find(std::string(name));
    return it == collation_ids_.end() ? 0 : it->second;
  };
  lookup.default_of = [this](std::string_view cs) -> std::uint16_t {
    auto it = charset_defaults_.find(std::string(cs));
    return it == charset_defaults_.end() ? 0 : it->second;
  };
  lookup.database_default = [this](std::string_view database) -> std::uint16_t {
    if (!conn_) return 0;
    auto r = conn_->query(
        "SELECT DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " +
        mysql::quote_string(conn_->get(), database));
    if (!r || r->rows.empty()) return 0;
    auto it = collation_ids_.find(r->rows[0][0].value_or(""));
    return it == collation_ids_.end() ? 0 : it->second;
  };
  schema::DdlEffect eff = schema::apply_ddl(history_.tables(), sql, db, cfg_.database, lookup);
  if (eff.kind == schema::DdlEffect::Kind::none) return {};
  if (eff.kind == schema::DdlEffect::Kind::applied) {
    history_json_ = history_.to_json();
    return {};
  }
  // A statement dumpr cannot apply itself: the server's definition now is the one from this
  // event on as long as the stream is at the binlog's end; a later change of the same table is
  // still caught by the table-map check before any row is decoded.
  std::string shown(sql.substr(0, 120));
  for (char& c : shown)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  warn("at " + file + ":" + std::to_string(pos) + " a DDL statement could not be applied to the " +
       "recorded table definitions (" + eff.why + "): `" + shown + (sql.size() > 120 ? "..." : "") +
       "`; taking the server's current definitions");
  std::vector<std::string> only;
  for (const std::string& key : eff.tables) only.push_back(key);
  return refresh_from_server(db, only);
}

Status SchemaTracker::refresh_from_server(std::string_view db,
                                          const std::vector<std::string>& only) {
  if (!conn_) return {};
  std::vector<std::pair<std::string, std::string>> names;
  auto add = [&](const std::string& key) {
    auto dot = key.find('.');
    names.emplace_back(key.substr(0, dot), key.substr(dot + 1));
  };
  if (!only.empty()) {
    for (const std::string& key : only) add(key);
  } else {
    for (const auto& [key, def] : history_.tables())
      if (db.empty() || key.substr(0, key.find('.')) == db) add(key);
  }
  bool changed = false;
  for (const auto& [d, t] : names) {
    auto def = mysql::describe_table(*conn_, d, t);
    if (!def) return def.take_error();
    const mysql::TableDefinition* old = history_.find(d, t);
    bool same = old && def->exists && old->columns.size() == def->columns.size();
    for (std::size_t i = 0; same && i < def->columns.size(); ++i)
      same = old->columns[i].name == def->columns[i].name &&
             old->columns[i].kind == def->columns[i].kind &&
             old->columns[i].members == def->columns[i].members;
    if (same) continue;
    changed = true;
    if (!def->exists) {
      history_.erase(d, t);
    } else {
      history_.put(d, t, std::move(def.value()));
    }
  }
  if (changed) history_json_ = history_.to_json();
  return {};
}

Result<TableState*> SchemaTracker::table_for(const binlog::RowsEvent& r, const std::string& file,
                                             std::uint64_t pos) {
  if (!r.map)
    return make_error(ErrorKind::corrupt, "a rows event for table id " +
                                              std::to_string(r.table_id) +
                                              " came without its TABLE_MAP event");
  auto& slot = tables_[r.table_id];
  if (slot && slot->map != r.map && same_table_map(*slot->map, *r.map)) slot->map = r.map;
  if (!slot || slot->map != r.map) {
    slot = std::make_unique<TableState>();
    slot->map = r.map;
    const auto& m = *r.map;
    slot->skip = !captured(m.database, m.table);
    if (!slot->skip) DUMPR_TRY(build_table(*slot, file, pos));
  }
  return slot->skip ? nullptr : slot.get();
}

Status SchemaTracker::build_table(TableState& t, const std::string& file, std::uint64_t pos) {
  const binlog::TableMap& m = *t.map;
  std::vector<row::Column> cols = binlog::columns_from_table_map(m);
  const mysql::TableDefinition* def = nullptr;
  if (keep_history_) {
    // The definition in force at this position: recorded, or (first sight) the server's now.
    // With column names in the table map, only what a table map cannot say is needed from it
    // (MariaDB's JSON, UUID, INET), so only tables with such columns are tracked.
    def = history_.find(m.database, m.table);
    if (!def && conn_) {
      const std::string key = m.database + "." + m.table;
      auto it = server_defs_.find(key);
      if (it == server_defs_.end()) {
        auto d = mysql::describe_table(*conn_, m.database, m.table);
        if (!d) return d.take_error();
        it = server_defs_.emplace(key, std::move(d.value())).first;
      }
      if (it->second.exists) def = &it->second;
      if (def && !m.has_column_names) {
        history_.put(m.database, m.table, *def);
        history_json_ = history_.to_json();
        def = history_.find(m.database, m.table);
      }
    }
  }
  if (def) {
    if (!m.has_column_names && def->columns.size() != cols.size())
      return make_error(
          ErrorKind::schema,
          "table " + m.database + "." + m.table + " at " + file + ":" + std::to_string(pos) +
              ": the binlog row has " + std::to_string(cols.size()) +
              " columns but its definition at that point has " +
              std::to_string(def->columns.size()) +
              "; without binlog_row_metadata=FULL dumpr cannot tell which is which (set "
              "binlog_row_metadata=FULL on the server, or run `dumpr load` again)");
    merge_definition(m, *def, cols);
  }
  if (keep_history_ && m.has_column_names && !history_.find(m.database, m.table)) {
    // Track what this table map and the definition say now, so that DDL later in the binlog
    // is applied to it (a column made JSON while the stream is behind).
    history_.put(m.database, m.table, definition_from_map(m, cols, def));
    history_json_ = history_.to_json();
  }
  t.shape.table = filter_.tuple_name(m.database, m.table);
  t.name = &intern(t.shape.table);
  t.table = &intern(m.table);
  t.db = &intern(m.database);
  t.shape.columns = std::move(cols);
  // The id: --id (db.table, else table), else the table map's primary key, else the server's.
  auto option = cfg_.id_columns.find(m.database + "." + m.table);
  if (option == cfg_.id_columns.end()) option = cfg_.id_columns.find(m.table);
  choose_id_columns(m, option == cfg_.id_columns.end() ? nullptr : &option->second, def, t.shape);
  if (t.shape.id_columns.empty() && !warned_no_key_[m.database + "." + m.table]) {
    warned_no_key_[m.database + "." + m.table] = true;
    warn("table " + m.database + "." + m.table + " has no primary key" +
         (def || m.has_column_names ? "" : " known to dumpr") + " and no --id " + m.table +
         "=COLUMNS: its tuples have a null id");
  }
  t.shape.prepare();
  // Say so, once, when a table shows up with another definition than before.
  std::string sig = shape_signature(t.shape);
  auto& seen = seen_shape_[m.database + "." + m.table];
  if (!seen.empty() && seen != sig)
    warn("table " + m.database + "." + m.table + " has a new definition from " + file + ":" +
         std::to_string(pos) + " on: " + sig);
  seen = std::move(sig);
  auto plan = binlog::DecodePlan::make(m, t.shape.columns, cfg_.values);
  if (!plan) return plan.take_error();
  t.plan.emplace(std::move(plan.value()));
  // --exclude-columns, --mask-columns, --bigint-as-string: decided as load decides them.
  std::vector<std::string> names;
  std::vector<bool> bigint;
  for (std::size_t i = 0; i < t.shape.columns.size(); ++i) {
    names.push_back(t.shape.columns[i].name);
    bigint.push_back(m.columns[i].real_type == binlog::kLongLong);
  }
  auto rules = column_filter_.rules(m.database, m.table, names, bigint, t.shape.id_columns);
  if (!rules) return rules.take_error();
  t.shape.rules = std::move(rules.value());
  t.shape.excluded = 0;
  for (std::size_t i = 0; i < t.shape.rules.size(); ++i)
    if (t.shape.rules[i] == select::ColumnRule::exclude) {
      t.plan->skip_column(i);
      ++t.shape.excluded;
    }
  t.shape.mask = mask_ ? &*mask_ : nullptr;
  return {};
}

bool SchemaTracker::is_transactional(const std::string& db, const std::string& table) {
  const std::string key = db + "." + table;
  auto it = transactional_.find(key);
  if (it != transactional_.end()) return it->second;
  bool transactional = true;  // offline, or unknown: InnoDB, the default engine
  if (conn_) {
    auto r = conn_->query("SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
                          mysql::quote_string(conn_->get(), db) +
                          " AND TABLE_NAME = " + mysql::quote_string(conn_->get(), table));
    if (r && !r->rows.empty()) {
      std::string engine = r->rows[0][0].value_or("");
      for (char& c : engine) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      transactional = engine != "MYISAM" && engine != "ARIA" && engine != "MEMORY" &&
                      engine != "CSV" && engine != "ARCHIVE" && engine != "MRG_MYISAM";
    }
  }
  transactional_.emplace(key, transactional);
  return transactional;
}

}  // namespace dumpr::tail
