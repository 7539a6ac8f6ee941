// Connection: owns one MYSQL* (libmariadb) and turns its failures into dumpr Errors at this one
// boundary. Also the small query helpers every part uses.
#pragma once

#include <mysql.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dumpr/config.hpp"
#include "dumpr/error.hpp"

namespace dumpr::mysql {

struct MysqlDeleter {
  void operator()(MYSQL* m) const { mysql_close(m); }
};
struct ResultDeleter {
  void operator()(MYSQL_RES* r) const { mysql_free_result(r); }
};
using ResultPtr = std::unique_ptr<MYSQL_RES, ResultDeleter>;

// Rows of a small, fully fetched result; NULL is std::nullopt.
struct Rows {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;

  // The value of column `name` in row `r`, or "" when NULL or absent.
  std::string get(std::size_t r, std::string_view name) const;
};

class Connection {
 public:
  // Connects with the Config's options (option files, TLS, credentials). `purpose` is named in
  // error messages ("load", "tail").
  static Result<Connection> open(const Config& cfg);

  MYSQL* get() const { return m_.get(); }

  // Runs a statement that returns no rows (or whose rows are discarded).
  Status exec(std::string_view sql);
  // Runs a query and fetches all of its rows (for small results only).
  Result<Rows> query(std::string_view sql);
  // Runs a query whose rows are read one by one from the server (mysql_use_result).
  Result<ResultPtr> stream(std::string_view sql);

  // The Error for the connection's last failure, classified by error number, with `what` (the
  // action that failed) in the message.
  Error last_error(std::string_view what) const;

  // Shuts the socket down without closing it: a read blocked on the server (in any thread) fails
  // now, and freeing an unread mysql_use_result result no longer reads the rest of it first.
  // For stopping early; the connection is not usable afterwards.
  void abandon();

  bool is_mariadb() const { return mariadb_; }
  unsigned long server_version() const { return version_; }
  std::string server_info() const;

 private:
  std::unique_ptr<MYSQL, MysqlDeleter> m_;
  bool mariadb_ = false;
  unsigned long version_ = 0;
};

// `name` quoted as an identifier: backticks, with backticks inside doubled.
std::string quote_ident(std::string_view name);
// `s` as a single-quoted SQL string literal.
std::string quote_string(MYSQL* m, std::string_view s);

// Classifies a client/server error number.
ErrorKind classify(unsigned err);

}  // namespace dumpr::mysql
