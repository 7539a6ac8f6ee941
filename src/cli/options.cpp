#include "cli/options.hpp"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "cli/commands.hpp"

namespace dumpr::cli {

void add_connection_options(CLI::App& cmd, ConnectionOptions& o) {
  const char* group = "Connection";
  cmd.add_option("-h,--host", o.host, "Server host name or address")
      ->type_name("HOST")
      ->group(group);
  cmd.add_option("-P,--port", o.port, "Server TCP port (default 3306)")->group(group);
  cmd.add_option("-S,--socket", o.socket, "Server unix socket path")
      ->type_name("PATH")
      ->group(group);
  cmd.add_option("-u,--user", o.user, "User name")->type_name("NAME")->group(group);
  cmd.add_option("-p,--password", o.password,
                 "Password: -pVALUE or --password=VALUE; a bare -p or --password asks on the "
                 "terminal; also MYSQL_PWD")
      ->type_name("VALUE")
      ->group(group);
  cmd.add_option("-D,--database", o.databases,
                 "A database whose tables are captured (repeatable; the first is the default)")
      ->type_name("NAME")
      ->expected(1)
      ->take_all()
      ->allow_extra_args(false)
      ->group(group);
  cmd.add_option("--defaults-file", o.defaults_file,
                 "Read the option groups from this file only (an error if it cannot be read)")
      ->type_name("FILE")
      ->group(group);
  cmd.add_option("--defaults-group-suffix", o.defaults_group_suffix,
                 "Also read the groups [clientSUFFIX] and [dumprSUFFIX] of the option files")
      ->type_name("SUFFIX")
      ->group(group);
  cmd.add_flag("--no-defaults", o.no_defaults, "Read no option files")->group(group);
  cmd.add_option("--ssl-mode", o.ssl_mode,
                 "TLS: DISABLED, PREFERRED (the default), REQUIRED, VERIFY_CA or VERIFY_IDENTITY")
      ->type_name("MODE")
      ->group(group);
  cmd.add_flag("--ssl", o.ssl, "Require TLS (--ssl-mode=REQUIRED)")->group(group);
  cmd.add_flag("--skip-ssl", o.skip_ssl, "No TLS (--ssl-mode=DISABLED)")->group(group);
  cmd.add_flag("--ssl-verify-server-cert", o.ssl_verify_server_cert,
               "Require TLS and check the server's certificate and host name "
               "(--ssl-mode=VERIFY_IDENTITY)")
      ->group(group);
  cmd.add_option("--ssl-ca", o.ssl_ca, "CA certificate file")->type_name("FILE")->group(group);
  cmd.add_option("--ssl-cert", o.ssl_cert, "Client certificate file")
      ->type_name("FILE")
      ->group(group);
  cmd.add_option("--ssl-key", o.ssl_key, "Client key file")->type_name("FILE")->group(group);
  cmd.add_flag("-v,--verbose", o.verbose,
               "Say on stderr what is done: option files read, connections made, the position "
               "started from")
      ->group("Output");
}

void add_value_options(CLI::App& cmd, ConnectionOptions& o) {
  cmd.add_option("--zero-dates", o.zero_dates,
                 "Zero dates like 0000-00-00: keep (as the server shows them) or null")
      ->capture_default_str()
      ->check(CLI::IsMember({"keep", "null"}))
      ->group("Values");
}

bool take_bare_password_flag(int& argc, char** argv) {
  bool found = false;
  int out = 0;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--password") == 0 || std::strcmp(argv[i], "-p") == 0) {
      found = true;
      continue;
    }
    argv[out++] = argv[i];
  }
  argc = out;
  return found;
}

namespace {

Result<std::string> prompt_password() {
  if (!isatty(STDIN_FILENO))
    return make_error(ErrorKind::usage,
                      "--password without a value asks on a terminal, and stdin is not one: use "
                      "--password=VALUE, MYSQL_PWD or an option file");
  std::fputs("Enter password: ", stderr);
  std::fflush(stderr);
  termios old{};
  tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  std::string pw;
  std::getline(std::cin, pw);
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
  std::fputs("\n", stderr);
  return pw;
}

}  // namespace

void print_error(const Error& e) {
  std::fprintf(stderr, "dumpr: %s\n", e.message.c_str());
}

void print_warning(std::string_view msg) {
  std::fprintf(stderr, "dumpr: warning: %.*s\n", static_cast<int>(msg.size()), msg.data());
}

void print_info(const ConnectionOptions& o, std::string_view msg) {
  if (o.verbose) std::fprintf(stderr, "dumpr: %.*s\n", static_cast<int>(msg.size()), msg.data());
}

Result<std::unique_ptr<Sink>> open_sink(const std::string& output) {
  if (output.empty()) return make_fd_sink(STDOUT_FILENO, &stop_requested);
  std::uint64_t cut = 0;
  auto sink = make_file_sink(output, &cut, &stop_requested);
  if (sink && cut > 0)
    print_warning("--output " + output + ": cut off a torn last line of " + std::to_string(cut) +
                  " bytes (a line the last run did not finish; its transaction is after the "
                  "checkpoint and is written again)");
  return sink;
}

namespace {

// --ssl, --skip-ssl and --ssl-verify-server-cert as the --ssl-mode they mean.
Result<std::string> tls_mode(const ConnectionOptions& o) {
  const int flags = o.ssl + o.skip_ssl + o.ssl_verify_server_cert;
  if (flags == 0) return o.ssl_mode;
  if (!o.ssl_mode.empty() || (o.skip_ssl && flags > 1))
    return make_error(ErrorKind::usage,
                      "--ssl-mode, --skip-ssl and --ssl or --ssl-verify-server-cert say different "
                      "things: give one of them");
  if (o.ssl_verify_server_cert) return std::string("VERIFY_IDENTITY");
  return std::string(o.ssl ? "REQUIRED" : "DISABLED");
}

}  // namespace

Result<Config> make_config(ConnectionOptions& o) {
  Config cfg;
  cfg.host = o.host;
  cfg.port = o.port;
  cfg.socket = o.socket;
  cfg.user = o.user;
  cfg.database = o.databases.empty() ? std::string() : o.databases.front();
  cfg.selection.databases = o.databases;
  cfg.defaults_file = o.defaults_file;
  cfg.defaults_group_suffix = o.defaults_group_suffix;
  cfg.read_default_files = !o.no_defaults;
  auto mode = tls_mode(o);
  if (!mode) return mode.take_error();
  cfg.tls = TlsOptions{mode.value(), o.ssl_ca, o.ssl_cert, o.ssl_key};
  if (o.prompt_password) {
    auto pw = prompt_password();
    if (!pw) return pw.take_error();
    cfg.password = std::move(pw.value());
  } else if (o.password) {
    cfg.password = o.password;
  }
  cfg.values.zero_dates_as_null = o.zero_dates == "null";
  cfg.on_warning = [](std::string_view msg) { print_warning(msg); };
  if (o.verbose)
    cfg.on_info = [](std::string_view msg) {
      std::fprintf(stderr, "dumpr: %.*s\n", static_cast<int>(msg.size()), msg.data());
    };
  // Read now, before anything else: a --defaults-file that cannot be read stops here, and the
  // files' database= is known to the subcommand. The client's order: the command line, then the
  // option files, then MYSQL_PWD.
  if (o.no_defaults) print_info(o, "no option files read (--no-defaults)");
  if (Status s = read_option_files(cfg); !s) return s.take_error();
  if (!cfg.password) {
    if (const char* env = std::getenv("MYSQL_PWD")) cfg.password = std::string(env);
  }
  return cfg;
}

}  // namespace dumpr::cli
