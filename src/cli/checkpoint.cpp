#include "cli/commands.hpp"
#include "output/checkpoint_file.hpp"

namespace dumpr::cli {

Result<std::optional<output::CheckpointLock>> claim_checkpoint(const std::string& path) {
  if (path.empty()) return std::optional<output::CheckpointLock>();
  auto lock = output::CheckpointLock::acquire(path);
  if (!lock) return lock.take_error();
  DUMPR_TRY(output::check_checkpoint_writable(path));
  return std::optional<output::CheckpointLock>(std::move(lock.value()));
}

}  // namespace dumpr::cli
