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
  cmd.add_option("--host", o.host, "Server host name or address")->group(group);
  cmd.add_option("-P,--port", o.port, "Server TCP port")->group(group);
  cmd.add_option("-S,--socket", o.socket, "Server unix socket path")->group(group);
  cmd.add_option("-u,--user", o.user, "User name")->group(group);
  cmd.add_option("--password", o.password,
                 "Password (--password=VALUE; a bare --password prompts; also MYSQL_PWD)")
      ->group(group);
  cmd.add_option("-D,--database", o.databases,
                 "A database whose tables are captured (repeatable; the first is the default)")
      ->expected(1)
      ->take_all()
      ->allow_extra_args(false)
      ->group(group);
  cmd.add_option("--defaults-file", o.defaults_file,
                 "Read client options only from this file ([client] and [dumpr] groups)")
      ->group(group);
  cmd.add_flag("--no-defaults", o.no_defaults, "Read no option files")->group(group);
  cmd.add_option("--ssl-mode", o.ssl_mode,
                 "DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY")
      ->group(group);
  cmd.add_option("--ssl-ca", o.ssl_ca, "CA certificate file")->group(group);
  cmd.add_option("--ssl-cert", o.ssl_cert, "Client certificate file")->group(group);
  cmd.add_option("--ssl-key", o.ssl_key, "Client key file")->group(group);
  cmd.add_option("--zero-dates", o.zero_dates,
                 "Zero dates like 0000-00-00: keep (as the server shows them) or null")
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

Result<std::optional<output::OutputFile>> open_output(const std::string& path) {
  if (path.empty()) return std::optional<output::OutputFile>();
  auto f = output::OutputFile::open(path);
  if (!f) return f.take_error();
  if (f->cut_bytes() > 0)
    print_warning("--output " + path + ": cut off a torn last line of " +
                  std::to_string(f->cut_bytes()) +
                  " bytes (a line the last run did not finish; its transaction is after the "
                  "checkpoint and is written again)");
  return std::optional<output::OutputFile>(std::move(f.value()));
}

Result<Config> make_config(ConnectionOptions& o) {
  Config cfg;
  cfg.host = o.host;
  cfg.port = o.port;
  cfg.socket = o.socket;
  cfg.user = o.user;
  cfg.database = o.databases.empty() ? std::string() : o.databases.front();
  cfg.selection.databases = o.databases;
  cfg.defaults_file = o.defaults_file;
  cfg.read_default_files = !o.no_defaults;
  cfg.tls = TlsOptions{o.ssl_mode, o.ssl_ca, o.ssl_cert, o.ssl_key};
  if (o.prompt_password) {
    auto pw = prompt_password();
    if (!pw) return pw.take_error();
    cfg.password = std::move(pw.value());
  } else if (o.password) {
    cfg.password = o.password;
  } else if (const char* env = std::getenv("MYSQL_PWD")) {
    cfg.password = std::string(env);
  }
  cfg.values.zero_dates_as_null = o.zero_dates == "null";
  cfg.on_warning = [](std::string_view msg) { print_warning(msg); };
  return cfg;
}

}  // namespace dumpr::cli
