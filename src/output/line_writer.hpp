// LineWriter: JSON lines to a file descriptor (stdout) through one large buffer, written in big
// writes. A blocked reader blocks us (backpressure); a reader that left (EPIPE) is reported by
// reader_gone() so the caller can stop quietly.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "dumpr/error.hpp"

namespace dumpr::output {

class LineWriter {
 public:
  explicit LineWriter(int fd, std::size_t capacity = 1 << 20);

  // Appends `line` and a newline; writes the buffer out when it is full.
  Status write_line(std::string_view line);
  // Writes out everything buffered.
  Status flush();

  bool reader_gone() const { return reader_gone_; }
  std::size_t buffered() const { return size_; }

 private:
  Status write_all(const char* p, std::size_t n);

  int fd_;
  std::unique_ptr<char[]> buf_;
  std::size_t cap_;
  std::size_t size_ = 0;
  bool reader_gone_ = false;
};

}  // namespace dumpr::output
