// The checkpoint file as the command line uses it: one writer at a time, and a directory checked
// before any output is written. (Reading and writing the file itself: dumpr/position.hpp.)
#pragma once

#include <string>

#include "dumpr/error.hpp"

namespace dumpr::output {

// The file a checkpoint path stands for: the path, or the last target of its chain of symbolic
// links (which need not exist yet). write_checkpoint replaces this file, never the link.
Result<std::string> checkpoint_target(const std::string& path);

// Whether write_checkpoint can replace the checkpoint: creates and removes a temporary file
// beside its target. An io Error names the directory and the fix.
Status check_checkpoint_writable(const std::string& path);

// An exclusive lock on a checkpoint, held while this object lives: a POSIX record lock on
// `<target>.lock` beside the checkpoint's target (a lock on the checkpoint itself would not hold:
// each rewrite replaces its inode). The lock file holds the holder's pid; it is removed on
// release, and one left by a killed process is taken over.
class CheckpointLock {
 public:
  // Takes the lock without waiting. When another process holds it: a usage Error naming that
  // process's pid. The lock file is created if needed, so the directory must be writable.
  static Result<CheckpointLock> acquire(const std::string& path);

  CheckpointLock(CheckpointLock&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) {
    o.fd_ = -1;
    o.path_.clear();
  }
  CheckpointLock& operator=(CheckpointLock&& o) noexcept;
  CheckpointLock(const CheckpointLock&) = delete;
  CheckpointLock& operator=(const CheckpointLock&) = delete;
  ~CheckpointLock();

 private:
  CheckpointLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  void release();
  int fd_ = -1;
  std::string path_;  // removed on release; empty when the lock was not (or no longer) ours
};

}  // namespace dumpr::output
