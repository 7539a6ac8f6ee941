// The option files, read as the mariadb client reads them (MariaDB documentation, "Configuring
// MariaDB with Option Files": the files, the groups, --defaults-file, --defaults-group-suffix,
// !include and !includedir, quoting and escapes). dumpr reads them itself rather than letting
// libmariadb do it at connect time: libmariadb reads one extra group and no suffixed groups, and
// the CLI needs `database` before it connects.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "dumpr/config.hpp"

namespace dumpr {

namespace {

constexpr int kMaxIncludeDepth = 10;

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

// An option name as the client compares them: `_` and `-` alike, a `loose-` prefix dropped.
std::string option_name(std::string_view raw) {
  std::string name = trim(raw);
  std::replace(name.begin(), name.end(), '_', '-');
  if (name.starts_with("loose-")) name.erase(0, 6);
  return name;
}

// The text before a `#` that is outside quotes: the rest of the line is a comment.
std::string_view cut_comment(std::string_view line) {
  char quote = 0;
  bool escaped = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char ch = line[i];
    if (escaped) {
      escaped = false;
    } else if (ch == '\\') {
      escaped = true;
    } else if (quote) {
      if (ch == quote) quote = 0;
    } else if (ch == '\'' || ch == '"') {
      quote = ch;
    } else if (ch == '#') {
      return line.substr(0, i);
    }
  }
  return line;
}

// A value: surrounding quotes removed, then the escapes \n \t \r \b \s \" \' \\ (others kept).
std::string option_value(std::string_view raw) {
  std::string v = trim(raw);
  if (v.size() >= 2 && (v.front() == '\'' || v.front() == '"') && v.back() == v.front())
    v = v.substr(1, v.size() - 2);
  std::string out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] != '\\' || i + 1 == v.size()) {
      out += v[i];
      continue;
    }
    const char next = v[++i];
    switch (next) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'b':
        out += '\b';
        break;
      case 's':
        out += ' ';
        break;
      case '"':
      case '\'':
      case '\\':
        out += next;
        break;
      default:
        out += '\\';
        out += next;
    }
  }
  return out;
}

struct OptionReader {
  std::set<std::string> groups;  // the groups read, e.g. client, dumpr-prod
  // Option name -> value (nothing for a bare name, as `ssl`): the last one read wins.
  std::map<std::string, std::optional<std::string>> values;
  std::vector<std::string> files_read;
  // kafka-option= lines of the [dumpr] groups, all of them in order (repeatable, unlike the rest).
  std::vector<std::string> kafka_options;

  Status read_file(const std::string& path, int depth, bool must_exist) {
    std::ifstream in(path);
    if (!in) {
      if (!must_exist) return {};
      return make_error(ErrorKind::usage, "--defaults-file " + path + ": cannot read it (" +
                                              std::strerror(errno) +
                                              "); give a readable option file, or leave "
                                              "--defaults-file out");
    }
    files_read.push_back(path);
    const std::string dir = std::filesystem::path(path).parent_path().string();
    std::string line;
    int line_no = 0;
    bool in_group_read = false, in_any_group = false, in_dumpr_group = false;
    while (std::getline(in, line)) {
      ++line_no;
      std::string text = trim(line);
      if (text.empty() || text[0] == '#' || text[0] == ';') continue;
      if (text[0] == '!') {
        DUMPR_TRY(directive(text, path, line_no, dir, depth));
        continue;
      }
      if (text[0] == '[') {
        const auto close = text.find(']');
        if (close == std::string::npos)
          return make_error(ErrorKind::usage, path + " line " + std::to_string(line_no) +
                                                  ": a group name without its closing ]");
        const std::string group = trim(std::string_view(text).substr(1, close - 1));
        in_any_group = true;
        in_group_read = groups.count(group) > 0;
        in_dumpr_group = in_group_read && group.starts_with("dumpr");
        continue;
      }
      if (!in_any_group)
        return make_error(ErrorKind::usage, path + " line " + std::to_string(line_no) +
                                                ": an option before any [group]: put it under "
                                                "[client] or [dumpr]");
      if (!in_group_read) continue;
      const std::string_view body = cut_comment(text);
      const auto eq = body.find('=');
      const std::string name = option_name(body.substr(0, eq));
      if (name.empty()) continue;
      if (eq == std::string_view::npos) {
        if (name != "password") values[name] = std::nullopt;  // a bare password asks: not here
        continue;
      }
      if (name == "kafka-option") {
        if (in_dumpr_group) kafka_options.push_back(option_value(body.substr(eq + 1)));
        continue;
      }
      values[name] = option_value(body.substr(eq + 1));
    }
    return {};
  }

  Status directive(const std::string& text, const std::string& path, int line_no,
                   const std::string& dir, int depth) {
    const auto space = text.find_first_of(" \t");
    const std::string word = text.substr(1, space == std::string::npos ? space : space - 1);
    std::string arg = space == std::string::npos ? std::string() : trim(text.substr(space));
    if (arg.empty() || (word != "include" && word != "includedir"))
      return make_error(ErrorKind::usage, path + " line " + std::to_string(line_no) +
                                              ": expected !include FILE or !includedir DIR");
    if (depth >= kMaxIncludeDepth)
      return make_error(ErrorKind::usage, path + " line " + std::to_string(line_no) + ": !" + word +
                                              " nested more than " +
                                              std::to_string(kMaxIncludeDepth) + " deep");
    if (!arg.starts_with('/') && !dir.empty()) arg = dir + "/" + arg;
    if (word == "include") return read_file(arg, depth + 1, false);
    std::error_code ec;
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(arg, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.ends_with(".cnf") && entry.is_regular_file(ec)) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const std::string& f : files) DUMPR_TRY(read_file(f, depth + 1, false));
    return {};
  }

  const std::optional<std::string>* get(const std::string& name) const {
    auto it = values.find(name);
    return it == values.end() ? nullptr : &it->second;
  }
};

// A boolean option: bare or 1/ON/TRUE is true, 0/OFF/FALSE false.
std::optional<bool> flag(const std::optional<std::string>* v) {
  if (!v) return std::nullopt;
  if (!*v) return true;
  std::string s = **v;
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (s == "1" || s == "on" || s == "true") return true;
  if (s == "0" || s == "off" || s == "false") return false;
  return std::nullopt;
}

// A value given with `=`: nothing for a bare option name.
const std::string* text(const std::optional<std::string>* v) {
  return v && *v ? &**v : nullptr;
}

}  // namespace

Status read_option_files(Config& cfg) {
  if (cfg.defaults_file.empty() && !cfg.read_default_files) return {};
  OptionReader r;
  // The client's groups: [client], [client-server], [client-mariadb], and dumpr's own [dumpr];
  // with a suffix, each of them with it too. As in the client, an option read later (further
  // down a file, or in a later file) wins, whatever its group.
  for (const char* g : {"client", "client-server", "client-mariadb", "dumpr"}) {
    r.groups.insert(g);
    if (!cfg.defaults_group_suffix.empty()) r.groups.insert(g + cfg.defaults_group_suffix);
  }
  if (!cfg.defaults_file.empty()) {
    DUMPR_TRY(r.read_file(cfg.defaults_file, 0, true));
  } else {
    // libmariadb's list (and the client's, without its compiled-in SYSCONFDIR): /etc/my.cnf,
    // /etc/mysql/my.cnf, $MARIADB_HOME/my.cnf (or $MYSQL_HOME/my.cnf), ~/.my.cnf.
    std::vector<std::string> files = {"/etc/my.cnf", "/etc/mysql/my.cnf"};
    const char* home_dir = std::getenv("MARIADB_HOME");
    if (!home_dir) home_dir = std::getenv("MYSQL_HOME");
    if (home_dir && *home_dir) files.push_back(std::string(home_dir) + "/my.cnf");
    if (const char* home = std::getenv("HOME"); home && *home)
      files.push_back(std::string(home) + "/.my.cnf");
    for (const std::string& f : files)
      if (::access(f.c_str(), R_OK) == 0) DUMPR_TRY(r.read_file(f, 0, false));
  }
  cfg.defaults_file.clear();
  cfg.read_default_files = false;  // read now: the connections read no file again

  if (cfg.on_info) {
    std::string files;
    for (const std::string& f : r.files_read) files += (files.empty() ? "" : ", ") + f;
    cfg.on_info(files.empty() ? std::string("no option file found")
                              : "option files read: " + files);
  }
  auto fill = [&](std::string& field, const char* name) {
    if (const std::string* v = text(r.get(name)); v && field.empty()) field = *v;
  };
  cfg.kafka_options = std::move(r.kafka_options);
  fill(cfg.host, "host");
  fill(cfg.socket, "socket");
  fill(cfg.user, "user");
  fill(cfg.database, "database");
  fill(cfg.tls.ca, "ssl-ca");
  fill(cfg.tls.cert, "ssl-cert");
  fill(cfg.tls.key, "ssl-key");
  fill(cfg.tls.server_public_key, "server-public-key");
  if (const std::string* v = text(r.get("password")); v && !cfg.password) cfg.password = *v;
  if (const std::string* v = text(r.get("port")); v && cfg.port == 0) {
    char* end = nullptr;
    const unsigned long port = std::strtoul(v->c_str(), &end, 10);
    if (v->empty() || *end != '\0' || port == 0 || port > 65535)
      return make_error(ErrorKind::usage,
                        "port=" + *v + " in the option files: expected a TCP port (1-65535)");
    cfg.port = static_cast<unsigned>(port);
  }
  if (cfg.tls.mode.empty()) {
    // As the client's options mean them: ssl-verify-server-cert checks the certificate and the
    // host name (VERIFY_IDENTITY), ssl asks for TLS and refuses a connection without it
    // (REQUIRED), skip-ssl or ssl=0 turns it off (DISABLED).
    const std::optional<bool> ssl = flag(r.get("ssl"));
    const std::optional<bool> skip = flag(r.get("skip-ssl"));
    if (const std::string* m = text(r.get("ssl-mode")))
      cfg.tls.mode = *m;
    else if (flag(r.get("ssl-verify-server-cert")).value_or(false))
      cfg.tls.mode = "VERIFY_IDENTITY";
    else if (skip.value_or(false) || (ssl && !*ssl))
      cfg.tls.mode = "DISABLED";
    else if (ssl.value_or(false))
      cfg.tls.mode = "REQUIRED";
  }
  return {};
}

}  // namespace dumpr
