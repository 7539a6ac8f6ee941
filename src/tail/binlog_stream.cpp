// The tail, as passes over each event: read (server or file) -> decode -> track position and
// transaction -> decode rows through the table's plan -> tuples -> commit marker.
//
// Positions: `next_position` in a row's metadata is where a consumer that stored it restarts
// without losing anything after it: the start of its transaction for every row but the last,
// the end of the transaction for the last. So each tuple is held back by one row until we know
// whether it is its transaction's last.
#include "dumpr/binlog_stream.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>

#include "binlog/decoder.hpp"
#include "binlog/file.hpp"
#include "binlog/rows.hpp"
#include "mysql/binlog_dump.hpp"
#include "mysql/connection.hpp"
#include "mysql/schema_history.hpp"
#include "mysql/server_state.hpp"
#include "mysql/table_list.hpp"
#include "mysql/table_schema.hpp"
#include "row/tuple_builder.hpp"
#include "row/values.hpp"
#include "schema/ddl.hpp"
#include "schema/statement.hpp"
#include "select/table_filter.hpp"
#include "select/value_mask.hpp"

namespace dumpr {

namespace {

using binlog::Event;

// Per TABLE_MAP: the output shape and the decode plan, built on the first rows event.
struct TableState {
  std::shared_ptr<const binlog::TableMap> map;
  bool skip = false;
  std::vector<bool> warned;  // per column: a repaired value was reported
  row::TableShape shape;
  std::optional<binlog::DecodePlan> plan;
  // The table's and database's names, interned: tuples in flight point at them.
  const std::string* name = nullptr;
  const std::string* db = nullptr;
};

struct Out {
  TailEvent::Kind kind = TailEvent::Kind::row;
  RowOp op = RowOp::upsert;
  const std::string* table = nullptr;  // interned: lives as long as the stream
  row::JsonOut line;
  Position position;
  std::uint32_t time = 0;
};

// "mariadb-bin.000012" -> 12, for ordering files.
std::uint64_t file_number(const std::string& f) {
  auto dot = f.rfind('.');
  std::uint64_t n = 0;
  if (dot != std::string::npos) std::from_chars(f.data() + dot + 1, f.data() + f.size(), n);
  return n;
}

bool at_or_after(const std::string& file, std::uint64_t pos, const Position& target) {
  if (file == target.file) return pos >= target.position;
  return file_number(file) > file_number(target.file);
}

// Whether two table maps describe the same table the same way, so a decode plan built for one
// serves the other (the server logs a TABLE_MAP in every transaction).
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

std::string base_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool starts_with_word(std::string_view q, std::string_view word) {
  while (!q.empty() && (q.front() == ' ' || q.front() == '\n' || q.front() == '\t'))
    q.remove_prefix(1);
  if (q.size() < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(q[i])) != word[i]) return false;
  return q.size() == word.size() || !std::isalnum(static_cast<unsigned char>(q[word.size()]));
}

// MariaDB GTID positions are one "domain-server-seq" per domain; a commit replaces its domain's.
std::string merge_maria_gtid(const std::string& pos, const std::string& gtid) {
  auto dash = gtid.find('-');
  if (dash == std::string::npos) return pos;
  std::string domain = gtid.substr(0, dash);
  std::string out;
  bool replaced = false;
  std::size_t start = 0;
  while (start < pos.size()) {
    auto comma = pos.find(',', start);
    std::string item =
        pos.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? pos.size() : comma + 1;
    if (item.empty()) continue;
    if (item.substr(0, item.find('-')) == domain) {
      item = gtid;
      replaced = true;
    }
    if (!out.empty()) out += ',';
    out += item;
  }
  if (!replaced) {
    if (!out.empty()) out += ',';
    out += gtid;
  }
  return out;
}

}  // namespace

struct BinlogStream::Impl {
  Config cfg;
  TailOptions opts;
  select::TableFilter filter;  // what is captured: the same matchers load uses
  select::ColumnFilter column_filter;
  std::optional<select::ValueMask> mask;
  std::atomic<bool> stop_requested{false};

  // Sources: a server, or local files.
  bool offline = false;
  std::optional<mysql::Connection> schema_conn;
  std::optional<mysql::BinlogDump> dump;
  std::optional<binlog::BinlogFile> file_reader;
  std::size_t file_index = 0;
  bool flavor_mariadb = true;
  std::uint32_t server_id = 0;
  int reconnects = 0;

  binlog::Decoder decoder;
  Event event;  // the event being processed (its views stay valid until the next read)
  std::vector<binlog::Bytes> inner;  // TRANSACTION_PAYLOAD's events still to process
  std::size_t inner_index = 0;

  // Where the next event starts, and the last commit (what a checkpoint stores).
  std::string file;
  std::uint64_t pos = 4;
  Position committed;
  Position end_target;
  bool have_end = false;

  // The transaction in progress.
  bool in_txn = false, seen_begin = false, standalone = false;
  std::string txn_file;
  std::uint64_t txn_pos = 0;
  std::string txn_gtid;
  std::uint64_t released_in_txn = 0;  // tuples of this transaction given to the consumer
  std::uint64_t skip_tuples = 0;      // after a reconnect: tuples already given, to skip

  // Tables.
  std::unordered_map<std::uint64_t, std::unique_ptr<TableState>> tables;
  std::map<std::string, mysql::TableDefinition> schema_cache;  // "db.table", current server
  // Definitions as of the stream's position, for table maps without column names.
  bool keep_history = false;
  mysql::SchemaHistory history;
  std::string history_json;  // history as stored in checkpoints, rebuilt when it changes
  std::map<std::string, std::string> seen_shape;  // "db.table" -> column names and kinds
  std::map<std::string, bool> warned_no_key;

  // Rows being decoded.
  std::optional<binlog::RowsReader> rows;
  TableState* rows_table = nullptr;
  std::uint32_t rows_time = 0;
  row::TupleBuilder before, after;
  row::JsonOut id_before, id_after, scratch;

  // The held tuple (prefix up to the metadata) and the output queue.
  bool has_held = false;
  row::JsonOut held;
  const std::string* held_table = nullptr;  // interned names
  const std::string* held_db = nullptr;
  RowOp held_op = RowOp::upsert;
  std::uint32_t held_time = 0;
  bool held_partial = false;
  std::string held_extra;  // more metadata members: `,"moved_from":ID` or `,"dropped":true`
  // Tuples after a SAVEPOINT, held until COMMIT or ROLLBACK TO decides (a ROLLBACK TO in the
  // binlog means a non-transactional table was written; the transactional rows since the
  // savepoint did not happen).
  struct Buffered {
    row::JsonOut prefix;
    RowOp op = RowOp::upsert;
    const std::string* table = nullptr;  // interned names
    const std::string* db = nullptr;
    std::uint32_t time = 0;
    bool partial = false;
    std::string extra;
    bool transactional = true;
  };
  std::vector<std::pair<std::string, std::size_t>> savepoints;  // name, buffered count then
  std::vector<Buffered> buffered;
  std::size_t buffered_count = 0;
  std::map<std::string, bool> transactional_cache;  // "db.table" -> engine is transactional
  std::vector<Out> outq;
  std::size_t out_head = 0, out_size = 0;
  TailEvent current;
  bool ended = false;

  // write_metadata's pieces of the last row (db is an interned name).
  struct MetaCache {
    bool valid = false;
    std::uint32_t time = 0;
    const std::string* db = nullptr;
    std::string file, gtid;
    row::JsonOut head, gtid_json;
  } meta_cache;

  // Names that tuples in flight point at; a set's nodes never move, and there are as many as
  // tables seen.
  std::set<std::string, std::less<>> interned;
  const std::string& intern(std::string_view name) {
    auto it = interned.find(name);
    if (it == interned.end()) it = interned.emplace(name).first;
    return *it;
  }

  void warn(const std::string& m) {
    if (cfg.on_warning) cfg.on_warning(m);
  }

  Out& push(TailEvent::Kind kind) {
    if (out_size == outq.size()) outq.emplace_back();
    Out& o = outq[out_size++];
    o.kind = kind;
    o.table = nullptr;
    o.line.clear_and_trim();
    return o;
  }

  Status connect_source(const Position& from);
  Result<bool> read_event();  // false: the input ended
  Status handle(const Event& ev, std::uint64_t event_start, bool inner_event);
  Status step();
  void begin_txn(std::uint64_t event_start);
  void commit();
  Result<TableState*> table_for(const binlog::RowsEvent& rows);
  Status build_table(TableState& t);
  Status decode_next_row();
  void emit(row::TupleBuilder& b, RowOp op, std::string_view id_override,
            std::string_view moved_from = {});
  void emit_truncate(const std::string& db, const std::string& table, bool dropped);
  bool captured(std::string_view db, std::string_view table) const;
  Status statement_rows(const schema::StatementEffect& eff, const binlog::QueryEvent& q,
                        std::uint64_t event_start);
  std::string extra_scratch;
  void release(const std::string& next_file, std::uint64_t next_pos);
  void write_metadata(row::JsonOut& o, std::uint32_t time, const std::string& db,
                      const std::string& next_file, std::uint64_t next_pos, bool partial,
                      std::string_view extra);
  void reset_stream_state();
  void hold(row::JsonOut& prefix, RowOp op, const std::string& table, const std::string& db,
            std::uint32_t time, bool partial, std::string_view extra);
  void drain_buffered();
  bool is_transactional(const std::string& db, const std::string& table);
  void rollback_to(std::string_view name);
  Status refresh_after_ddl(std::string_view db, std::string_view sql);
  Status refresh_from_server(std::string_view db, const std::vector<std::string>& only);
  Status load_collations();
  std::map<std::string, std::uint16_t> collation_ids, charset_defaults;
  std::string shape_signature(const row::TableShape& shape) const;
};

std::string BinlogStream::Impl::shape_signature(const row::TableShape& shape) const {
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

Status BinlogStream::Impl::load_collations() {
  if (!schema_conn || !collation_ids.empty()) return {};
  auto r = schema_conn->query(
      "SELECT COLLATION_NAME, ID, CHARACTER_SET_NAME, IS_DEFAULT FROM "
      "information_schema.COLLATIONS");
  if (!r) return r.take_error();
  for (auto& row : r->rows) {
    std::uint16_t id = 0;
    const std::string idtext = row[1].value_or("0");
    std::from_chars(idtext.data(), idtext.data() + idtext.size(), id);
    collation_ids[row[0].value_or("")] = id;
    if (row[3].value_or("") == "Yes") charset_defaults[row[2].value_or("")] = id;
  }
  return {};
}

Status BinlogStream::Impl::refresh_after_ddl(std::string_view db, std::string_view sql) {
  if (!keep_history) return {};
  // Apply the statement to the recorded definitions: right for this position however far the
  // server has moved on since.
  DUMPR_TRY(load_collations());
  schema::CollationLookup lookup;
  lookup.by_name = [this](std::string_view name) -> std::uint16_t {
    auto it = collation_ids.find(std::string(name));
    return it == collation_ids.end() ? 0 : it->second;
  };
  lookup.default_of = [this](std::string_view cs) -> std::uint16_t {
    auto it = charset_defaults.find(std::string(cs));
    return it == charset_defaults.end() ? 0 : it->second;
  };
  lookup.database_default = [this](std::string_view database) -> std::uint16_t {
    if (!schema_conn) return 0;
    auto r = schema_conn->query(
        "SELECT DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " +
        mysql::quote_string(schema_conn->get(), database));
    if (!r || r->rows.empty()) return 0;
    auto it = collation_ids.find(r->rows[0][0].value_or(""));
    return it == collation_ids.end() ? 0 : it->second;
  };
  schema::DdlEffect eff = schema::apply_ddl(history.tables(), sql, db, cfg.database, lookup);
  if (eff.kind == schema::DdlEffect::Kind::none) return {};
  if (eff.kind == schema::DdlEffect::Kind::applied) {
    history_json = history.to_json();
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

Status BinlogStream::Impl::refresh_from_server(std::string_view db,
                                               const std::vector<std::string>& only) {
  if (!schema_conn) return {};
  std::vector<std::pair<std::string, std::string>> names;
  auto add = [&](const std::string& key) {
    auto dot = key.find('.');
    names.emplace_back(key.substr(0, dot), key.substr(dot + 1));
  };
  if (!only.empty()) {
    for (const std::string& key : only) add(key);
  } else {
    for (const auto& [key, def] : history.tables())
      if (db.empty() || key.substr(0, key.find('.')) == db) add(key);
  }
  bool changed = false;
  for (const auto& [d, t] : names) {
    auto def = mysql::describe_table(*schema_conn, d, t);
    if (!def) return def.take_error();
    const mysql::TableDefinition* old = history.find(d, t);
    bool same = old && def->exists && old->columns.size() == def->columns.size();
    for (std::size_t i = 0; same && i < def->columns.size(); ++i)
      same = old->columns[i].name == def->columns[i].name &&
             old->columns[i].kind == def->columns[i].kind &&
             old->columns[i].members == def->columns[i].members;
    if (same) continue;
    changed = true;
    if (!def->exists) {
      history.erase(d, t);
    } else {
      history.put(d, t, std::move(def.value()));
    }
  }
  if (changed) history_json = history.to_json();
  return {};
}

void BinlogStream::Impl::reset_stream_state() {
  decoder = binlog::Decoder();
  tables.clear();
  rows.reset();
  inner.clear();
  inner_index = 0;
  in_txn = seen_begin = standalone = false;
  has_held = false;
  savepoints.clear();
  buffered_count = 0;
}

Status BinlogStream::Impl::connect_source(const Position& from) {
  auto conn = mysql::Connection::open(cfg);
  if (!conn) return conn.take_error();
  flavor_mariadb = conn->is_mariadb();
  mysql::DumpRequest req;
  req.file = from.file;
  req.position = from.position;
  req.server_id = server_id;
  req.heartbeat_ms = opts.heartbeat_ms;
  req.gtid = from.file.empty() ? from.gtid : std::string();
  auto d = mysql::BinlogDump::start(std::move(conn.value()), req);
  if (!d) return d.take_error();
  dump.emplace(std::move(d.value()));
  file = from.file;
  pos = from.position;
  return {};
}

Result<bool> BinlogStream::Impl::read_event() {
  if (offline) {
    while (true) {
      if (!file_reader) {
        if (file_index >= opts.binlog_files.size()) return false;
        auto f = binlog::BinlogFile::open(opts.binlog_files[file_index]);
        if (!f) return f.take_error();
        file_reader.emplace(std::move(f.value()));
        file = base_name(opts.binlog_files[file_index]);
        pos = 4;
        decoder = binlog::Decoder();
        tables.clear();
      }
      binlog::RawEvent raw;
      auto more = file_reader->next(raw);
      if (!more) return more.take_error();
      if (!*more) {
        file_reader.reset();
        ++file_index;
        continue;
      }
      auto ev = decoder.decode(raw.bytes);
      if (!ev) return file_reader->at(raw, ev.take_error());
      event = std::move(ev.value());
      std::uint64_t start = raw.offset;
      pos = raw.end();
      DUMPR_TRY(handle(event, start, false));
      return true;
    }
  }
  while (true) {
    auto bytes = dump ? dump->next()
                      : Result<std::span<const std::uint8_t>>(
                            make_error(ErrorKind::connection, "not connected"));
    if (!bytes) {
      Error err = bytes.take_error();
      if (err.kind != ErrorKind::connection || stop_requested) return err;
      if (opts.max_reconnects >= 0 && reconnects >= opts.max_reconnects) return err;
      // Reconnect from the last commit; skip what this transaction already gave out.
      ++reconnects;
      unsigned backoff =
          std::min<unsigned>(250u << std::min(reconnects - 1, 8), opts.max_reconnect_backoff_ms);
      warn("lost the server (" + err.message + "); reconnecting from " + committed.file + ":" +
           std::to_string(committed.position) + " in " + std::to_string(backoff) + " ms");
      for (unsigned waited = 0; waited < backoff; waited += 50) {
        if (stop_requested) {
          has_held = false;  // its transaction will be read again from the checkpoint
          return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      dump.reset();
      const std::uint64_t given = released_in_txn + skip_tuples;
      reset_stream_state();
      Status c = connect_source(committed);
      if (c) {
        auto sc = mysql::Connection::open(cfg);
        if (sc) schema_conn.emplace(std::move(sc.value()));
        schema_cache.clear();
      }
      if (!c) {
        if (c.error().kind != ErrorKind::connection) return c.take_error();
        dump.reset();
        // Try again: next() on an empty dump is a connection error handled above.
        skip_tuples = given;
        released_in_txn = 0;
        warn("reconnect failed: " + c.error().message);
        continue;
      }
      skip_tuples = given;
      released_in_txn = 0;
      warn("reconnected; continuing from " + committed.file + ":" +
           std::to_string(committed.position));
      continue;
    }
    if (bytes->empty()) return false;
    auto ev = decoder.decode(*bytes, dump->last_body_crc());
    if (!ev)
      return make_error(ev.error().kind,
                        file + " at offset " + std::to_string(pos) + ": " + ev.error().message);
    event = std::move(ev.value());
    const binlog::EventHeader& h = event.header;
    std::uint64_t start = pos;
    const bool artificial = (h.flags & binlog::kLogEventArtificialF) != 0;
    if (h.type == binlog::kRotate || h.type == binlog::kHeartbeat ||
        h.type == binlog::kHeartbeatV2 || artificial) {
      // These do not occupy the position they report.
    } else if (h.type == binlog::kFormatDescription && h.log_pos == 0) {
      // The format description a dump starts with (not at the position it reports).
    } else if (h.log_pos != 0) {
      // The event's own start is exact even where our running position is not (the first
      // event after a GTID-based start, whose ROTATE names only the file).
      if (h.log_pos >= h.event_size) start = h.log_pos - h.event_size;
      pos = h.log_pos;
    } else {
      pos += h.event_size;  // MariaDB 11.4+: no end position inside transactions
    }
    reconnects = 0;
    DUMPR_TRY(handle(event, start, false));
    return true;
  }
}

void BinlogStream::Impl::begin_txn(std::uint64_t event_start) {
  if (!in_txn) {
    in_txn = true;
    seen_begin = false;
    standalone = false;
    txn_file = file;
    txn_pos = event_start;
    txn_gtid.clear();
    released_in_txn = 0;
  }
}

void BinlogStream::Impl::commit() {
  drain_buffered();
  if (has_held) release(file, pos);
  committed.file = file;
  committed.position = pos;
  committed.tables_json = keep_history ? history_json : std::string();
  if (!txn_gtid.empty()) {
    if (flavor_mariadb)
      committed.gtid = merge_maria_gtid(committed.gtid, txn_gtid);
    else
      committed.gtid.clear();  // MySQL GTID sets are not tracked yet: file+position is exact
  }
  Out& o = push(TailEvent::Kind::commit);
  o.position = committed;
  o.time = event.header.timestamp;
  in_txn = seen_begin = standalone = false;
  released_in_txn = 0;
  skip_tuples = 0;
  savepoints.clear();
}

Status BinlogStream::Impl::handle(const Event& ev, std::uint64_t event_start, bool inner_event) {
  using namespace binlog;
  if (const auto* r = ev.as<RotateEvent>()) {
    if (!inner_event) {
      file = std::string(r->next_file);
      pos = r->position;
    }
    return {};
  }
  if (const auto* g = ev.as<MariaGtidEvent>()) {
    begin_txn(event_start);
    txn_gtid = g->to_string();
    standalone = g->standalone();
    seen_begin = !standalone;  // MariaDB logs no BEGIN: a non-standalone GTID is the BEGIN
    return {};
  }
  if (const auto* g = ev.as<MysqlGtidEvent>()) {
    begin_txn(event_start);
    if (!g->anonymous) txn_gtid = g->to_string();
    return {};
  }
  if (const auto* q = ev.as<QueryEvent>()) {
    if (starts_with_word(q->query, "BEGIN") || starts_with_word(q->query, "XA START")) {
      begin_txn(event_start);
      seen_begin = true;
      return {};
    }
    if (starts_with_word(q->query, "SAVEPOINT")) {
      std::string_view name = q->query.substr(q->query.find("SAVEPOINT") + 9);
      savepoints.emplace_back(std::string(name), buffered_count);
      return {};
    }
    if (starts_with_word(q->query, "ROLLBACK TO") || starts_with_word(q->query, "RELEASE")) {
      if (starts_with_word(q->query, "ROLLBACK TO")) {
        std::string_view name = q->query.substr(11);
        if (starts_with_word(name, "SAVEPOINT")) name = name.substr(name.find("SAVEPOINT") + 9);
        rollback_to(name);
      }
      return {};
    }
    if (starts_with_word(q->query, "COMMIT") || starts_with_word(q->query, "ROLLBACK")) {
      if (in_txn || has_held) commit();
      return {};
    }
    if (starts_with_word(q->query, "XA")) return {};  // XA END / XA COMMIT bookkeeping
    const schema::StatementEffect effect = schema::statement_effect(q->query, q->db);
    if (effect.kind == schema::StatementEffect::Kind::dml)
      return statement_rows(effect, *q, event_start);
    // A statement of its own (DDL): definitions may have changed, and rows may be gone.
    if (effect.kind != schema::StatementEffect::Kind::other) {
      begin_txn(event_start);
      const bool dropped = effect.kind != schema::StatementEffect::Kind::truncate;
      if (effect.kind == schema::StatementEffect::Kind::drop_database) {
        // Every table of that database this stream knows of: recorded, or seen in this run.
        std::set<std::string> names;
        const std::string prefix = effect.database + ".";
        for (const auto& [key, def] : history.tables())
          if (key.compare(0, prefix.size(), prefix) == 0) names.insert(key.substr(prefix.size()));
        for (const auto& [key, sig] : seen_shape)
          if (key.compare(0, prefix.size(), prefix) == 0) names.insert(key.substr(prefix.size()));
        for (const std::string& t : names)
          if (captured(effect.database, t)) emit_truncate(effect.database, t, true);
      }
      for (const auto& [d, t] : effect.tables)
        if (captured(d, t)) emit_truncate(d, t, dropped);
    }
    schema_cache.clear();
    tables.clear();
    DUMPR_TRY(refresh_after_ddl(q->db, q->query));
    if (!seen_begin) {
      begin_txn(event_start);
      commit();
    }
    return {};
  }
  if (ev.as<XidEvent>() || ev.as<XaPrepareEvent>()) {
    begin_txn(event_start);
    commit();
    return {};
  }
  if (ev.as<HeartbeatEvent>()) {
    Out& o = push(TailEvent::Kind::heartbeat);
    o.time = ev.header.timestamp;
    return {};
  }
  if (const auto* p = ev.as<TransactionPayloadEvent>()) {
    inner = p->events;
    inner_index = 0;
    return {};
  }
  if (const auto* rows_ev = ev.as<RowsEvent>()) {
    auto t = table_for(*rows_ev);
    if (!t) return t.take_error();
    if (!*t) return {};
    if (!in_txn) begin_txn(event_start);
    rows_table = *t;
    rows_time = ev.header.timestamp;
    rows.emplace(*rows_ev, *rows_table->plan);
    return {};
  }
  return {};
}

Result<TableState*> BinlogStream::Impl::table_for(const binlog::RowsEvent& r) {
  if (!r.map)
    return make_error(ErrorKind::corrupt, "a rows event for table id " +
                                              std::to_string(r.table_id) +
                                              " came without its TABLE_MAP event");
  auto& slot = tables[r.table_id];
  if (slot && slot->map != r.map && same_table_map(*slot->map, *r.map)) slot->map = r.map;
  if (!slot || slot->map != r.map) {
    slot = std::make_unique<TableState>();
    slot->map = r.map;
    const auto& m = *r.map;
    slot->skip = !captured(m.database, m.table);
    if (!slot->skip) DUMPR_TRY(build_table(*slot));
  }
  return slot->skip ? nullptr : slot.get();
}

Status BinlogStream::Impl::build_table(TableState& t) {
  const binlog::TableMap& m = *t.map;
  std::vector<row::Column> cols = binlog::columns_from_table_map(m);
  const mysql::TableDefinition* def = nullptr;
  if (keep_history) {
    // The definition in force at this position: recorded, or (first sight) the server's now.
    // With column names in the table map, only what a table map cannot say is needed from it
    // (MariaDB's JSON, UUID, INET), so only tables with such columns are tracked.
    def = history.find(m.database, m.table);
    if (!def && schema_conn) {
      const std::string key = m.database + "." + m.table;
      auto it = schema_cache.find(key);
      if (it == schema_cache.end()) {
        auto d = mysql::describe_table(*schema_conn, m.database, m.table);
        if (!d) return d.take_error();
        it = schema_cache.emplace(key, std::move(d.value())).first;
      }
      if (it->second.exists) def = &it->second;
      if (def && !m.has_column_names) {
        history.put(m.database, m.table, *def);
        history_json = history.to_json();
        def = history.find(m.database, m.table);
      }
    }
  }
  if (def) {
    if (!m.has_column_names) {
      if (def->columns.size() != cols.size())
        return make_error(
            ErrorKind::schema,
            "table " + m.database + "." + m.table + " at " + file + ":" + std::to_string(pos) +
                ": the binlog row has " + std::to_string(cols.size()) +
                " columns but its definition at that point has " +
                std::to_string(def->columns.size()) +
                "; without binlog_row_metadata=FULL dumpr cannot tell which is which (set "
                "binlog_row_metadata=FULL on the server, or run `dumpr load` again)");
      // Names and kinds from the server's definition; what the table map knows wins where it
      // says more (its kinds follow the logged types).
      for (std::size_t i = 0; i < cols.size(); ++i) {
        row::Column c = def->columns[i];
        if (c.kind == row::Kind::enumeration || c.kind == row::Kind::set) {
          if (cols[i].members.empty()) cols[i].members = c.members;
        }
        cols[i].name = c.name;
        if (c.kind == row::Kind::json || c.kind == row::Kind::server_text ||
            c.kind == row::Kind::unsigned_int || c.kind == row::Kind::signed_int)
          cols[i].kind = c.kind;
        // A string column with no charset in the table map (binlog_row_metadata=NO_LOG, old
        // servers): text or binary, and which charset, only the definition knows. (Only string
        // columns: a definition newer than the binlog may have changed the type.)
        const bool map_string =
            cols[i].kind == row::Kind::text || cols[i].kind == row::Kind::binary;
        if (map_string && !m.columns[i].collation &&
            (c.kind == row::Kind::text || c.kind == row::Kind::binary)) {
          cols[i].kind = c.kind;
          cols[i].collation = c.collation;
        }
        cols[i].type_name = c.type_name;
        if (cols[i].collation == 0) cols[i].collation = c.collation;
      }
    } else if (def->columns.size() == cols.size()) {
      // Only what a table map cannot say: MariaDB JSON, UUID, INET4, INET6.
      for (std::size_t i = 0; i < cols.size(); ++i) {
        const row::Column& c = def->columns[i];
        if (c.name != cols[i].name) continue;
        if (c.kind == row::Kind::json || c.kind == row::Kind::server_text) {
          cols[i].kind = c.kind;
          cols[i].type_name = c.type_name;
        }
      }
    }
  }
  if (def && def->columns.size() == cols.size()) {
    // MariaDB's pre-10.1 fractional TIME/DATETIME/TIMESTAMP are logged under the old type codes
    // with no metadata: only the definition knows their fraction digits.
    for (std::size_t i = 0; i < cols.size(); ++i) {
      const std::uint8_t type = m.columns[i].real_type;
      if ((type == binlog::kTime || type == binlog::kDateTime || type == binlog::kTimestamp) &&
          def->columns[i].kind == cols[i].kind)
        cols[i].fsp = def->columns[i].fsp;
    }
  }
  if (keep_history && m.has_column_names && !history.find(m.database, m.table)) {
    // Track what this table map and the definition say now, so that DDL later in the binlog
    // is applied to it (a column made JSON while the stream is behind).
    mysql::TableDefinition now;
    now.exists = true;
    now.columns = cols;
    if (def) now.default_collation = def->default_collation;
    for (auto k : m.primary_key)
      if (k < cols.size()) now.primary_key.push_back(cols[k].name);
    if (now.primary_key.empty() && def) now.primary_key = def->primary_key;
    history.put(m.database, m.table, std::move(now));
    history_json = history.to_json();
  }
  t.shape.table = filter.tuple_name(m.database, m.table);
  t.name = &intern(t.shape.table);
  t.db = &intern(m.database);
  t.shape.columns = std::move(cols);
  // The id: --id, else the table map's primary key, else the server's.
  std::vector<std::string> id_names;
  auto id_it = cfg.id_columns.find(m.database + "." + m.table);
  if (id_it == cfg.id_columns.end()) id_it = cfg.id_columns.find(m.table);
  if (id_it != cfg.id_columns.end()) {
    id_names = id_it->second;
  } else if (!m.primary_key.empty()) {
    for (auto k : m.primary_key)
      if (k < t.shape.columns.size()) t.shape.id_columns.push_back(k);
  } else if (def) {
    id_names = def->primary_key;
  }
  for (const std::string& n : id_names) {
    for (std::size_t k = 0; k < t.shape.columns.size(); ++k)
      if (t.shape.columns[k].name == n) t.shape.id_columns.push_back(k);
  }
  if (t.shape.id_columns.empty() && !warned_no_key[m.database + "." + m.table]) {
    warned_no_key[m.database + "." + m.table] = true;
    warn("table " + m.database + "." + m.table + " has no primary key" +
         (def || m.has_column_names ? "" : " known to dumpr") + " and no --id " + m.table +
         "=COLUMNS: its tuples have a null id");
  }
  t.shape.prepare();
  // Say so, once, when a table shows up with another definition than before.
  std::string sig = shape_signature(t.shape);
  auto& seen = seen_shape[m.database + "." + m.table];
  if (!seen.empty() && seen != sig)
    warn("table " + m.database + "." + m.table + " has a new definition from " + file + ":" +
         std::to_string(pos) + " on: " + sig);
  seen = std::move(sig);
  auto plan = binlog::DecodePlan::make(m, t.shape.columns, cfg.values);
  if (!plan) return plan.take_error();
  t.plan.emplace(std::move(plan.value()));
  // --exclude-columns, --mask-columns, --bigint-as-string: decided as load decides them.
  std::vector<std::string> names;
  std::vector<bool> bigint;
  for (std::size_t i = 0; i < t.shape.columns.size(); ++i) {
    names.push_back(t.shape.columns[i].name);
    bigint.push_back(m.columns[i].real_type == binlog::kLongLong);
  }
  auto rules = column_filter.rules(m.database, m.table, names, bigint, t.shape.id_columns);
  if (!rules) return rules.take_error();
  t.shape.rules = std::move(rules.value());
  t.shape.excluded = 0;
  for (std::size_t i = 0; i < t.shape.rules.size(); ++i)
    if (t.shape.rules[i] == select::ColumnRule::exclude) {
      t.plan->skip_column(i);
      ++t.shape.excluded;
    }
  t.shape.mask = mask ? &*mask : nullptr;
  return {};
}

void BinlogStream::Impl::write_metadata(row::JsonOut& o, std::uint32_t time, const std::string& db,
                                        const std::string& next_file, std::uint64_t next_pos,
                                        bool partial, std::string_view extra) {
  // Rows of one event share all but next_position: the pieces around it are built once.
  MetaCache& m = meta_cache;
  if (!m.valid || m.time != time || m.db != &db || m.file != next_file) {
    m.head.clear();
    m.head.put(std::string_view("{\"ts\":"));
    row::put_datetime(m.head, ValueOptions{}, binlog::utc_parts(time), 0, true);
    m.head.put(std::string_view(",\"db\":"));
    m.head.put_string(db);
    m.head.put(std::string_view(",\"next_file\":"));
    m.head.put_string(next_file);
    m.head.put(std::string_view(",\"next_position\":"));
    m.time = time;
    m.db = &db;
    m.file = next_file;
    m.valid = true;
  }
  if (m.gtid != txn_gtid) {
    m.gtid = txn_gtid;
    m.gtid_json.clear();
    if (!txn_gtid.empty()) {
      m.gtid_json.put(std::string_view(",\"gtid\":"));
      m.gtid_json.put_string(txn_gtid);
    }
  }
  o.put(m.head.view());
  row::put_uint(o, next_pos);
  o.put(m.gtid_json.view());
  if (partial) o.put(std::string_view(",\"partial\":true"));
  o.put(extra);
  o.put('}');
}

void BinlogStream::Impl::release(const std::string& next_file, std::uint64_t next_pos) {
  Out& o = push(TailEvent::Kind::row);
  o.line.swap(held);
  write_metadata(o.line, held_time, *held_db, next_file, next_pos, held_partial, held_extra);
  o.line.put(']');
  o.op = held_op;
  o.table = held_table;
  has_held = false;
  ++released_in_txn;
}

void BinlogStream::Impl::hold(row::JsonOut& prefix, RowOp op, const std::string& table,
                              const std::string& db, std::uint32_t time, bool partial,
                              std::string_view extra) {
  if (has_held) release(txn_file, txn_pos);
  held.swap(prefix);
  held_op = op;
  held_table = &table;
  held_db = &db;
  held_time = time;
  held_partial = partial;
  held_extra.assign(extra);
  has_held = true;
}

void BinlogStream::Impl::emit(row::TupleBuilder& b, RowOp op, std::string_view id_override,
                              std::string_view moved_from) {
  if (skip_tuples > 0) {  // given out before a reconnect
    --skip_tuples;
    ++released_in_txn;
    return;
  }
  const row::Op rop = op == RowOp::upsert ? row::Op::upsert : row::Op::erase;
  const bool partial = b.partial();
  const std::string& table = *rows_table->name;
  const std::string& db = *rows_table->db;
  extra_scratch.clear();
  if (!moved_from.empty()) {
    extra_scratch += ",\"moved_from\":";
    extra_scratch += moved_from;
  }
  if (!savepoints.empty()) {
    if (buffered_count == buffered.size()) buffered.emplace_back();
    Buffered& t = buffered[buffered_count++];
    t.prefix.clear();
    b.take_prefix(t.prefix, rop, id_override);
    t.op = op;
    t.table = &table;
    t.db = &db;
    t.time = rows_time;
    t.partial = partial;
    t.extra.assign(extra_scratch);
    t.transactional = is_transactional(db, table);
    return;
  }
  scratch.clear();
  b.take_prefix(scratch, rop, id_override);
  hold(scratch, op, table, db, rows_time, partial, extra_scratch);
}

bool BinlogStream::Impl::captured(std::string_view db, std::string_view table) const {
  return filter.captures(db, table);
}

void BinlogStream::Impl::emit_truncate(const std::string& db, const std::string& table,
                                       bool dropped) {
  if (skip_tuples > 0) {  // given out before a reconnect
    --skip_tuples;
    ++released_in_txn;
    return;
  }
  const std::string& t = intern(filter.tuple_name(db, table));
  const std::string& d = intern(db);
  scratch.clear();
  scratch.put(std::string_view("[\"truncate\","));
  scratch.put_string(t);
  scratch.put(std::string_view(",null,null,"));
  hold(scratch, RowOp::truncate, t, d, event.header.timestamp, false,
       dropped ? std::string_view(",\"dropped\":true") : std::string_view());
}

// DML logged as a statement: its rows are in no row event. On a captured table that is a loss
// dumpr cannot repair, so it stops before the checkpoint passes it (unless told to skip).
Status BinlogStream::Impl::statement_rows(const schema::StatementEffect& eff,
                                          const binlog::QueryEvent& q, std::uint64_t event_start) {
  std::string hit;
  // Tables it could not list: any table of its database, or of one its text names, may change.
  if (eff.tables_unknown) {
    const std::string db = filter.database_touched(q.db, q.query);
    if (!db.empty())
      hit = "tables of `" + db + "` (the statement's text does not show which plainly)";
  }
  for (const auto& [d, t] : eff.tables)
    if (hit.empty() && captured(d, t)) hit = "table " + d + "." + t;
  if (hit.empty()) return {};
  std::string shown(q.query.substr(0, 200));
  for (char& c : shown)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (q.query.size() > 200) shown += "...";
  const std::string where = file + ":" + std::to_string(event_start) + " (transaction from " +
                            (in_txn ? txn_file + ":" + std::to_string(txn_pos)
                                    : file + ":" + std::to_string(event_start)) +
                            ")";
  if (opts.skip_statement_dml) {
    warn("skipped a statement-format change to " + hit + " at " + where + ": `" + shown +
         "`: its rows are NOT in the output (--skip-statement-dml)");
    return {};
  }
  return make_error(
      ErrorKind::server_config,
      "at " + where + " a change to captured " + hit +
          " was logged as a statement, not as rows: `" + shown +
          "`; dumpr reads row events only, so its rows cannot be written. The checkpoint stays "
          "before it. Set binlog_format=ROW for every session (SET GLOBAL binlog_format=ROW, then "
          "reconnect the clients), run `dumpr load` again for the affected tables, and tail from "
          "its checkpoint; or pass --skip-statement-dml to skip such statements knowingly");
}

void BinlogStream::Impl::drain_buffered() {
  for (std::size_t i = 0; i < buffered_count; ++i) {
    Buffered& t = buffered[i];
    hold(t.prefix, t.op, *t.table, *t.db, t.time, t.partial, t.extra);
  }
  buffered_count = 0;
  savepoints.clear();
}

bool BinlogStream::Impl::is_transactional(const std::string& db, const std::string& table) {
  const std::string key = db + "." + table;
  auto it = transactional_cache.find(key);
  if (it != transactional_cache.end()) return it->second;
  bool transactional = true;  // offline, or unknown: InnoDB, the default engine
  if (schema_conn) {
    auto r =
        schema_conn->query("SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
                           mysql::quote_string(schema_conn->get(), db) +
                           " AND TABLE_NAME = " + mysql::quote_string(schema_conn->get(), table));
    if (r && !r->rows.empty()) {
      std::string engine = r->rows[0][0].value_or("");
      for (char& c : engine) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      transactional = engine != "MYISAM" && engine != "ARIA" && engine != "MEMORY" &&
                      engine != "CSV" && engine != "ARCHIVE" && engine != "MRG_MYISAM";
    }
  }
  transactional_cache.emplace(key, transactional);
  return transactional;
}

void BinlogStream::Impl::rollback_to(std::string_view name) {
  auto trim = [](std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '`')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '`' || v.back() == ';'))
      v.remove_suffix(1);
    return v;
  };
  name = trim(name);
  for (std::size_t k = savepoints.size(); k-- > 0;) {
    if (trim(savepoints[k].first) != name) continue;
    // Keep only the non-transactional tables' rows written since that savepoint.
    std::size_t keep = savepoints[k].second;
    for (std::size_t i = savepoints[k].second; i < buffered_count; ++i) {
      if (buffered[i].transactional) continue;
      if (i != keep) std::swap(buffered[i], buffered[keep]);
      ++keep;
    }
    buffered_count = keep;
    savepoints.resize(k + 1);
    savepoints[k].second = buffered_count;
    return;
  }
}

Status BinlogStream::Impl::decode_next_row() {
  // A huge held tuple is not its transaction's last: this row follows it. Give it out first, and
  // decode this row on the next call, so it is written (and its buffer freed) before this one's
  // grows. Ordinary rows go out when the next is held, one step per row.
  if (has_held && held.size() > (std::size_t{1} << 20) && savepoints.empty() && skip_tuples == 0) {
    release(txn_file, txn_pos);
    return {};
  }
  const auto* rows_ev = event.as<binlog::RowsEvent>();
  const bool has_before = rows_ev->has_before(), has_after = rows_ev->has_after();
  if (has_before) before.start(rows_table->shape);
  if (has_after) after.start(rows_table->shape);
  DUMPR_TRY(rows->next(has_before ? &before : nullptr, has_after ? &after : nullptr));
  for (row::TupleBuilder* b : {&before, &after}) {
    if ((b == &before && !has_before) || (b == &after && !has_after)) continue;
    if (b->repaired().empty()) continue;
    std::vector<std::string> warnings;
    b->new_repair_warnings(rows_table->warned, warnings);
    for (const std::string& w : warnings)
      warn(w + " (first at " + file + ":" + std::to_string(pos) + ")");
  }
  if (!has_before) {
    emit(after, RowOp::upsert, {});
  } else if (!has_after) {
    emit(before, RowOp::erase, {});
  } else {
    // The new id: the after-image's key columns over the before-image's (a MINIMAL after-image
    // has only the columns that changed). A new id is a delete of the old one and an upsert
    // that says where the row came from, so a consumer can carry over the columns a partial
    // image left out.
    std::string_view idb = before.id_json(id_before);
    std::string_view ida = after.id_json_over(before, id_after);
    if (ida != idb) {
      emit(before, RowOp::erase, {});
      emit(after, RowOp::upsert, ida, idb);
    } else {
      emit(after, RowOp::upsert, ida);
    }
  }
  return {};
}

Status BinlogStream::Impl::step() {
  if (rows) {
    if (rows->done()) {
      rows.reset();
    } else {
      return decode_next_row();
    }
  }
  if (inner_index < inner.size()) {
    auto ev = decoder.decode_inner(inner[inner_index++]);
    if (!ev)
      return make_error(ev.error().kind,
                        file + " at offset " + std::to_string(pos) +
                            " (inside a transaction payload): " + ev.error().message);
    event = std::move(ev.value());
    return handle(event, txn_pos, true);
  }
  inner.clear();
  inner_index = 0;
  if (!in_txn && !has_held) {
    if (stop_requested || (have_end && at_or_after(file, pos, end_target))) {
      push(TailEvent::Kind::end);
      ended = true;
      return {};
    }
  }
  auto more = read_event();
  if (!more) return more.take_error();
  if (!*more) {
    if (has_held) {
      if (in_txn)
        warn("the input ends inside a transaction (at " + file + ":" + std::to_string(pos) +
             "); its rows so far are written, unconfirmed by a commit");
      release(file, pos);
    }
    push(TailEvent::Kind::end);
    ended = true;
  }
  return {};
}

BinlogStream::BinlogStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BinlogStream::BinlogStream(BinlogStream&&) noexcept = default;
BinlogStream& BinlogStream::operator=(BinlogStream&&) noexcept = default;
BinlogStream::~BinlogStream() = default;

Result<BinlogStream> BinlogStream::open(const Config& cfg, TailOptions opts) {
  auto impl = std::make_unique<Impl>();
  impl->cfg = cfg;
  impl->opts = std::move(opts);
  Impl& s = *impl;
  {
    Config sel = cfg;  // TailOptions::tables are include patterns too
    sel.selection.tables.insert(sel.selection.tables.end(), s.opts.tables.begin(),
                                s.opts.tables.end());
    auto f = select::TableFilter::make(sel);
    if (!f) return f.take_error();
    s.filter = std::move(f.value());
    auto cf = select::ColumnFilter::make(cfg);
    if (!cf) return cf.take_error();
    s.column_filter = std::move(cf.value());
    if (!cfg.selection.mask_key.empty()) s.mask.emplace(cfg.selection.mask_key);
  }
  if (!s.opts.binlog_files.empty()) {
    s.offline = true;
    s.committed = s.opts.from;
    if (!s.opts.schema_json.empty()) {
      auto h = mysql::SchemaHistory::from_json(s.opts.schema_json);
      if (!h) return h.take_error();
      s.history = std::move(h.value());
      s.history_json = s.history.to_json();
      s.keep_history = true;
    }
    return BinlogStream(std::move(impl));
  }
  if (s.opts.from.empty() && s.opts.from.gtid.empty())
    return make_error(ErrorKind::usage,
                      "tail needs a starting position: --from FILE (a checkpoint), "
                      "--from-position FILE:POS, or --binlog-file for local files");
  // A second connection answers schema questions while the first streams.
  auto conn = mysql::Connection::open(cfg);
  if (!conn) return conn.take_error();
  auto settings = mysql::check_binlog_settings(*conn);
  if (!settings) return settings.take_error();
  if (settings->row_image != "FULL")
    s.warn("binlog_row_image is " + settings->row_image +
           ": updated rows carry only some columns; such tuples have \"partial\": true");
  if (!s.opts.from.file.empty())
    DUMPR_TRY(mysql::check_position(*conn, s.opts.from));
  else if (!conn->is_mariadb())
    return make_error(ErrorKind::usage,
                      "--from-gtid is supported for MariaDB servers only so far; use --from or "
                      "--from-position with MySQL");
  DUMPR_TRY(mysql::check_selected_tables(*conn, s.filter, s.opts.allow_missing_tables));
  DUMPR_TRY(mysql::check_excluded_ids(*conn, s.filter, s.column_filter, cfg.id_columns));
  if (s.opts.until_end) {
    auto end = mysql::current_position(*conn);
    if (!end) return end.take_error();
    s.end_target = std::move(end.value());
    s.have_end = true;
  }
  Position here;
  DUMPR_TRY(mysql::fill_server_identity(*conn, here));
  s.flavor_mariadb = conn->is_mariadb();
  s.schema_conn.emplace(std::move(conn.value()));
  s.server_id = cfg.server_id;
  if (s.server_id == 0) {
    // A replica id unlikely to clash: high range, from the host name and process id.
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    std::uint32_t h = static_cast<std::uint32_t>(std::hash<std::string>{}(host)) ^
                      static_cast<std::uint32_t>(getpid());
    s.server_id = 0x70000000u | (h & 0x0FFFFFFFu);
  }
  if (s.server_id == here.server_id)
    return make_error(ErrorKind::usage, "--server-id " + std::to_string(s.server_id) +
                                            " is the server's own id: choose another");
  s.keep_history = true;
  if (!s.opts.from.tables_json.empty()) {
    auto h = mysql::SchemaHistory::from_json(s.opts.from.tables_json);
    if (!h) return h.take_error();
    s.history = std::move(h.value());
    s.history_json = s.history.to_json();
  } else if (settings->row_metadata != "FULL" && !settings->row_metadata.empty()) {
    s.warn("binlog_row_metadata is " + settings->row_metadata +
           " and the checkpoint records no table definitions: the tables' current definitions are "
           "taken as those in force at the start position (set binlog_row_metadata=FULL, or start "
           "from a checkpoint written by `dumpr load` or `dumpr position`)");
  }
  s.committed = s.opts.from;
  s.committed.server_id = here.server_id;
  s.committed.server_uuid = here.server_uuid;
  s.committed.flavor = here.flavor;
  DUMPR_TRY(s.connect_source(s.opts.from));
  return BinlogStream(std::move(impl));
}

Result<const TailEvent*> BinlogStream::next() {
  Impl& s = *impl_;
  // The event returned last is done with: a huge row's buffer goes now, not when its slot is
  // reused, so it is not resident while the next huge row is decoded.
  if (s.out_head > 0) s.outq[s.out_head - 1].line.clear_and_trim();
  while (s.out_head == s.out_size) {
    s.out_head = s.out_size = 0;
    if (s.ended) {
      s.push(TailEvent::Kind::end);
      break;
    }
    DUMPR_TRY(s.step());
  }
  Out& o = s.outq[s.out_head++];
  s.current.kind = o.kind;
  s.current.row.op = o.op;
  s.current.row.table = o.table ? std::string_view(*o.table) : std::string_view();
  s.current.row.line = o.line.view();
  // Only a commit carries a position; the slot is refilled before it is read again.
  if (o.kind == TailEvent::Kind::commit) std::swap(s.current.position, o.position);
  s.current.event_time = o.time;
  return &s.current;
}

const Position& BinlogStream::next_position() const {
  return impl_->committed;
}

void BinlogStream::stop() {
  impl_->stop_requested = true;
}

bool BinlogStream::input_pending() const {
  const Impl& s = *impl_;
  if (s.out_head < s.out_size || s.rows || s.inner_index < s.inner.size()) return true;
  if (s.offline) return !s.ended;
  return s.dump && s.dump->readable();
}

}  // namespace dumpr
