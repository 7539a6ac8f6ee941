// --format, --before and --server-name: which format renders the records.
#include "cli/commands.hpp"

namespace dumpr::cli {

void add_format_options(CLI::App& cmd, FormatArgs& f, bool with_before) {
  const char* group = "Output";
  cmd.add_option("--format", f.name, "dumpr ([op,table,id,row,metadata]), debezium or maxwell")
      ->capture_default_str()
      ->check(CLI::IsMember({"dumpr", "debezium", "maxwell"}))
      ->group(group);
  cmd.add_option("--server-name", f.server_name,
                 "--format debezium: the logical server name (source.name)")
      ->type_name("NAME")
      ->capture_default_str()
      ->group(group);
  if (with_before)
    cmd.add_flag("--before", f.before,
                 "--format dumpr: an update's old row in its metadata, as \"before\"")
        ->group(group);
}

Result<std::unique_ptr<Format>> make_cli_format(const FormatArgs& f) {
  return make_format(
      FormatOptions{.name = f.name, .before = f.before, .server_name = f.server_name});
}

}  // namespace dumpr::cli
