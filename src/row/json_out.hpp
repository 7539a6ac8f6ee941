// JsonOut: a growable byte buffer that JSON text is appended to, reused row after row so the
// per-row path does not allocate once it has grown to the largest row.
//
// Why not RapidJSON's Writer here: a tuple repeats the key columns' JSON (the id) before the
// content, so the builder records byte ranges of values and splices them; a writer that tracks
// structure cannot splice. This emitter only appends; the caller owns the structure. Strings are
// escaped by one table (which bytes become which escape) so every path escapes alike.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace dumpr::row {

class JsonOut {
 public:
  JsonOut() = default;
  JsonOut(const JsonOut&) = delete;
  JsonOut& operator=(const JsonOut&) = delete;
  JsonOut(JsonOut&& o) noexcept : data_(o.data_), size_(o.size_), cap_(o.cap_) {
    o.data_ = nullptr;
    o.size_ = o.cap_ = 0;
  }
  JsonOut& operator=(JsonOut&& o) noexcept {
    swap(o);
    return *this;
  }
  ~JsonOut() { delete[] data_; }

  void clear() { size_ = 0; }
  // clear(), and gives back a buffer grown past `keep` bytes (by a rare huge row), so that its
  // pages do not stay resident while the next huge row grows another buffer.
  void clear_and_trim(std::size_t keep = std::size_t{8} << 20) {
    size_ = 0;
    if (cap_ > keep) {
      delete[] data_;
      data_ = nullptr;
      cap_ = 0;
    }
  }
  void swap(JsonOut& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    std::swap(cap_, o.cap_);
  }
  std::size_t size() const { return size_; }
  const char* data() const { return data_; }
  std::string_view view() const { return {data_, size_}; }
  std::string_view view(std::size_t from, std::size_t to) const {
    return {data_ + from, to - from};
  }
  void truncate(std::size_t n) { size_ = n; }

  // Room for n more bytes; returns where they go. Commit them with advance().
  char* reserve(std::size_t n) {
    if (cap_ - size_ < n) grow(n);
    return data_ + size_;
  }
  void advance(std::size_t n) { size_ += n; }

  void put(char c) {
    if (size_ == cap_) grow(1);
    data_[size_++] = c;
  }
  void put(std::string_view s) {
    char* p = reserve(s.size());
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    size_ += s.size();
  }
  void put_null() { put(std::string_view("null")); }
  // Puts `s` before everything written so far (one move of the buffer's bytes, no second buffer:
  // a row's head goes in front of its content when the content is done).
  void prepend(std::string_view s) {
    if (s.empty()) return;
    reserve(s.size());
    std::memmove(data_ + s.size(), data_, size_);
    std::memcpy(data_, s.data(), s.size());
    size_ += s.size();
  }

  // A JSON string from bytes that are valid UTF-8 (callers guarantee it).
  void put_string(std::string_view utf8) {
    put('"');
    escape_utf8(utf8);
    put('"');
  }
  // The escaped body of a JSON string, without the quotes.
  void escape_utf8(std::string_view utf8);
  // The same for bytes that should be UTF-8 but may not be: each invalid sequence (the maximal
  // subpart, as WHATWG's decoder takes it) becomes U+FFFD. One pass; returns true if any did.
  bool escape_utf8_validating(std::string_view bytes);

  // The room escaping n bytes may take: each byte can become \u00XX (6) or U+FFFD (3), and the
  // escapers copy whole 16-byte blocks.
  static constexpr std::size_t escape_room(std::size_t n) { return n * 6 + 16; }
  // escape_utf8_validating into o; returns the end of what it wrote and sets bad if any sequence
  // was invalid. It writes no byte past its own output (its 16-byte block copies happen only with
  // 16 or more bytes still to come), so o needs room for that output: escape_room(bytes.size())
  // at most, less where the caller knows better. For writers that reserve once for a whole value
  // (reserve(), then advance() by what was written).
  static char* escape_utf8_validating_to(char* o, std::string_view bytes, bool& bad);

 private:
  void grow(std::size_t need);

  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t cap_ = 0;
};

// The inverse of JsonOut's escaping, for a string body it wrote: \" \\ \b \f \n \r \t and
// \u00XX (control characters only; every other character is its UTF-8 bytes). Into `out`,
// replacing what it held.
void unescape_json_body(std::string_view body, std::string& out);

}  // namespace dumpr::row
