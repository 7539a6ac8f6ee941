// LineWriter: JSON lines to a file descriptor (stdout) through one large buffer, written in
// chunks of 64 KiB (a pipe's size), so what a slow reader has taken is known as it goes. A blocked
// reader blocks us (backpressure); a reader that left (EPIPE) is reported by reader_gone() so the
// caller can stop quietly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string_view>

#include "dumpr/error.hpp"

namespace dumpr::output {

class LineWriter {
 public:
  // `interrupted` is asked when a write is interrupted by a signal: true stops the write (an
  // error) instead of retrying, so a stop request is honoured even while the reader is stuck.
  explicit LineWriter(int fd, std::size_t capacity = 1 << 20, bool (*interrupted)() = nullptr);

  // Called after each chunk of a long write that has more to go, so a caller can checkpoint
  // what a slow reader has taken so far; an error it returns ends the write.
  void on_progress(std::function<Status()> f) { on_progress_ = std::move(f); }

  // Appends `line` and a newline; writes the buffer out when it is full.
  Status write_line(std::string_view line) {
    DUMPR_TRY(put(line));
    return put('\n');
  }
  // Appends bytes (a piece of a line); writes the buffer out when it is full. A piece larger
  // than the buffer goes out directly.
  Status put(std::string_view bytes) {
    if (size_ + bytes.size() > cap_) return put_slow(bytes);
    std::memcpy(buf_.get() + size_, bytes.data(), bytes.size());
    size_ += bytes.size();
    appended_ += bytes.size();
    return {};
  }
  Status put(char c) {
    if (size_ == cap_) return put_slow(std::string_view(&c, 1));
    buf_[size_++] = c;
    ++appended_;
    return {};
  }
  // Writes out everything buffered.
  Status flush();

  bool reader_gone() const { return reader_gone_; }
  // How many times the buffer was written out (a checkpoint is due when this moved).
  std::uint64_t writes() const { return writes_; }
  // Bytes given to write_line (with newlines) and bytes that reached the file descriptor, since
  // the start: a line ending at or before delivered() was delivered whole.
  std::uint64_t appended() const { return appended_; }
  std::uint64_t delivered() const { return delivered_; }
  std::size_t buffered() const { return size_; }

 private:
  Status write_all(const char* p, std::size_t n);
  Status put_slow(std::string_view bytes);

  int fd_;
  std::unique_ptr<char[]> buf_;
  std::size_t cap_;
  std::size_t size_ = 0;
  bool reader_gone_ = false;
  bool (*interrupted_)() = nullptr;
  std::function<Status()> on_progress_;
  std::uint64_t writes_ = 0;
  std::uint64_t appended_ = 0, delivered_ = 0;
};

}  // namespace dumpr::output
