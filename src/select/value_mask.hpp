// --mask-columns: a column's value replaced by the keyed HMAC-SHA256 (RFC 2104, FIPS 180-4) of
// its output text, as 64 lowercase hex digits in a JSON string. The same key and value give the
// same mask in load and tail, so masked columns still join and still work as ids.
//
// What is hashed, exactly (man dumpr(1), --mask-columns): the value as dumpr writes it without
// the option; when that is a JSON string, the string's characters (UTF-8, its quotes and
// escapes removed: "a\"b" hashes the three bytes a"b), otherwise the JSON text itself (42,
// 1.5, {"a":[1,2]} as written). NULL stays null.
#pragma once

// SHA256_Init/Update/Final are deprecated in OpenSSL 3.0 in favour of EVP, whose HMAC allocates a
// context per call (EVP_MD_CTX_copy_ex dups the provider's state); these keep the per-value path
// free of allocations. Debian's OpenSSL 3 builds them.
#ifndef OPENSSL_SUPPRESS_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED
#endif
#include <openssl/sha.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "dumpr/error.hpp"

namespace dumpr::row {
class JsonOut;
}

namespace dumpr::select {

class ValueMask {
 public:
  // `key`: any bytes, at least one.
  explicit ValueMask(std::string_view key);

  // HMAC-SHA256(key, data).
  std::array<std::uint8_t, 32> digest(std::string_view data) const;

  // Replaces the JSON value at out[start, out.size()) with its mask (null stays null). `scratch`
  // holds a string's unescaped characters; reused, it stops allocating once grown.
  void mask_json_value(row::JsonOut& out, std::size_t start, std::string& scratch) const;

 private:
  // The SHA-256 states after the key's inner and outer pads: each value costs two copies of a
  // plain struct, where OpenSSL's EVP HMAC would allocate a context per value.
  SHA256_CTX inner_{}, outer_{};
};

// The key in a --mask-key-file: the file's bytes, one final newline removed (so `echo KEY >
// FILE` and `openssl rand -hex 32 > FILE` work). An unreadable or empty file is an error that
// names it.
Result<std::string> read_mask_key(const std::string& path);

}  // namespace dumpr::select
