// dumpr position: the server's current binlog position as checkpoint JSON.
// dumpr validate-pos: is a checkpoint's position still served?
#include <cstdio>

#include "cli/commands.hpp"
#include "dumpr/positions.hpp"

namespace dumpr::cli {

int run_position(ConnectionOptions& conn, const PositionArgs& args) {
  auto cfg = make_config(conn);
  if (!cfg) return print_error(cfg.error()), exit_code(cfg.error().kind);
  auto lock = claim_checkpoint(args.checkpoint);
  if (!lock) return print_error(lock.error()), exit_code(lock.error().kind);
  auto pos = binlog_position(*cfg);
  if (!pos) return print_error(pos.error()), exit_code(pos.error().kind);
  if (!args.checkpoint.empty()) {
    if (Status s = write_checkpoint(args.checkpoint, *pos); !s)
      return print_error(s.error()), exit_code(s.error().kind);
  }
  std::fputs(to_checkpoint_json(*pos).c_str(), stdout);
  return std::fflush(stdout) == 0 ? 0 : kReaderGoneExit;
}

int run_validate(ConnectionOptions& conn, const ValidateArgs& args) {
  // Exit 0: served; 1: not served (and why); 2: could not check.
  auto pos = read_checkpoint(args.file);
  if (!pos) return print_error(pos.error()), 2;
  auto cfg = make_config(conn);
  if (!cfg) return print_error(cfg.error()), 2;
  Status s = validate_position(*cfg, *pos);
  if (s) return 0;
  if (s.error().kind == ErrorKind::position) {
    std::fprintf(stderr, "dumpr: %s:%llu is not served: %s\n", pos->file.c_str(),
                 static_cast<unsigned long long>(pos->position), s.error().message.c_str());
    return 1;
  }
  std::fprintf(stderr, "dumpr: could not check the position: %s\n", s.error().message.c_str());
  return 2;
}

}  // namespace dumpr::cli
