// create-conf: everything the library needs to reach a server and to shape its output.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dumpr/error.hpp"

namespace dumpr {

// How values are written. The same options apply to load and tail, so both agree.
struct ValueOptions {
  // Zero and partly-zero dates ("0000-00-00", "2024-00-15") as null instead of the server's text.
  bool zero_dates_as_null = false;
  // Every value of a BIGINT column (signed or unsigned) as a JSON string of its digits, for
  // consumers that read JSON numbers as doubles (exact only up to 2^53). Other integer columns
  // always fit a double and stay numbers.
  bool bigint_as_string = false;
};

// What is captured: which tables, and which of their columns, as load, tail and position
// apply it alike. Patterns are spelled as in man dumpr(1), SELECTING TABLES AND COLUMNS:
// `table` (in the databases below), `db.table`, `*` and `?` wildcards, backquotes for literal
// names, comma-separated lists.
struct Selection {
  // The databases whose tables are captured (-D, repeatable). Empty: Config::database alone,
  // and when that is empty too, every database (tail only).
  std::vector<std::string> databases;
  std::vector<std::string> tables;          // include patterns; empty: every base table
  std::vector<std::string> exclude_tables;  // exclude patterns, applied after the includes
  // Column patterns, `db.table.column` or `table.column`: left out of every tuple, or written
  // as the keyed HMAC-SHA256 of their output text (hex), with mask_key as the key.
  std::vector<std::string> exclude_columns;
  std::vector<std::string> mask_columns;
  std::string mask_key;
};

struct TlsOptions {
  std::string mode;  // "", DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY
  std::string ca, cert, key;
  // MySQL caching_sha2_password without TLS: the server's RSA public key (a PEM file), instead
  // of fetching it from the server (option files: server-public-key).
  std::string server_public_key;
};

struct Config {
  // Connection, named as the mysql client names them. Empty means "not given": the option files
  // (see read_option_files) and then libmariadb's defaults decide.
  std::string host;
  unsigned port = 0;
  std::string socket;
  std::string user;
  std::optional<std::string> password;
  std::string database;
  std::string defaults_file;
  bool read_default_files = true;     // read ~/.my.cnf etc. (off in tests)
  std::string defaults_group_suffix;  // also read [clientSUFFIX], [dumprSUFFIX], ...
  TlsOptions tls;
  unsigned connect_timeout_s = 10;
  unsigned read_timeout_s = 0;  // 0: libmariadb's default

  // The id of each table's tuples: column names in key order. Tables not named here use their
  // primary key (the original library's per-table id functions).
  std::map<std::string, std::vector<std::string>> id_columns;

  ValueOptions values;
  Selection selection;

  // kafka-option=KEY=VALUE lines of the [dumpr] option-file groups, in the order read (filled by
  // read_option_files; the Kafka sink applies them before the command line's --kafka-option).
  std::vector<std::string> kafka_options;

  // Replication client identity for tail; 0 picks a default derived from host and pid.
  std::uint32_t server_id = 0;

  // Where warnings go (invalid text bytes, tables without a key, lock fallbacks). The library
  // never prints; the CLI sends these to stderr. Unset: warnings are dropped.
  std::function<void(std::string_view)> on_warning;
  // Where details go that say what is done (the option files read, each connection made): the
  // CLI's --verbose. Unset: dropped.
  std::function<void(std::string_view)> on_info;
};

// Reads the option files as the mariadb client does and fills in what `cfg` leaves empty: host,
// port, socket, user, password, database, ssl-ca, ssl-cert, ssl-key, and the TLS mode from
// ssl-mode, ssl-verify-server-cert (VERIFY_IDENTITY), ssl (REQUIRED) or skip-ssl (DISABLED).
// Groups [client], [client-server], [client-mariadb] and [dumpr], and each of them with
// defaults_group_suffix appended; files: only defaults_file if given, else (if
// read_default_files) /etc/my.cnf, /etc/mysql/my.cnf, $MARIADB_HOME/my.cnf (or $MYSQL_HOME) and
// ~/.my.cnf, with !include and !includedir. A later option wins. Then clears defaults_file and
// read_default_files: connections read no file again. Connecting does this itself when the
// caller has not. Error: a defaults_file that cannot be read, a malformed file.
Status read_option_files(Config& cfg);

}  // namespace dumpr
