#include "cli/selection_options.hpp"

#include <cstdlib>

#include "select/value_mask.hpp"

namespace dumpr::cli {

namespace {

// Each use takes one value (`--tables a users` leaves `users` to the positional tables).
CLI::Option* one_per_use(CLI::Option* o) {
  return o->type_name("PATTERN")->expected(1)->take_all()->allow_extra_args(false);
}

Status parse_ids(const std::vector<std::string>& ids, Config& cfg) {
  for (const std::string& spec : ids) {
    auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      return make_error(
          ErrorKind::usage,
          "--id " + spec + ": expected TABLE=COLUMN[,COLUMN...] (e.g. --id people=id)");
    std::vector<std::string> cols;
    std::string rest = spec.substr(eq + 1);
    std::size_t start = 0;
    while (true) {
      auto comma = rest.find(',', start);
      std::string col =
          rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (col.empty()) return make_error(ErrorKind::usage, "--id " + spec + ": empty column name");
      cols.push_back(col);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    cfg.id_columns[spec.substr(0, eq)] = std::move(cols);
  }
  return {};
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
  cmd.add_option("--id", a.ids,
                 "TABLE=COL[,COL...]: the columns of TABLE's id, instead of its primary key "
                 "(repeatable; the same for load and tail, so both write the same id)")
      ->type_name("TABLE=COLS")
      ->expected(1)
      ->take_all()
      ->allow_extra_args(false)
      ->group(group);
  cmd.add_flag("--bigint-as-string", a.bigint_as_string,
               "BIGINT values as JSON strings, for readers that take numbers as doubles")
      ->group("Values");
}

Status apply_selection(const SelectionArgs& a, Config& cfg) {
  DUMPR_TRY(parse_ids(a.ids, cfg));
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
