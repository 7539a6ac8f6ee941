#include "binlog/file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "binlog/events.hpp"

namespace dumpr::binlog {
namespace {

// No server writes events this large (max_allowed_packet is at most 1 GiB).
constexpr std::uint64_t kMaxEventSize = std::uint64_t{1} << 30;

Status check_magic(const std::uint8_t* m, std::size_t n, const std::string& name) {
  if (n >= 4 && m[0] == 0xFD && m[1] == 'b' && m[2] == 'i' && m[3] == 'n') {
    return make_error(ErrorKind::corrupt,
                      name +
                          ": an encrypted MySQL binlog (binlog_encryption=ON): dumpr cannot "
                          "read it; read through the server instead");
  }
  if (n < 4 || std::memcmp(m, kBinlogMagic, 4) != 0) {
    return make_error(ErrorKind::corrupt, name + ": not a binlog file (no \\xfebin magic)");
  }
  return {};
}

}  // namespace

Result<BinlogFile> BinlogFile::open(const std::string& path) {
  BinlogFile f;
  f.name_ = path;
  f.file_.reset(std::fopen(path.c_str(), "rb"));
  if (!f.file_) {
    return make_error(ErrorKind::io, path + ": cannot open: " + std::strerror(errno));
  }
  if (std::fseek(f.file_.get(), 0, SEEK_END) != 0) {
    return make_error(ErrorKind::io, path + ": cannot seek: " + std::strerror(errno));
  }
  long size = std::ftell(f.file_.get());
  if (size < 0) return make_error(ErrorKind::io, path + ": cannot tell size");
  f.size_ = static_cast<std::uint64_t>(size);
  std::rewind(f.file_.get());
  std::uint8_t magic[4] = {};
  std::size_t got = std::fread(magic, 1, 4, f.file_.get());
  DUMPR_TRY(check_magic(magic, got, path));
  return f;
}

Result<BinlogFile> BinlogFile::from_memory(Bytes data, std::string name) {
  BinlogFile f;
  f.name_ = std::move(name);
  f.memory_ = data;
  f.size_ = data.size();
  DUMPR_TRY(check_magic(data.data(), data.size(), f.name_));
  return f;
}

Error BinlogFile::fail(const std::string& what) const {
  return make_error(ErrorKind::corrupt,
                    name_ + " at offset " + std::to_string(offset_) + ": " + what);
}

Error BinlogFile::at(const RawEvent& ev, Error err) const {
  std::string where = name_ + " at offset " + std::to_string(ev.offset);
  if (ev.bytes.size() > 4) where += std::string(" (") + event_type_name(ev.bytes[4]) + " event)";
  err.message = where + ": " + err.message;
  return err;
}

Status BinlogFile::seek(std::uint64_t offset) {
  if (offset < 4 || offset > size_) {
    return make_error(ErrorKind::position, name_ + ": offset " + std::to_string(offset) +
                                               " is outside the file (size " +
                                               std::to_string(size_) + ")");
  }
  if (file_ && std::fseek(file_.get(), static_cast<long>(offset), SEEK_SET) != 0) {
    return make_error(ErrorKind::io, name_ + ": cannot seek: " + std::strerror(errno));
  }
  offset_ = offset;
  return {};
}

Result<bool> BinlogFile::next(RawEvent& ev) {
  if (offset_ == size_) return false;
  const std::uint64_t left = size_ - offset_;
  // v1 headers (MySQL 3.23) are 13 bytes, v3/v4 19: 13 bytes hold the size either way.
  if (left < 13) {
    return fail("truncated event header (" + std::to_string(left) + " bytes left in the file)");
  }
  // Event size: bytes 9..12 of the header.
  std::uint8_t head[EventHeader::kSize] = {};
  const std::size_t head_len = static_cast<std::size_t>(std::min<std::uint64_t>(left, sizeof head));
  if (file_) {
    if (std::fread(head, 1, head_len, file_.get()) != head_len) {
      return make_error(ErrorKind::io, name_ + ": read error at offset " + std::to_string(offset_));
    }
  } else {
    std::memcpy(head, memory_.data() + offset_, head_len);
  }
  const std::uint64_t size = ByteReader(Bytes(head + 9, 4)).u32();
  // A v1 header (MySQL 3.23) is 13 bytes; nothing smaller is an event.
  if (size < 13 || size > kMaxEventSize) {
    return fail("impossible event size " + std::to_string(size));
  }
  if (size > left) {
    return fail("truncated " + std::string(event_type_name(head[4])) + " event: it says " +
                std::to_string(size) + " bytes, the file has " + std::to_string(left) + " left");
  }
  if (file_) {
    buf_.resize(static_cast<std::size_t>(size));
    std::memcpy(buf_.data(), head, std::min<std::size_t>(head_len, buf_.size()));
    const std::size_t rest = size > head_len ? static_cast<std::size_t>(size - head_len) : 0;
    if (rest && std::fread(buf_.data() + head_len, 1, rest, file_.get()) != rest) {
      return make_error(ErrorKind::io, name_ + ": read error at offset " + std::to_string(offset_));
    }
    if (size < head_len) {
      // A short v1 event: the bytes read past it belong to the next event.
      std::fseek(file_.get(), static_cast<long>(offset_ + size), SEEK_SET);
    }
    ev.bytes = Bytes(buf_);
  } else {
    ev.bytes = memory_.subspan(static_cast<std::size_t>(offset_), static_cast<std::size_t>(size));
  }
  ev.offset = offset_;
  offset_ += size;
  return true;
}

}  // namespace dumpr::binlog
