#include "binlog/crc32.hpp"

#include <array>

#ifdef DUMPR_HAVE_ZLIB
#include <zlib.h>
#endif

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define DUMPR_CRC_CLMUL 1
#include <immintrin.h>
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

#ifdef DUMPR_CRC_CLMUL
// Carry-less multiplication folding (Intel, "Fast CRC Computation for Generic Polynomials Using
// PCLMULQDQ Instruction", 2009), for the reflected polynomial: four 128-bit lanes are folded 64
// bytes at a time, then into one lane, then reduced to 64 and 32 bits, and the last step is a
// Barrett reduction. The constants are powers of x modulo P (bit-reflected, shifted by one):
// k1 = x^(4*128+32), k2 = x^(4*128-32), k3 = x^(128+32), k4 = x^(128-32), k5 = x^64, and
// mu = floor(x^64 / P), with P = 0x1DB710641. Works on the raw register (no pre/post inversion)
// and on a multiple of 16 bytes, at least 64.
#define DUMPR_CLMUL_TARGET __attribute__((target("pclmul,sse4.1")))

DUMPR_CLMUL_TARGET inline __m128i load16(const std::uint8_t* q) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
}

// x times x^k, folded onto the next block: the low half times one constant, the high half times
// the other.
DUMPR_CLMUL_TARGET inline __m128i fold(__m128i x, __m128i next, __m128i k) {
  const __m128i lo = _mm_clmulepi64_si128(x, k, 0x00);
  const __m128i hi = _mm_clmulepi64_si128(x, k, 0x11);
  return _mm_xor_si128(_mm_xor_si128(lo, hi), next);
}

DUMPR_CLMUL_TARGET std::uint32_t crc32_clmul_raw(std::uint32_t crc, const std::uint8_t* p,
                                                 std::size_t n) {
  const __m128i k1k2 = _mm_set_epi64x(0x1c6e41596, 0x154442bd4);
  const __m128i k3k4 = _mm_set_epi64x(0x0ccaa009e, 0x1751997d0);
  const __m128i k5 = _mm_set_epi64x(0, 0x163cd6124);
  const __m128i poly = _mm_set_epi64x(0x1f7011641, 0x1db710641);
  const __m128i low32 = _mm_set_epi32(0, 0, 0, -1);
  __m128i x1 = _mm_xor_si128(load16(p), _mm_cvtsi32_si128(static_cast<int>(crc)));
  __m128i x2 = load16(p + 16), x3 = load16(p + 32), x4 = load16(p + 48);
  p += 64;
  n -= 64;
  while (n >= 64) {
    x1 = fold(x1, load16(p), k1k2);
    x2 = fold(x2, load16(p + 16), k1k2);
    x3 = fold(x3, load16(p + 32), k1k2);
    x4 = fold(x4, load16(p + 48), k1k2);
    p += 64;
    n -= 64;
  }
  x1 = fold(x1, x2, k3k4);
  x1 = fold(x1, x3, k3k4);
  x1 = fold(x1, x4, k3k4);
  while (n >= 16) {
    x1 = fold(x1, load16(p), k3k4);
    p += 16;
    n -= 16;
  }
  // 128 -> 64 bits: the low half times k4, added to the high half.
  x1 = _mm_xor_si128(_mm_clmulepi64_si128(x1, k3k4, 0x10), _mm_srli_si128(x1, 8));
  // 64 -> 32 bits.
  x1 = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x1, low32), k5, 0x00),
                     _mm_srli_si128(x1, 4));
  // Barrett reduction to the 32-bit remainder.
  __m128i t = _mm_clmulepi64_si128(_mm_and_si128(x1, low32), poly, 0x10);
  t = _mm_clmulepi64_si128(_mm_and_si128(t, low32), poly, 0x00);
  return static_cast<std::uint32_t>(_mm_extract_epi32(_mm_xor_si128(x1, t), 1));
}

bool have_clmul() {
  static const bool yes = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
  return yes;
}
#endif

std::uint32_t crc32_tables(const std::uint8_t* p, std::size_t n, std::uint32_t crc) {
#ifdef DUMPR_HAVE_ZLIB
  // zlib's CRC-32 (the same polynomial and conventions) is faster than the tables below.
  return static_cast<std::uint32_t>(::crc32_z(crc, p, n));
#endif
  std::uint32_t c = ~crc;
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

}  // namespace

std::uint32_t crc32(Bytes data, std::uint32_t crc) {
  const std::uint8_t* p = data.data();
  std::size_t n = data.size();
#ifdef DUMPR_CRC_CLMUL
  // Every byte of a binlog goes through here: folding runs at several bytes per cycle.
  if (n >= 64 && have_clmul()) {
    const std::size_t head = n & ~std::size_t{15};
    crc = ~crc32_clmul_raw(~crc, p, head);
    p += head;
    n -= head;
  }
#endif
  return crc32_tables(p, n, crc);
}

}  // namespace dumpr::binlog
