#include "select/table_filter.hpp"

#include <algorithm>

namespace dumpr::select {

namespace {

// Bytes of the UTF-8 sequence that starts with `lead` (1 for a stray continuation byte, so the
// matcher always moves on).
std::size_t utf8_length(unsigned char lead) {
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

Error syntax_error(std::string_view option, std::string_view item, std::string_view why,
                   std::string_view example) {
  return make_error(ErrorKind::usage, std::string(option) + " " + std::string(item) + ": " +
                                          std::string(why) + " (e.g. " + std::string(example) +
                                          "; see SELECTING TABLES AND COLUMNS in man dumpr)");
}

// Splits a list at commas outside quoted parts (a part that starts with a backquote, up to the
// backquote that closes it; a doubled one inside is kept). A backquote left open is reported by
// the parts' parser, which sees the same text.
std::vector<std::string_view> split_list(std::string_view list) {
  std::vector<std::string_view> items;
  bool quoted = false, part_start = true;
  std::size_t start = 0;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const char c = list[i];
    if (quoted) {
      if (c == '`' && i + 1 < list.size() && list[i + 1] == '`')
        ++i;
      else if (c == '`')
        quoted = false;
      continue;
    }
    if (c == '`' && part_start) {
      quoted = true;
      part_start = false;
      continue;
    }
    part_start = c == '.' || c == ',';
    if (c == ',') {
      items.push_back(list.substr(start, i - start));
      start = i + 1;
    }
  }
  items.push_back(list.substr(start));
  return items;
}

// One item's dot-separated parts; an error names what is wrong with it.
Result<std::vector<NamePart>> split_parts(std::string_view item, std::string_view option,
                                          std::string_view example) {
  std::vector<NamePart> parts;
  std::size_t i = 0;
  while (true) {
    NamePart p;
    if (i < item.size() && item[i] == '`') {
      ++i;
      bool closed = false;
      while (i < item.size()) {
        if (item[i] == '`') {
          if (i + 1 < item.size() && item[i + 1] == '`') {
            p.text += '`';
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        p.text += item[i++];
      }
      if (!closed) return syntax_error(option, item, "a backquote is not closed", example);
      p.literal = true;
      if (i < item.size() && item[i] != '.')
        return syntax_error(option, item,
                            "a backquoted name must be a whole part, followed by a dot or the end",
                            example);
    } else {
      const std::size_t dot = item.find('.', i);
      p.text = std::string(item.substr(i, dot == std::string_view::npos ? item.npos : dot - i));
      p.literal = p.text.find_first_of("*?") == std::string::npos;
      i = dot == std::string_view::npos ? item.size() : dot;
    }
    if (p.text.empty()) return syntax_error(option, item, "a name is empty", example);
    parts.push_back(std::move(p));
    if (i >= item.size()) break;
    ++i;  // the dot
    if (i >= item.size()) return syntax_error(option, item, "a name is empty", example);
  }
  return parts;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

void add_unique(std::vector<std::string>& v, std::string_view s) {
  if (!contains(v, s)) v.emplace_back(s);
}

// Databases as given (-D), each possibly a comma list, without repeats.
Result<std::vector<std::string>> database_list(const std::vector<std::string>& given) {
  std::vector<std::string> out;
  for (const std::string& d : given) {
    if (d.empty())
      return make_error(ErrorKind::usage, "--database: the name is empty (e.g. -D shop)");
    add_unique(out, d);
  }
  return out;
}

std::vector<std::string> databases_of(const Config& cfg) {
  if (!cfg.selection.databases.empty()) return cfg.selection.databases;
  if (!cfg.database.empty()) return {cfg.database};
  return {};
}

}  // namespace

bool glob_match(std::string_view p, std::string_view s) {
  // Iterative, with one backtrack point at the last `*`: linear in practice, never exponential.
  std::size_t pi = 0, si = 0;
  std::size_t star = std::string_view::npos, star_s = 0;
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      star_s = si;
    } else if (pi < p.size() && p[pi] == '?') {
      ++pi;
      si += utf8_length(static_cast<unsigned char>(s[si]));
    } else if (pi < p.size() && p[pi] == s[si]) {
      ++pi;
      ++si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      star_s += utf8_length(static_cast<unsigned char>(s[star_s]));
      si = star_s;
    } else {
      return false;
    }
  }
  if (si > s.size()) return false;  // a `?` took a truncated sequence's missing bytes
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

bool NamePart::matches(std::string_view name) const {
  return literal ? name == text : glob_match(text, name);
}

std::string quote_part(std::string_view name) {
  if (name.find_first_of(".,`*?") == std::string_view::npos && !name.empty())
    return std::string(name);
  std::string q = "`";
  for (char c : name) {
    if (c == '`') q += '`';
    q += c;
  }
  return q + "`";
}

Result<std::vector<TablePattern>> parse_table_patterns(std::string_view list,
                                                       std::string_view option) {
  std::vector<TablePattern> out;
  for (std::string_view item : split_list(list)) {
    auto parts = split_parts(item, option, "shop.order_*");
    if (!parts) return parts.take_error();
    if (parts->size() > 2)
      return syntax_error(option, item,
                          "more than two dot-separated parts (DB.TABLE; backquote a name that "
                          "holds a dot)",
                          "`my.db`.orders");
    TablePattern p;
    p.spelled = std::string(item);
    if (parts->size() == 2) p.database = std::move((*parts)[0]);
    p.table = std::move(parts->back());
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::vector<ColumnPattern>> parse_column_patterns(std::string_view list,
                                                         std::string_view option) {
  std::vector<ColumnPattern> out;
  for (std::string_view item : split_list(list)) {
    auto parts = split_parts(item, option, "shop.users.email");
    if (!parts) return parts.take_error();
    if (parts->size() < 2)
      return syntax_error(option, item, "name the column's table: TABLE.COLUMN or DB.TABLE.COLUMN",
                          "users.email");
    if (parts->size() > 3)
      return syntax_error(option, item,
                          "more than three dot-separated parts (DB.TABLE.COLUMN; backquote a "
                          "name that holds a dot)",
                          "shop.users.`e.mail`");
    ColumnPattern p;
    p.spelled = std::string(item);
    if (parts->size() == 3) p.database = std::move((*parts)[0]);
    p.table = std::move((*parts)[parts->size() - 2]);
    p.column = std::move(parts->back());
    out.push_back(std::move(p));
  }
  return out;
}

Result<TableFilter> TableFilter::make(const Config& cfg) {
  return make(databases_of(cfg), cfg.selection.tables, cfg.selection.exclude_tables);
}

Result<TableFilter> TableFilter::make(std::vector<std::string> databases,
                                      const std::vector<std::string>& tables,
                                      const std::vector<std::string>& exclude_tables) {
  TableFilter f;
  auto dbs = database_list(databases);
  if (!dbs) return dbs.take_error();
  f.databases_ = std::move(dbs.value());
  f.named_ = f.databases_;
  for (const std::string& list : tables) {
    auto ps = parse_table_patterns(list, "--tables");
    if (!ps) return ps.take_error();
    for (TablePattern& p : *ps) {
      if (p.database) {
        if (p.database->literal)
          add_unique(f.named_, p.database->text);
        else
          f.database_glob_ = true;
      }
      f.includes_.push_back(std::move(p));
    }
  }
  for (const std::string& list : exclude_tables) {
    auto ps = parse_table_patterns(list, "--exclude-tables");
    if (!ps) return ps.take_error();
    for (TablePattern& p : *ps) f.excludes_.push_back(std::move(p));
  }
  return f;
}

bool TableFilter::in_databases(std::string_view db) const {
  return databases_.empty() || contains(databases_, db);
}

bool TableFilter::matches(const TablePattern& p, std::string_view db,
                          std::string_view table) const {
  if (p.database ? !p.database->matches(db) : !in_databases(db)) return false;
  return p.table.matches(table);
}

bool TableFilter::included(std::string_view db, std::string_view table) const {
  if (includes_.empty()) return in_databases(db);
  for (const TablePattern& p : includes_)
    if (matches(p, db, table)) return true;
  return false;
}

bool TableFilter::excluded(std::string_view db, std::string_view table) const {
  for (const TablePattern& p : excludes_)
    if (matches(p, db, table)) return true;
  return false;
}

bool TableFilter::captures(std::string_view db, std::string_view table) const {
  return included(db, table) && !excluded(db, table);
}

std::string TableFilter::database_touched(std::string_view db, std::string_view text) const {
  if (named_.empty() || database_glob_)
    return std::string(db.empty() ? std::string_view("(no database)") : db);
  for (const std::string& d : named_)
    if (db == d || text.find(d) != std::string_view::npos) return d;
  return {};
}

std::string TableFilter::tuple_name(std::string_view db, std::string_view table) const {
  if (!qualified_names()) return std::string(table);
  std::string name;
  name.reserve(db.size() + 1 + table.size());
  name.append(db).append(".").append(table);
  return name;
}

Result<ResolvedTables> resolve_tables(const TableFilter& filter,
                                      const std::vector<ListedTable>& listing, bool allow_missing) {
  // Database order: as named, then the others (wildcard database parts) by name.
  const auto& named = filter.named_databases();
  auto db_rank = [&](const std::string& db) {
    auto it = std::find(named.begin(), named.end(), db);
    return static_cast<std::size_t>(it - named.begin());
  };
  std::vector<const ListedTable*> base;
  for (const ListedTable& t : listing)
    if (t.base) base.push_back(&t);
  std::sort(base.begin(), base.end(), [&](const ListedTable* a, const ListedTable* b) {
    const std::size_t ra = db_rank(a->db), rb = db_rank(b->db);
    if (ra != rb) return ra < rb;
    if (a->db != b->db) return a->db < b->db;
    return a->table < b->table;
  });
  ResolvedTables out;
  std::vector<bool> taken(base.size(), false);
  auto take = [&](std::size_t k) {
    if (taken[k]) return;
    taken[k] = true;
    if (!filter.excluded(base[k]->db, base[k]->table))
      out.tables.emplace_back(base[k]->db, base[k]->table);
  };
  if (filter.includes().empty()) {
    for (std::size_t k = 0; k < base.size(); ++k)
      if (filter.included(base[k]->db, base[k]->table)) take(k);
    return out;
  }
  TableFilter one;  // each include pattern alone, with the filter's databases
  one.databases_ = filter.databases();
  for (const TablePattern& p : filter.includes()) {
    one.includes_.assign(1, p);
    bool any = false;
    for (std::size_t k = 0; k < base.size(); ++k) {
      if (!one.included(base[k]->db, base[k]->table)) continue;
      any = true;
      take(k);
    }
    if (any) continue;
    std::string where = p.database
                            ? "database " + p.database->text
                            : (filter.databases().empty() ? std::string("any database")
                                                          : "database " + filter.databases()[0]);
    if (!p.database && filter.databases().size() > 1) {
      where = "databases";
      for (std::size_t i = 0; i < filter.databases().size(); ++i)
        where += (i ? ", " : " ") + filter.databases()[i];
    }
    if (!p.literal()) {
      out.warnings.push_back("--tables " + p.spelled + " matches no base table in " + where);
      continue;
    }
    if (allow_missing) continue;
    for (const ListedTable& t : listing)
      if (!t.base && one.included(t.db, t.table))
        return make_error(ErrorKind::usage,
                          "table " + t.db + "." + t.table +
                              " is a view, not a base table: its rows reach the binlog as its "
                              "base tables' rows, so capture those instead");
    return make_error(ErrorKind::not_found,
                      "no table " + p.table.text + " in " + where +
                          " that this user can see (it does not exist, or is not granted): "
                          "check the names (case counts), -D and the user's grants");
  }
  return out;
}

Result<ColumnFilter> ColumnFilter::make(const Config& cfg) {
  return make(databases_of(cfg), cfg.selection.exclude_columns, cfg.selection.mask_columns,
              cfg.values.bigint_as_string, !cfg.selection.mask_key.empty());
}

Result<ColumnFilter> ColumnFilter::make(std::vector<std::string> databases,
                                        const std::vector<std::string>& exclude_columns,
                                        const std::vector<std::string>& mask_columns,
                                        bool bigint_as_string, bool have_mask_key) {
  ColumnFilter f;
  auto dbs = database_list(databases);
  if (!dbs) return dbs.take_error();
  f.databases_ = std::move(dbs.value());
  f.bigint_as_string_ = bigint_as_string;
  for (const std::string& list : exclude_columns) {
    auto ps = parse_column_patterns(list, "--exclude-columns");
    if (!ps) return ps.take_error();
    for (ColumnPattern& p : *ps) f.excluded_.push_back(std::move(p));
  }
  for (const std::string& list : mask_columns) {
    auto ps = parse_column_patterns(list, "--mask-columns");
    if (!ps) return ps.take_error();
    for (ColumnPattern& p : *ps) f.masked_.push_back(std::move(p));
  }
  if (!f.masked_.empty() && !have_mask_key)
    return make_error(ErrorKind::usage,
                      "--mask-columns needs a key: give --mask-key-file FILE (e.g. made with "
                      "`openssl rand -hex 32 > FILE`) or set DUMPR_MASK_KEY; the same key gives "
                      "the same masked values, so they still join");
  return f;
}

bool ColumnFilter::matches(const ColumnPattern& p, std::string_view db, std::string_view table,
                           std::string_view column) const {
  if (p.database ? !p.database->matches(db) : !(databases_.empty() || contains(databases_, db)))
    return false;
  return p.table.matches(table) && p.column.matches(column);
}

ColumnRule ColumnFilter::rule(std::string_view db, std::string_view table, std::string_view column,
                              bool bigint) const {
  for (const ColumnPattern& p : excluded_)
    if (matches(p, db, table, column)) return ColumnRule::exclude;
  for (const ColumnPattern& p : masked_)
    if (matches(p, db, table, column)) return ColumnRule::mask;
  if (bigint && bigint_as_string_) return ColumnRule::quote;
  return ColumnRule::keep;
}

Result<std::vector<ColumnRule>> ColumnFilter::rules(
    std::string_view db, std::string_view table, const std::vector<std::string>& columns,
    const std::vector<bool>& bigint, const std::vector<std::size_t>& id_columns) const {
  std::vector<ColumnRule> out;
  if (!active()) return out;
  bool any = false;
  out.resize(columns.size(), ColumnRule::keep);
  for (std::size_t i = 0; i < columns.size(); ++i) {
    out[i] = rule(db, table, columns[i], i < bigint.size() && bigint[i]);
    any = any || out[i] != ColumnRule::keep;
  }
  for (std::size_t k : id_columns) {
    if (k >= out.size() || out[k] != ColumnRule::exclude) continue;
    const std::string name =
        std::string(db) + "." + std::string(table) + "." + std::string(columns[k]);
    return make_error(ErrorKind::usage,
                      "--exclude-columns: column " + name + " is part of the id of " +
                          std::string(db) + "." + std::string(table) +
                          "'s tuples, which cannot be left out: take it out of "
                          "--exclude-columns, or mask it with --mask-columns " +
                          name +
                          " (a masked id still joins), or choose other id columns with "
                          "--id " +
                          std::string(table) + "=COLUMNS");
  }
  if (!any) out.clear();
  return out;
}

}  // namespace dumpr::select
