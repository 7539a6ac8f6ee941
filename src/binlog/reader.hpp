// ByteReader: the one checked reader every binlog decoder reads through.
//
// Modelled on MySQL's Event_reader (libs/mysql/binlog/event/event_reader.h): every read checks
// that the bytes are there first; a short read puts the reader into an error state (ok() false),
// returns zero/empty and every later read fails too, so a decoder can read a whole structure and
// check once at the end. Nothing is ever read past the span, and nothing is allocated from a
// length field before the bytes it claims were found to exist.
//
// Integers are little-endian unless the name says `_be` (DECIMAL and the temporal *2 types store
// big-endian). `packed()` is the length-encoded integer of the client/server protocol
// (net_field_length: < 251 one byte, 0xFC + 2, 0xFD + 3, 0xFE + 8 bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace dumpr::binlog {

using Bytes = std::span<const std::uint8_t>;

inline std::string_view as_chars(Bytes b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

class ByteReader {
 public:
  ByteReader() = default;
  explicit ByteReader(Bytes data) : data_(data) {}

  bool ok() const { return ok_; }
  std::size_t pos() const { return pos_; }
  std::size_t size() const { return data_.size(); }
  std::size_t remaining() const { return ok_ ? data_.size() - pos_ : 0; }
  bool at_end() const { return remaining() == 0; }
  bool can_read(std::size_t n) const { return ok_ && data_.size() - pos_ >= n; }
  // Marks the reader failed (a decoder found an impossible value).
  void fail() { ok_ = false; }

  // The next n bytes, or an empty span and the error state.
  Bytes bytes(std::size_t n) {
    if (!can_read(n)) {
      ok_ = false;
      return {};
    }
    Bytes b = data_.subspan(pos_, n);
    pos_ += n;
    return b;
  }
  std::string_view chars(std::size_t n) { return as_chars(bytes(n)); }
  Bytes rest() { return bytes(remaining()); }
  void skip(std::size_t n) { (void)bytes(n); }
  // Drops the last n bytes of the readable range (the checksum, a trailer).
  void shrink(std::size_t n) {
    if (!can_read(n)) {
      ok_ = false;
      return;
    }
    data_ = data_.first(data_.size() - n);
  }

  std::uint8_t u8() {
    Bytes b = bytes(1);
    return b.empty() ? 0 : b[0];
  }
  // Unsigned little-endian integer of n (1..8) bytes.
  std::uint64_t uint_le(std::size_t n) {
    Bytes b = bytes(n);
    std::uint64_t v = 0;
    for (std::size_t i = b.size(); i > 0; --i) v = (v << 8) | b[i - 1];
    return v;
  }
  // Unsigned big-endian integer of n (1..8) bytes.
  std::uint64_t uint_be(std::size_t n) {
    Bytes b = bytes(n);
    std::uint64_t v = 0;
    for (std::uint8_t c : b) v = (v << 8) | c;
    return v;
  }
  std::uint16_t u16() { return static_cast<std::uint16_t>(uint_le(2)); }
  std::uint32_t u24() { return static_cast<std::uint32_t>(uint_le(3)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(uint_le(4)); }
  std::uint64_t u48() { return uint_le(6); }
  std::uint64_t u64() { return uint_le(8); }
  // Signed little-endian integer of n bytes, sign-extended.
  std::int64_t int_le(std::size_t n) { return sign_extend(uint_le(n), n); }
  std::int64_t int_be(std::size_t n) { return sign_extend(uint_be(n), n); }

  // Length-encoded integer (net_field_length_ll). 0xFB (SQL NULL in result sets) and 0xFF are
  // not valid lengths in binlog events: error state.
  std::uint64_t packed() {
    std::uint8_t first = u8();
    if (first < 0xFB) return first;
    switch (first) {
      case 0xFC:
        return uint_le(2);
      case 0xFD:
        return uint_le(3);
      case 0xFE:
        return uint_le(8);
      default:
        ok_ = false;
        return 0;
    }
  }
  // mysql::serialization variable-length unsigned integer
  // (libs/mysql/serialization/variable_length_integers.h): the count of trailing one bits of the
  // first byte is the number of bytes that follow; below 9 bytes in all, the value is the
  // little-endian integer of all bytes shifted right by the byte count; with 9 bytes it is the
  // eight bytes after the first.
  std::uint64_t varlen() {
    const std::uint8_t first = u8();
    unsigned n = 1;
    while (n < 9 && (first >> (n - 1)) & 1) ++n;
    if (n == 9) return u64();
    const std::uint64_t rest = uint_le(n - 1);
    return ((rest << 8) | first) >> n;
  }
  // A string preceded by a length-encoded length.
  std::string_view packed_chars() {
    std::uint64_t n = packed();
    if (n > remaining()) {
      ok_ = false;
      return {};
    }
    return chars(static_cast<std::size_t>(n));
  }

  static std::int64_t sign_extend(std::uint64_t v, std::size_t n) {
    if (n == 0 || n >= 8) return static_cast<std::int64_t>(v);
    const std::uint64_t sign = std::uint64_t{1} << (n * 8 - 1);
    return static_cast<std::int64_t>((v ^ sign) - sign);
  }

 private:
  Bytes data_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace dumpr::binlog
