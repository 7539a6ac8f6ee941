#include "select/value_mask.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "row/json_out.hpp"

namespace dumpr::select {

namespace {

constexpr std::size_t kBlock = 64;  // SHA-256's block size, the HMAC pad length

}  // namespace

ValueMask::ValueMask(std::string_view key) {
  unsigned char k[kBlock] = {};
  if (key.size() > kBlock) {
    SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), k);
  } else if (!key.empty()) {
    std::memcpy(k, key.data(), key.size());
  }
  unsigned char ipad[kBlock], opad[kBlock];
  for (std::size_t i = 0; i < kBlock; ++i) {
    ipad[i] = static_cast<unsigned char>(k[i] ^ 0x36);
    opad[i] = static_cast<unsigned char>(k[i] ^ 0x5c);
  }
  SHA256_Init(&inner_);
  SHA256_Update(&inner_, ipad, kBlock);
  SHA256_Init(&outer_);
  SHA256_Update(&outer_, opad, kBlock);
}

std::array<std::uint8_t, 32> ValueMask::digest(std::string_view data) const {
  std::array<std::uint8_t, 32> inner_hash{}, out{};
  SHA256_CTX c = inner_;
  SHA256_Update(&c, data.data(), data.size());
  SHA256_Final(inner_hash.data(), &c);
  c = outer_;
  SHA256_Update(&c, inner_hash.data(), inner_hash.size());
  SHA256_Final(out.data(), &c);
  return out;
}

void ValueMask::mask_json_value(row::JsonOut& out, std::size_t start, std::string& scratch) const {
  const std::string_view value = out.view(start, out.size());
  if (value == "null") return;
  std::array<std::uint8_t, 32> d;
  if (value.size() >= 2 && value.front() == '"') {
    row::unescape_json_body(value.substr(1, value.size() - 2), scratch);
    d = digest(scratch);
  } else {
    d = digest(value);
  }
  out.truncate(start);
  static constexpr char hex[] = "0123456789abcdef";
  char* p = out.reserve(66);
  *p++ = '"';
  for (std::uint8_t b : d) {
    *p++ = hex[b >> 4];
    *p++ = hex[b & 15];
  }
  *p = '"';
  out.advance(66);
}

Result<std::string> read_mask_key(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f)
    return make_error(ErrorKind::usage, "--mask-key-file " + path + ": cannot open it (" +
                                            std::strerror(errno) +
                                            "): give a readable file holding the key");
  std::string key;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) key.append(buf, n);
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return make_error(ErrorKind::io, "--mask-key-file " + path + ": reading it failed");
  if (!key.empty() && key.back() == '\n') key.pop_back();
  if (!key.empty() && key.back() == '\r') key.pop_back();
  if (key.empty())
    return make_error(ErrorKind::usage,
                      "--mask-key-file " + path +
                          " is empty: put the key in it (e.g. `openssl rand -hex 32 > " + path +
                          "`)");
  return key;
}

}  // namespace dumpr::select
