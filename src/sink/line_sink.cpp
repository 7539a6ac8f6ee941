#include "sink/line_sink.hpp"

#include <unistd.h>

namespace dumpr::sink {

LineSink::LineSink(int fd, std::optional<output::OutputFile> file, bool (*interrupted)())
    : out_(fd, 1 << 20, interrupted), file_(std::move(file)) {
  out_.on_progress([this]() -> Status { return on_progress_ ? on_progress_() : Status{}; });
}

Status LineSink::flush(bool durable) {
  DUMPR_TRY(out_.flush());
  if (durable && file_ && synced_ != out_.delivered()) {
    const std::uint64_t written = out_.delivered();
    DUMPR_TRY(file_->sync());
    synced_ = written;
  }
  return {};
}

std::uint64_t LineSink::acknowledged() {
  const std::uint64_t done = confirmed();
  if (done == out_.appended()) {  // everything given is delivered
    marks_.clear();
    acked_ = last_seq_;
    return acked_;
  }
  while (!marks_.empty() && marks_.front().second <= done) {
    acked_ = marks_.front().first;
    marks_.pop_front();
  }
  return acked_;
}

}  // namespace dumpr::sink

namespace dumpr {

std::unique_ptr<Sink> make_fd_sink(int fd, bool (*interrupted)()) {
  return std::make_unique<sink::LineSink>(fd, std::nullopt, interrupted);
}

Result<std::unique_ptr<Sink>> make_file_sink(const std::string& path, std::uint64_t* cut_bytes,
                                             bool (*interrupted)()) {
  auto f = output::OutputFile::open(path);
  if (!f) return f.take_error();
  if (cut_bytes) *cut_bytes = f->cut_bytes();
  const int fd = f->fd();
  return std::unique_ptr<Sink>(
      std::make_unique<sink::LineSink>(fd, std::move(f.value()), interrupted));
}

}  // namespace dumpr
