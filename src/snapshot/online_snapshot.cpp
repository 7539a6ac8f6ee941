// The online snapshot (online_snapshot.hpp has the rule): its tables' checks, the chunk reads on
// a second connection, the key comparisons and the progress the checkpoint carries.
#include "snapshot/online_snapshot.hpp"

#include <mysqld_error.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <simdjson.h>
#include <strings.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <ctime>
#include <map>

#include "load/describe_table.hpp"
#include "mysql/table_list.hpp"
#include "snapshot/key_compare.hpp"

namespace dumpr::snapshot {

namespace {

// How long a chunk's SELECT may wait for a metadata lock (an ALTER TABLE holds one).
constexpr const char* kTableLockWait =
    "SET SESSION lock_wait_timeout = CAST(LEAST(@@GLOBAL.lock_wait_timeout, 30) AS UNSIGNED)";

std::string hex(std::string_view bytes) {
  static const char* d = "0123456789ABCDEF";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    s += d[c >> 4];
    s += d[c & 15];
  }
  return s;
}

// Compares two key elements of a part dumpr compares itself (not KeyPart::server): <0, 0, >0.
int compare_element(const KeyPart& k, std::string_view a, std::string_view b) {
  switch (k.kind) {
    case row::Kind::decimal:
      return compare_decimals(a, b);
    case row::Kind::date:
    case row::Kind::datetime:
    case row::Kind::timestamp:
      return compare_fixed_texts(a, b);
    case row::Kind::time:
      return compare_times(a, b);
    case row::Kind::binary:
      return compare_base64(a, b);
    default:
      return compare_integers(a, b, k.is_unsigned);
  }
}

}  // namespace

Result<std::unique_ptr<OnlineSnapshot>> OnlineSnapshot::open(
    const Config& cfg, const SnapshotOptions& opts, const select::TableFilter& filter,
    const select::ColumnFilter& columns, const select::ValueMask* mask,
    std::string_view progress_json, const std::vector<std::pair<std::string, std::string>>& add,
    bool restart) {
  std::unique_ptr<OnlineSnapshot> s(new OnlineSnapshot(cfg, opts, filter, columns, mask));
  if (opts.chunk_rows == 0 || opts.chunk_bytes == 0)
    return make_error(ErrorKind::usage,
                      "--snapshot-chunk-rows and --snapshot-chunk-bytes must be at least 1");
  if (!progress_json.empty()) {
    simdjson::dom::parser parser;
    simdjson::padded_string text(progress_json);
    simdjson::dom::array arr;
    auto bad = [] {
      return make_error(ErrorKind::usage,
                        "the checkpoint's \"snapshot\" is not what tail --snapshot writes (an "
                        "array of {\"db\", \"table\", \"done\", \"last\", \"bound\"}): restore "
                        "the checkpoint, or remove its \"snapshot\" member to start the "
                        "snapshots over");
    };
    if (parser.parse(text).get_array().get(arr)) return bad();
    for (simdjson::dom::element e : arr) {
      TableProgress t;
      std::string_view v;
      bool done = false;
      if (e["db"].get_string().get(v)) return bad();
      t.db = std::string(v);
      if (e["table"].get_string().get(v)) return bad();
      t.table = std::string(v);
      if (e["done"].get_bool().get(done)) return bad();
      t.done = done;
      simdjson::dom::element k;
      if (!e["last"].get(k)) t.last = simdjson::minify(k);
      if (!e["bound"].get(k)) t.bound = simdjson::minify(k);
      std::uint64_t rows = 0;
      if (!e["rows"].get_uint64().get(rows)) t.rows = rows;
      bool truncate = false;
      if (!e["truncate"].get_bool().get(truncate)) t.truncate_first = truncate;
      s->tables_.push_back(std::move(t));
    }
  }
  for (const auto& [db, table] : add) {
    auto it = std::find_if(s->tables_.begin(), s->tables_.end(),
                           [&](const TableProgress& t) { return t.db == db && t.table == table; });
    if (it == s->tables_.end()) {
      TableProgress t;
      t.db = db;
      t.table = table;
      t.truncate_first = restart;
      s->tables_.push_back(std::move(t));
    } else if (restart) {
      it->done = false;
      it->last.clear();
      it->bound.clear();
      it->rows = 0;
      it->truncate_first = true;
    } else if (it->done) {
      s->warn("--snapshot " + db + "." + table + ": its snapshot is complete already (" +
              std::to_string(it->rows) +
              " rows, recorded in the checkpoint): nothing to do for it (to read it again, "
              "run `dumpr load` for it, or remove its entry from the checkpoint's \"snapshot\")");
    }
  }
  s->update_active();
  if (!s->active_) return s;

  auto conn = mysql::Connection::open(cfg);
  if (!conn) return conn.take_error();
  s->conn_ = std::move(conn.value());
  if (!s->conn_.is_mariadb()) {
    // MySQL ties no binlog position to a snapshot: a watermark window (watermark_window.hpp).
    DUMPR_TRY(WatermarkWindow::check_server(s->conn_));
    s->watermark_ = true;
  }
  // As load reads: text in each column's own charset (converted by dumpr), TIMESTAMP in UTC.
  DUMPR_TRY(
      s->conn_.exec("SET SESSION time_zone = '+00:00', character_set_results = NULL, "
                    "net_write_timeout = 86400, net_read_timeout = 86400"));
  DUMPR_TRY(s->conn_.exec("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"));
  DUMPR_TRY(s->conn_.exec(kTableLockWait));
  for (TableProgress& t : s->tables_) {
    if (t.done) continue;
    Status d = s->describe(t);
    const bool named = std::any_of(add.begin(), add.end(), [&](const auto& a) {
      return a.first == t.db && a.second == t.table;
    });
    if (!d && d.error().kind == ErrorKind::not_found && !named) {
      // Under way in the checkpoint, gone from the server since: its snapshot ends.
      s->warn("--snapshot " + t.db + "." + t.table +
              ": the table is gone (dropped or renamed since the checkpoint): its snapshot ends");
      t.done = true;
      continue;
    }
    DUMPR_TRY(d);
  }
  s->update_active();
  return s;
}

void OnlineSnapshot::update_active() {
  active_ = std::any_of(tables_.begin(), tables_.end(), [](const auto& t) { return !t.done; });
}

// The table as load reads it, and its key: the id columns, which must be the primary key or a
// unique key of NOT NULL columns, each of a type whose order the snapshot can follow.
Status OnlineSnapshot::describe(TableProgress& t) {
  const std::string name = t.db + "." + t.table;
  auto d = load::describe_table(conn_, cfg_, filter_, columns_, mask_, t.db, t.table);
  if (!d) return d.take_error();
  t.desc = std::move(d.value());
  const row::TableShape& shape = t.desc.shape;
  auto refuse = [&](const std::string& why) {
    return make_error(ErrorKind::usage, "--snapshot " + name + ": " + why);
  };
  if (shape.id_columns.empty())
    return refuse(
        "the table has no primary key, so it cannot be read in key chunks nor its rows matched "
        "with the binlog's. Add a primary key, or name a unique key of NOT NULL columns with "
        "--id " +
        t.table + "=COL[,COL...]; or read it with `dumpr load`");
  std::vector<std::string> ids;
  for (std::size_t i : shape.id_columns) ids.push_back(shape.columns[i].name);
  // Unique keys of the table, each with its columns in order, and whether it can be used.
  const std::string where = " WHERE TABLE_SCHEMA = " + mysql::quote_string(conn_.get(), t.db) +
                            " AND TABLE_NAME = " + mysql::quote_string(conn_.get(), t.table);
  auto idx = conn_.query(
      "SELECT INDEX_NAME, COLUMN_NAME, SUB_PART, NULLABLE FROM information_schema.STATISTICS" +
      where + " AND NON_UNIQUE = 0 ORDER BY INDEX_NAME, SEQ_IN_INDEX");
  if (!idx) return idx.take_error();
  std::map<std::string, std::pair<std::vector<std::string>, bool>> keys;  // name -> cols, usable
  for (auto& r : idx->rows) {
    auto& k = keys[r[0].value_or("")];
    if (k.first.empty()) k.second = true;
    k.first.push_back(r[1].value_or(""));
    if (r[2].has_value() || r[3].value_or("") == "YES") k.second = false;
  }
  const bool unique = std::any_of(keys.begin(), keys.end(), [&](const auto& k) {
    return k.second.second && k.second.first == ids;
  });
  if (!unique)
    return refuse(
        "its id columns (" +
        [&] {
          std::string s;
          for (auto& c : ids) s += (s.empty() ? "" : ",") + c;
          return s;
        }() +
        ") are not a primary key or a unique key of NOT NULL whole columns, so chunks by them "
        "could miss or repeat rows. Name such a key with --id " +
        t.table + "=COL[,COL...], or read the table with `dumpr load`");
  auto cols = conn_.query(
      "SELECT COLUMN_NAME, CHARACTER_SET_NAME, COLLATION_NAME, COLUMN_TYPE FROM "
      "information_schema.COLUMNS" +
      where);
  if (!cols) return cols.take_error();
  t.key.clear();
  t.server_compare = false;
  t.order_by = " ORDER BY ";
  for (std::size_t n = 0; n < shape.id_columns.size(); ++n) {
    const std::size_t i = shape.id_columns[n];
    const row::Column& c = shape.columns[i];
    if (!shape.rules.empty() && shape.rules[i] != select::ColumnRule::keep &&
        shape.rules[i] != select::ColumnRule::quote)
      return refuse("its key column " + c.name +
                    " is masked or excluded (--mask-columns/--exclude-columns), so its keys cannot "
                    "be compared: leave the key columns as they are");
    KeyPart k;
    k.name = c.name;
    k.kind = c.kind;
    for (auto& r : cols->rows)
      if (r[0].value_or("") == c.name) {
        k.charset = r[1].value_or("");
        k.collation = r[2].value_or("");
        k.type = r[3].value_or("");
      }
    if (k.type.empty()) k.type = row::kind_name(c.kind);
    switch (c.kind) {
      case row::Kind::signed_int:
      case row::Kind::unsigned_int:
      case row::Kind::year:
        k.is_unsigned = c.kind != row::Kind::signed_int;
        break;
      case row::Kind::date:
      case row::Kind::datetime:
      case row::Kind::timestamp:
        if (cfg_.values.zero_dates_as_null)
          return refuse("its key column " + c.name + " is " + k.type +
                        ", and --zero-dates null writes its zero dates as null, which cannot "
                        "be ordered: leave that option out for this table");
        break;
      case row::Kind::decimal:
      case row::Kind::time:
      case row::Kind::binary:
        break;
      case row::Kind::text:
        if (k.charset.empty() || k.collation.empty())
          return refuse("cannot find the character set of key column " + c.name);
        k.server = k.text = true;
        break;
      case row::Kind::server_text:
        k.server = true;
        break;
      default:
        return refuse("its key column " + c.name + " is of type " + k.type +
                      ", whose order tail --snapshot cannot follow exactly. Key types it reads: "
                      "integers, DECIMAL, DATE, DATETIME, TIMESTAMP, TIME, YEAR, text (CHAR, "
                      "VARCHAR, TEXT), BINARY and VARBINARY, and MariaDB's UUID, INET4 and INET6. "
                      "Name another unique key of such columns with --id " +
                      t.table + "=COL[,COL...], or read the table with `dumpr load`");
    }
    t.server_compare = t.server_compare || k.server;
    t.order_by += (n ? ", " : "") + mysql::quote_ident(c.name);
    t.key.push_back(std::move(k));
  }
  // Progress from a checkpoint written for another key (the table was altered while no tail
  // ran): the snapshot starts over.
  for (const std::string* k : {&t.last, &t.bound}) {
    if (k->empty() || *k == "null") continue;
    std::vector<std::string_view> el;
    split_id(*k, el);
    if (el.size() == t.key.size()) continue;
    warn("--snapshot " + name + ": the checkpoint's progress is for another key: starting over");
    t.last.clear();
    t.bound.clear();
    t.rows = 0;
    json_dirty_ = true;
    break;
  }
  t.described = true;
  return {};
}

// A key element (JSON text from the row core) as an SQL expression of the column's type and
// collation, which the server compares with the column in the column's order.
std::string OnlineSnapshot::literal(const KeyPart& k, std::string_view element) const {
  std::string bytes;
  switch (k.kind) {
    case row::Kind::text:
      row::unescape_json_body(unquote(element), bytes);
      return "CONVERT(_utf8mb4 X'" + hex(bytes) + "' USING " + k.charset + ") COLLATE " +
             k.collation;
    case row::Kind::binary:
      decode_base64(element, bytes);
      return "X'" + hex(bytes) + "'";
    case row::Kind::server_text:
      // CAST from a string in the type's text form: UUID, INET4 or INET6.
      row::unescape_json_body(unquote(element), bytes);
      return "CAST(" + mysql::quote_string(conn_.get(), bytes) + " AS " + k.type + ")";
    case row::Kind::date:
    case row::Kind::datetime:
    case row::Kind::timestamp:
    case row::Kind::time: {
      // As the server's literal: a space for the "T", no "Z" (the session's time zone is UTC).
      std::string s(unquote(element));
      if (!s.empty() && s.back() == 'Z') s.pop_back();
      if (auto tpos = s.find('T'); tpos != std::string::npos) s[tpos] = ' ';
      return "'" + s + "'";
    }
    default:  // integers, DECIMAL: the number itself
      return std::string(unquote(element));
  }
}

// `key > id` over the key columns, written out so the server can use the key's index:
// k1 >= a AND (k1 > a OR (k1 = a AND k2 > b) ...).
std::string OnlineSnapshot::key_greater(const TableProgress& t, std::string_view id) const {
  std::vector<std::string_view> el;
  split_id(id, el);
  std::vector<std::string> lit;
  for (std::size_t i = 0; i < t.key.size() && i < el.size(); ++i)
    lit.push_back(literal(t.key[i], el[i]));
  std::string s = "(" + mysql::quote_ident(t.key[0].name) + " >= " + lit[0] + " AND (";
  for (std::size_t i = 0; i < t.key.size(); ++i) {
    s += i ? " OR (" : "(";
    for (std::size_t j = 0; j < i; ++j)
      s += mysql::quote_ident(t.key[j].name) + " = " + lit[j] + " AND ";
    s += mysql::quote_ident(t.key[i].name) + " > " + lit[i] + ")";
  }
  return s + "))";
}

TableProgress* OnlineSnapshot::find(std::string_view db, std::string_view table) {
  if (!active_) return nullptr;
  for (TableProgress& t : tables_)
    if (!t.done && t.table == table && t.db == db) return &t;
  return nullptr;
}

Result<bool> OnlineSnapshot::forwards(TableProgress& t, std::string_view id) {
  if (t.done) return true;
  if (t.bound.empty()) return false;   // nothing copied; every surviving row will be
  if (t.bound == "null") return true;  // empty at the start: every row is born after it
  // The element lists are reused: no allocation for keys compared here.
  std::vector<std::string_view>&a = id_elements_, &x = key_elements_, &y = last_elements_;
  split_id(id, a);
  split_id(t.bound, x);
  if (!t.last.empty()) split_id(t.last, y);
  const std::size_t n = std::min({t.key.size(), a.size(), x.size()});
  if (t.server_compare) {
    // Text, UUID, INET: the server compares, in the key's collations (case, accents, PAD
    // SPACE) and types; one query answers for the bound and the last key.
    std::string sql = "SELECT ";
    bool first = true;
    for (std::size_t i = 0; i < n; ++i) {
      if (!t.key[i].server) continue;
      const std::string me = literal(t.key[i], a[i]);
      for (const std::vector<std::string_view>* other : {&x, &y}) {
        if (other == &y && t.last.empty()) continue;
        const std::string them = i < other->size() ? literal(t.key[i], (*other)[i]) : me;
        sql += (first ? "(" : ", (") + me + " > " + them + ") - (" + me + " < " + them + ")";
        first = false;
      }
    }
    auto r = conn_.query(sql);
    if (!r) return r.take_error();
    if (r->rows.empty()) return make_error(ErrorKind::internal, "no answer to " + sql);
    server_order_.clear();
    for (const auto& cell : r->rows[0])
      server_order_.push_back(std::atoi(cell.value_or("0").c_str()));
  }
  // <0, 0, >0: the id against the bound (`which` 0) or the last key (1).
  auto cmp = [&](const std::vector<std::string_view>& other, int which) {
    std::size_t answer = 0;  // the server's answers, in the order asked
    for (std::size_t i = 0; i < n && i < other.size(); ++i) {
      const KeyPart& k = t.key[i];
      int c = 0;
      if (k.server) {
        const std::size_t per = t.last.empty() ? 1 : 2;
        c = server_order_[answer * per + static_cast<std::size_t>(which)];
        ++answer;
      } else {
        c = compare_element(k, a[i], other[i]);
      }
      if (c != 0) return c;
    }
    return 0;
  };
  if (cmp(x, 0) > 0) return true;
  if (t.last.empty()) return false;
  return cmp(y, 1) <= 0;
}

// --snapshot-max-load N: whether the server runs more than N threads now (checked at most once
// a second while it does).
Result<bool> OnlineSnapshot::throttled() {
  if (opts_.max_load == 0) return false;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_load_check_) return true;
  auto r = conn_.query("SHOW GLOBAL STATUS LIKE 'Threads_running'");
  if (!r) return r.take_error();
  std::uint64_t running = 0;
  if (!r->rows.empty()) {
    const std::string v = r->rows[0][1].value_or("0");
    std::from_chars(v.data(), v.data() + v.size(), running);
  }
  if (running > opts_.max_load) {
    next_load_check_ = now + std::chrono::seconds(1);
    if (!paused_)
      warn("--snapshot-max-load " + std::to_string(opts_.max_load) + ": the server runs " +
           std::to_string(running) +
           " threads (Threads_running, dumpr's own included): the snapshot waits, the stream goes "
           "on");
    paused_ = true;
    return true;
  }
  if (paused_) warn("--snapshot-max-load: the snapshot goes on");
  paused_ = false;
  return false;
}

Status OnlineSnapshot::prepare_chunk(const std::string& file, std::uint64_t pos,
                                     std::string_view gtids) {
  if (pending_ || !active_) return {};
  if (watermark_) stream_gtids_.assign(gtids);
  auto busy = throttled();
  if (!busy) return busy.take_error();
  if (*busy) return {};
  for (TableProgress& t : tables_) {
    if (t.done) continue;
    if (!t.described) {
      Status s = describe(t);
      if (!s && s.error().kind == ErrorKind::not_found) {
        warn("--snapshot " + t.db + "." + t.table +
             ": the table is gone (dropped or renamed during its snapshot; the stream wrote "
             "the drop): its snapshot ends here");
        t.done = true;
        json_dirty_ = true;
        update_active();
        continue;
      }
      DUMPR_TRY(s);
    }
    return read_chunk(t, file, pos);
  }
  return {};
}

Status OnlineSnapshot::read_chunk(TableProgress& t, const std::string& file, std::uint64_t pos) {
  const load::LoadTable& d = t.desc;
  // The chunk's rows: about chunk_bytes (from the rows read so far, else the table's average row
  // length), at most chunk_rows, and at most twice the last chunk's count.
  std::uint64_t limit = opts_.chunk_rows;
  const double per_row = emitted_ > 0 && chunk_bytes_ > 0
                             ? static_cast<double>(chunk_bytes_) / static_cast<double>(emitted_)
                             : static_cast<double>(std::max<std::uint64_t>(d.avg_row_length, 64)) +
                                   32.0 * static_cast<double>(d.shape.columns.size());
  limit = std::min<std::uint64_t>(
      limit, std::max<std::uint64_t>(
                 1, static_cast<std::uint64_t>(static_cast<double>(opts_.chunk_bytes) / per_row)));
  if (limit_ > 0) limit = std::min<std::uint64_t>(limit, limit_ * 2);
  limit_ = limit;

  bound_read_now_ = t.bound.empty();
  if (watermark_) {
    // MySQL: what the stream read is committed before the snapshot opens (watermark_window.hpp).
    // Not within a second: tried again a second later, at a boundary (the stream goes on).
    const auto now = std::chrono::steady_clock::now();
    if (now < next_wait_) return {};
    auto ready = WatermarkWindow::wait_visible(conn_, stream_gtids_);
    if (!ready) return ready.take_error();
    if (!*ready) {
      next_wait_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
      if (!wait_warned_)
        warn(
            "--snapshot: the next chunk waits for the server to commit the transactions the "
            "stream has read (their GTIDs are not all in gtid_executed yet; said once)");
      wait_warned_ = true;
      return {};
    }
  }
  DUMPR_TRY(conn_.exec("START TRANSACTION WITH CONSISTENT SNAPSHOT"));
  auto fail = [&](const std::string& what) -> Status {
    Error e = conn_.last_error(what);
    const unsigned err = mysql_errno(conn_.get());
    (void)conn_.exec("ROLLBACK");
    if (bound_read_now_) t.bound.clear();  // read again with the chunk that uses it
    if (err == ER_NO_SUCH_TABLE || err == ER_TABLE_DEF_CHANGED || err == ER_BAD_FIELD_ERROR) {
      t.described = false;  // changed under us: described again, read at the next boundary
      return {};
    }
    return e;
  };
  Position p;  // MariaDB's; MySQL's (H) is read after the SELECT (open_window)
  if (!watermark_) {
    auto st = conn_.query("SHOW STATUS LIKE 'binlog_snapshot_%'");
    if (!st) return st.take_error();
    for (auto& r : st->rows) {
      const std::string key = r[0].value_or(""), val = r[1].value_or("");
      if (strcasecmp(key.c_str(), "binlog_snapshot_file") == 0)
        p.file = val;
      else if (strcasecmp(key.c_str(), "binlog_snapshot_position") == 0)
        std::from_chars(val.data(), val.data() + val.size(), p.position);
    }
  }
  if (p.file.empty() && !watermark_) {
    (void)conn_.exec("ROLLBACK");
    return make_error(ErrorKind::server_config,
                      "the server reports no binlog snapshot position: is log_bin on?");
  }
  if (t.bound.empty()) {
    // The bound: the largest key now, as the row core writes it.
    std::string desc_order = " ORDER BY ";
    for (std::size_t i = 0; i < t.key.size(); ++i)
      desc_order += (i ? ", " : "") + mysql::quote_ident(t.key[i].name) + " DESC";
    const std::string sql = d.select_sql + desc_order + " LIMIT 1";
    if (mysql_real_query(conn_.get(), sql.data(), sql.size()) != 0)
      return fail("reading the largest key of " + t.db + "." + t.table);
    mysql::ResultPtr res(mysql_store_result(conn_.get()));
    if (!res) return fail("reading the largest key of " + t.db + "." + t.table);
    MYSQL_ROW cells = mysql_fetch_row(res.get());
    if (!cells) {
      // Empty now: nothing to copy; every change from here on is forwarded.
      DUMPR_TRY(conn_.exec("COMMIT"));
      t.bound = "null";
    } else {
      load::fill_row(builder_, d, cfg_.values, cells, mysql_fetch_lengths(res.get()));
      t.bound.assign(builder_.id_json(scratch_));
    }
    json_dirty_ = true;
  }
  pending_ = &t;
  pending_pos_ = std::move(p);
  pending_time_ = static_cast<std::uint32_t>(std::time(nullptr));
  emitted_ = chunk_bytes_ = 0;
  chunk_last_.clear();
  ahead_ = nullptr;
  if (t.bound == "null") return watermark_ ? open_window(t) : Status{};  // done at P (or H)
  // The stream is at P already (no commit since it was there): the rows go out as the server
  // sends them, read on while they are written (as load reads), and the snapshot's transaction
  // ends after the last. Else the chunk waits, held whole, for the stream to reach P.
  streaming_ = !watermark_ && pending_pos_.file == file && pending_pos_.position == pos;
  std::string sql = d.select_sql + " WHERE ";
  if (!t.last.empty()) sql += key_greater(t, t.last) + " AND ";
  sql += "NOT " + key_greater(t, t.bound) + t.order_by + " LIMIT " + std::to_string(limit);
  if (mysql_real_query(conn_.get(), sql.data(), sql.size()) != 0) {
    pending_ = nullptr;
    return fail("reading a chunk of " + t.db + "." + t.table);
  }
  result_.reset(streaming_ ? mysql_use_result(conn_.get()) : mysql_store_result(conn_.get()));
  if (!result_) {
    pending_ = nullptr;
    return fail("reading a chunk of " + t.db + "." + t.table);
  }
  // One row ahead, so each row knows whether it is the chunk's last.
  ahead_ = mysql_fetch_row(result_.get());
  if (!ahead_ && mysql_errno(conn_.get()) != 0) {
    pending_ = nullptr;
    return fail("reading a chunk of " + t.db + "." + t.table);
  }
  if (streaming_) return {};
  DUMPR_TRY(conn_.exec("COMMIT"));
  return watermark_ ? open_window(t) : Status{};  // MySQL: H read after the SELECT
}

Result<bool> OnlineSnapshot::next_row(row::JsonOut& head, row::TupleBuilder::Spans& spans,
                                      bool& last) {
  if (watermark_) return next_row_windowed(head, spans, last);
  if (!result_ || !ahead_) return false;
  load::LoadTable& d = pending_->desc;
  load::fill_row(builder_, d, cfg_.values, ahead_, mysql_fetch_lengths(result_.get()));
  for (std::size_t i : builder_.repaired()) {
    if (d.warned[i]) continue;
    d.warned[i] = true;
    warn(row::repair_warning(d.shape, i) + " (first in the snapshot of " + pending_->db + "." +
         pending_->table + ")");
  }
  ++emitted_;
  ahead_ = mysql_fetch_row(result_.get());
  if (!ahead_ && mysql_errno(conn_.get()) != 0)
    return conn_.last_error("reading a chunk of " + pending_->db + "." + pending_->table);
  last = !ahead_;
  if (last) chunk_last_.assign(builder_.id_json(scratch_));
  head.clear();
  spans = builder_.take_prefix(head, row::Op::upsert);
  chunk_bytes_ += head.size();
  return true;
}

Status OnlineSnapshot::finish_chunk() {
  TableProgress& t = *pending_;
  result_.reset();
  if (streaming_) {
    streaming_ = false;
    DUMPR_TRY(conn_.exec("COMMIT"));
  }
  t.rows += emitted_;
  t.truncate_first = false;  // written before this chunk's rows
  if (watermark_) window_.close();
  if (t.bound == "null" || (watermark_ ? selected_ : emitted_) < limit_) {
    t.done = true;  // fewer rows than asked: the range up to the bound is read
    t.last = t.bound;
  } else {
    t.last = chunk_last_;
  }
  if (!t.done && t.last == t.bound) t.done = true;
  if (t.done)
    warn("--snapshot " + t.db + "." + t.table + ": complete, " + std::to_string(t.rows) + " rows");
  pending_ = nullptr;
  json_dirty_ = true;
  update_active();
  return {};
}

void OnlineSnapshot::drop_pending() {
  if (!pending_) return;
  if (bound_read_now_) pending_->bound.clear();
  close_result();
}

// Not used after all: a streaming result is read to its end first (libmariadb does so when it
// is freed), then its transaction ends.
void OnlineSnapshot::close_result() {
  result_.reset();
  window_.close();
  ahead_ = nullptr;
  if (streaming_) {
    streaming_ = false;
    (void)conn_.exec("ROLLBACK");
  }
  pending_ = nullptr;
}

void OnlineSnapshot::restart_table(TableProgress& t) {
  if (pending_ == &t) close_result();
  t.last.clear();
  t.bound.clear();
  t.rows = 0;
  t.described = false;
  json_dirty_ = true;
}

void OnlineSnapshot::after_ddl(std::string_view sql) {
  if (!active_) return;
  // Conservative: a statement that can change a table's definition and names the table (by a
  // case-insensitive search of its text) starts that table over. Starting over is always right;
  // only its cost is wasted when the name matched something else.
  std::size_t b = sql.find_first_not_of(" \t\r\n(");
  if (b == std::string_view::npos) return;
  auto starts = [&](std::string_view w) {
    return sql.size() - b >= w.size() && strncasecmp(sql.data() + b, w.data(), w.size()) == 0;
  };
  if (!starts("ALTER") && !starts("RENAME") && !starts("DROP") && !starts("CREATE")) return;
  std::string lower(sql);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (TableProgress& t : tables_) {
    if (t.done) continue;
    std::string name = t.table;
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower.find(name) == std::string::npos) continue;
    warn("--snapshot " + t.db + "." + t.table +
         ": a statement that may change its definition came in the binlog (`" +
         std::string(sql.substr(b, 120)) + "`): its snapshot starts over");
    restart_table(t);
  }
}

const std::string& OnlineSnapshot::progress_json() {
  if (!json_dirty_) return json_;
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartArray();
  for (const TableProgress& t : tables_) {
    w.StartObject();
    w.Key("db");
    w.String(t.db.c_str(), static_cast<rapidjson::SizeType>(t.db.size()));
    w.Key("table");
    w.String(t.table.c_str(), static_cast<rapidjson::SizeType>(t.table.size()));
    w.Key("done");
    w.Bool(t.done);
    if (!t.last.empty()) {
      w.Key("last");
      w.RawValue(t.last.c_str(), t.last.size(), rapidjson::kStringType);
    }
    if (!t.bound.empty()) {
      w.Key("bound");
      w.RawValue(t.bound.c_str(), t.bound.size(), rapidjson::kStringType);
    }
    w.Key("rows");
    w.Uint64(t.rows);
    if (t.truncate_first) {
      w.Key("truncate");
      w.Bool(true);
    }
    w.EndObject();
  }
  w.EndArray();
  json_.assign(sb.GetString(), sb.GetSize());
  json_dirty_ = false;
  return json_;
}

}  // namespace dumpr::snapshot
