#include "sink/line_writer.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace dumpr::output {

namespace {
// One write's size: a pipe's capacity, so a blocked write returns as soon as the reader took a
// pipe's worth, and the caller learns of it.
constexpr std::size_t kChunk = 1 << 16;
}  // namespace

LineWriter::LineWriter(int fd, std::size_t capacity, bool (*interrupted)())
    : fd_(fd), buf_(new char[capacity]), cap_(capacity), interrupted_(interrupted) {}

Status LineWriter::put_slow(std::string_view bytes) {
  appended_ += bytes.size();
  DUMPR_TRY(flush());
  if (bytes.size() > cap_) return write_all(bytes.data(), bytes.size());
  std::memcpy(buf_.get(), bytes.data(), bytes.size());
  size_ = bytes.size();
  return {};
}

Status LineWriter::flush() {
  if (size_ == 0) return {};
  Status s = write_all(buf_.get(), size_);
  size_ = 0;
  return s;
}

Status LineWriter::write_all(const char* p, std::size_t n) {
  if (reader_gone_) return make_error(ErrorKind::io, "the output's reader has gone");
  ++writes_;
  while (n > 0) {
    ssize_t w = ::write(fd_, p, std::min(n, kChunk));
    if (w < 0) {
      if (errno == EINTR) {
        if (interrupted_ && interrupted_()) return make_error(ErrorKind::io, "interrupted");
        continue;
      }
      if (errno == EPIPE) {
        reader_gone_ = true;
        return make_error(ErrorKind::io, "the output's reader has gone");
      }
      return make_error(ErrorKind::io, std::string("cannot write output: ") + std::strerror(errno));
    }
    p += w;
    n -= static_cast<std::size_t>(w);
    delivered_ += static_cast<std::uint64_t>(w);
    // A signal during a write that had moved some bytes returns that count, not EINTR.
    if (n > 0 && interrupted_ && interrupted_()) return make_error(ErrorKind::io, "interrupted");
    if (n > 0 && on_progress_) DUMPR_TRY(on_progress_());
  }
  return {};
}

}  // namespace dumpr::output
