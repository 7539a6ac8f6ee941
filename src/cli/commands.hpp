// One function per subcommand; each returns the process exit status.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/options.hpp"
#include "cli/run_monitor.hpp"
#include "cli/selection_options.hpp"
#include "dumpr/format.hpp"
#include "dumpr/position.hpp"
#include "dumpr/sink.hpp"
#include "output/checkpoint_file.hpp"

namespace dumpr::cli {

// --format and --before, for load and tail.
struct FormatArgs {
  std::string name = "dumpr";
  std::string server_name = "dumpr";
  bool before = false;
};
void add_format_options(CLI::App& cmd, FormatArgs& f, bool with_before);
Result<std::unique_ptr<Format>> make_cli_format(const FormatArgs& f);

// --sink and the Kafka options (sink_options.cpp), for load and tail.
struct SinkArgs {
  std::string kind = "stdout";  // stdout (or --output FILE) or kafka
  std::string brokers, topic;
  std::vector<std::string> kafka_options;
  bool tombstones = false;
  std::string exactly_once, positions_topic;  // --exactly-once NAME, --positions-topic TOPIC
};
// `writes_deletes`: the command writes deletes (--tombstones is offered).
void add_sink_options(CLI::App& cmd, SinkArgs& s, bool writes_deletes);
// --exactly-once and --positions-topic: what goes with them (checked before connecting).
Status check_exactly_once(const SinkArgs& s, const std::string& output, bool offline);
// --exactly-once: the sink, its producer's transactional.id from the server's identity (which
// fences an older instance with it), and the checkpoint Kafka holds for it (tail's start).
struct ExactlyOnceSink {
  std::unique_ptr<Sink> sink;
  std::string id;
  std::optional<Position> stored;
};
Result<ExactlyOnceSink> open_exactly_once_sink(const SinkArgs& s, const Position& identity,
                                               const FormatArgs& format, const Config& cfg,
                                               bool read_stored);
// The sink --sink and --output ask for: stdout, a file, or Kafka (with the kafka-option= lines
// of the option files in `cfg` before --kafka-option).
Result<std::unique_ptr<Sink>> open_cli_sink(const SinkArgs& s, const std::string& output,
                                            const FormatArgs& format, const Config& cfg);

struct LoadArgs {
  FormatArgs format;
  SinkArgs sink;
  std::string checkpoint, output;
  std::vector<std::string> tables;  // include patterns, in output order
  SelectionArgs selection;
  std::string jobs = "1";  // parsed by run_load, which words the usage error
  bool progress = false, quiet = false;
  ProgressArgs watch;
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
  FormatArgs format;
  SinkArgs sink;
  std::string from, from_position, from_gtid, checkpoint, output, schema;
  SelectionArgs selection;
  std::vector<std::string> binlog_files;
  bool until_end = false;
  bool allow_missing_tables = false;
  bool progress = false, quiet = false;
  ProgressArgs watch;
  bool skip_statement_dml = false;
  bool skip_unknown_xa = false;
  std::size_t xa_buffer_bytes = std::size_t{256} << 20;
  std::uint32_t server_id = 0;
  // Online snapshot (man dumpr(1), ONLINE SNAPSHOT).
  std::vector<std::string> snapshot;
  std::uint64_t snapshot_chunk_rows = 100000, snapshot_chunk_bytes = 8u << 20;
  unsigned snapshot_max_load = 0;
  std::string on_purged = "stop";
};
int run_tail(ConnectionOptions& conn, const TailArgs& args);

// The sink: `--output FILE` (with a warning when a torn last line was cut off), else stdout.
Result<std::unique_ptr<Sink>> open_sink(const std::string& output);

// `dumpr completion SHELL` (hidden): a completion script generated from `app`'s options.
CLI::App* add_completion_command(CLI::App& app, std::string& shell);
// The members of an option's IsMember check, which CLI11 writes into its type name as "{a,b,c}"
// (completions and the man page's option lists offer them).
std::vector<std::string> choices_of(const std::string& type_name);
int run_completion(CLI::App& app, const std::string& shell);

// `dumpr man-options` (hidden): the man page's option lists (roff) from `app`'s options.
CLI::App* add_man_options_command(CLI::App& app);
int run_man_options(CLI::App& app);

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
