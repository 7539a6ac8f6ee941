// Errors as values: every library call that can fail returns Result<T>, which holds either the
// value or an Error. An Error names its kind (which decides the CLI's exit status) and carries a
// message that says what went wrong and what to change. The library never prints and never exits.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace dumpr {

enum class ErrorKind {
  usage,          // bad flags, bad checkpoint file contents, bad arguments
  connection,     // server unreachable, connection lost, TLS failure
  auth,           // wrong credentials
  server_config,  // binlog disabled, not ROW, missing server setting
  privilege,      // missing GRANT
  not_found,      // unknown database or table
  position,  // a binlog position the server no longer serves (purged, past the end, other server)
  corrupt,   // corrupt or truncated binlog data
  io,        // local file or stdout write failure (disk full, permission)
  schema,    // table definition does not match the binlog's table map
  delivery,  // the destination refused records for good (Kafka: topic authorisation, a message
             // too large, a fatal producer error); what it acknowledged is checkpointed
  fenced,    // Kafka exactly-once: another instance with the same transactional.id took over
  internal,  // a bug or an unexpected server answer
};

// The process exit status for each kind, documented in man/dumpr.1 (EXIT STATUS).
int exit_code(ErrorKind kind);
const char* kind_name(ErrorKind kind);

struct Error {
  ErrorKind kind;
  std::string message;
};

// A value or an Error. Deliberately small: C++20 has no std::expected.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& value() const& { return std::get<0>(v_); }
  T& operator*() & { return value(); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }
  Error&& take_error() { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : err_(std::move(error)), failed_(true) {}
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return err_; }
  Error&& take_error() { return std::move(err_); }

 private:
  Error err_{ErrorKind::internal, {}};
  bool failed_ = false;
};

using Status = Result<void>;

inline Error make_error(ErrorKind kind, std::string message) {
  return Error{kind, std::move(message)};
}

}  // namespace dumpr

// Propagate an error from an expression returning Result<...> or Status.
#define DUMPR_TRY(expr)                                                 \
  do {                                                                  \
    auto&& dumpr_try_result_ = (expr);                                  \
    if (!dumpr_try_result_.ok()) return dumpr_try_result_.take_error(); \
  } while (0)
