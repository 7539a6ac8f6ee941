// The table load, as a sequence of passes: connect -> check settings -> resolve tables ->
// open snapshot (one connection, or N sharing one snapshot) -> plan chunks -> stream (next()) ->
// commit. Over 600 lines for a reason: the snapshot's opening on each flavour (consistent
// snapshot, BACKUP STAGE, FTWRL, the no-lock fallback) is most of it, and its steps share the
// connections and the position they pin.
#include "dumpr/table_stream.hpp"

#include <mysqld_error.h>
#include <strings.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <optional>
#include <system_error>

#include "load/describe_table.hpp"
#include "load/key_ranges.hpp"
#include "load/load_table.hpp"
#include "load/parallel_reader.hpp"
#include "mysql/connection.hpp"
#include "mysql/result_columns.hpp"
#include "mysql/schema_history.hpp"
#include "mysql/server_state.hpp"
#include "mysql/table_list.hpp"
#include "row/tuple_builder.hpp"
#include "select/table_filter.hpp"
#include "select/value_mask.hpp"

namespace dumpr {

using load::LoadTable;

namespace {

// How long a lock that ties the snapshot to its binlog position may wait: MySQL's global read
// lock (one connection or --jobs N) and MariaDB's BACKUP STAGE (--jobs N). Under FLUSH TABLES
// WITH READ LOCK every writer waits with it (a long-running statement or a LOCK TABLES ... WRITE
// makes it wait), so this is short; BACKUP STAGE BLOCK_COMMIT only waits for commits already
// under way.
constexpr unsigned kLockWaitSeconds = 3;
// How long reading a table may wait for its metadata lock, which another session's LOCK TABLES
// ... WRITE or a running ALTER TABLE holds: the server's lock_wait_timeout (a year by default),
// at most 30 s; then the read fails naming the cause (mysql::Connection's error for
// ER_LOCK_WAIT_TIMEOUT) instead of hanging.
constexpr const char* kTableLockWait =
    "SET SESSION lock_wait_timeout = CAST(LEAST(@@GLOBAL.lock_wait_timeout, 30) AS UNSIGNED)";
// MySQL without the global read lock: how long the transactions that are between their binlog
// write and their commit when the position is read may take to finish committing.
constexpr unsigned kCommitWaitSeconds = 30;
// About this much output per key range: a worker can buffer its chunk whole while the consumer
// drains the others (ParallelReader queues 2 MiB per worker), so the workers run side by side.
constexpr double kChunkBytes = 1 << 20;
constexpr std::uint64_t kMaxChunksPerTable = 4096;
constexpr unsigned kMaxJobs = 64;

void warn(const Config& cfg, const std::string& msg) {
  if (cfg.on_warning) cfg.on_warning(msg);
}

// MariaDB: the binlog position that START TRANSACTION WITH CONSISTENT SNAPSHOT tied to this
// connection's snapshot.
Result<Position> snapshot_position(mysql::Connection& c) {
  auto st = c.query("SHOW STATUS LIKE 'binlog_snapshot_%'");
  if (!st) return st.take_error();
  Position p;
  for (auto& r : st->rows) {
    const std::string key = r[0].value_or("");
    const std::string val = r[1].value_or("");
    if (strcasecmp(key.c_str(), "binlog_snapshot_file") == 0)
      p.file = val;
    else if (strcasecmp(key.c_str(), "binlog_snapshot_position") == 0)
      std::from_chars(val.data(), val.data() + val.size(), p.position);
  }
  if (p.file.empty())
    return make_error(ErrorKind::server_config,
                      "the server reports no binlog snapshot position: is log_bin on?");
  return p;
}

// Why a lock statement failed, worded from its error before anything else runs on `c`; `what`
// names the lock and what it is for. A missing privilege is a privilege error, with its GRANT.
Error lock_failure(mysql::Connection& c, const Status& failed, const std::string& what) {
  const unsigned err = mysql_errno(c.get());
  if (err == ER_SPECIFIC_ACCESS_DENIED_ERROR || failed.error().kind == ErrorKind::privilege) {
    Error e = mysql::privilege_error(c, what, "RELOAD ON *.*");
    if (e.message.ends_with(';')) e.message.pop_back();  // more follows it
    return e;
  }
  if (err == ER_LOCK_WAIT_TIMEOUT)
    return Error{ErrorKind::server_config,
                 what + " was not granted within " + std::to_string(kLockWaitSeconds) +
                     " s: a long-running statement, a LOCK TABLES or another backup holds it "
                     "(try again later)"};
  return Error{failed.error().kind, what + " failed: " + failed.error().message};
}

// @@GLOBAL.gtid_owned ("uuid:5#12,uuid:tag:7#13": each GTID with the thread that owns it) as a
// GTID set ("uuid:5,uuid:tag:7").
std::string owned_gtid_set(std::string_view owned) {
  std::string set;
  while (!owned.empty()) {
    const std::size_t comma = owned.find(',');
    std::string_view item = owned.substr(0, comma);
    owned = comma == std::string_view::npos ? std::string_view() : owned.substr(comma + 1);
    item = item.substr(0, item.find('#'));
    while (!item.empty() && (item.front() == ' ' || item.front() == '\n')) item.remove_prefix(1);
    if (item.empty()) continue;
    if (!set.empty()) set += ',';
    set += item;
  }
  return set;
}

// How many key ranges for a table: at least one per job, else about kChunkBytes of output each
// (its row estimate times a line's estimated length), at most kMaxChunksPerTable.
std::uint64_t range_count(const LoadTable& t, unsigned jobs) {
  double line = static_cast<double>(std::max<std::uint64_t>(t.avg_row_length, 16)) + 32;
  for (const row::Column& c : t.shape.columns) line += static_cast<double>(c.name.size() + 4);
  const double parts = static_cast<double>(t.estimated_rows) * line / kChunkBytes;
  if (parts >= static_cast<double>(kMaxChunksPerTable)) return kMaxChunksPerTable;
  return std::max<std::uint64_t>(jobs, static_cast<std::uint64_t>(parts));
}

}  // namespace

struct TableStream::Impl {
  Impl(const Config& c, mysql::Connection conn_) : cfg(c), conn(std::move(conn_)) {}
  ~Impl() {
    // Stopped before a table's end (an error, an interrupt): freeing the result would first
    // read the rest of the table from the server.
    if (result) conn.abandon();
  }

  Config cfg;
  mysql::Connection conn;  // settings and tables; the snapshot's when it is read on one connection
  std::vector<LoadTable> tables;
  // What is captured (--tables, --exclude-columns, ...): the same matchers tail uses.
  select::TableFilter filter;
  select::ColumnFilter column_filter;
  std::optional<select::ValueMask> mask;
  Position position;
  bool without_position = false;  // the binlog cannot give one and the caller needs none
  // MySQL: why the global read lock could not be had, once --jobs N failed to get it (and said
  // so): the one connection then does not wait for it again.
  std::optional<Error> lock_refused;

  std::size_t current = 0;
  bool done = false;
  std::uint64_t rows = 0, total_rows = 0;
  std::uint32_t snapshot_time = 0;  // when the snapshot was opened (seconds, UTC)
  ChangeRecord view;
  // Every record is read at the snapshot position.
  void start_record(const LoadTable& t, std::string_view line);

  // One connection.
  mysql::ResultPtr result;
  row::TupleBuilder builder;

  // --jobs N (declared after `tables`, which its workers read: destroyed first).
  std::unique_ptr<load::ParallelReader> parallel;

  Status setup_session(mysql::Connection& c);
  Status resolve_tables();
  Status resolve_table(const std::string& db, const std::string& name);
  Status open_snapshot();
  Status open_snapshot_unlocked(const Error& why);
  Result<std::vector<mysql::Connection>> open_shared_snapshot(unsigned jobs);
  Result<std::vector<load::Chunk>> plan_chunks(mysql::Connection& c, unsigned jobs);
  Result<const ChangeRecord*> next();
  Result<const ChangeRecord*> next_parallel();
};

Status TableStream::Impl::setup_session(mysql::Connection& c) {
  // Text in each column's own charset (converted by dumpr, as tail does), TIMESTAMP in UTC, and
  // no server-side timeout while a slow consumer holds the stream back.
  DUMPR_TRY(
      c.exec("SET SESSION time_zone = '+00:00', character_set_results = NULL, "
             "net_write_timeout = 86400, net_read_timeout = 86400"));
  DUMPR_TRY(c.exec("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"));
  DUMPR_TRY(c.exec(kTableLockWait));
  return {};
}

// The tables to read, in output order: the selection's patterns over the server's base tables.
Status TableStream::Impl::resolve_tables() {
  for (const select::TablePattern& p : filter.includes())
    if (p.literal()) {
      for (const std::string& db :
           p.database ? std::vector<std::string>{p.database->text} : filter.databases())
        DUMPR_TRY(mysql::check_table_name(p.table.text, db));
    }
  auto listing = mysql::list_tables(
      conn, filter.database_glob() ? std::vector<std::string>{} : filter.named_databases());
  if (!listing) return listing.take_error();
  auto resolved = select::resolve_tables(filter, *listing);
  if (!resolved && resolved.error().kind == ErrorKind::not_found) {
    // information_schema hides the tables a user has no privilege on: a named table it does not
    // list is read, so the server says which it is (no such table, or the GRANT to run).
    for (const select::TablePattern& p : filter.includes()) {
      if (!p.literal()) continue;
      for (const std::string& db :
           p.database ? std::vector<std::string>{p.database->text} : filter.databases()) {
        const bool listed = std::any_of(listing->begin(), listing->end(), [&](const auto& t) {
          return t.db == db && t.table == p.table.text;
        });
        if (listed) continue;
        DUMPR_TRY(resolve_table(db, p.table.text));
        tables.pop_back();  // it is there after all: the matcher's error stands
      }
    }
  }
  if (!resolved) return resolved.take_error();
  for (const std::string& w : resolved->warnings) warn(cfg, w);
  if (resolved->tables.empty())
    warn(cfg, "no table matches the selection: the load writes no rows");
  for (const auto& [db, name] : resolved->tables) DUMPR_TRY(resolve_table(db, name));
  return {};
}

Status TableStream::Impl::resolve_table(const std::string& db, const std::string& name) {
  auto t =
      load::describe_table(conn, cfg, filter, column_filter, mask ? &*mask : nullptr, db, name);
  if (!t) return t.take_error();
  tables.push_back(std::move(t.value()));
  return {};
}

Status TableStream::Impl::open_snapshot() {
  if (without_position) return conn.exec("START TRANSACTION WITH CONSISTENT SNAPSHOT");
  if (conn.is_mariadb()) {
    // MariaDB ties the binlog position to the snapshot itself: no lock is needed.
    DUMPR_TRY(conn.exec("START TRANSACTION WITH CONSISTENT SNAPSHOT"));
    auto pos = snapshot_position(conn);
    if (!pos) return pos.take_error();
    position = std::move(pos.value());
    DUMPR_TRY(mysql::fill_server_identity(conn, position));
    position.gtid = mysql::gtid_at(conn, position.file, position.position);
    return {};
  }
  // MySQL ties no binlog position to a snapshot, and a transaction is in the binlog before its
  // commit shows (binlog group commit: flush to the binlog, sync, then the engines' commit,
  // sql/binlog.cc ordered_commit): the position read beside the snapshot is exact only while
  // commits are held back. So a global read lock, held while the snapshot opens and the
  // position is read; it waits at most kLockWaitSeconds, as every writer waits behind it.
  std::optional<Error> why = lock_refused;
  if (!why) {
    DUMPR_TRY(conn.exec("SET SESSION lock_wait_timeout = " + std::to_string(kLockWaitSeconds)));
    Status locked = conn.exec("FLUSH TABLES WITH READ LOCK");
    if (locked) {
      Status s = conn.exec("START TRANSACTION WITH CONSISTENT SNAPSHOT");
      auto pos = s ? mysql::current_position(conn) : Result<Position>(s.error());
      Status unlock = conn.exec("UNLOCK TABLES");
      if (!pos) return pos.take_error();
      DUMPR_TRY(unlock);
      DUMPR_TRY(conn.exec(kTableLockWait));
      position = std::move(pos.value());
      return {};
    }
    why = lock_failure(conn, locked,
                       "the brief global read lock that pins the snapshot's binlog position "
                       "(FLUSH TABLES WITH READ LOCK)");
    DUMPR_TRY(conn.exec(kTableLockWait));
  }
  DUMPR_TRY(open_snapshot_unlocked(*why));
  warn(cfg, (lock_refused ? std::string("without the global read lock (see above), ")
                          : why->message + "; ") +
                "using the position read before the snapshot, once the commits then under way "
                "had finished: a later tail repeats the transactions committed in between, "
                "never loses one");
  return {};
}

// MySQL without the global read lock (no RELOAD, or not granted in time). The position is read
// first; then every transaction that owns a GTID is waited for: a transaction owns its GTID from
// before its binlog write until after its engines' commit (ordered_commit: the flush stage
// assigns it, the commit stage moves it to gtid_executed after the engine commit), so once they
// have committed, each transaction before the position is committed and the snapshot opened
// next holds it. Transactions committed between the position and the snapshot are in both: a
// tail from the position repeats them. Without GTIDs (gtid_mode not ON) nothing shows which
// transactions are between their binlog write and their commit, so no position is safe: the
// load stops and says why.
Status TableStream::Impl::open_snapshot_unlocked(const Error& why) {
  auto mode = conn.query("SELECT @@GLOBAL.gtid_mode");
  if (!mode) return mode.take_error();
  const std::string gtid_mode = mode->rows.empty() ? "" : mode->rows[0][0].value_or("");
  if (strcasecmp(gtid_mode.c_str(), "ON") != 0)
    return Error{why.kind,
                 why.message +
                     "; without that lock, load can pin its snapshot's binlog position on MySQL "
                     "only with gtid_mode=ON (it is " +
                     gtid_mode +
                     "): MySQL writes a transaction to the binlog before its commit shows, so a "
                     "position read beside the snapshot could skip it. Grant RELOAD, end what "
                     "holds the lock and try again, or turn GTIDs on"};
  auto pos = mysql::current_position(conn);
  if (!pos) return pos.take_error();
  auto owned = conn.query("SELECT @@GLOBAL.gtid_owned");
  if (!owned) return owned.take_error();
  const std::string under_way =
      owned_gtid_set(owned->rows.empty() ? "" : owned->rows[0][0].value_or(""));
  if (!under_way.empty()) {
    auto waited = conn.query("SELECT WAIT_FOR_EXECUTED_GTID_SET(" +
                             mysql::quote_string(conn.get(), under_way) + ", " +
                             std::to_string(kCommitWaitSeconds) + ")");
    if (!waited) return waited.take_error();
    if (waited->rows.empty() || waited->rows[0][0].value_or("") != "0")
      return Error{ErrorKind::server_config,
                   why.message +
                       "; without that lock, the transactions being committed when "
                       "the binlog position was read (GTIDs " +
                       under_way + ") had to finish first and did not within " +
                       std::to_string(kCommitWaitSeconds) + " s: try again"};
  }
  position = std::move(pos.value());
  return conn.exec("START TRANSACTION WITH CONSISTENT SNAPSHOT");
}

// `jobs` connections whose snapshots are one and the same: while a lock holds every commit
// back, each opens its snapshot, so all see the same transactions, and the binlog position read
// then is theirs. The lock is MariaDB's BACKUP STAGE BLOCK_COMMIT where it exists: it waits for
// commits under way only, where FLUSH TABLES WITH READ LOCK also waits for running writes (and
// makes every writer wait with it). Held for a few milliseconds, on the first connection.
// Returns no connections (after a warning that says why and what to do) when the lock is refused
// or not granted in time: the caller then reads on one connection, never from snapshots that
// might differ.
Result<std::vector<mysql::Connection>> TableStream::Impl::open_shared_snapshot(unsigned jobs) {
  const std::string what = "--jobs " + std::to_string(jobs);
  std::vector<mysql::Connection> workers;
  for (unsigned i = 0; i < jobs; ++i) {
    auto c = mysql::Connection::open(cfg);
    if (!c) {
      Error e = c.take_error();
      e.message = what + ": opening connection " + std::to_string(i + 1) + ": " + e.message;
      return e;
    }
    DUMPR_TRY(setup_session(*c));
    workers.push_back(std::move(c.value()));
  }

  const bool backup_stage = conn.is_mariadb() && conn.server_version() >= 100401;
  const std::string lock_name =
      backup_stage ? "BACKUP STAGE BLOCK_COMMIT" : "FLUSH TABLES WITH READ LOCK";
  DUMPR_TRY(conn.exec("SET SESSION lock_wait_timeout = " + std::to_string(kLockWaitSeconds)));
  Status locked = conn.exec(backup_stage ? "BACKUP STAGE START" : "FLUSH TABLES WITH READ LOCK");
  if (locked && backup_stage) locked = conn.exec("BACKUP STAGE BLOCK_COMMIT");
  if (!locked) {
    Error why = lock_failure(
        conn, locked,
        "the brief lock that gives all its connections one snapshot (" + lock_name + ")");
    if (backup_stage) (void)conn.exec("BACKUP STAGE END");  // ends a START that went through
    warn(cfg, what + " reads on one connection instead: " + why.message);
    DUMPR_TRY(conn.exec(kTableLockWait));
    // MySQL's one connection needs the same lock: it does not wait for it a second time.
    if (!conn.is_mariadb()) lock_refused = std::move(why);
    return std::vector<mysql::Connection>{};
  }

  // Commits are held back now: open the snapshots, read the position, let go.
  Status s;
  std::vector<Position> seen;
  for (mysql::Connection& w : workers) {
    s = w.exec("START TRANSACTION WITH CONSISTENT SNAPSHOT");
    if (!s) break;
    if (conn.is_mariadb() && !without_position) {
      auto p = snapshot_position(w);
      if (!p) {
        s = p.take_error();
        break;
      }
      seen.push_back(std::move(p.value()));
    }
  }
  Result<Position> mysql_pos = Position{};
  if (s && !conn.is_mariadb() && !without_position) mysql_pos = mysql::current_position(conn);
  Status unlock = conn.exec(backup_stage ? "BACKUP STAGE END" : "UNLOCK TABLES");
  if (!s) return s.take_error();
  if (!mysql_pos) return mysql_pos.take_error();
  DUMPR_TRY(unlock);
  DUMPR_TRY(conn.exec(kTableLockWait));

  if (without_position) return workers;
  if (conn.is_mariadb()) {
    // Each snapshot reports its own position: equal, or something committed under the lock.
    for (const Position& p : seen) {
      if (p.file == seen[0].file && p.position == seen[0].position) continue;
      warn(cfg, what +
                    " reads on one connection instead: its snapshots report different binlog "
                    "positions (" +
                    seen[0].file + ":" + std::to_string(seen[0].position) + " and " + p.file + ":" +
                    std::to_string(p.position) + ") although " + lock_name + " held commits back");
      return std::vector<mysql::Connection>{};
    }
    position = seen[0];
    DUMPR_TRY(mysql::fill_server_identity(workers[0], position));
    position.gtid = mysql::gtid_at(workers[0], position.file, position.position);
  } else {
    position = std::move(mysql_pos.value());
  }
  return workers;
}

// The work in output order: per table, its key ranges (MIN and MAX read inside the snapshot),
// or the whole table.
Result<std::vector<load::Chunk>> TableStream::Impl::plan_chunks(mysql::Connection& c,
                                                                unsigned jobs) {
  std::vector<load::Chunk> chunks;
  for (std::size_t i = 0; i < tables.size(); ++i) {
    const LoadTable& t = tables[i];
    std::vector<load::KeyRange> ranges;
    const std::string col =
        t.splittable() ? mysql::quote_ident(t.shape.columns[t.split_column].name) : "";
    if (t.splittable()) {
      auto mm = c.query("SELECT MIN(" + col + "), MAX(" + col + ") FROM " + t.qualified);
      if (!mm) return mm.take_error();
      if (!mm->rows.empty() && mm->rows[0][0] && mm->rows[0][1])
        ranges = load::split_key_range(
            *mm->rows[0][0], *mm->rows[0][1],
            t.shape.columns[t.split_column].kind == row::Kind::unsigned_int, range_count(t, jobs));
    }
    if (ranges.empty()) {  // not splittable, or empty
      chunks.push_back({i, t.whole_sql()});
      continue;
    }
    for (const load::KeyRange& r : ranges)
      chunks.push_back({i, t.select_sql + " WHERE " + col + " >= " + r.from + " AND " + col +
                               (r.last ? " <= " : " < ") + r.to + t.order_by});
  }
  return chunks;
}

Result<const ChangeRecord*> TableStream::Impl::next() {
  if (parallel) return next_parallel();
  while (!done) {
    if (!result) {
      if (current >= tables.size()) {
        DUMPR_TRY(conn.exec("COMMIT"));
        done = true;
        break;
      }
      auto r = conn.stream(tables[current].whole_sql());
      if (!r) return r.take_error();
      result = std::move(r.value());
      rows = 0;
    }
    MYSQL_ROW cells = mysql_fetch_row(result.get());
    if (!cells) {
      if (mysql_errno(conn.get()) != 0)
        return conn.last_error("reading table " + tables[current].shape.table);
      result.reset();
      ++current;
      continue;
    }
    LoadTable& t = tables[current];
    const std::string_view line =
        load::row_line(builder, t, cfg.values, cells, mysql_fetch_lengths(result.get()));
    ++rows;
    ++total_rows;
    for (std::size_t i : builder.repaired()) {
      if (t.warned[i]) continue;
      t.warned[i] = true;
      warn(cfg, row::repair_warning(t.shape, i) + " (first in row " + std::to_string(rows) + ")");
    }
    start_record(t, line);
    return &view;
  }
  return static_cast<const ChangeRecord*>(nullptr);
}

Result<const ChangeRecord*> TableStream::Impl::next_parallel() {
  auto r = parallel->next();
  if (!r) return r.take_error();
  const load::ParallelRow* row = r.value();
  if (!row) {
    current = tables.size();
    done = true;
    return static_cast<const ChangeRecord*>(nullptr);
  }
  if (row->table != current) {
    current = row->table;
    rows = 0;
  }
  ++rows;
  ++total_rows;
  LoadTable& t = tables[current];
  // The workers mark each chunk's first repaired value per column; the first in output order
  // is warned about here, in the caller's thread, worded and counted as with one connection.
  for (std::uint32_t i : row->repaired) {
    if (t.warned[i]) continue;
    t.warned[i] = true;
    warn(cfg, row::repair_warning(t.shape, i) + " (first in row " + std::to_string(rows) + ")");
  }
  start_record(t, row->line);
  return &view;
}

void TableStream::Impl::start_record(const LoadTable& t, std::string_view line) {
  view.op = ChangeOp::read;
  view.database = t.database;
  view.table = t.name;
  load::line_record(line, t.shape.table_json.size(), view);
  RecordSource& src = view.source;
  src.next_file = position.file;
  src.next_position = position.position;
  src.gtid = position.gtid;
  src.server_id = position.server_id;
  src.time = snapshot_time;
  src.snapshot = true;
}

TableStream::TableStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TableStream::TableStream(TableStream&&) noexcept = default;
TableStream& TableStream::operator=(TableStream&&) noexcept = default;
TableStream::~TableStream() = default;

Result<TableStream> TableStream::open(const Config& cfg, std::vector<std::string> tables,
                                      const LoadOptions& options) {
  // The selection first: a mistake in it is told before any connection.
  Config sel = cfg;
  sel.selection.tables.insert(sel.selection.tables.end(), tables.begin(), tables.end());
  auto filter = select::TableFilter::make(sel);
  if (!filter) return filter.take_error();
  auto column_filter = select::ColumnFilter::make(cfg);
  if (!column_filter) return column_filter.take_error();
  if (filter->named_databases().empty() && !filter->database_glob())
    return make_error(ErrorKind::usage,
                      "name the database whose tables to load: -D/--database DB (repeatable), "
                      "or DB.TABLE names");
  for (const select::TablePattern& p : filter->includes())
    if (!p.database && filter->databases().empty())
      return make_error(ErrorKind::usage, "table " + p.spelled +
                                              ": name its database, with -D/--database DB or "
                                              "as DB." +
                                              p.spelled);
  if (options.jobs < 1 || options.jobs > kMaxJobs)
    return make_error(ErrorKind::usage, "--jobs " + std::to_string(options.jobs) + ": use 1 to " +
                                            std::to_string(kMaxJobs) + " connections");
  auto conn = mysql::Connection::open(cfg);
  if (!conn) return conn.take_error();
  auto impl = std::make_unique<Impl>(cfg, std::move(conn.value()));
  impl->filter = std::move(filter.value());
  impl->column_filter = std::move(column_filter.value());
  if (!cfg.selection.mask_key.empty()) impl->mask.emplace(cfg.selection.mask_key);
  DUMPR_TRY(impl->setup_session(impl->conn));
  auto settings = mysql::check_binlog_settings(impl->conn);
  if (!settings && settings.error().kind == ErrorKind::server_config && !options.need_position) {
    // A plain snapshot, as mariadb-dump takes: no position to tail from is needed.
    impl->without_position = true;
    warn(cfg,
         "a plain snapshot, with no binlog position to tail from (none is needed without "
         "a checkpoint): " +
             settings.error().message);
  } else if (!settings) {
    Error e = settings.take_error();
    if (e.kind == ErrorKind::server_config)
      e.message += " (or load without --checkpoint: a plain snapshot, with no position)";
    return e;
  } else if (settings->row_image != "FULL")
    warn(cfg, "binlog_row_image is " + settings->row_image +
                  ": tail will see only some columns of updated rows (set binlog_row_image=FULL "
                  "for whole rows)");
  DUMPR_TRY(impl->resolve_tables());

  // More connections than there are chunks to read would only hold server resources.
  unsigned jobs = options.jobs;
  if (std::none_of(impl->tables.begin(), impl->tables.end(),
                   [](const LoadTable& t) { return t.splittable(); }))
    jobs = static_cast<unsigned>(std::min<std::size_t>(jobs, impl->tables.size()));

  std::vector<mysql::Connection> workers;
  if (jobs > 1) {
    auto w = impl->open_shared_snapshot(jobs);
    if (!w) return w.take_error();
    workers = std::move(w.value());
  }
  if (workers.empty()) DUMPR_TRY(impl->open_snapshot());
  mysql::Connection& in_snapshot = workers.empty() ? impl->conn : workers[0];
  if (!impl->without_position) {
    // The database's table definitions as of this position: tail starts from them (the
    // column names when the binlog has none; MariaDB JSON, UUID and INET kinds always).
    std::vector<std::string> dbs = impl->filter.named_databases();
    for (const LoadTable& t : impl->tables)
      if (std::find(dbs.begin(), dbs.end(), t.database) == dbs.end()) dbs.push_back(t.database);
    auto h = mysql::record_schema(in_snapshot, dbs);
    if (!h) return h.take_error();
    if (!h->empty()) impl->position.tables_json = h->to_json();
  }
  if (!workers.empty()) {
    auto chunks = impl->plan_chunks(workers[0], jobs);
    if (!chunks) return chunks.take_error();
    impl->conn = mysql::Connection();  // its part is done: the workers read
    impl->parallel = std::make_unique<load::ParallelReader>(impl->tables, std::move(chunks.value()),
                                                            std::move(workers), cfg.values);
    try {
      impl->parallel->start();
    } catch (const std::system_error& e) {  // the ones started are stopped with the reader
      return make_error(ErrorKind::internal,
                        std::string("load --jobs: cannot start a worker thread: ") + e.what());
    }
  }
  impl->snapshot_time = static_cast<std::uint32_t>(std::time(nullptr));
  return TableStream(std::move(impl));
}

Result<const ChangeRecord*> TableStream::next() {
  return impl_->next();
}

const Position& TableStream::position() const {
  return impl_->position;
}

LoadProgress TableStream::progress() const {
  LoadProgress p;
  p.table_index = impl_->current;
  if (impl_->current < impl_->tables.size()) {
    p.table = impl_->tables[impl_->current].shape.table;
    p.estimated_rows = impl_->tables[impl_->current].estimated_rows;
  }
  p.rows = impl_->rows;
  p.total_rows = impl_->total_rows;
  return p;
}

}  // namespace dumpr
