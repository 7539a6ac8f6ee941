// One process per checkpoint: two tails advancing one checkpoint lose the rows each writes
// past the other's position.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "output/checkpoint_file.hpp"

namespace dumpr::output {

namespace {

flock whole_file(short type) {
  flock l{};
  l.l_type = type;
  l.l_whence = SEEK_SET;
  l.l_start = 0;
  l.l_len = 0;  // to the end, however long
  return l;
}

}  // namespace

Result<CheckpointLock> CheckpointLock::acquire(const std::string& path) {
  auto target = checkpoint_target(path);
  if (!target) return target.take_error();
  std::string lock_path = *target + ".lock";
  while (true) {
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      const int err = errno;
      return make_error(ErrorKind::io,
                        "cannot lock checkpoint " + path + ": cannot open " + lock_path + ": " +
                            std::strerror(err) +
                            " (the lock file lives beside the checkpoint: the directory must "
                            "exist and be writable)");
    }
    CheckpointLock lock(fd, std::string());  // the path is set once the lock is ours
    // fcntl record locks rather than flock(): F_GETLK names the holder, so the message can say
    // which process to stop. The kernel releases them when the process ends, however it ends.
    flock want = whole_file(F_WRLCK);
    if (::fcntl(fd, F_SETLK, &want) != 0) {
      const int err = errno;
      if (err == EINTR) continue;
      if (err != EACCES && err != EAGAIN)
        return make_error(ErrorKind::io, "cannot lock checkpoint " + path + " (" + lock_path +
                                             "): " + std::strerror(err));
      flock holder = whole_file(F_WRLCK);
      std::string who = "another process";
      if (::fcntl(fd, F_GETLK, &holder) == 0) {
        if (holder.l_type == F_UNLCK) continue;  // released meanwhile: try again
        if (holder.l_pid > 0) who = "process " + std::to_string(holder.l_pid);
      }
      return make_error(ErrorKind::usage,
                        "checkpoint " + path + " is in use by " + who + " (it holds the lock " +
                            lock_path +
                            "): two processes advancing one checkpoint lose rows. Stop that one "
                            "first, or give this one a checkpoint of its own");
    }
    // The holder before us removes the file as it lets go: a lock on a file no longer at
    // lock_path locks nothing. Then open the new one.
    struct stat at_path {
    }, locked{};
    if (::stat(lock_path.c_str(), &at_path) != 0 || ::fstat(fd, &locked) != 0 ||
        at_path.st_ino != locked.st_ino || at_path.st_dev != locked.st_dev)
      continue;
    lock.path_ = lock_path;
    // The holder's pid, for people looking at the file (the lock itself is what counts).
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, pid.data(), pid.size(), 0);
    return lock;
  }
}

CheckpointLock& CheckpointLock::operator=(CheckpointLock&& o) noexcept {
  if (this != &o) {
    release();
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    o.fd_ = -1;
    o.path_.clear();
  }
  return *this;
}

CheckpointLock::~CheckpointLock() {
  release();
}

void CheckpointLock::release() {
  if (fd_ < 0) return;
  // Removed while still locked, so no one can lock this file after we let go; one who opened it
  // meanwhile sees it is gone once locked, and opens a new one. After a kill -9 the file stays:
  // the kernel released the lock, and the next process takes it over.
  if (!path_.empty()) ::unlink(path_.c_str());
  ::close(fd_);
  fd_ = -1;
}

}  // namespace dumpr::output
