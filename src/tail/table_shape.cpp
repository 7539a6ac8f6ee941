#include "tail/table_shape.hpp"

#include "row/kinds.hpp"

namespace dumpr::tail {

bool same_table_map(const binlog::TableMap& a, const binlog::TableMap& b) {
  if (a.database != b.database || a.table != b.table || a.columns.size() != b.columns.size() ||
      a.primary_key != b.primary_key || a.has_column_names != b.has_column_names)
    return false;
  for (std::size_t i = 0; i < a.columns.size(); ++i) {
    const auto& x = a.columns[i];
    const auto& y = b.columns[i];
    if (x.type != y.type || x.real_type != y.real_type || x.meta != y.meta ||
        x.is_unsigned != y.is_unsigned || x.collation != y.collation || x.name != y.name ||
        x.members != y.members || x.geometry_type != y.geometry_type)
      return false;
  }
  return true;
}

std::string shape_signature(const row::TableShape& shape) {
  std::string sig;
  for (const row::Column& c : shape.columns) {
    if (!sig.empty()) sig += ", ";
    sig += c.name + " " + row::kind_name(c.kind);
    if (!c.members.empty()) {
      sig += "(";
      for (std::size_t k = 0; k < c.members.size(); ++k) sig += (k ? "," : "") + c.members[k];
      sig += ")";
    }
  }
  return sig;
}

void merge_definition(const binlog::TableMap& m, const schema::TableDefinition& def,
                      std::vector<row::Column>& cols) {
  if (!m.has_column_names) {
    // Names and kinds from the server's definition; what the table map knows wins where it
    // says more (its kinds follow the logged types).
    for (std::size_t i = 0; i < cols.size(); ++i) {
      const row::Column& c = def.columns[i];
      const row::KindInfo& kind = row::kind_info(c.kind);
      if (kind.params == row::KindParams::members) {
        if (cols[i].members.empty()) cols[i].members = c.members;
      }
      cols[i].name = c.name;
      if (kind.definition_only || kind.signedness) cols[i].kind = c.kind;
      // A string column with no charset in the table map (binlog_row_metadata=NO_LOG, old
      // servers): text or binary, and which charset, only the definition knows. (Only string
      // columns: a definition newer than the binlog may have changed the type.)
      const bool map_string = row::kind_info(cols[i].kind).by_charset;
      if (map_string && !m.columns[i].collation && kind.by_charset) {
        cols[i].kind = c.kind;
        cols[i].collation = c.collation;
      }
      cols[i].type_name = c.type_name;
      if (cols[i].collation == 0) cols[i].collation = c.collation;
    }
  } else if (def.columns.size() == cols.size()) {
    // Only what a table map cannot say: MariaDB JSON, UUID, INET4, INET6.
    for (std::size_t i = 0; i < cols.size(); ++i) {
      const row::Column& c = def.columns[i];
      if (c.name != cols[i].name) continue;
      if (row::kind_info(c.kind).definition_only) {
        cols[i].kind = c.kind;
        cols[i].type_name = c.type_name;
      }
    }
  }
  if (def.columns.size() == cols.size()) {
    // MariaDB's pre-10.1 fractional TIME/DATETIME/TIMESTAMP are logged under the old type codes
    // with no metadata: only the definition knows their fraction digits.
    for (std::size_t i = 0; i < cols.size(); ++i) {
      const std::uint8_t type = m.columns[i].real_type;
      if ((type == binlog::kTime || type == binlog::kDateTime || type == binlog::kTimestamp) &&
          def.columns[i].kind == cols[i].kind)
        cols[i].fsp = def.columns[i].fsp;
    }
  }
}

schema::TableDefinition definition_from_map(const binlog::TableMap& m,
                                            const std::vector<row::Column>& cols,
                                            const schema::TableDefinition* def) {
  schema::TableDefinition now;
  now.exists = true;
  now.columns = cols;
  if (def) now.default_collation = def->default_collation;
  for (auto k : m.primary_key)
    if (k < cols.size()) now.primary_key.push_back(cols[k].name);
  if (now.primary_key.empty() && def) now.primary_key = def->primary_key;
  return now;
}

void choose_id_columns(const binlog::TableMap& m, const std::vector<std::string>* id_option,
                       const schema::TableDefinition* def, row::TableShape& shape) {
  const std::vector<std::string>* names = nullptr;
  if (id_option) {
    names = id_option;
  } else if (!m.primary_key.empty()) {
    for (auto k : m.primary_key)
      if (k < shape.columns.size()) shape.id_columns.push_back(k);
  } else if (def) {
    names = &def->primary_key;
  }
  if (!names) return;
  for (const std::string& n : *names) {
    for (std::size_t k = 0; k < shape.columns.size(); ++k)
      if (shape.columns[k].name == n) shape.id_columns.push_back(k);
  }
}

std::set<std::string> tables_of_database(const schema::Definitions& recorded,
                                         const std::map<std::string, std::string>& seen,
                                         const std::string& db) {
  std::set<std::string> names;
  const std::string prefix = db + ".";
  for (const auto& [key, def] : recorded)
    if (key.compare(0, prefix.size(), prefix) == 0) names.insert(key.substr(prefix.size()));
  for (const auto& [key, sig] : seen)
    if (key.compare(0, prefix.size(), prefix) == 0) names.insert(key.substr(prefix.size()));
  return names;
}

}  // namespace dumpr::tail
