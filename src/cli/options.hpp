// Connection options, shared by every subcommand, named as the mysql client names them.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dumpr/config.hpp"
#include "dumpr/error.hpp"

namespace dumpr::cli {

struct ConnectionOptions {
  std::string host, socket, user, defaults_file;
  std::vector<std::string> databases;  // -D, repeatable: the first is the connection's default
  unsigned port = 0;
  std::optional<std::string> password;
  bool prompt_password = false;  // a bare --password
  bool no_defaults = false;
  std::string ssl_mode, ssl_ca, ssl_cert, ssl_key;
  std::string zero_dates = "keep";
};

// Adds the connection options to a subcommand.
void add_connection_options(CLI::App& cmd, ConnectionOptions& o);

// Removes a bare `--password` (no `=VALUE`) from argv, as the mysql client does: it means "ask".
bool take_bare_password_flag(int& argc, char** argv);

// The library Config: options, MYSQL_PWD, a password prompt on a terminal, warnings to stderr.
Result<Config> make_config(ConnectionOptions& o);

// Prints `dumpr: message` on stderr.
void print_error(const Error& e);
void print_warning(std::string_view msg);

}  // namespace dumpr::cli
