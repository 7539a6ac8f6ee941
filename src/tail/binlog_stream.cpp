// The tail, as passes over each event: read (server or file: event_source) -> decode -> track
// the transaction (transaction) and the tables (schema_tracker) -> decode rows through the table's
// plan -> change records (tail/pending_record: held one row, buffered after a savepoint) ->
// commit marker; between transactions, tail --snapshot's chunks (src/snapshot decides, this file
// places them in the output). About 800 lines: the passes, the records' emission and the chunks'
// share the held record, the savepoint buffer and the output queue.
//
// Positions: `next_position` in a row's metadata is where a consumer that stored it restarts
// without losing anything after it: the start of its transaction for every row but the last,
// the end of the transaction for the last. So each tuple is held back by one row until we know
// whether it is its transaction's last.
#include "dumpr/binlog_stream.hpp"

#include <optional>
#include <vector>

#include "binlog/decoder.hpp"
#include "binlog/gtid_set.hpp"
#include "binlog/rows.hpp"
#include "mysql/connection.hpp"
#include "mysql/schema_history.hpp"
#include "mysql/server_state.hpp"
#include "mysql/table_list.hpp"
#include "row/tuple_builder.hpp"
#include "row/values.hpp"
#include "schema/statement.hpp"
#include "select/table_filter.hpp"
#include "snapshot/online_snapshot.hpp"
#include "tail/event_source.hpp"
#include "tail/pending_record.hpp"
#include "tail/prepared_xa.hpp"
#include "tail/schema_tracker.hpp"
#include "tail/transaction.hpp"

namespace dumpr {

namespace {

using binlog::Event;
using tail::TableState;

using tail::PendingRecord;

struct Out {
  TailEvent::Kind kind = TailEvent::Kind::row;
  PendingRecord rec;  // Kind::row
  // The transaction's file and GTID as the stream holds them: they stay put until the queue is
  // drained (a new transaction begins in a later step), so a record points at them.
  const std::string* next_file = nullptr;
  const std::string* gtid = nullptr;
  std::uint64_t next_pos = 0, txn_pos = 0;
  bool last = false;
  Position position;
  std::uint32_t time = 0;
};

}  // namespace

// Whether the checkpoint's binlog file is gone from the server (purged).
static Result<bool> start_purged(mysql::Connection& conn, const Position& from) {
  if (from.file.empty()) return false;
  auto logs = conn.query("SHOW BINARY LOGS");
  if (!logs) return logs.take_error();
  for (auto& r : logs->rows)
    if (r[0].value_or("") == from.file) return false;
  return true;
}

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

  // The held record and the output queue.
  bool has_held = false;
  PendingRecord held, scratch_rec;
  // The rows event being decoded: where it is, which row of it comes next.
  const std::string* rows_file = nullptr;  // interned
  std::uint64_t rows_event_pos = 0;
  std::uint32_t rows_server_id = 0, rows_index = 0;
  // Records after a SAVEPOINT, held until COMMIT or ROLLBACK TO decides (a ROLLBACK TO in the
  // binlog means a non-transactional table was written; the transactional rows since the
  // savepoint did not happen).
  std::vector<PendingRecord> buffered;
  std::size_t buffered_count = 0;
  std::vector<Out> outq;
  std::size_t out_head = 0, out_size = 0;
  TailEvent current;
  bool ended = false;

  // XA transactions (tail/prepared_xa.hpp): the rows of those prepared and not resolved, and
  // those of the XA PREPARE group being read (xa_group), kept until XA COMMIT or ROLLBACK.
  using XaRows = std::vector<PendingRecord>;
  tail::PreparedXas<XaRows> xas;
  bool xa_group = false;
  XaRows xa_rows;
  std::size_t xa_rows_bytes = 0;
  bool xa_over = false;  // the kept rows went over opts.xa_buffer_bytes
  // A start from a checkpoint that lists prepared XAs reads their groups again first: from the
  // oldest (catch_up_from) up to the checkpoint, every other event passed over.
  bool catching_up = false;
  Position catch_up_from;
  tail::PreparedXas<XaRows>::Entry* catch_entry = nullptr;  // the group being read again

  // tail --snapshot (src/snapshot): the tables' existing rows, chunk by chunk, between
  // transactions. Declared after `schema`, whose selection it points at.
  std::unique_ptr<snapshot::OnlineSnapshot> snap;
  snapshot::TableProgress* rows_snap = nullptr;  // the rows event's table, when unfinished
  bool emitting_chunk = false;
  const std::string* chunk_table = nullptr;  // interned, for the chunk's records
  const std::string* chunk_db = nullptr;
  const std::string* chunk_file = nullptr;
  const std::string no_gtid;
  // MySQL's window (snapshot/watermark_window.hpp): what emit() marks its record with.
  PendingRecord::Window emit_window = PendingRecord::Window::no;

  const std::string& intern(std::string_view name) { return schema.intern(name); }

  void warn(const std::string& m) {
    if (cfg.on_warning) cfg.on_warning(m);
  }

  Out& push(TailEvent::Kind kind) {
    if (out_size == outq.size()) outq.emplace_back();
    Out& o = outq[out_size++];
    o.kind = kind;
    return o;
  }

  // tail::SourceListener
  const Position& resume_position() const override {
    return catching_up ? catch_up_from : txn.committed();
  }
  void started_over(bool connected) override;
  void next_file() override { schema.forget_tables(); }

  Result<bool> read_event();  // false: the input ended
  Status open_snapshot(const std::string& row_image, bool restart);
  Status handle(const Event& ev, std::uint64_t event_start, bool inner_event);
  Status handle_query(const binlog::QueryEvent& q, std::uint64_t event_start);
  Status step();
  void begin_txn(std::uint64_t event_start) { txn.begin(src.file(), event_start); }
  Status commit();
  Status hold_kept(XaRows& rows);
  Status decode_next_row();
  Result<bool> forwards(row::TupleBuilder& b, std::string_view id);
  Result<bool> to_window(std::string_view id);
  void apply_window(PendingRecord& rec);
  Status snapshot_step(bool& emitted);
  Status emit_chunk_row();
  void emit_chunk_truncate(const snapshot::TableProgress& t);
  void chunk_record(Out& o, ChangeOp op, bool last);
  void emit(row::TupleBuilder& b, ChangeOp op, std::string_view id_override,
            std::string_view moved_from = {}, row::TupleBuilder* old = nullptr);
  void emit_truncate(const std::string& db, const std::string& table, bool dropped,
                     std::uint64_t event_start);
  Status statement_rows(const schema::StatementEffect& eff, const binlog::QueryEvent& q,
                        std::uint64_t event_start);
  void release(const std::string& next_file, std::uint64_t next_pos, bool last);
  void hold(PendingRecord& rec);
  void drain_buffered();
  void rollback_to(std::string_view name);
  void keep_xa(PendingRecord& rec);
  void drop_xa_rows();
  Status xa_over_error();
  bool pass_over(const Event& ev, std::uint64_t event_start, Status& st);
  Status xa_prepared(const binlog::XaPrepareEvent& x, std::uint64_t event_start);
  Status xa_outcome(const tail::TxnStatement& st, bool committed, std::uint64_t event_start);
};

// tail --snapshot: the tables it names (each captured, in a database the selection names), and
// the progress the checkpoint carries (snapshots under way go on without being named again).
Status BinlogStream::Impl::open_snapshot(const std::string& row_image, bool restart) {
  if (opts.snapshot.tables.empty() && opts.from.snapshot_json.empty()) return {};
  std::vector<std::pair<std::string, std::string>> add;
  const select::TableFilter& filter = schema.filter();
  for (const std::string& name : opts.snapshot.tables) {
    std::string db, table;
    if (auto dot = name.find('.'); dot != std::string::npos) {
      db = name.substr(0, dot);
      table = name.substr(dot + 1);
    } else if (filter.databases().size() == 1) {
      db = filter.databases()[0];
      table = name;
    } else {
      return make_error(ErrorKind::usage, "--snapshot " + name + ": name its database, as DB." +
                                              name + " (or give one database with -D)");
    }
    if (!filter.captures(db, table))
      return make_error(ErrorKind::usage,
                        "--snapshot " + db + "." + table +
                            ": the table is not captured by this tail (its --database, --tables "
                            "and --exclude-tables leave it out): its rows would not be written");
    add.emplace_back(std::move(db), std::move(table));
  }
  auto sn = snapshot::OnlineSnapshot::open(cfg, opts.snapshot, filter, schema.column_filter(),
                                           schema.mask(), opts.from.snapshot_json, add, restart);
  if (!sn) return sn.take_error();
  snap = std::move(sn.value());
  if (snap->active() && row_image != "FULL")
    return make_error(ErrorKind::server_config,
                      "--snapshot needs binlog_row_image=FULL (it is " + row_image +
                          "): a change to a row not yet copied is written whole or not at all. "
                          "SET GLOBAL binlog_row_image=FULL (and reconnect the clients)");
  return {};
}

void BinlogStream::Impl::started_over(bool connected) {
  // Everything since the last commit is read again: the transaction's state and the table ids
  // go, and its tuples already given out are skipped when they come again.
  schema.forget_tables();
  rows.reset();
  inner.clear();
  inner_index = 0;
  has_held = false;
  buffered_count = 0;
  drop_xa_rows();
  catch_entry = nullptr;
  if (catching_up) xas.unload_all([](XaRows& r) { r.clear(); });  // all read again
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

Status BinlogStream::Impl::commit() {
  drain_buffered();
  if (xa_group) {
    // Rows kept as an XA's, but the group ends as an ordinary transaction: they are its rows.
    xa_group = false;
    Status held = hold_kept(xa_rows);
    drop_xa_rows();
    if (!held) return held;
  }
  if (has_held) release(src.file(), src.pos(), true);
  txn.commit(src.file(), src.pos(), schema.checkpoint_json());
  if (!xas.empty() || !txn.committed().prepared_xa.empty()) xas.list(txn.committed().prepared_xa);

  if (snap) txn.committed().snapshot_json = snap->progress_json();
  Out& o = push(TailEvent::Kind::commit);
  o.position = txn.committed();
  o.time = event.header.timestamp;
  return {};
}

// Rows kept for an XA go out at its commit, as that transaction's. A table whose online snapshot
// is under way forwards them by the snapshot's progress at the commit, as any transaction
// committing there (forwards() let them all through while the XA PREPARE group was read): a
// chunk read between the XA PREPARE and the XA COMMIT could not see them.
Status BinlogStream::Impl::hold_kept(XaRows& rows) {
  for (PendingRecord& r : rows) {
    r.window = PendingRecord::Window::no;
    if (snap && !r.snapshot) {
      if (snapshot::TableProgress* t = snap->find(*r.db, *r.table)) {
        const std::string_view id = r.head.view(r.spans.id_begin, r.spans.id_end);
        if (r.op == ChangeOp::erase) {
          if (snap->window_open_for(*t)) r.window = PendingRecord::Window::window_too;
        } else {
          auto fwd = snap->forwards(*t, id);
          if (!fwd) return fwd.take_error();
          if (!*fwd) {
            // Not forwarded; on MySQL, in the pending chunk's range: applied to it.
            auto win = snap->window_covers(*t, id);
            if (!win) return win.take_error();
            if (!*win) continue;
            r.window = PendingRecord::Window::window_only;
          }
        }
      }
    }
    hold(r);
  }
  return {};
}

Status BinlogStream::Impl::handle(const Event& ev, std::uint64_t event_start, bool inner_event) {
  using namespace binlog;
  if (catching_up && !inner_event) {
    Status st;
    if (pass_over(ev, event_start, st)) return st;
  }
  if (const auto* r = ev.as<RotateEvent>()) {
    if (!inner_event) src.rotate(r->next_file, r->position);
    return {};
  }
  if (const auto* g = ev.as<MariaGtidEvent>()) {
    begin_txn(event_start);
    txn.set_gtid(g->to_string());
    txn.gtid_position().begin(*g);
    txn.set_seen_begin(!g->standalone());  // MariaDB logs no BEGIN: a GTID not standalone is one
    if (g->xa_prepare()) xa_group = true;  // the group of an XA PREPARE: its rows are kept
    return {};
  }
  if (const auto* g = ev.as<MysqlGtidEvent>()) {
    begin_txn(event_start);
    if (!g->anonymous) txn.set_gtid(g->to_string());
    txn.gtid_position().begin(*g);
    return {};
  }
  if (const auto* p = ev.as<PreviousGtidsEvent>()) {
    if (Status s = txn.gtid_position().file_start(*p); !s)
      return make_error(ErrorKind::corrupt, src.file() + " at offset " +
                                                std::to_string(event_start) +
                                                ": PREVIOUS_GTIDS: " + s.error().message);
    return {};
  }
  if (const auto* q = ev.as<QueryEvent>()) return handle_query(*q, event_start);
  if (const auto* x = ev.as<XaPrepareEvent>()) return xa_prepared(*x, event_start);
  if (ev.as<XidEvent>()) {
    begin_txn(event_start);
    return commit();
  }
  if (const auto* hb = ev.as<HeartbeatEvent>()) {
    // The server sends one when it has sent all it has, at its binlog's end (MySQL also after
    // the transactions it skipped): a start after a GTID set or position does not send what
    // is before it, so this is how --until-end learns that the stream is there.
    if (!inner_event && !txn.in_txn() && !has_held && hb->file == src.file() &&
        hb->position > src.pos())
      src.rotate(src.file(), hb->position);
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
    rows_snap = snap ? snap->find(*rows_table->db, *rows_table->table) : nullptr;
    rows_time = ev.header.timestamp;
    rows_file = &intern(src.file());
    rows_event_pos = event_start;
    rows_server_id = ev.header.server_id;
    rows_index = 0;
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
      if (txn.in_txn() || has_held) return commit();
      return {};
    case Kind::xa_start:  // MySQL: the head of an XA PREPARE group (or of one phase)
      begin_txn(event_start);
      txn.set_seen_begin(true);
      xa_group = true;
      return {};
    case Kind::xa_commit:
    case Kind::xa_rollback:
      return xa_outcome(st, st.kind == Kind::xa_commit, event_start);
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
        if (schema.captured(effect.database, t))
          emit_truncate(effect.database, t, true, event_start);
    }
    for (const auto& [d, t] : effect.tables)
      if (schema.captured(d, t)) emit_truncate(d, t, dropped, event_start);
  }
  // A snapshot of a table whose definition may change starts over (TRUNCATE needs nothing: the
  // chunks to come read what is left, and the stream wrote the truncate).
  if (snap && effect.kind != schema::StatementEffect::Kind::truncate) snap->after_ddl(q.query);
  DUMPR_TRY(schema.after_ddl(q.db, q.query, src.file(), src.pos()));
  if (!txn.seen_begin()) {
    begin_txn(event_start);
    return commit();
  }
  return {};
}

void BinlogStream::Impl::release(const std::string& next_file, std::uint64_t next_pos, bool last) {
  Out& o = push(TailEvent::Kind::row);
  o.rec.swap(held);
  o.next_file = &next_file;
  o.next_pos = next_pos;
  o.gtid = &txn.gtid();
  o.txn_pos = txn.start();
  o.last = last;
  has_held = false;
  txn.count_released();
}

void BinlogStream::Impl::hold(PendingRecord& rec) {
  if (xa_group) {
    keep_xa(rec);
    return;
  }
  if (rec.window != PendingRecord::Window::no) {
    apply_window(rec);
    if (rec.window == PendingRecord::Window::window_only) {
      txn.count_released();  // counted as given out: a reconnect's replay skips it too
      return;
    }
  }
  if (has_held) release(txn.file(), txn.start(), false);
  held.swap(rec);
  has_held = true;
}

void BinlogStream::Impl::emit(row::TupleBuilder& b, ChangeOp op, std::string_view id_override,
                              std::string_view moved_from, row::TupleBuilder* old) {
  if (txn.skip_replayed()) return;  // given out before a reconnect
  PendingRecord* r = &scratch_rec;
  if (txn.has_savepoints()) {
    if (buffered_count == buffered.size()) buffered.emplace_back();
    r = &buffered[buffered_count++];
  }
  r->op = op;
  r->snapshot = false;
  r->window = emit_window;
  r->table = rows_table->table;
  r->db = rows_table->db;
  r->partial = b.partial();
  r->dropped = false;
  r->head.clear();
  r->spans =
      b.take_prefix(r->head, op == ChangeOp::erase ? row::Op::erase : row::Op::upsert, id_override);
  r->before.clear();
  if (old && opts.keep_before) old->take_row(r->before);
  r->moved_from.assign(moved_from);
  r->event_file = rows_file;
  r->event_pos = rows_event_pos;
  r->row_in_event = rows_index;
  r->time = rows_time;
  r->server_id = rows_server_id;
  if (txn.has_savepoints()) {
    // By the table's own name: *r->table is its name in tuples (db.table when qualified).
    r->transactional = schema.is_transactional(*r->db, rows_table->map->table);
    return;
  }
  hold(*r);
}

// A truncate record's head: `["truncate",table,null,null,`.
static void truncate_head(PendingRecord& r, std::string_view tuple_name) {
  r.head.clear();
  r.head.put(std::string_view("[\"truncate\","));
  r.head.put_string(tuple_name);
  r.head.put(',');
  r.spans.id_begin = r.head.size();
  r.head.put_null();
  r.spans.id_end = r.head.size();
  r.head.put(',');
  r.spans.row_begin = r.head.size();
  r.head.put_null();
  r.spans.row_end = r.head.size();
  r.head.put(',');
}

void BinlogStream::Impl::emit_truncate(const std::string& db, const std::string& table,
                                       bool dropped, std::uint64_t event_start) {
  if (txn.skip_replayed()) return;  // given out before a reconnect
  PendingRecord& r = scratch_rec;
  r.op = ChangeOp::truncate;
  r.snapshot = false;
  r.window = PendingRecord::Window::no;
  r.table = &intern(table);
  r.db = &intern(db);
  truncate_head(r, schema.filter().tuple_name(db, table));
  r.before.clear();
  r.moved_from.clear();
  r.partial = false;
  r.dropped = dropped;
  r.event_file = &intern(src.file());
  r.event_pos = event_start;
  r.row_in_event = 0;
  r.time = event.header.timestamp;
  r.server_id = event.header.server_id;
  hold(r);
}

// DML logged as a statement: its rows are in no row event. On a captured table that is a loss
// dumpr cannot repair, so it stops before the checkpoint passes it (unless told to skip).
Status BinlogStream::Impl::statement_rows(const schema::StatementEffect& eff,
                                          const binlog::QueryEvent& q, std::uint64_t event_start) {
  std::string hit;
  // Tables it could not list: any table of its database, or of one its text names, may change.
  if (eff.tables_unknown) {
    const std::string db = schema.filter().database_touched(q.db, q.query);
    if (!db.empty())
      hit = "tables of `" + db + "` (the statement's text does not show which plainly)";
  }
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
  for (std::size_t i = 0; i < buffered_count; ++i) hold(buffered[i]);
  buffered_count = 0;
  txn.clear_savepoints();
}

void BinlogStream::Impl::rollback_to(std::string_view name) {
  txn.rollback_to(name, [this](std::size_t since) {
    // Keep only the non-transactional tables' rows written since that savepoint.
    std::size_t keep = since;
    for (std::size_t i = since; i < buffered_count; ++i) {
      if (buffered[i].transactional) continue;
      if (i != keep) buffered[i].swap(buffered[keep]);
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
  if (has_held && held.head.size() + held.before.size() > (std::size_t{1} << 20) &&
      !txn.has_savepoints() && !txn.replaying()) {
    release(txn.file(), txn.start(), false);
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
  using Window = PendingRecord::Window;
  // MySQL's pending chunk takes the changes to its range while it waits for the stream (its
  // window, snapshot/watermark_window.hpp): a delete as well as the output, a change not
  // forwarded instead of it.
  const bool window = rows_snap && !xa_group && snap->window_open_for(*rows_snap);
  if (!has_before) {
    std::string_view ida = after.id_json(id_after);
    auto fwd = forwards(after, ida);
    if (!fwd) return fwd.take_error();
    if (*fwd) {
      emit(after, ChangeOp::insert, {});
    } else if (window) {
      auto win = to_window(ida);
      if (!win) return win.take_error();
      emit_window = *win ? Window::window_only : Window::no;
      if (*win) emit(after, ChangeOp::insert, {});
      emit_window = Window::no;
    }
  } else if (!has_after) {
    emit_window = window ? Window::window_too : Window::no;
    emit(before, ChangeOp::erase, {});  // a delete always goes out (see online_snapshot.hpp)
    emit_window = Window::no;
  } else {
    // The new id: the after-image's key columns over the before-image's (a MINIMAL after-image
    // has only the columns that changed). A new id is a delete of the old one and an upsert
    // that says where the row came from, so a consumer can carry over the columns a partial
    // image left out.
    std::string_view idb = before.id_json(id_before);
    std::string_view ida = after.id_json_over(before, id_after);
    auto fwd = forwards(after, ida);
    if (!fwd) return fwd.take_error();
    bool win = false;
    if (!*fwd && window) {
      auto w = to_window(ida);
      if (!w) return w.take_error();
      win = *w;
    }
    if (ida != idb) {
      emit_window = window ? Window::window_too : Window::no;
      emit(before, ChangeOp::erase, {});
      emit_window = Window::window_only;
      if (*fwd) {
        emit_window = Window::no;
        emit(after, ChangeOp::insert, ida, idb);
      } else if (win) {
        emit(after, ChangeOp::insert, ida);
      }
      emit_window = Window::no;
    } else if (*fwd) {
      emit(after, ChangeOp::update, ida, {}, &before);
    } else if (win) {
      emit_window = Window::window_only;
      emit(after, ChangeOp::update, ida);
      emit_window = Window::no;
    }
  }
  ++rows_index;
  if (xa_over) return xa_over_error();
  return {};
}

// XA transactions (tail/prepared_xa.hpp).

void BinlogStream::Impl::keep_xa(PendingRecord& rec) {
  // The rows must outlive the group: each keeps its own buffers (an allocation per row, on XA
  // rows only).
  xa_rows.emplace_back();
  xa_rows.back().swap(rec);
  const PendingRecord& r = xa_rows.back();
  xa_rows_bytes += sizeof(PendingRecord) + r.head.size() + r.before.size() + r.moved_from.size();
  if (xas.bytes() + xa_rows_bytes > opts.xa_buffer_bytes) xa_over = true;
}

void BinlogStream::Impl::drop_xa_rows() {
  xa_rows.clear();
  xa_rows.shrink_to_fit();
  xa_rows_bytes = 0;
  xa_group = false;
}

Status BinlogStream::Impl::xa_over_error() {
  return make_error(
      ErrorKind::server_config,
      "at " + src.file() + ":" + std::to_string(src.pos()) +
          " the rows of XA transactions prepared and not yet committed or rolled back (the one "
          "whose XA PREPARE group starts at " +
          txn.file() + ":" + std::to_string(txn.start()) + ", and " + std::to_string(xas.size()) +
          " before it) exceed --xa-buffer-size, " + std::to_string(opts.xa_buffer_bytes) +
          " bytes: dumpr keeps them in memory until their XA COMMIT. The checkpoint stays "
          "before this XA PREPARE. Raise --xa-buffer-size, or resolve the prepared XA "
          "transactions (XA RECOVER lists them) and tail again");
}

// A start from a checkpoint listing prepared XAs: until the checkpoint, only their groups are
// read (their rows kept as at their XA PREPARE); true if `ev` is done with here.
bool BinlogStream::Impl::pass_over(const Event& ev, std::uint64_t event_start, Status& st) {
  using namespace binlog;
  if (!catch_entry && tail::at_or_after(src.file(), event_start, txn.committed())) {
    catching_up = false;  // the checkpoint: from here on as usual
    if (const PreparedXa* x = xas.reread_from()) {
      st = make_error(ErrorKind::position,
                      "the checkpoint lists XA transaction " + x->xid + " as prepared at " +
                          x->file + ":" + std::to_string(x->position) +
                          ", but no XA PREPARE group starts there: the checkpoint does not "
                          "belong to this server's binlog. Start from a checkpoint of this server");
      return true;
    }
    return false;
  }
  if (ev.as<RotateEvent>()) return false;
  if (!catch_entry) {
    // A group starts with its GTID event: one to read again, or one passed over.
    if (ev.as<MariaGtidEvent>() || ev.as<MysqlGtidEvent>())
      catch_entry = xas.rereading(src.file(), event_start);
    if (!catch_entry) return true;
    begin_txn(event_start);
    xa_group = true;
    return true;
  }
  if (ev.as<XaPrepareEvent>()) {
    drain_buffered();
    xas.loaded(*catch_entry, std::move(xa_rows), xa_rows_bytes);
    xa_rows = XaRows();
    xa_rows_bytes = 0;
    xa_group = false;
    catch_entry = nullptr;
    txn.start_over();  // nothing given out, nothing committed: the checkpoint is ahead
    return true;
  }
  // Its rows, the table maps (in the decoder), XA START and XA END, savepoints.
  return !(ev.as<RowsEvent>() || ev.as<QueryEvent>() || ev.as<TransactionPayloadEvent>());
}

Status BinlogStream::Impl::xa_prepared(const binlog::XaPrepareEvent& x, std::uint64_t event_start) {
  begin_txn(event_start);
  drain_buffered();  // after savepoints: into xa_rows
  if (x.one_phase || !xa_group) {
    // XA COMMIT ... ONE PHASE (MySQL ends it so): an ordinary commit of its rows.
    return commit();
  }
  if (xa_over) return xa_over_error();
  PreparedXa where{tail::xid_text(x.format_id, x.gtrid, x.bqual), txn.file(), txn.start()};
  xas.prepared(std::move(where), std::move(xa_rows), xa_rows_bytes, [](XaRows&) {});
  xa_rows = XaRows();
  xa_rows_bytes = 0;
  xa_group = false;
  return commit();  // nothing given out; the checkpoint passes the group and lists it as prepared
}

Status BinlogStream::Impl::xa_outcome(const tail::TxnStatement& st, bool committed,
                                      std::uint64_t event_start) {
  std::string xid;
  const std::string where = src.file() + ":" + std::to_string(event_start);
  if (!tail::parse_xid(st.xid, xid))
    return make_error(ErrorKind::corrupt, "at " + where + ": cannot read the xid of XA " +
                                              (committed ? "COMMIT" : "ROLLBACK") + " `" +
                                              std::string(st.xid.substr(0, 300)) + "`");
  begin_txn(event_start);
  XaRows rows;
  const auto found = xas.resolve(xid, rows);
  if (committed && found != decltype(xas)::Found::yes) {
    const std::string what = "at " + where + " XA COMMIT " + xid;
    if (found == decltype(xas)::Found::listed_unread)
      return make_error(ErrorKind::internal,
                        what + ": its XA PREPARE group, listed by the checkpoint, was not read");
    if (!opts.skip_unknown_xa)
      return make_error(
          ErrorKind::position,
          what + " commits an XA transaction prepared before this tail's start (" +
              (src.offline() ? std::string("the first file read")
                             : opts.from.file + ":" + std::to_string(opts.from.position)) +
              "), so its rows were not read and cannot be written. The checkpoint stays before "
              "it. Tail from a position before its XA PREPARE (mariadb-binlog or mysqlbinlog "
              "shows it as `XA PREPARE " +
              xid +
              "`), or take a new `dumpr load` now that it is committed; or pass "
              "--skip-unknown-xa to skip it knowingly");
    warn(what +
         ": prepared before the start position, its rows are NOT in the output "
         "(--skip-unknown-xa)");
  }
  if (committed) DUMPR_TRY(hold_kept(rows));  // at the commit's position, as its transaction's
  return commit();
}

// Whether a change that leaves a row at `id` goes out: always, but for a table whose snapshot is
// under way (then: its key is copied already, or above the bound).
Result<bool> BinlogStream::Impl::forwards(row::TupleBuilder&, std::string_view id) {
  if (!rows_snap || xa_group) return true;  // an XA's rows: at its commit (hold_kept)
  return snap->forwards(*rows_snap, id);
}

// MySQL's window: whether a change the stream does not forward, to key `id` of the rows event's
// table, falls in the pending chunk's range (then the chunk takes it).
Result<bool> BinlogStream::Impl::to_window(std::string_view id) {
  return snap->window_covers(*rows_snap, id);
}

// A change the window takes: it replaces (or deletes) the pending chunk's row of its key, in
// binlog order (the rows reach here in it: after a savepoint's outcome, at an XA's commit).
void BinlogStream::Impl::apply_window(PendingRecord& rec) {
  const std::string_view id = rec.head.view(rec.spans.id_begin, rec.spans.id_end);
  if (rec.op == ChangeOp::erase)
    snap->window_erase(id);
  else
    snap->window_upsert(id, rec.head.view(), rec.spans);
}

// At a transaction boundary, with a snapshot under way: read the next chunk when none is
// pending; once the stream is at the chunk's position, start giving out its rows (`emitted`).
Status BinlogStream::Impl::snapshot_step(bool& emitted) {
  emitted = false;
  if (!snap->pending()) {
    DUMPR_TRY(snap->prepare_chunk(src.file(), src.pos(), txn.committed().gtid));
    if (!snap->pending()) return {};
    // MariaDB writes a transaction to the binlog before its commit shows to a new snapshot: a
    // chunk whose position is behind what the stream read already misses a change the stream
    // dropped. It is read again at the next boundary (the commit shows within moments).
    Position here;
    here.file = src.file();
    here.position = src.pos();
    const Position& p = snap->pending_position();
    if (!tail::at_or_after(p.file, p.position, here)) {
      snap->drop_pending();
      return {};
    }
  }
  if (!tail::at_or_after(src.file(), src.pos(), snap->pending_position())) return {};
  snapshot::TableProgress& t = snap->pending_table();
  chunk_table = &intern(t.table);
  chunk_db = &intern(t.db);
  chunk_file = &intern(txn.committed().file);
  emitting_chunk = true;
  emitted = true;
  if (t.truncate_first) emit_chunk_truncate(t);
  return emit_chunk_row();
}

// --on-purged=resnapshot: the table's first chunk begins with a truncate record (a snapshot
// record, at the chunk's position), so that a consumer drops what it kept from before the gap.
void BinlogStream::Impl::emit_chunk_truncate(const snapshot::TableProgress& t) {
  Out& o = push(TailEvent::Kind::row);
  truncate_head(o.rec, schema.filter().tuple_name(t.db, t.table));
  chunk_record(o, ChangeOp::truncate, !snap->pending_rows());
}

// A record of the chunk being written (its head already in place): a snapshot record at the
// chunk's position, in the stream's current transaction.
void BinlogStream::Impl::chunk_record(Out& o, ChangeOp op, bool last) {
  PendingRecord& r = o.rec;
  r.op = op;
  r.snapshot = true;
  r.window = PendingRecord::Window::no;
  r.table = chunk_table;
  r.db = chunk_db;
  r.partial = r.dropped = false;
  r.before.clear();
  r.moved_from.clear();
  r.event_file = nullptr;
  r.event_pos = 0;
  r.row_in_event = 0;
  r.time = snap->pending_time();
  r.server_id = txn.committed().server_id;
  r.transactional = true;
  o.next_file = chunk_file;
  o.next_pos = txn.committed().position;
  o.gtid = &no_gtid;
  o.txn_pos = txn.committed().position;
  o.last = last;
}

// One row of the chunk (a step each, as rows events go), then its commit: the same position,
// with the chunk's progress.
Status BinlogStream::Impl::emit_chunk_row() {
  if (out_size == outq.size()) outq.emplace_back();
  Out& o = outq[out_size];
  bool last = false;
  auto more = snap->next_row(o.rec.head, o.rec.spans, last);
  if (!more) return more.take_error();
  if (*more) {
    ++out_size;
    o.kind = TailEvent::Kind::row;
    chunk_record(o, ChangeOp::read, last);
    return {};
  }
  const std::uint32_t time = snap->pending_time();
  emitting_chunk = false;
  DUMPR_TRY(snap->finish_chunk());
  txn.committed().snapshot_json = snap->progress_json();
  Out& c = push(TailEvent::Kind::commit);
  c.position = txn.committed();
  c.time = time;
  // And a heartbeat: the consumer delivers and checkpoints now (run_tail does on a heartbeat), so
  // a kill -9 repeats at most this chunk, even while more input waits.
  push(TailEvent::Kind::heartbeat).time = time;
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
  if (emitting_chunk) return emit_chunk_row();
  if (!txn.in_txn() && !has_held) {
    if (snap && snap->active() && !stop_requested) {
      bool emitted = false;
      DUMPR_TRY(snapshot_step(emitted));
      if (emitted) return {};
    }
    // --until-end: the snapshot finished first, then the end.
    const bool snapshot_left = snap && snap->active();
    if (stop_requested ||
        (have_end && !snapshot_left && tail::at_or_after(src.file(), src.pos(), end_target))) {
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
      release(src.file(), src.pos(), true);
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
  DUMPR_TRY(s.schema.make_selection());
  if (!s.opts.binlog_files.empty()) {
    if (!s.opts.snapshot.tables.empty())
      return make_error(ErrorKind::usage,
                        "--snapshot reads tables from a server: it does not go with --binlog-file");
    s.src.use_files();
    s.txn.committed() = s.opts.from;
    s.txn.gtid_position() = binlog::GtidPosition(s.opts.from.gtid);
    s.xas.restore(s.opts.from.prepared_xa);  // the files' XA PREPARE groups fill them in
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
  // At the file and offset while the server has them, else after the GTID set (server_state).
  auto start = mysql::choose_start(*conn, s.opts.from);
  bool resnapshot = false;
  if (!start && start.error().kind == ErrorKind::position && s.opts.resnapshot_on_purged) {
    auto purged = start_purged(*conn, s.opts.from);
    if (!purged) return purged.take_error();
    if (*purged) {
      // --on-purged=resnapshot: from the server's position now, every captured table read again.
      s.warn(start.error().message +
             "; --on-purged=resnapshot: starting from the server's current position and taking an "
             "online snapshot of every captured table");
      auto here = mysql::current_position(*conn);
      if (!here) return here.take_error();
      Position fresh = std::move(here.value());
      const std::vector<std::string>& dbs = s.schema.filter().named_databases();
      if (!dbs.empty()) {
        auto h = mysql::record_schema(*conn, dbs);
        if (!h) return h.take_error();
        if (!h->empty()) fresh.tables_json = h->to_json();
      }
      fresh.snapshot_json = s.opts.from.snapshot_json;
      s.opts.from = std::move(fresh);
      auto listing = mysql::list_tables(*conn, dbs);
      if (!listing) return listing.take_error();
      auto resolved = select::resolve_tables(s.schema.filter(), *listing);
      if (!resolved) return resolved.take_error();
      for (const auto& [d, t] : resolved->tables) s.opts.snapshot.tables.push_back(d + "." + t);
      resnapshot = true;
      start = mysql::StartFrom::file;
    }
  }
  if (!start) return start.take_error();
  if (*start == mysql::StartFrom::gtid && !s.opts.from.file.empty()) {
    s.warn("binlog file " + s.opts.from.file +
           " is no longer on the server (purged): resuming after the checkpoint's GTID " +
           (conn->is_mariadb() ? "position" : "set"));
    s.opts.from.file.clear();  // connect asks for the GTID set; so does a reconnect
    s.opts.from.position = 4;  // before the first commit
  }
  s.xas.restore(s.opts.from.prepared_xa);
  if (const PreparedXa* x = s.xas.reread_from()) {
    // Their rows are read again first, from the oldest group (tail/prepared_xa.hpp).
    s.catch_up_from.file = x->file;
    s.catch_up_from.position = x->position;
    s.catching_up = true;
    auto again = mysql::choose_start(*conn, s.catch_up_from);
    if (!again || *again != mysql::StartFrom::file)
      return make_error(ErrorKind::position,
                        "the checkpoint lists XA transaction " + x->xid + " as prepared at " +
                            x->file + ":" + std::to_string(x->position) +
                            ", and its rows cannot be read there for its XA COMMIT (" +
                            (again ? std::string("the file is purged") : again.error().message) +
                            "). Take a new `dumpr load`");
  }
  DUMPR_TRY(mysql::check_selected_tables(*conn, s.schema.filter(), s.opts.allow_missing_tables));
  DUMPR_TRY(mysql::check_excluded_ids(*conn, s.schema.filter(), s.schema.column_filter(),
                                      cfg.id_columns));
  DUMPR_TRY(s.open_snapshot(settings->row_image, resnapshot));
  if (s.opts.until_end) {
    // Only its file and offset are compared: no GTID position (a scan of the file on MariaDB).
    auto end = mysql::current_position(*conn, /*with_gtid=*/false);
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
  s.txn.gtid_position() = binlog::GtidPosition(s.opts.from.gtid);
  DUMPR_TRY(s.src.connect(s.catching_up ? s.catch_up_from : s.opts.from));
  return BinlogStream(std::move(impl));
}

Result<TailEvent*> BinlogStream::next() {
  Impl& s = *impl_;
  // The event returned last is done with: a huge row's buffer goes now, not when its slot is
  // reused, so it is not resident while the next huge row is decoded.
  if (s.out_head > 0) {
    PendingRecord& done = s.outq[s.out_head - 1].rec;
    done.head.clear_and_trim();
    done.before.clear_and_trim();
  }
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
  if (o.kind == TailEvent::Kind::row) {
    tail::fill_record(o.rec, s.current.record);
    RecordSource& src = s.current.record.source;
    src.next_file = *o.next_file;
    src.next_position = o.next_pos;
    src.gtid = *o.gtid;
    src.transaction_position = o.txn_pos;
    src.last_in_transaction = o.last;
  }
  // Only a commit carries a position; the slot is refilled before it is read again.
  if (o.kind == TailEvent::Kind::commit) std::swap(s.current.position, o.position);
  s.current.event_time = o.time;
  return &s.current;
}

const Position& BinlogStream::next_position() const {
  return impl_->txn.committed();
}

StreamStats BinlogStream::stats() const {
  const Impl& s = *impl_;
  return {.reconnects = s.src.reconnects(),
          .file_start_time = s.src.file_start_time(s.txn.committed().file)};
}

void BinlogStream::stop() {
  impl_->stop_requested = true;
}

bool BinlogStream::input_pending() const {
  const Impl& s = *impl_;
  if (s.out_head < s.out_size || s.rows || s.inner_index < s.inner.size() || s.emitting_chunk)
    return true;
  if (s.src.offline()) return !s.ended;
  return s.src.readable();
}

}  // namespace dumpr
