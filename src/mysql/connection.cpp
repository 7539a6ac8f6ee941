#include "mysql/connection.hpp"

#include <errmsg.h>
#include <mysqld_error.h>
#include <sys/socket.h>

#include <cstring>

namespace dumpr::mysql {

std::string Rows::get(std::size_t r, std::string_view name) const {
  for (std::size_t c = 0; c < columns.size(); ++c)
    if (columns[c] == name) return rows.at(r).at(c).value_or("");
  return {};
}

ErrorKind classify(unsigned err) {
  switch (err) {
    case ER_ACCESS_DENIED_ERROR:
    case ER_ACCESS_DENIED_NO_PASSWORD_ERROR:
    case ER_PASSWORD_NO_MATCH:
      return ErrorKind::auth;
    case ER_DBACCESS_DENIED_ERROR:
    case ER_TABLEACCESS_DENIED_ERROR:
    case ER_COLUMNACCESS_DENIED_ERROR:
    case ER_SPECIFIC_ACCESS_DENIED_ERROR:
    case ER_PROCACCESS_DENIED_ERROR:
      return ErrorKind::privilege;
    case ER_BAD_DB_ERROR:
    case ER_NO_SUCH_TABLE:
    case ER_BAD_TABLE_ERROR:
      return ErrorKind::not_found;
    case ER_MASTER_FATAL_ERROR_READING_BINLOG:
      return ErrorKind::position;
    case ER_LOCK_WAIT_TIMEOUT:  // another session's lock, held for longer than the session waits
      return ErrorKind::server_config;
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_UNKNOWN_HOST:
    case CR_SSL_CONNECTION_ERROR:
    case ER_CON_COUNT_ERROR:
    case ER_SERVER_SHUTDOWN:
    case ER_HOST_IS_BLOCKED:
    case ER_HOST_NOT_PRIVILEGED:
      return ErrorKind::connection;
    default:
      return err >= 2000 && err < 3000 ? ErrorKind::connection : ErrorKind::internal;
  }
}

namespace {

std::string fix_for(ErrorKind kind, unsigned err) {
  switch (kind) {
    case ErrorKind::auth:
      return " (check --user and --password, MYSQL_PWD, or the [client]/[dumpr] groups of the "
             "option files)";
    case ErrorKind::connection:
      if (err == CR_CONNECTION_ERROR || err == CR_CONN_HOST_ERROR || err == CR_UNKNOWN_HOST)
        return " (is the server running? check --host, --port or --socket)";
      return "";
    case ErrorKind::privilege:
      if (err == ER_DBACCESS_DENIED_ERROR)
        return " (as an admin run: GRANT SELECT ON <database>.* TO <user>)";
      return "";
    case ErrorKind::not_found:
      return err == ER_BAD_DB_ERROR ? " (check --database)" : "";
    case ErrorKind::server_config:
      if (err == ER_LOCK_WAIT_TIMEOUT)
        return " (another session holds a lock on the table, a LOCK TABLES ... WRITE or a running "
               "ALTER TABLE, for longer than lock_wait_timeout (load waits at most 30 s): SHOW "
               "PROCESSLIST shows who waits for it; run again once that lock is released)";
      return "";
    default:
      return "";
  }
}

const char* opt(const std::string& s) {
  return s.empty() ? nullptr : s.c_str();
}

// A unix socket never leaves the machine: the servers' require_secure_transport counts it as
// secure, and newer libmariadb versions no longer use TLS over one.
bool over_unix_socket(MYSQL* m) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  const my_socket s = mysql_get_socket(m);
  return s != static_cast<my_socket>(-1) &&
         ::getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len) == 0 &&
         addr.ss_family == AF_UNIX;
}

}  // namespace

Error Connection::last_error(std::string_view what) const {
  unsigned err = mysql_errno(m_.get());
  ErrorKind kind = classify(err);
  std::string msg(what);
  msg += ": ";
  msg += mysql_error(m_.get());
  msg += " [error ";
  msg += std::to_string(err);
  msg += "]";
  msg += fix_for(kind, err);
  return make_error(kind, std::move(msg));
}

Result<Connection> Connection::open(const Config& given) {
  // dumpr reads the option files itself (read_option_files), libmariadb reads none: the CLI has
  // read them before it connects; a library caller that has not gets them read here.
  std::optional<Config> with_files;
  if (!given.defaults_file.empty() || given.read_default_files) {
    with_files = given;
    DUMPR_TRY(read_option_files(*with_files));
  }
  const Config& cfg = with_files ? *with_files : given;

  Connection c;
  c.m_.reset(mysql_init(nullptr));
  if (!c.m_) return make_error(ErrorKind::internal, "mysql_init failed (out of memory)");
  MYSQL* m = c.m_.get();
  unsigned timeout = cfg.connect_timeout_s;
  mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  if (cfg.read_timeout_s) {
    unsigned rt = cfg.read_timeout_s;
    mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &rt);
  }
  mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");

  const TlsOptions& tls = cfg.tls;
  std::string mode = tls.mode;
  for (char& ch : mode) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (!mode.empty() && mode != "DISABLED" && mode != "PREFERRED" && mode != "REQUIRED" &&
      mode != "VERIFY_CA" && mode != "VERIFY_IDENTITY")
    return make_error(ErrorKind::usage,
                      "--ssl-mode " + tls.mode +
                          ": use DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY");
  // TLS as the mysql client's --ssl-mode means it. PREFERRED (the default): encrypt whenever the
  // server offers TLS, without checking its certificate. REQUIRED: the same, and a connection
  // that is not encrypted is refused below (libmariadb 3.3 falls back to clear text unless the
  // certificate is verified). VERIFY_CA, VERIFY_IDENTITY: the certificate is checked too.
  // libmariadb's MYSQL_OPT_SSL_ENFORCE means "ask for TLS", and its verification is set here
  // either way, since newer versions verify by default.
  const bool verify = mode == "VERIFY_CA" || mode == "VERIFY_IDENTITY";
  const bool require_tls = mode == "REQUIRED" || verify;
  my_bool use_tls = mode != "DISABLED";
  my_bool verify_cert = verify;
  if (use_tls && (!tls.ca.empty() || !tls.cert.empty() || !tls.key.empty()))
    mysql_ssl_set(m, opt(tls.key), opt(tls.cert), opt(tls.ca), nullptr, nullptr);
  mysql_optionsv(m, MYSQL_OPT_SSL_ENFORCE, &use_tls);
  mysql_optionsv(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify_cert);
  if (!tls.server_public_key.empty())
    mysql_optionsv(m, MYSQL_SERVER_PUBLIC_KEY, tls.server_public_key.c_str());

  // libmariadb takes the socket for no host or "localhost", else TCP.
  std::string where;
  if (!cfg.socket.empty() && (cfg.host.empty() || cfg.host == "localhost"))
    where = "socket " + cfg.socket;
  else if (!cfg.host.empty())
    where = cfg.host + (cfg.port ? ":" + std::to_string(cfg.port) : std::string());
  else
    where = "the server";
  const char* password = cfg.password ? cfg.password->c_str() : nullptr;
  if (!mysql_real_connect(m, opt(cfg.host), opt(cfg.user), password, opt(cfg.database), cfg.port,
                          opt(cfg.socket), CLIENT_MULTI_RESULTS)) {
    Error e = c.last_error("cannot connect to " + where);
    // libmariadb's caching_sha2_password and sha256_password plugins say no more than this when
    // the RSA key exchange of a login without TLS fails (a server-public-key file that is not
    // the server's key, a server without RSA keys).
    if (mysql_errno(m) == CR_UNKNOWN_ERROR)
      e.message +=
          " (for a caching_sha2_password or sha256_password account over a connection without "
          "TLS, the password is encrypted with the server's RSA public key: check that the "
          "server-public-key of the option files is the server's key (its "
          "caching_sha2_password_public_key_path) or leave it out to fetch the key from the "
          "server, or connect with TLS: --ssl-mode PREFERRED, the default)";
    return e;
  }
  if (require_tls && mysql_get_ssl_cipher(m) == nullptr && !over_unix_socket(m))
    return make_error(ErrorKind::connection,
                      "the connection to " + where + " is not encrypted: --ssl-mode=" + mode +
                          " needs TLS and the server does not offer it (give the server ssl_cert "
                          "and ssl_key, or connect with --ssl-mode=PREFERRED)");
  const char* info = mysql_get_server_info(m);
  c.mariadb_ = info && std::strstr(info, "MariaDB") != nullptr;
  c.version_ = mysql_get_server_version(m);
  // MySQL 8.0.30+: a generated invisible primary key (my_row_id) is in every row event, but the
  // server may hide it from information_schema and SHOW CREATE TABLE
  // (show_gipk_in_create_table_and_information_schema=OFF): load would lose the column and the
  // key that tail sees. Each session shows it.
  if (!c.mariadb_ && c.version_ >= 80030)
    DUMPR_TRY(c.exec("SET SESSION show_gipk_in_create_table_and_information_schema = ON"));
  if (cfg.on_info) {
    const char* cipher = mysql_get_ssl_cipher(m);
    const char* user = m->user;
    cfg.on_info("connected to " + where + " (" + mysql_get_host_info(m) + ") as " +
                (user && *user ? user : "(default user)") + ": " + (info ? info : "?") +
                (cipher ? std::string(", TLS ") + cipher : std::string(", not encrypted")) +
                (cfg.database.empty() ? std::string() : ", database " + cfg.database));
  }
  return c;
}

void Connection::abandon() {
  if (!m_) return;
  const my_socket s = mysql_get_socket(m_.get());
  if (s != static_cast<my_socket>(-1)) ::shutdown(s, SHUT_RDWR);
}

std::string Connection::server_info() const {
  const char* info = mysql_get_server_info(m_.get());
  return info ? info : "";
}

Status Connection::exec(std::string_view sql) {
  if (mysql_real_query(m_.get(), sql.data(), sql.size()) != 0)
    return last_error("query failed: " + std::string(sql.substr(0, 200)));
  // Discard any result sets.
  do {
    if (MYSQL_RES* r = mysql_store_result(m_.get())) mysql_free_result(r);
  } while (mysql_next_result(m_.get()) == 0);
  return {};
}

Result<Rows> Connection::query(std::string_view sql) {
  if (mysql_real_query(m_.get(), sql.data(), sql.size()) != 0)
    return last_error("query failed: " + std::string(sql.substr(0, 200)));
  ResultPtr res(mysql_store_result(m_.get()));
  Rows rows;
  if (!res) {
    if (mysql_field_count(m_.get()) != 0) return last_error("reading result failed");
    return rows;
  }
  unsigned n = mysql_num_fields(res.get());
  MYSQL_FIELD* fields = mysql_fetch_fields(res.get());
  for (unsigned i = 0; i < n; ++i) rows.columns.emplace_back(fields[i].name);
  while (MYSQL_ROW row = mysql_fetch_row(res.get())) {
    unsigned long* len = mysql_fetch_lengths(res.get());
    auto& out = rows.rows.emplace_back();
    for (unsigned i = 0; i < n; ++i) {
      if (row[i])
        out.emplace_back(std::string(row[i], len[i]));
      else
        out.emplace_back(std::nullopt);
    }
  }
  while (mysql_next_result(m_.get()) == 0) {
    if (MYSQL_RES* r = mysql_store_result(m_.get())) mysql_free_result(r);
  }
  return rows;
}

Result<ResultPtr> Connection::stream(std::string_view sql) {
  if (mysql_real_query(m_.get(), sql.data(), sql.size()) != 0)
    return last_error("query failed: " + std::string(sql.substr(0, 200)));
  ResultPtr res(mysql_use_result(m_.get()));
  if (!res) return last_error("reading result failed");
  return res;
}

std::string quote_ident(std::string_view name) {
  std::string q;
  q.reserve(name.size() + 2);
  q += '`';
  for (char ch : name) {
    if (ch == '`') q += '`';
    q += ch;
  }
  q += '`';
  return q;
}

std::string quote_string(MYSQL* m, std::string_view s) {
  std::string q(s.size() * 2 + 3, '\0');
  q[0] = '\'';
  unsigned long n = mysql_real_escape_string(m, q.data() + 1, s.data(), s.size());
  q.resize(n + 1);
  q += '\'';
  return q;
}

}  // namespace dumpr::mysql
