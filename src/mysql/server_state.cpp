#include "mysql/server_state.hpp"

#include <mysqld_error.h>

#include <charconv>

#include "binlog/gtid_set.hpp"

namespace dumpr::mysql {

namespace {

std::string upper(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

std::uint64_t to_u64(const std::string& s) {
  std::uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

// Whether an event of this type (as SHOW BINLOG EVENTS names it) only ever comes inside a
// transaction, after its start: starting there would read a transaction from its middle.
// `gtid_first`: the server logs a GTID event before every transaction and statement (MySQL
// 5.7.6 on, Gtid or Anonymous_Gtid even with gtid_mode=OFF; sql/binlog.cc
// MYSQL_BIN_LOG::write_transaction), so each Query event, BEGIN and DDL alike, comes after its
// transaction's start. On MariaDB the GTID event is the BEGIN and a DDL's Query follows one too,
// but MariaDB 10.0+ logs no Query BEGIN, so it is told apart as before.
bool inside_transaction(std::string_view type, std::string_view info, bool gtid_first) {
  std::string t(type);
  for (char& ch : t) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  // Table_map; Write/Update/Delete_rows (v1, compressed, partial); MariaDB Annotate_rows and
  // MySQL Rows_query, which sit between a transaction's start and its table maps.
  if (t == "table_map" || t.find("_rows") != std::string::npos || t.rfind("rows_", 0) == 0)
    return true;
  if (t == "xid" || t == "xa_prepare" || t == "transaction_payload") return true;
  if (t == "query") {
    if (gtid_first) return true;
    for (std::string_view end :
         {"COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT", "XA END", "XA PREPARE"})
      if (starts_with_ci(info, end)) return true;
  }
  return false;
}

// MySQL 8.4 removed SHOW MASTER STATUS.
bool has_binary_log_status(const Connection& c) {
  return !c.is_mariadb() && c.server_version() >= 80200;
}

}  // namespace

Error privilege_error(Connection& c, const std::string& what, const std::string& grant) {
  const std::string server_says = mysql_error(c.get());
  const char* user = c.get()->user;
  const char* host = c.get()->host;
  std::string who = user && *user ? "'" + std::string(user) + "'@'" +
                                        (host && *host && std::string(host) != "localhost"
                                             ? std::string("%")
                                             : std::string("localhost")) +
                                        "'"
                                  : std::string("<user>");
  return make_error(ErrorKind::privilege, what + ": missing privilege (" + server_says +
                                              "); as an admin run: GRANT " + grant + " TO " + who +
                                              ";");
}

Result<BinlogSettings> check_binlog_settings(Connection& c) {
  auto r = c.query(
      "SELECT @@GLOBAL.log_bin AS log_bin, @@GLOBAL.binlog_format AS binlog_format, "
      "@@GLOBAL.binlog_row_image AS row_image");
  if (!r) return r.take_error();
  Rows& rows = *r;
  if (rows.rows.empty()) return make_error(ErrorKind::internal, "no answer to SELECT @@log_bin");
  std::string log_bin = rows.get(0, "log_bin");
  if (log_bin != "1" && upper(log_bin) != "ON")
    return make_error(ErrorKind::server_config,
                      "the server's binary log is off: start it with log_bin=ON (e.g. "
                      "`log-bin=mysql-bin` in the [mysqld] section) and binlog_format=ROW");
  std::string format = upper(rows.get(0, "binlog_format"));
  if (format != "ROW")
    return make_error(ErrorKind::server_config,
                      "the server's binlog_format is " + format +
                          ", dumpr needs ROW: SET GLOBAL binlog_format=ROW and "
                          "binlog_format=ROW in the [mysqld] section");
  BinlogSettings s;
  s.row_image = upper(rows.get(0, "row_image"));
  auto meta = c.query("SELECT @@GLOBAL.binlog_row_metadata AS m");
  if (meta && !meta->rows.empty()) s.row_metadata = upper(meta->get(0, "m"));
  return s;
}

Status fill_server_identity(Connection& c, Position& pos) {
  auto r =
      c.query(c.is_mariadb() ? "SELECT @@GLOBAL.server_id AS id"
                             : "SELECT @@GLOBAL.server_id AS id, @@GLOBAL.server_uuid AS uuid");
  if (!r) return r.take_error();
  if (r->rows.empty()) return make_error(ErrorKind::internal, "no answer to SELECT @@server_id");
  pos.server_id = static_cast<std::uint32_t>(to_u64(r->get(0, "id")));
  pos.server_uuid = c.is_mariadb() ? "" : r->get(0, "uuid");
  pos.flavor = c.is_mariadb() ? "mariadb" : "mysql";
  return {};
}

std::string gtid_at(Connection& c, const std::string& file, std::uint64_t offset) {
  if (!c.is_mariadb()) return {};
  auto r = c.query("SELECT BINLOG_GTID_POS(" + quote_string(c.get(), file) + ", " +
                   std::to_string(offset) + ") AS g");
  if (!r || r->rows.empty()) return {};
  return r->get(0, "g");
}

Result<Position> current_position(Connection& c, bool with_gtid) {
  const char* sql = has_binary_log_status(c) ? "SHOW BINARY LOG STATUS" : "SHOW MASTER STATUS";
  auto r = c.query(sql);
  if (!r) {
    unsigned err = mysql_errno(c.get());
    if (err == ER_SPECIFIC_ACCESS_DENIED_ERROR || err == ER_ACCESS_DENIED_ERROR)
      return privilege_error(
          c, std::string("reading the binlog position (") + sql + ")",
          c.is_mariadb() ? "BINLOG MONITOR ON *.*" : "REPLICATION CLIENT ON *.*");
    return r.take_error();
  }
  if (r->rows.empty())
    return make_error(ErrorKind::server_config,
                      "the server's binary log is off: start it with log_bin=ON (e.g. "
                      "`log-bin=mysql-bin` in the [mysqld] section) and binlog_format=ROW");
  Position pos;
  pos.file = r->get(0, "File");
  pos.position = to_u64(r->get(0, "Position"));
  if (!c.is_mariadb()) {
    pos.gtid = r->get(0, "Executed_Gtid_Set");
    std::erase(pos.gtid, '\n');
  }
  DUMPR_TRY(fill_server_identity(c, pos));
  if (c.is_mariadb() && with_gtid) pos.gtid = gtid_at(c, pos.file, pos.position);
  return pos;
}

namespace {

// "binlog file F is no longer on the server (purged; the oldest is G)".
std::string purged_file(const std::string& file, const std::string& oldest) {
  return "binlog file " + file + " is no longer on the server (purged; the oldest is " +
         (oldest.empty() ? std::string("none") : oldest) + ")";
}

// check_position, saying in `oldest` which file is the server's oldest when the error is that
// the file is gone (purged).
Status check_position_in_file(Connection& c, const Position& pos, bool& purged,
                              std::string& oldest) {
  Position here;
  DUMPR_TRY(fill_server_identity(c, here));
  if (pos.server_id != 0 && pos.server_id != here.server_id)
    return make_error(ErrorKind::position,
                      "the position is from another server (its server_id is " +
                          std::to_string(pos.server_id) + ", this server's is " +
                          std::to_string(here.server_id) + ")");
  if (!pos.server_uuid.empty() && !here.server_uuid.empty() && pos.server_uuid != here.server_uuid)
    return make_error(ErrorKind::position, "the position is from another server (server_uuid " +
                                               pos.server_uuid + ", this server's is " +
                                               here.server_uuid + ")");
  if (!pos.flavor.empty() && pos.flavor != here.flavor)
    return make_error(ErrorKind::position, "the position is from a " + pos.flavor +
                                               " server, this one is " + here.flavor);
  auto logs = c.query("SHOW BINARY LOGS");
  if (!logs) {
    unsigned err = mysql_errno(c.get());
    if (err == ER_NO_BINARY_LOGGING)
      return make_error(ErrorKind::server_config,
                        "the server's binary log is off: start it with log_bin=ON");
    if (err == ER_SPECIFIC_ACCESS_DENIED_ERROR)
      return privilege_error(
          c, "listing binary logs (SHOW BINARY LOGS)",
          c.is_mariadb() ? "BINLOG MONITOR ON *.*" : "REPLICATION CLIENT ON *.*");
    return logs.take_error();
  }
  std::uint64_t size = 0;
  bool found = false;
  std::string first;
  for (std::size_t i = 0; i < logs->rows.size(); ++i) {
    std::string name = logs->get(i, "Log_name");
    if (first.empty()) first = name;
    if (name == pos.file) {
      found = true;
      size = to_u64(logs->get(i, "File_size"));
    }
  }
  purged = !found;
  oldest = first;
  if (!found)
    return make_error(ErrorKind::position,
                      purged_file(pos.file, first) +
                          ": run `dumpr load` again to take a new snapshot and position");
  if (pos.position < 4)
    return make_error(ErrorKind::position, "offset " + std::to_string(pos.position) +
                                               " is before the first event of " + pos.file);
  if (pos.position > kMaxDumpOffset)
    return make_error(
        ErrorKind::position,
        "offset " + std::to_string(pos.position) + " in " + pos.file +
            " is beyond 4 GiB: a binlog dump request names the offset in 4 bytes (at most " +
            std::to_string(kMaxDumpOffset) +
            "), so the server cannot be asked to start there. Start from a GTID (--from-gtid, "
            "MariaDB) or at the start of the next binlog file");
  if (pos.position > size)
    return make_error(ErrorKind::position, "offset " + std::to_string(pos.position) +
                                               " is past the end of " + pos.file + " (" +
                                               std::to_string(size) + " bytes)");
  if (pos.position < size) {
    // The server refuses an offset that is not where an event starts.
    auto ev = c.query("SHOW BINLOG EVENTS IN " + quote_string(c.get(), pos.file) + " FROM " +
                      std::to_string(pos.position) + " LIMIT 1");
    if (!ev) {
      unsigned err = mysql_errno(c.get());
      if (err == ER_ERROR_WHEN_EXECUTING_COMMAND)
        return make_error(ErrorKind::position, "offset " + std::to_string(pos.position) + " in " +
                                                   pos.file + " is not at the start of an event");
      if (err == ER_SPECIFIC_ACCESS_DENIED_ERROR)
        return privilege_error(
            c, "reading binlog events (SHOW BINLOG EVENTS)",
            c.is_mariadb() ? "BINLOG MONITOR ON *.*" : "REPLICATION SLAVE ON *.*");
      return ev.take_error();
    }
    // A tail started there would begin with a transaction's middle: rows whose table map it
    // never saw, or rows without their start. Only transaction boundaries are resume points.
    const std::string type = ev->rows.empty() ? std::string() : ev->get(0, "Event_type");
    const bool gtid_first = !c.is_mariadb() && c.server_version() >= 50706;
    if (!type.empty() && inside_transaction(type, ev->get(0, "Info"), gtid_first))
      return make_error(ErrorKind::position,
                        "offset " + std::to_string(pos.position) + " in " + pos.file +
                            " is not at a transaction boundary: the event there is " + type +
                            (gtid_first && type == "Query" ? ", after its transaction's GTID event"
                                                           : ", inside a transaction") +
                            " (a checkpoint, SHOW MASTER STATUS, a transaction's GTID event and "
                            "the end of a transaction's Xid or COMMIT event are boundaries)");
  }
  return {};
}

// MySQL: whether the server can send every transaction not in `gtids` (a GTID set as the
// checkpoint keeps it), and the set is this server's history. OK, a usage Error for a set that
// is not one, or a position Error naming what is missing.
Status check_gtid_set_served(Connection& c, const std::string& gtids) {
  auto parsed = binlog::GtidSet::parse(gtids);
  if (!parsed) return parsed.take_error();
  auto mode = c.query("SELECT @@GLOBAL.gtid_mode AS m");
  if (!mode) return mode.take_error();
  if (mode->rows.empty() || upper(mode->get(0, "m")) != "ON")
    return make_error(ErrorKind::position,
                      "the server's gtid_mode is " +
                          (mode->rows.empty() ? std::string("unknown") : mode->get(0, "m")) +
                          ", not ON: it cannot be asked for the binary log after a GTID set (set "
                          "gtid_mode=ON, or start from a file and offset it still has)");
  // The canonical text: the server parses it as we do (tags in lower case).
  const std::string set = quote_string(c.get(), parsed->to_string());
  auto r = c.query("SELECT GTID_SUBTRACT(@@GLOBAL.gtid_purged, " + set +
                   ") AS missing, GTID_SUBTRACT(" + set + ", @@GLOBAL.gtid_executed) AS extra");
  if (!r) return r.take_error();
  std::string missing = r->rows.empty() ? "" : r->get(0, "missing");
  std::string extra = r->rows.empty() ? "" : r->get(0, "extra");
  std::erase(missing, '\n');
  std::erase(extra, '\n');
  if (!missing.empty())
    return make_error(ErrorKind::position,
                      "the server purged binary logs holding transactions after the GTID set (" +
                          missing +
                          " are neither in the set nor on the server any more): run `dumpr load` "
                          "again to take a new snapshot and position");
  if (!extra.empty())
    return make_error(ErrorKind::position,
                      "the GTID set has transactions this server never executed (" + extra +
                          "): it is from another server, or the server's history was reset; "
                          "run `dumpr load` again to take a new snapshot and position");
  return {};
}

// MariaDB: whether the server can send every transaction after the GTID position `gtid` (a
// checkpoint's) though `oldest` is its oldest binlog file: OK, or a position Error naming what
// is missing. The oldest file's start position (its GTID list event: cheap) must be covered, domain
// by domain, and the server's binlog must have reached every domain's number.
Status check_gtid_position_served(Connection& c, const std::string& gtid,
                                  const std::string& oldest) {
  auto pos = binlog::parse_maria_position(gtid);
  if (!pos) return pos.take_error();
  auto r = c.query("SELECT BINLOG_GTID_POS(" + quote_string(c.get(), oldest) +
                   ", 4) AS start, @@GLOBAL.gtid_binlog_pos AS end");
  if (!r) return r.take_error();
  if (r->rows.empty() || !r->rows[0][0])
    return make_error(ErrorKind::position,
                      "the server cannot say which GTIDs its oldest binlog "
                      "file " +
                          oldest + " starts after");
  auto start = binlog::parse_maria_position(r->get(0, "start"));
  if (!start) return start.take_error();
  auto end = binlog::parse_maria_position(r->get(0, "end"));
  if (!end) return end.take_error();
  const std::string gap = binlog::maria_position_gap(*pos, *start, *end);
  if (gap.empty()) return {};
  return make_error(ErrorKind::position,
                    gap + " (the oldest file starts after " + r->get(0, "start") +
                        "): run `dumpr load` again to take a new snapshot and position");
}

}  // namespace

Status check_position(Connection& c, const Position& pos) {
  auto start = choose_start(c, pos);
  if (!start) return start.take_error();
  return {};
}

Result<StartFrom> choose_start(Connection& c, const Position& pos) {
  if (pos.file.empty()) {
    // --from-gtid: MariaDB finds the place itself and says when it cannot.
    if (c.is_mariadb()) return StartFrom::gtid;
    DUMPR_TRY(check_gtid_set_served(c, pos.gtid));
    return StartFrom::gtid;
  }
  bool purged = false;
  std::string oldest;
  Status in_file = check_position_in_file(c, pos, purged, oldest);
  if (in_file) return StartFrom::file;
  Error why = in_file.take_error();
  // The file is gone: the checkpoint's GTID set (MySQL) or position (MariaDB) still names the
  // place, as long as the server has every transaction after it.
  if (!purged || pos.gtid.empty()) return why;
  if (Status served = c.is_mariadb() ? check_gtid_position_served(c, pos.gtid, oldest)
                                     : check_gtid_set_served(c, pos.gtid);
      !served) {
    Error e = served.take_error();
    e.message = purged_file(pos.file, oldest) + ", and no resume after the checkpoint's GTID " +
                (c.is_mariadb() ? "position" : "set") + ": " + e.message;
    return e;
  }
  return StartFrom::gtid;
}

Status check_table_name(std::string_view name, const std::string& database) {
  // Decode the UTF-8: a character above U+FFFF (4 bytes) or bytes that are not UTF-8.
  std::string why;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < name.size() && why.empty(); ++chars) {
    const auto b = static_cast<unsigned char>(name[i]);
    std::size_t len = b < 0x80         ? 1
                      : (b >> 5) == 6  ? 2
                      : (b >> 4) == 14 ? 3
                      : (b >> 3) == 30 ? 4
                                       : 0;
    if (len == 0 || i + len > name.size()) {
      why = "it is not valid UTF-8";
      break;
    }
    for (std::size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(name[i + k]) & 0xC0) != 0x80) why = "it is not valid UTF-8";
    if (len == 4 && why.empty())
      why =
          "it has a character beyond U+FFFF (4 bytes in UTF-8, like an emoji), and MySQL and "
          "MariaDB names hold characters up to U+FFFF only";
    i += len;
  }
  if (why.empty() && chars > 64)
    why = "it is longer than 64 characters, the longest name a table can have";
  if (why.empty() && !name.empty()) return {};
  if (name.empty()) why = "the name is empty";
  return make_error(ErrorKind::not_found,
                    "table " + std::string(name) + " does not exist" +
                        (database.empty() ? std::string() : " in database " + database) + ": " +
                        why);
}

}  // namespace dumpr::mysql
