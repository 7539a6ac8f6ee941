// LineSink: records as newline-terminated lines through a LineWriter, to stdout or to a file
// dumpr owns. A record is acknowledged when its line is delivered: written to the descriptor
// (stdout), or written and fsynced (a file, on flush(true)).
#pragma once

#include <deque>
#include <optional>
#include <utility>

#include "dumpr/sink.hpp"
#include "sink/line_writer.hpp"
#include "sink/output_file.hpp"

namespace dumpr::sink {

class LineSink final : public Sink {
 public:
  LineSink(int fd, std::optional<output::OutputFile> file, bool (*interrupted)());

  Status put(std::string_view bytes) override { return out_.put(bytes); }
  Status end_record(const ChangeRecord&, std::uint64_t seq) override {
    last_seq_ = seq;
    return out_.put('\n');
  }
  void mark(std::uint64_t seq) override { marks_.emplace_back(seq, out_.appended()); }
  Status flush(bool durable) override;
  std::uint64_t acknowledged() override;
  bool reader_gone() const override { return out_.reader_gone(); }

 private:
  // Bytes known delivered: written (stdout), or written and synced (a file).
  std::uint64_t confirmed() const { return file_ ? synced_ : out_.delivered(); }

  output::LineWriter out_;
  std::optional<output::OutputFile> file_;
  std::uint64_t synced_ = 0;
  std::uint64_t last_seq_ = 0, acked_ = 0;
  std::deque<std::pair<std::uint64_t, std::uint64_t>> marks_;  // record number, its line's end
};

}  // namespace dumpr::sink
