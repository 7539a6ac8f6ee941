// OutputFile: the file behind `--output FILE`, which dumpr owns. It is opened for appending
// (created 0644 when missing); a torn last line (no newline: left by kill -9, a full disk or a
// stuck reader) is cut off before anything is written, so the next line never glues onto it; and
// sync() makes the lines written so far durable, which a checkpoint that covers them waits for.
// Appending after a crash repeats at most the lines written after the last checkpoint.
#pragma once

#include <cstdint>
#include <string>

#include "dumpr/error.hpp"

namespace dumpr::output {

class OutputFile {
 public:
  static Result<OutputFile> open(const std::string& path);

  OutputFile(OutputFile&& o) noexcept;
  OutputFile& operator=(OutputFile&& o) noexcept;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile();

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  // Bytes of a torn last line cut off at open (0: the file ended with a whole line).
  std::uint64_t cut_bytes() const { return cut_; }

  // Makes everything written so far durable (fdatasync).
  Status sync();

 private:
  OutputFile(int fd, std::string path, std::uint64_t cut)
      : fd_(fd), path_(std::move(path)), cut_(cut) {}

  int fd_ = -1;
  std::string path_;
  std::uint64_t cut_ = 0;
};

}  // namespace dumpr::output
