#include "cli/selection_options.hpp"

#include <cstdlib>

#include "select/value_mask.hpp"

namespace dumpr::cli {

namespace {

// Each use takes one value (`--tables a users` leaves `users` to the positional tables).
CLI::Option* one_per_use(CLI::Option* o) {
  return o->type_name("PATTERN")->expected(1)->take_all()->allow_extra_args(false);
}

}  // namespace

void add_selection_options(CLI::App& cmd, SelectionArgs& a) {
  const char* group = "Selection";
  one_per_use(cmd.add_option("--tables", a.tables,
                             "Only these tables: TABLE (of the -D databases) or DB.TABLE, * and ? "
                             "wildcards, comma-separated, repeatable"))
      ->group(group);
  one_per_use(cmd.add_option("--exclude-tables", a.exclude_tables,
                             "Not these tables (same patterns as --tables), repeatable"))
      ->group(group);
  one_per_use(
      cmd.add_option("--exclude-columns", a.exclude_columns,
                     "Leave these columns out of every tuple: [DB.]TABLE.COLUMN, wildcards, "
                     "comma-separated, repeatable"))
      ->group(group);
  one_per_use(cmd.add_option("--mask-columns", a.mask_columns,
                             "Write these columns as the keyed HMAC-SHA256 (hex) of their value: "
                             "[DB.]TABLE.COLUMN, repeatable"))
      ->group(group);
  cmd.add_option("--mask-key-file", a.mask_key_file,
                 "The --mask-columns key: this file's bytes (a final newline dropped); default: "
                 "the DUMPR_MASK_KEY environment variable")
      ->type_name("FILE")
      ->group(group);
  cmd.add_flag("--bigint-as-string", a.bigint_as_string,
               "BIGINT values as JSON strings, for readers that take numbers as doubles")
      ->group("Values");
}

Status apply_selection(const SelectionArgs& a, Config& cfg) {
  Selection& s = cfg.selection;
  s.tables.insert(s.tables.end(), a.tables.begin(), a.tables.end());
  s.exclude_tables = a.exclude_tables;
  s.exclude_columns = a.exclude_columns;
  s.mask_columns = a.mask_columns;
  cfg.values.bigint_as_string = a.bigint_as_string;
  if (!a.mask_key_file.empty()) {
    auto key = select::read_mask_key(a.mask_key_file);
    if (!key) return key.take_error();
    s.mask_key = std::move(key.value());
  } else if (const char* env = std::getenv("DUMPR_MASK_KEY"); env && *env) {
    s.mask_key = env;
  }
  return {};
}

}  // namespace dumpr::cli
