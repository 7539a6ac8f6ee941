#include "sink/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace dumpr::output {

namespace {

Error io_error(const std::string& path, const std::string& what) {
  return make_error(ErrorKind::io,
                    "--output " + path + ": cannot " + what + ": " + std::strerror(errno) +
                        " (check the path, its directory's permissions and free space)");
}

// The length of the file up to and including its last newline, reading backwards in blocks.
Result<off_t> whole_lines_end(int fd, off_t size, const std::string& path) {
  char buf[1 << 16];
  off_t end = size;
  while (end > 0) {
    const off_t start =
        end > static_cast<off_t>(sizeof buf) ? end - static_cast<off_t>(sizeof buf) : 0;
    const auto want = static_cast<std::size_t>(end - start);
    ssize_t got = ::pread(fd, buf, want, start);
    if (got < 0 && errno == EINTR) continue;
    if (got != static_cast<ssize_t>(want)) return io_error(path, "read it");
    for (std::size_t i = want; i-- > 0;)
      if (buf[i] == '\n') return start + static_cast<off_t>(i) + 1;
    end = start;
  }
  return off_t{0};
}

}  // namespace

Result<OutputFile> OutputFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(path, "open it for appending");
  OutputFile f(fd, path, 0);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return io_error(path, "stat it");
  if (!S_ISREG(st.st_mode))
    return make_error(ErrorKind::usage, "--output " + path +
                                            " is not a regular file (dumpr repairs and syncs it; "
                                            "for a pipe or a terminal use standard output)");
  if (st.st_size > 0) {
    char last = 0;
    if (::pread(fd, &last, 1, st.st_size - 1) != 1) return io_error(path, "read it");
    if (last != '\n') {
      auto keep = whole_lines_end(fd, st.st_size, path);
      if (!keep) return keep.take_error();
      if (::ftruncate(fd, *keep) != 0) return io_error(path, "cut its torn last line");
      f.cut_ = static_cast<std::uint64_t>(st.st_size - *keep);
      if (::fdatasync(fd) != 0) return io_error(path, "sync it");
    }
  }
  return f;
}

OutputFile::OutputFile(OutputFile&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)), path_(std::move(o.path_)), cut_(o.cut_) {}

OutputFile& OutputFile::operator=(OutputFile&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
    path_ = std::move(o.path_);
    cut_ = o.cut_;
  }
  return *this;
}

OutputFile::~OutputFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status OutputFile::sync() {
  if (::fdatasync(fd_) != 0) return io_error(path_, "sync it");
  return {};
}

}  // namespace dumpr::output
