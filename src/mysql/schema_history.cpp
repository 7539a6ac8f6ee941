#include "mysql/schema_history.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <simdjson.h>

#include <optional>

#include "row/kinds.hpp"

namespace dumpr::mysql {

namespace {

// Stable names for the checkpoint file (kind_name() is for messages): KindInfo::id.
const char* kind_id(row::Kind k) {
  return row::kind_info(k).id.data();  // a string literal: terminated
}

bool parse_kind(std::string_view s, row::Kind& k) {
  std::optional<row::Kind> found = row::kind_of_id(s);
  if (found) k = *found;
  return found.has_value();
}

}  // namespace

const TableDefinition* SchemaHistory::find(const std::string& db, const std::string& table) const {
  auto it = tables_.find(key(db, table));
  return it == tables_.end() ? nullptr : &it->second;
}

void SchemaHistory::put(const std::string& db, const std::string& table, TableDefinition def) {
  tables_[key(db, table)] = std::move(def);
}

void SchemaHistory::erase(const std::string& db, const std::string& table) {
  tables_.erase(key(db, table));
}

std::string SchemaHistory::to_json() const {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  auto str = [&](const std::string& s) {
    w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  };
  w.StartObject();
  for (const auto& [name, def] : tables_) {
    str(name);
    w.StartObject();
    w.Key("columns");
    w.StartArray();
    for (const row::Column& c : def.columns) {
      w.StartArray();  // [name, kind, collation, fsp, precision, scale, bits, type, members]
      str(c.name);
      w.String(kind_id(c.kind));
      w.Uint(c.collation);
      w.Uint(c.fsp);
      w.Uint(c.precision);
      w.Uint(c.scale);
      w.Uint(c.bits);
      str(c.type_name);
      w.StartArray();
      for (const std::string& m : c.members) str(m);
      w.EndArray();
      w.EndArray();
    }
    w.EndArray();
    w.Key("collation");
    w.Uint(def.default_collation);
    w.Key("primary_key");
    w.StartArray();
    for (const std::string& k : def.primary_key) str(k);
    w.EndArray();
    w.EndObject();
  }
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

Result<SchemaHistory> SchemaHistory::from_json(std::string_view json) {
  auto bad = [](const std::string& why) {
    return make_error(ErrorKind::usage, "the checkpoint's \"tables\" is damaged: " + why +
                                            " (run `dumpr load` or `dumpr position` again)");
  };
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::object root;
  if (parser.parse(padded).get_object().get(root)) return bad("not a JSON object");
  SchemaHistory h;
  for (auto [name, value] : root) {
    TableDefinition def;
    def.exists = true;
    simdjson::dom::array cols, pk;
    if (value["columns"].get_array().get(cols) || value["primary_key"].get_array().get(pk))
      return bad(std::string(name) + " has no columns or primary_key");
    for (simdjson::dom::element ce : cols) {
      simdjson::dom::array a;
      if (ce.get_array().get(a) || a.size() != 9) return bad("a column of " + std::string(name));
      row::Column c;
      std::string_view s;
      std::uint64_t n[5];
      if (a.at(0).get_string().get(s)) return bad("a column name");
      c.name = std::string(s);
      if (a.at(1).get_string().get(s) || !parse_kind(s, c.kind)) return bad("a column kind");
      for (int i = 0; i < 5; ++i)
        if (a.at(2 + i).get_uint64().get(n[i])) return bad("a column attribute");
      c.collation = static_cast<std::uint16_t>(n[0]);
      c.fsp = static_cast<std::uint8_t>(n[1]);
      c.precision = static_cast<std::uint8_t>(n[2]);
      c.scale = static_cast<std::uint8_t>(n[3]);
      c.bits = static_cast<std::uint16_t>(n[4]);
      if (a.at(7).get_string().get(s)) return bad("a column type");
      c.type_name = std::string(s);
      simdjson::dom::array members;
      if (a.at(8).get_array().get(members)) return bad("a column's members");
      for (simdjson::dom::element m : members) {
        if (m.get_string().get(s)) return bad("a member");
        c.members.emplace_back(s);
      }
      def.columns.push_back(std::move(c));
    }
    std::uint64_t coll = 0;
    if (!value["collation"].get_uint64().get(coll))
      def.default_collation = static_cast<std::uint16_t>(coll);
    for (simdjson::dom::element k : pk) {
      std::string_view s;
      if (k.get_string().get(s)) return bad("a key column");
      def.primary_key.emplace_back(s);
    }
    h.tables_[std::string(name)] = std::move(def);
  }
  return h;
}

Result<SchemaHistory> record_schema(Connection& c, const std::string& db) {
  std::vector<std::string> names;
  auto r = c.query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
                   quote_string(c.get(), db) + " AND TABLE_TYPE = 'BASE TABLE'");
  if (!r) return r.take_error();
  for (auto& row : r->rows) names.push_back(row[0].value_or(""));
  SchemaHistory h;
  for (const std::string& t : names) {
    auto def = describe_table(c, db, t);
    if (!def) return def.take_error();
    if (def->exists) h.put(db, t, std::move(def.value()));
  }
  return h;
}

Result<SchemaHistory> record_schema(Connection& c, const std::vector<std::string>& dbs) {
  SchemaHistory all;
  for (const std::string& db : dbs) {
    auto h = record_schema(c, db);
    if (!h) return h.take_error();
    for (auto& [key, def] : h->tables()) {
      const auto dot = key.find('.');
      all.put(key.substr(0, dot), key.substr(dot + 1), std::move(def));
    }
  }
  return all;
}

}  // namespace dumpr::mysql
