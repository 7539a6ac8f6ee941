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
  std::string host, socket, user, defaults_file, defaults_group_suffix;
  std::vector<std::string> databases;  // -D, repeatable: the first is the connection's default
  unsigned port = 0;
  std::optional<std::string> password;
  bool prompt_password = false;  // a bare -p or --password
  bool no_defaults = false;
  std::string ssl_mode, ssl_ca, ssl_cert, ssl_key;
  bool ssl = false, skip_ssl = false, ssl_verify_server_cert = false;
  std::string zero_dates = "keep";
  bool verbose = false;
};

// Adds the connection options (as the mariadb client names them; one connection string serves
// every subcommand) and -v/--verbose to a subcommand.
void add_connection_options(CLI::App& cmd, ConnectionOptions& o);
// Adds the options that shape values (--zero-dates): for the subcommands that write rows.
void add_value_options(CLI::App& cmd, ConnectionOptions& o);

// Removes a bare `-p` or `--password` (no value) from argv, as the mariadb client does: it means
// "ask".
bool take_bare_password_flag(int& argc, char** argv);

// The library Config: options, option files, MYSQL_PWD, a password prompt on a terminal,
// warnings to stderr, and with --verbose details to stderr.
Result<Config> make_config(ConnectionOptions& o);

// Prints `dumpr: message` on stderr.
void print_error(const Error& e);
void print_warning(std::string_view msg);
// Prints `dumpr: message` on stderr when --verbose was given.
void print_info(const ConnectionOptions& o, std::string_view msg);

}  // namespace dumpr::cli
