// What to capture: --tables, --exclude-tables, --exclude-columns, --mask-columns,
// --mask-key-file, --bigint-as-string, and --id (which columns make a row's id). The same options,
// and the same meaning, for load and tail; the matching is the library's (select/table_filter.hpp).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "dumpr/config.hpp"
#include "dumpr/error.hpp"

namespace dumpr::cli {

struct SelectionArgs {
  std::vector<std::string> tables, exclude_tables, exclude_columns, mask_columns;
  std::vector<std::string> ids;  // TABLE=COL[,COL...]
  std::string mask_key_file;
  bool bigint_as_string = false;
};

// Adds the selection options to a subcommand.
void add_selection_options(CLI::App& cmd, SelectionArgs& a);

// Into cfg.selection, cfg.values and cfg.id_columns; the mask key from --mask-key-file, else
// DUMPR_MASK_KEY.
Status apply_selection(const SelectionArgs& a, Config& cfg);

}  // namespace dumpr::cli
