// `dumpr man-options` (hidden): the man page's option lists, in roff, written from the command
// line's own option definitions (the CLI11 App built in main.cpp), so that man/dumpr.1 and --help
// say the same thing. scripts/gen-man splices the output into man/dumpr.1 between its GENERATED
// markers, and `scripts/gen-man --check` (ctest `man_options`) fails when the committed page
// differs from what the binary writes.
//
// What is written: for each subcommand, its positional arguments and its own options (CLI11's
// default group); then each shared group (Connection, Output, Values, Selection: options added to
// several subcommands by one function) once, naming the subcommands that take it, and, on an
// option that only some of them take, which. Per option: its names, the argument's name (the
// option's type name, lower case; the members of a CLI::IsMember choice), the --help description,
// and the default when the definition captures one. The longer explanations are hand-written in
// the man page, outside the markers.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.hpp"

namespace dumpr::cli {

namespace {

// Text for a roff text line: backslashes escaped, the dashes of a word that starts with one (an
// option name: --ssl-mode) as \-, and a line never starting with a control character.
std::string roff_text(std::string_view s) {
  std::string out;
  bool in_option = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '-' &&
        (i == 0 || s[i - 1] == ' ' || s[i - 1] == '(' || s[i - 1] == '/' || s[i - 1] == '`'))
      in_option = true;
    else if (c != '-' && !std::isalnum(static_cast<unsigned char>(c)))
      in_option = false;
    if (c == '\\')
      out += "\\e";
    else if (c == '-' && in_option)
      out += "\\-";
    else
      out += c;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

// A word in bold or italic, every dash a minus (option names, argument names).
std::string font(char f, std::string_view word) {
  std::string out = std::string("\\f") + f;
  for (char c : word) {
    if (c == '-')
      out += "\\-";
    else if (c == '\\')
      out += "\\e";
    else
      out += c;
  }
  return out + "\\fR";
}

// "a", "a and b", "a, b and c".
std::string words(const std::vector<std::string>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += i + 1 == v.size() ? " and " : ", ";
    out += v[i];
  }
  return out;
}

// The argument's name: the type name before any validator's part, lower case; a bare number type
// is named by the last word of the option's long name (--port: port, --server-id: id).
std::string argument_name(const CLI::Option& o) {
  std::string type = o.get_type_name();
  type = type.substr(0, type.find(":{"));  // without an IsMember check's members
  if ((type == "UINT" || type == "INT" || type == "NUMBER" || type == "FLOAT") &&
      !o.get_lnames().empty()) {
    const std::string& l = o.get_lnames().front();
    return l.substr(l.rfind('-') + 1);
  }
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return type.empty() ? "value" : type;
}

// The .TP tag line of an option: "\fB\-P\fR, \fB\-\-port\fR \fIport\fR".
std::string option_tag(const CLI::Option& o) {
  std::string tag;
  for (const auto& n : o.get_snames()) tag += (tag.empty() ? "" : ", ") + font('B', "-" + n);
  for (const auto& n : o.get_lnames()) tag += (tag.empty() ? "" : ", ") + font('B', "--" + n);
  if (o.get_items_expected_max() > 0) {
    auto choices = choices_of(o.get_type_name());
    if (!choices.empty()) {
      std::string alt;
      for (const auto& c : choices) alt += (alt.empty() ? "" : "|") + font('B', c);
      tag += " " + alt;
    } else {
      tag += " " + font('I', argument_name(o));
    }
  }
  return tag;
}

void write_option(std::ostream& out, const CLI::Option& o, const std::string& only) {
  out << ".TP\n" << option_tag(o) << "\n" << roff_text(o.get_description());
  std::string_view d = o.get_description();
  if (!d.empty() && d.back() != '.') out << ".";
  out << "\n";
  if (!o.get_default_str().empty()) out << "Default: " << font('B', o.get_default_str()) << ".\n";
  if (!only.empty()) out << "(" << only << " only.)\n";
}

void write_positional(std::ostream& out, const CLI::Option& o) {
  bool many = o.get_items_expected_max() > 1 ||
              o.get_multi_option_policy() == CLI::MultiOptionPolicy::TakeAll;
  out << ".TP\n"
      << font('I', o.get_name(true)) << (many ? "..." : "") << "\n"
      << roff_text(o.get_description());
  std::string_view d = o.get_description();
  if (!d.empty() && d.back() != '.') out << ".";
  out << (o.get_required() ? " Required.\n" : "\n");
}

// Options are the same option in two subcommands when one function defined them alike.
bool same_option(const CLI::Option& a, const CLI::Option& b) {
  return a.get_name(false, true) == b.get_name(false, true) &&
         a.get_description() == b.get_description() && a.get_type_name() == b.get_type_name() &&
         a.get_default_str() == b.get_default_str();
}

struct SharedOption {
  const CLI::Option* option;
  std::vector<std::string> commands;
};

struct SharedGroup {
  std::string name;
  std::vector<std::string> commands;
  std::vector<SharedOption> options;
};

}  // namespace

CLI::App* add_man_options_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "man-options", "The man page's option lists in roff, from the option definitions");
  cmd->group("");  // hidden: for scripts/gen-man, which splices its output into man/dumpr.1
  return cmd;
}

int run_man_options(CLI::App& app) {
  auto subs = app.get_subcommands([](CLI::App* s) { return !s->get_group().empty(); });
  std::vector<SharedGroup> groups;
  std::ostream& out = std::cout;
  out << ".\\\" Generated by `dumpr man-options` from the option definitions in src/cli: edit "
         "those, then\n.\\\" run scripts/gen-man. Longer explanations go outside the markers.\n";
  for (CLI::App* sub : subs) {
    const CLI::Option* help = sub->get_help_ptr();
    const std::string own = help ? help->get_group() : std::string("Options");
    std::vector<std::string> shared_here;
    out << ".SS " << sub->get_name() << "\n" << roff_text(sub->get_description()) << ".\n";
    for (const CLI::Option* o : sub->get_options()) {
      if (o == help || o->get_group().empty()) continue;
      if (!o->nonpositional()) write_positional(out, *o);
    }
    for (const CLI::Option* o : sub->get_options()) {
      if (o == help || o->get_group().empty() || !o->nonpositional()) continue;
      if (o->get_group() == own) {
        write_option(out, *o, "");
        continue;
      }
      auto g = std::find_if(groups.begin(), groups.end(),
                            [&](const SharedGroup& x) { return x.name == o->get_group(); });
      if (g == groups.end()) g = groups.insert(groups.end(), SharedGroup{o->get_group(), {}, {}});
      if (g->commands.empty() || g->commands.back() != sub->get_name())
        g->commands.push_back(sub->get_name());
      if (std::find(shared_here.begin(), shared_here.end(), g->name) == shared_here.end())
        shared_here.push_back(g->name);
      auto s = std::find_if(g->options.begin(), g->options.end(),
                            [&](const SharedOption& x) { return same_option(*x.option, *o); });
      if (s == g->options.end()) s = g->options.insert(g->options.end(), SharedOption{o, {}});
      s->commands.push_back(sub->get_name());
    }
    if (!shared_here.empty()) {
      out << ".PP\nAlso the " << words(shared_here) << " options (below).\n";
    }
  }
  for (const SharedGroup& g : groups) {
    std::vector<std::string> bold;
    for (const auto& c : g.commands) bold.push_back(font('B', c));
    out << ".SS \"" << g.name << " options\"\nTaken by " << words(bold) << ".\n";
    for (const SharedOption& s : g.options) {
      std::string only;
      if (s.commands.size() != g.commands.size()) {
        std::vector<std::string> b;
        for (const auto& c : s.commands) b.push_back(font('B', c));
        only = words(b);
      }
      write_option(out, *s.option, only);
    }
  }
  out.flush();
  if (!out) {
    print_error(make_error(ErrorKind::io, "could not write the option lists to stdout"));
    return exit_code(ErrorKind::io);
  }
  return 0;
}

}  // namespace dumpr::cli
