// BinlogFile: walks a binlog file event by event.
//
// File layout (MySQL binlog_event.h BINLOG_MAGIC; MariaDB KB "Binary Log Format"): the 4-byte
// magic "\xfe" "bin", then events back to back; each event's size is in its header (bytes 9-12),
// which is all the framing needs, so even v1/v3 files (MySQL 3.23/4.x) frame correctly.
// Encrypted binlogs (MySQL 8 "\xfd" "bin" magic, MariaDB START_ENCRYPTION) cannot be read.
//
//   auto f = BinlogFile::open(path);              // checks the magic
//   RawEvent raw;
//   while (true) {
//     Result<bool> more = f->next(raw);           // false at a clean end of file
//     if (!more) ...;                             // truncated/corrupt: error names file+offset
//     if (!*more) break;
//     Result<Event> ev = decoder.decode(raw.bytes);
//     if (!ev) return f->at(raw, ev.take_error()); // prefixes "FILE at offset N: "
//   }
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "binlog/reader.hpp"
#include "dumpr/error.hpp"

namespace dumpr::binlog {

inline constexpr std::uint8_t kBinlogMagic[4] = {0xFE, 'b', 'i', 'n'};

struct RawEvent {
  std::uint64_t offset = 0;  // where the event starts in the file
  Bytes bytes;               // the whole event; valid until the next next()
  std::uint64_t end() const { return offset + bytes.size(); }
};

class BinlogFile {
 public:
  // Opens a file and checks its magic (ErrorKind::io if it cannot be read, corrupt if it is not
  // a binlog).
  static Result<BinlogFile> open(const std::string& path);
  // Reads from memory (tests, fuzzing); `data` must start with the magic.
  static Result<BinlogFile> from_memory(Bytes data, std::string name);

  // The next event into `ev`: true, or false at a clean end of file. A partial header or event
  // at the end, or an impossible event size, is ErrorKind::corrupt naming file and offset.
  Result<bool> next(RawEvent& ev);

  // Continues reading at `offset` (a position from a checkpoint or a ROTATE).
  Status seek(std::uint64_t offset);

  const std::string& name() const { return name_; }
  std::uint64_t offset() const { return offset_; }
  std::uint64_t size() const { return size_; }

  // `err` with "NAME at offset N (TYPE event): " in front of its message.
  Error at(const RawEvent& ev, Error err) const;

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  Error fail(const std::string& what) const;

  std::string name_;
  std::unique_ptr<std::FILE, FileCloser> file_;
  Bytes memory_;  // from_memory
  std::uint64_t offset_ = 4;
  std::uint64_t size_ = 0;
  std::vector<std::uint8_t> buf_;
};

}  // namespace dumpr::binlog
