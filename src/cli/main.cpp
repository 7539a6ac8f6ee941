// dumpr's command line: parse flags, dispatch to one subcommand. The work is in the library.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "cli/commands.hpp"

#ifndef DUMPR_VERSION
#define DUMPR_VERSION "dev"
#endif

// `dumpr -h db1 tail ...`, as the mariadb client is used, fails CLI11's parse with "arguments
// were not expected": the options belong to the command. Says so, with the command line as it
// should be, when an option comes before the first command name.
static void explain_misplaced_options(const CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] != '-') return;
  for (int i = 2; i < argc; ++i) {
    for (const CLI::App* cmd : app.get_subcommands([](const CLI::App*) { return true; })) {
      if (cmd->get_name() != argv[i]) continue;
      std::string fixed = std::string("dumpr ") + argv[i];
      for (int j = 1; j < argc; ++j)
        if (j != i) fixed += std::string(" ") + argv[j];
      std::fprintf(stderr, "dumpr: options go after the command: %s\n", fixed.c_str());
      return;
    }
  }
}

int main(int argc, char** argv) {
  using namespace dumpr::cli;
  install_signal_handlers();
  ConnectionOptions conn;
  conn.prompt_password = take_bare_password_flag(argc, argv);

  CLI::App app{"dumpr: MySQL/MariaDB tables and binary log as JSON lines"};
  app.set_version_flag("--version", std::string("dumpr ") + DUMPR_VERSION);
  // -h is the host, as in the mariadb client; set before the subcommands, which inherit it.
  app.set_help_flag("-?,--help", "Print this help message and exit");
  app.require_subcommand(1, 1);
  app.fallthrough(false);

  LoadArgs load;
  CLI::App* load_cmd = app.add_subcommand(
      "load", "A consistent snapshot of tables as upsert tuples, and its binlog position");
  load_cmd
      ->add_option("--checkpoint", load.checkpoint,
                   "Write the snapshot's binlog position here once all rows are out")
      ->type_name("FILE");
  load_cmd
      ->add_option("--jobs", load.jobs,
                   "Read on N connections sharing one snapshot (1-64; needs RELOAD)")
      ->type_name("N")
      ->capture_default_str();
  load_cmd
      ->add_option("--output", load.output,
                   "Append the lines to this file (synced before the checkpoint) instead of "
                   "stdout")
      ->type_name("FILE");
  load_cmd->add_flag("--progress", load.progress, "Show progress on stderr");
  load_cmd->add_flag("-q,--quiet", load.quiet, "No progress, even on a terminal");
  add_progress_options(*load_cmd, load.watch);
  load_cmd->add_option("tables", load.tables,
                       "Tables to load, in output order: TABLE (of the -D databases) or "
                       "DB.TABLE, * and ? wildcards (default: every base table of the -D "
                       "databases)");
  add_format_options(*load_cmd, load.format, false);
  add_sink_options(*load_cmd, load.sink, false);
  add_connection_options(*load_cmd, conn);
  add_value_options(*load_cmd, conn);
  add_selection_options(*load_cmd, load.selection);

  PositionArgs position;
  CLI::App* position_cmd =
      app.add_subcommand("position", "The server's current binlog position as checkpoint JSON");
  position_cmd->add_option("--checkpoint", position.checkpoint, "Also write it to this file")
      ->type_name("FILE");
  add_connection_options(*position_cmd, conn);

  ValidateArgs validate;
  CLI::App* validate_cmd = app.add_subcommand(
      "validate-pos", "Exit 0 if the server still serves the checkpoint's position, 1 if not");
  validate_cmd->add_option("file", validate.file, "Checkpoint file")->required();
  add_connection_options(*validate_cmd, conn);

  TailArgs tail;
  CLI::App* tail_cmd = app.add_subcommand(
      "tail", "The binary log from a position on, as upsert and delete tuples; resumable");
  tail_cmd->add_option("--from", tail.from, "Checkpoint file to start from")->type_name("FILE");
  tail_cmd->add_option("--from-position", tail.from_position, "Start at FILE:POS")
      ->type_name("FILE:POS");
  tail_cmd
      ->add_option("--from-gtid", tail.from_gtid,
                   "Start after this GTID position (MariaDB: domain-server-seq,...) or set "
                   "(MySQL: uuid:1-5:tag:1-3,...)")
      ->type_name("GTIDS");
  tail_cmd
      ->add_option("--checkpoint", tail.checkpoint,
                   "Checkpoint file to advance after each transaction (default: --from)")
      ->type_name("FILE");
  tail_cmd->add_flag("--until-end", tail.until_end,
                     "Stop once the binlog's end as of start-up is reached (for cron)");
  tail_cmd->add_option("--server-id", tail.server_id,
                       "Replica server id to connect with (default: derived, unique)");
  tail_cmd
      ->add_option("--output", tail.output,
                   "Append the lines to this file: a torn last line is cut first, and the "
                   "file is synced before each checkpoint that covers its lines")
      ->type_name("FILE");
  tail_cmd->add_flag("--skip-statement-dml", tail.skip_statement_dml,
                     "Skip INSERT/UPDATE/DELETE logged as statements (binlog_format=STATEMENT "
                     "or MIXED) with a warning each, losing their rows (default: stop, exit 4)");
  tail_cmd->add_flag("--skip-unknown-xa", tail.skip_unknown_xa,
                     "Skip an XA COMMIT whose XA PREPARE is before the start position, with a "
                     "warning, losing its rows (default: stop, exit 7)");
  tail_cmd->add_option("--xa-buffer-size", tail.xa_buffer_bytes,
                       "Bytes of rows of prepared, not yet committed XA transactions kept in "
                       "memory; beyond, stop with exit 4 (default 268435456)");
  tail_cmd->add_flag("--allow-missing-tables", tail.allow_missing_tables,
                     "--tables may name tables that do not exist yet (created later)");
  tail_cmd->add_flag("--progress", tail.progress,
                     "Show position, rows and lag behind the server on stderr");
  tail_cmd->add_flag("-q,--quiet", tail.quiet, "No progress, even on a terminal");
  add_progress_options(*tail_cmd, tail.watch);
  tail_cmd
      ->add_option("--schema", tail.schema,
                   "With --binlog-file: decode with the table definitions recorded in this "
                   "checkpoint file, as live")
      ->type_name("FILE");
  tail_cmd
      ->add_option("--binlog-file", tail.binlog_files,
                   "Decode this local binlog file instead of a server (repeatable)")
      ->type_name("FILE");
  tail_cmd
      ->add_option("--snapshot", tail.snapshot,
                   "While streaming, also write the existing rows of these tables (TABLE or "
                   "DB.TABLE, comma-separated), in key chunks, without locks; resumable")
      ->delimiter(',');
  tail_cmd
      ->add_option("--snapshot-chunk-rows", tail.snapshot_chunk_rows,
                   "At most this many rows per snapshot chunk (default 100000)")
      ->type_name("N");
  tail_cmd
      ->add_option("--snapshot-chunk-bytes", tail.snapshot_chunk_bytes,
                   "About this many bytes per snapshot chunk (default 8388608)")
      ->type_name("BYTES");
  tail_cmd
      ->add_option("--snapshot-max-load", tail.snapshot_max_load,
                   "Pause the snapshot while the server's Threads_running is above N")
      ->type_name("N");
  tail_cmd
      ->add_option("--on-purged", tail.on_purged,
                   "When the checkpoint's binlog file is purged: stop (exit 7), or resnapshot "
                   "(start from now and snapshot every captured table)")
      ->check(CLI::IsMember({"stop", "resnapshot"}));
  add_format_options(*tail_cmd, tail.format, true);
  add_sink_options(*tail_cmd, tail.sink, true);
  add_connection_options(*tail_cmd, conn);
  add_value_options(*tail_cmd, conn);
  add_selection_options(*tail_cmd, tail.selection);

  std::string help_topic;
  CLI::App* help_cmd = app.add_subcommand("help", "Help on dumpr, or on one command");
  help_cmd->add_option("command", help_topic, "The command: the same as `dumpr COMMAND --help`");

  std::string completion_shell;
  CLI::App* completion_cmd = add_completion_command(app, completion_shell);
  CLI::App* man_options_cmd = add_man_options_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    explain_misplaced_options(app, argc, argv);
    return 2;
  }

  if (*help_cmd) {
    if (help_topic.empty()) {
      std::cout << app.get_formatter()->make_help(&app, app.get_name(), CLI::AppFormatMode::Normal);
      return 0;
    }
    for (CLI::App* cmd : {load_cmd, position_cmd, validate_cmd, tail_cmd}) {
      if (cmd->get_name() != help_topic) continue;
      std::cout << cmd->help(app.get_name());
      return 0;
    }
    std::fprintf(stderr, "dumpr: help %s: no such command (load, tail, position, validate-pos)\n",
                 help_topic.c_str());
    return 2;
  }
  if (*load_cmd) return run_load(conn, load);
  if (*position_cmd) return run_position(conn, position);
  if (*validate_cmd) return run_validate(conn, validate);
  if (*tail_cmd) return run_tail(conn, tail);
  if (*completion_cmd) return run_completion(app, completion_shell);
  if (*man_options_cmd) return run_man_options(app);
  return 2;
}
