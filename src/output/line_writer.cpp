#include "output/line_writer.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace dumpr::output {

LineWriter::LineWriter(int fd, std::size_t capacity)
    : fd_(fd), buf_(new char[capacity]), cap_(capacity) {}

Status LineWriter::write_line(std::string_view line) {
  if (size_ + line.size() + 1 > cap_) {
    DUMPR_TRY(flush());
    if (line.size() + 1 > cap_) {  // a line larger than the buffer goes out directly
      DUMPR_TRY(write_all(line.data(), line.size()));
      return write_all("\n", 1);
    }
  }
  std::memcpy(buf_.get() + size_, line.data(), line.size());
  size_ += line.size();
  buf_[size_++] = '\n';
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
  while (n > 0) {
    ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE) {
        reader_gone_ = true;
        return make_error(ErrorKind::io, "the output's reader has gone");
      }
      return make_error(ErrorKind::io, std::string("cannot write output: ") + std::strerror(errno));
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return {};
}

}  // namespace dumpr::output
