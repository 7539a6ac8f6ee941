// The tail, as passes over each event: read (server or file: event_source) -> decode -> track
// the transaction (transaction) and the tables (schema_tracker) -> decode rows through the table's
// plan -> tuples -> commit marker. This file holds the passes and the tuples' emission (a little
// over 600 lines while the emission is here; it leaves for the record builder, issue 14 item 1).
//
// Positions: `next_position` in a row's metadata is where a consumer that stored it restarts
// without losing anything after it: the start of its transaction for every row but the last,
// the end of the transaction for the last. So each tuple is held back by one row until we know
// whether it is its transaction's last.
#include <optional>
#include <vector>

#include "binlog/decoder.hpp"
#include "binlog/rows.hpp"
#include "dumpr/binlog_stream.hpp"
#include "mysql/connection.hpp"
#include "mysql/server_state.hpp"
#include "row/tuple_builder.hpp"
#include "row/values.hpp"
#include "schema/statement.hpp"
#include "tail/event_source.hpp"
#include "tail/schema_tracker.hpp"
#include "tail/transaction.hpp"

namespace dumpr {

namespace {

using binlog::Event;
using tail::TableState;

struct Out {
  TailEvent::Kind kind = TailEvent::Kind::row;
  RowOp op = RowOp::upsert;
  const std::string* table = nullptr;  // interned: lives as long as the stream
  row::JsonOut line;
  Position position;
  std::uint32_t time = 0;
};

}  // namespace

struct BinlogStream::Impl final : tail::SourceListener {
  Impl(const Config& c, TailOptions o) : cfg(c), opts(std::move(o)) {}

  Config cfg;
  TailOptions opts;
  std::atomic<bool> stop_requested{false};

  tail::EventSource src{cfg, opts, stop_requested};  // a server, or local files
  tail::TransactionTracker txn;                      // the transaction, the last commit
  tail::SchemaTracker schema{cfg, opts};             // table maps, definitions

  Event event;  // the event being processed (its views stay valid until the next read)
  std::vector<binlog::Bytes> inner;  // TRANSACTION_PAYLOAD's events still to process
  std::size_t inner_index = 0;

  Position end_target;  // --until-end
  bool have_end = false;

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
  std::vector<Buffered> buffered;
  std::size_t buffered_count = 0;
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

  const std::string& intern(std::string_view name) { return schema.intern(name); }

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

  // tail::SourceListener
  const Position& resume_position() const override { return txn.committed(); }
  void started_over(bool connected) override;
  void next_file() override { schema.forget_tables(); }

  Result<bool> read_event();  // false: the input ended
  Status handle(const Event& ev, std::uint64_t event_start, bool inner_event);
  Status handle_query(const binlog::QueryEvent& q, std::uint64_t event_start);
  Status step();
  void begin_txn(std::uint64_t event_start) { txn.begin(src.file(), event_start); }
  void commit();
  Status decode_next_row();
  void emit(row::TupleBuilder& b, RowOp op, std::string_view id_override,
            std::string_view moved_from = {});
  void emit_truncate(const std::string& db, const std::string& table, bool dropped);
  Status statement_rows(const schema::StatementEffect& eff, const binlog::QueryEvent& q,
                        std::uint64_t event_start);
  std::string extra_scratch;
  void release(const std::string& next_file, std::uint64_t next_pos);
  void write_metadata(row::JsonOut& o, std::uint32_t time, const std::string& db,
                      const std::string& next_file, std::uint64_t next_pos, bool partial,
                      std::string_view extra);
  void hold(row::JsonOut& prefix, RowOp op, const std::string& table, const std::string& db,
            std::uint32_t time, bool partial, std::string_view extra);
  void drain_buffered();
  void rollback_to(std::string_view name);
};

void BinlogStream::Impl::started_over(bool connected) {
  // Everything since the last commit is read again: the transaction's state and the table ids
  // go, and its tuples already given out are skipped when they come again.
  schema.forget_tables();
  rows.reset();
  inner.clear();
  inner_index = 0;
  has_held = false;
  buffered_count = 0;
  txn.start_over();
  if (connected) schema.reconnect();
}

Result<bool> BinlogStream::Impl::read_event() {
  std::uint64_t start = 0;
  auto r = src.next(event, start, *this);
  if (!r) return r.take_error();
  if (*r == tail::EventSource::Read::stopped) {
    has_held = false;  // its transaction will be read again from the checkpoint
    return false;
  }
  if (*r == tail::EventSource::Read::ended) return false;
  DUMPR_TRY(handle(event, start, false));
  return true;
}

void BinlogStream::Impl::commit() {
  drain_buffered();
  if (has_held) release(src.file(), src.pos());
  txn.commit(src.file(), src.pos(), schema.checkpoint_json(), src.mariadb());
  Out& o = push(TailEvent::Kind::commit);
  o.position = txn.committed();
  o.time = event.header.timestamp;
}

Status BinlogStream::Impl::handle(const Event& ev, std::uint64_t event_start, bool inner_event) {
  using namespace binlog;
  if (const auto* r = ev.as<RotateEvent>()) {
    if (!inner_event) src.rotate(r->next_file, r->position);
    return {};
  }
  if (const auto* g = ev.as<MariaGtidEvent>()) {
    begin_txn(event_start);
    txn.set_gtid(g->to_string());
    txn.set_seen_begin(!g->standalone());  // MariaDB logs no BEGIN: a GTID not standalone is one
    return {};
  }
  if (const auto* g = ev.as<MysqlGtidEvent>()) {
    begin_txn(event_start);
    if (!g->anonymous) txn.set_gtid(g->to_string());
    return {};
  }
  if (const auto* q = ev.as<QueryEvent>()) return handle_query(*q, event_start);
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
    auto t = schema.table_for(*rows_ev, src.file(), src.pos());
    if (!t) return t.take_error();
    if (!*t) return {};
    begin_txn(event_start);
    rows_table = *t;
    rows_time = ev.header.timestamp;
    rows.emplace(*rows_ev, *rows_table->plan);
    return {};
  }
  return {};
}

Status BinlogStream::Impl::handle_query(const binlog::QueryEvent& q, std::uint64_t event_start) {
  using Kind = tail::TxnStatement::Kind;
  const tail::TxnStatement st = tail::classify_statement(q.query);
  switch (st.kind) {
    case Kind::begin:
      begin_txn(event_start);
      txn.set_seen_begin(true);
      return {};
    case Kind::savepoint:
      txn.savepoint(st.savepoint, buffered_count);
      return {};
    case Kind::rollback_to:
      rollback_to(st.savepoint);
      return {};
    case Kind::release:
      return {};
    case Kind::commit:
      if (txn.in_txn() || has_held) commit();
      return {};
    case Kind::xa:
      return {};
    case Kind::other:
      break;
  }
  const schema::StatementEffect effect = schema::statement_effect(q.query, q.db);
  if (effect.kind == schema::StatementEffect::Kind::dml)
    return statement_rows(effect, q, event_start);
  // A statement of its own (DDL): definitions may have changed, and rows may be gone.
  if (effect.kind != schema::StatementEffect::Kind::other) {
    begin_txn(event_start);
    const bool dropped = effect.kind != schema::StatementEffect::Kind::truncate;
    if (effect.kind == schema::StatementEffect::Kind::drop_database) {
      // Every table of that database this stream knows of: recorded, or seen in this run.
      for (const std::string& t : schema.tables_of(effect.database))
        if (schema.captured(effect.database, t)) emit_truncate(effect.database, t, true);
    }
    for (const auto& [d, t] : effect.tables)
      if (schema.captured(d, t)) emit_truncate(d, t, dropped);
  }
  DUMPR_TRY(schema.after_ddl(q.db, q.query, src.file(), src.pos()));
  if (!txn.seen_begin()) {
    begin_txn(event_start);
    commit();
  }
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
  if (m.gtid != txn.gtid()) {
    m.gtid = txn.gtid();
    m.gtid_json.clear();
    if (!txn.gtid().empty()) {
      m.gtid_json.put(std::string_view(",\"gtid\":"));
      m.gtid_json.put_string(txn.gtid());
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
  txn.count_released();
}

void BinlogStream::Impl::hold(row::JsonOut& prefix, RowOp op, const std::string& table,
                              const std::string& db, std::uint32_t time, bool partial,
                              std::string_view extra) {
  if (has_held) release(txn.file(), txn.start());
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
  if (txn.skip_replayed()) return;  // given out before a reconnect
  const row::Op rop = op == RowOp::upsert ? row::Op::upsert : row::Op::erase;
  const bool partial = b.values() < rows_table->shape.columns.size();
  const std::string& table = *rows_table->name;
  const std::string& db = *rows_table->db;
  extra_scratch.clear();
  if (!moved_from.empty()) {
    extra_scratch += ",\"moved_from\":";
    extra_scratch += moved_from;
  }
  if (txn.has_savepoints()) {
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
    t.transactional = schema.is_transactional(db, table);
    return;
  }
  scratch.clear();
  b.take_prefix(scratch, rop, id_override);
  hold(scratch, op, table, db, rows_time, partial, extra_scratch);
}

void BinlogStream::Impl::emit_truncate(const std::string& db, const std::string& table,
                                       bool dropped) {
  if (txn.skip_replayed()) return;  // given out before a reconnect
  const std::string& t = intern(table);
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
  if (eff.tables_unknown && (cfg.database.empty() || q.db == cfg.database ||
                             q.query.find(cfg.database) != std::string_view::npos))
    hit = "tables of `" + std::string(q.db.empty() ? std::string_view(cfg.database) : q.db) +
          "` (the statement's text does not show which plainly)";
  for (const auto& [d, t] : eff.tables)
    if (hit.empty() && schema.captured(d, t)) hit = "table " + d + "." + t;
  if (hit.empty()) return {};
  std::string shown(q.query.substr(0, 200));
  for (char& c : shown)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (q.query.size() > 200) shown += "...";
  const std::string& file = src.file();
  const std::string where = file + ":" + std::to_string(event_start) + " (transaction from " +
                            (txn.in_txn() ? txn.file() + ":" + std::to_string(txn.start())
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
  txn.clear_savepoints();
}

void BinlogStream::Impl::rollback_to(std::string_view name) {
  txn.rollback_to(name, [this](std::size_t since) {
    // Keep only the non-transactional tables' rows written since that savepoint.
    std::size_t keep = since;
    for (std::size_t i = since; i < buffered_count; ++i) {
      if (buffered[i].transactional) continue;
      if (i != keep) std::swap(buffered[i], buffered[keep]);
      ++keep;
    }
    buffered_count = keep;
    return buffered_count;
  });
}

Status BinlogStream::Impl::decode_next_row() {
  // A huge held tuple is not its transaction's last: this row follows it. Give it out first, and
  // decode this row on the next call, so it is written (and its buffer freed) before this one's
  // grows. Ordinary rows go out when the next is held, one step per row.
  if (has_held && held.size() > (std::size_t{1} << 20) && !txn.has_savepoints() &&
      !txn.replaying()) {
    release(txn.file(), txn.start());
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
      warn(w + " (first at " + src.file() + ":" + std::to_string(src.pos()) + ")");
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
    auto ev = src.decode_inner(inner[inner_index++]);
    if (!ev) return ev.take_error();
    event = std::move(ev.value());
    return handle(event, txn.start(), true);
  }
  inner.clear();
  inner_index = 0;
  if (!txn.in_txn() && !has_held) {
    if (stop_requested || (have_end && tail::at_or_after(src.file(), src.pos(), end_target))) {
      push(TailEvent::Kind::end);
      ended = true;
      return {};
    }
  }
  auto more = read_event();
  if (!more) return more.take_error();
  if (!*more) {
    if (has_held) {
      if (txn.in_txn())
        warn("the input ends inside a transaction (at " + src.file() + ":" +
             std::to_string(src.pos()) + "); its rows so far are written, unconfirmed by a commit");
      release(src.file(), src.pos());
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
  auto impl = std::make_unique<Impl>(cfg, std::move(opts));
  Impl& s = *impl;
  if (!s.opts.binlog_files.empty()) {
    s.src.use_files();
    s.txn.committed() = s.opts.from;
    if (!s.opts.schema_json.empty()) DUMPR_TRY(s.schema.start_history(s.opts.schema_json));
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
  DUMPR_TRY(
      mysql::check_tables_exist(*conn, cfg.database, s.opts.tables, s.opts.allow_missing_tables));
  if (s.opts.until_end) {
    auto end = mysql::current_position(*conn);
    if (!end) return end.take_error();
    s.end_target = std::move(end.value());
    s.have_end = true;
  }
  Position here;
  DUMPR_TRY(mysql::fill_server_identity(*conn, here));
  s.schema.set_connection(std::move(conn.value()));
  const std::uint32_t server_id = s.src.choose_server_id();
  if (server_id == here.server_id)
    return make_error(ErrorKind::usage, "--server-id " + std::to_string(server_id) +
                                            " is the server's own id: choose another");
  s.schema.keep_history();
  if (!s.opts.from.tables_json.empty()) {
    DUMPR_TRY(s.schema.start_history(s.opts.from.tables_json));
  } else if (settings->row_metadata != "FULL" && !settings->row_metadata.empty()) {
    s.warn("binlog_row_metadata is " + settings->row_metadata +
           " and the checkpoint records no table definitions: the tables' current definitions are "
           "taken as those in force at the start position (set binlog_row_metadata=FULL, or start "
           "from a checkpoint written by `dumpr load` or `dumpr position`)");
  }
  Position& committed = s.txn.committed();
  committed = s.opts.from;
  committed.server_id = here.server_id;
  committed.server_uuid = here.server_uuid;
  committed.flavor = here.flavor;
  DUMPR_TRY(s.src.connect(s.opts.from));
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
  return impl_->txn.committed();
}

void BinlogStream::stop() {
  impl_->stop_requested = true;
}

bool BinlogStream::input_pending() const {
  const Impl& s = *impl_;
  if (s.out_head < s.out_size || s.rows || s.inner_index < s.inner.size()) return true;
  if (s.src.offline()) return !s.ended;
  return s.src.readable();
}

}  // namespace dumpr
