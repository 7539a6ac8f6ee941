#include "binlog/crc32.hpp"

#include <array>

#ifdef DUMPR_HAVE_ZLIB
#include <zlib.h>
#endif

namespace dumpr::binlog {
namespace {

// Slicing-by-4 tables, built at compile time: table[0] is the classic byte-at-a-time table.
constexpr std::array<std::array<std::uint32_t, 256>, 4> make_tables() {
  std::array<std::array<std::uint32_t, 256>, 4> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[0][i] = c;
  }
  for (std::uint32_t i = 0; i < 256; ++i) {
    for (int s = 1; s < 4; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  }
  return t;
}

constexpr auto kTables = make_tables();

}  // namespace

std::uint32_t crc32(Bytes data, std::uint32_t crc) {
#ifdef DUMPR_HAVE_ZLIB
  // zlib's CRC-32 (the same polynomial and conventions) is several times faster than the
  // tables below, and every byte of a binlog goes through here.
  return static_cast<std::uint32_t>(::crc32_z(crc, data.data(), data.size()));
#endif
  std::uint32_t c = ~crc;
  const std::uint8_t* p = data.data();
  std::size_t n = data.size();
  while (n >= 4) {
    c ^= std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
         std::uint32_t{p[3]} << 24;
    c = kTables[3][c & 0xFF] ^ kTables[2][(c >> 8) & 0xFF] ^ kTables[1][(c >> 16) & 0xFF] ^
        kTables[0][c >> 24];
    p += 4;
    n -= 4;
  }
  while (n--) c = kTables[0][(c ^ *p++) & 0xFF] ^ (c >> 8);
  return ~c;
}

}  // namespace dumpr::binlog
