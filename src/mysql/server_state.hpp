// What dumpr asks the server about its binary log: is it usable, where is it now, and does it
// still serve a given position.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dumpr/error.hpp"
#include "dumpr/position.hpp"
#include "mysql/connection.hpp"

namespace dumpr::mysql {

// The binlog settings dumpr needs: log_bin on and binlog_format ROW. The Error says which setting
// to change. A row image other than FULL is returned in `row_image` for the caller to warn about.
struct BinlogSettings {
  std::string row_image;     // FULL, MINIMAL, NOBLOB
  std::string row_metadata;  // FULL, MINIMAL, NO_LOG ("" on servers without the setting)
};
Result<BinlogSettings> check_binlog_settings(Connection& c);

// The server's identity (server_id, MySQL server_uuid, flavor) filled into `pos`.
Status fill_server_identity(Connection& c, Position& pos);

// The current end of the binary log (SHOW MASTER STATUS / SHOW BINARY LOG STATUS), with the
// server's identity and, where the server has GTIDs, the GTID position there. On MariaDB that
// position costs a BINLOG_GTID_POS, which reads the current binlog file from its start (about
// 0.2 s of server time per GB): `with_gtid` false leaves it out where only file and offset
// matter. MySQL's executed GTID set comes with the status at no cost and is always filled.
Result<Position> current_position(Connection& c, bool with_gtid = true);

// MariaDB: the GTID position at file:offset (BINLOG_GTID_POS), "" if none.
std::string gtid_at(Connection& c, const std::string& file, std::uint64_t offset);

// The message for a missing privilege, naming the GRANT that fixes it.
Error privilege_error(Connection& c, const std::string& what, const std::string& grant);

// Where a tail starts from `pos`:
// - `file`: at its file and offset, whenever the server still has that file (the exact place,
//   whatever the GTIDs say);
// - `gtid`: after its GTID set (COM_BINLOG_DUMP_GTID on MySQL, MariaDB's GTID connect) when there
//   is no file (--from-gtid), or on MySQL when the file was purged but the checkpoint has a GTID
//   set, gtid_mode is ON and the server still has every transaction not in the set.
// Else an Error of kind `position` that says why not (another server, file purged and no GTID
// set served, offset past the end, not on an event boundary, inside a transaction, beyond the
// 4 GiB a dump request can name); other kinds mean it could not be checked.
enum class StartFrom { file, gtid };
Result<StartFrom> choose_start(Connection& c, const Position& pos);

// Does the server still serve `pos` (choose_start finds a way)? OK, or choose_start's Error.
Status check_position(Connection& c, const Position& pos);

// A binlog dump request (COM_BINLOG_DUMP) carries a 4-byte offset; MariaDB has no wider one.
inline constexpr std::uint64_t kMaxDumpOffset = 0xFFFFFFFFu;

// OK when `name` can be a table's name; else a not_found Error saying why it cannot exist in
// `database`: names hold characters up to U+FFFF only (information_schema keeps them as utf8mb3,
// and comparing one with a 4-byte character fails with "Illegal mix of collations").
Status check_table_name(std::string_view name, const std::string& database);

}  // namespace dumpr::mysql
