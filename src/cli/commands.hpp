// One function per subcommand; each returns the process exit status.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/options.hpp"
#include "cli/selection_options.hpp"
#include "output/checkpoint_file.hpp"
#include "output/output_file.hpp"

namespace dumpr::cli {

struct LoadArgs {
  std::string checkpoint, output;
  std::vector<std::string> ids;     // TABLE=COL[,COL...]
  std::vector<std::string> tables;  // include patterns, in output order
  SelectionArgs selection;
  std::string jobs = "1";  // parsed by run_load, which words the usage error
  bool progress = false, quiet = false;
};
int run_load(ConnectionOptions& conn, const LoadArgs& args);

struct PositionArgs {
  std::string checkpoint;
};
int run_position(ConnectionOptions& conn, const PositionArgs& args);

struct ValidateArgs {
  std::string file;
};
int run_validate(ConnectionOptions& conn, const ValidateArgs& args);

struct TailArgs {
  std::string from, from_position, from_gtid, checkpoint, output, schema;
  SelectionArgs selection;
  std::vector<std::string> binlog_files;
  bool until_end = false;
  bool allow_missing_tables = false;
  bool progress = false, quiet = false;
  bool skip_statement_dml = false;
  std::uint32_t server_id = 0;
};
int run_tail(ConnectionOptions& conn, const TailArgs& args);

// Opens `--output FILE`, with a warning when a torn last line was cut off. Nothing (stdout) for an
// empty path.
Result<std::optional<output::OutputFile>> open_output(const std::string& path);
// Before any output: the lock that makes this process the checkpoint's only writer, and a check
// that the checkpoint can be rewritten. Nothing (no lock) for an empty path.
Result<std::optional<output::CheckpointLock>> claim_checkpoint(const std::string& path);

// Exit status when stdout's reader has gone (`| head`): what a shell reports for SIGPIPE.
constexpr int kReaderGoneExit = 141;
// Exit status after SIGINT/SIGTERM stopped a load before it finished.
constexpr int kInterruptedExit = 130;

// Set by the SIGINT/SIGTERM handler.
bool stop_requested();
void install_signal_handlers();

}  // namespace dumpr::cli
