#include "row/charset.hpp"

#include <iconv.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

namespace dumpr::row {

namespace {

// Collation ids of MySQL 8 / MariaDB 11 (SHOW COLLATION). MariaDB's NO PAD collations are the
// PAD SPACE id + 1024, and its UCA 14.0 collations (10.10+) use 2048.. by charset; both are
// folded onto the base id first.
struct Legacy {
  std::uint16_t id;
  const char* iconv;
};

// Legacy 8-bit and multi-byte charsets, by collation id.
constexpr Legacy kLegacy[] = {
    {1, "BIG5"},
    {84, "BIG5"},
    {3, "DEC-MCS"},
    {69, "DEC-MCS"},
    {4, "CP850"},
    {80, "CP850"},
    {6, "HP-ROMAN8"},
    {72, "HP-ROMAN8"},
    {7, "KOI8-R"},
    {74, "KOI8-R"},
    {9, "ISO-8859-2"},
    {21, "ISO-8859-2"},
    {27, "ISO-8859-2"},
    {77, "ISO-8859-2"},
    {10, "ISO646-SE"},
    {82, "ISO646-SE"},
    {12, "EUC-JP"},
    {91, "EUC-JP"},
    {13, "SJIS"},
    {88, "SJIS"},
    {14, "CP1251"},
    {23, "CP1251"},
    {50, "CP1251"},
    {51, "CP1251"},
    {52, "CP1251"},
    {16, "ISO-8859-8"},
    {71, "ISO-8859-8"},
    {18, "TIS-620"},
    {89, "TIS-620"},
    {19, "EUC-KR"},
    {85, "EUC-KR"},
    {20, "ISO-8859-13"},
    {41, "ISO-8859-13"},
    {42, "ISO-8859-13"},
    {79, "ISO-8859-13"},
    {22, "KOI8-U"},
    {75, "KOI8-U"},
    {24, "GB2312"},
    {86, "GB2312"},
    {25, "ISO-8859-7"},
    {70, "ISO-8859-7"},
    {26, "CP1250"},
    {34, "CP1250"},
    {44, "CP1250"},
    {66, "CP1250"},
    {99, "CP1250"},
    {28, "GBK"},
    {87, "GBK"},
    {29, "CP1257"},
    {58, "CP1257"},
    {59, "CP1257"},
    {30, "ISO-8859-9"},
    {78, "ISO-8859-9"},
    {32, "ARMSCII-8"},
    {64, "ARMSCII-8"},
    {36, "CP866"},
    {68, "CP866"},
    {37, "CP895"},
    {73, "CP895"},
    {38, "MACCENTRALEUROPE"},
    {43, "MACCENTRALEUROPE"},
    {39, "MACINTOSH"},
    {53, "MACINTOSH"},
    {40, "CP852"},
    {81, "CP852"},
    {57, "CP1256"},
    {67, "CP1256"},
    {92, "GEORGIAN-PS"},
    {93, "GEORGIAN-PS"},
    {95, "CP932"},
    {96, "CP932"},
    {97, "EUC-JP-MS"},
    {98, "EUC-JP-MS"},
    {248, "GB18030"},
    {249, "GB18030"},
    {250, "GB18030"},
};

std::uint16_t fold(std::uint16_t id) {
  if (id >= 1024 && id < 2048) return static_cast<std::uint16_t>(id - 1024);  // MariaDB NO PAD
  return id;
}

// U+0080..U+009F and U+00A0.. for Windows-1252's 0x80..0x9F.
constexpr std::uint16_t kCp1252High[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

// Writes code point cp as UTF-8 at o; returns the new end.
char* encode_utf8(char* o, std::uint32_t cp) {
  if (cp < 0x80) {
    *o++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *o++ = static_cast<char>(0xC0 | (cp >> 6));
    *o++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *o++ = static_cast<char>(0xE0 | (cp >> 12));
    *o++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *o++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *o++ = static_cast<char>(0xF0 | (cp >> 18));
    *o++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *o++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *o++ = static_cast<char>(0x80 | (cp & 0x3F));
  }
  return o;
}

constexpr std::uint32_t kReplacement = 0xFFFD;

// Appends code points through a small stack buffer, escaping as JSON.
class CodePointSink {
 public:
  explicit CodePointSink(JsonOut& out) : out_(out) {}
  ~CodePointSink() { flush(); }
  void add(std::uint32_t cp) {
    if (n_ > sizeof buf_ - 4) flush();
    n_ = static_cast<std::size_t>(encode_utf8(buf_ + n_, cp) - buf_);
  }
  void flush() {
    out_.escape_utf8({buf_, n_});
    n_ = 0;
  }

 private:
  JsonOut& out_;
  char buf_[256];
  std::size_t n_ = 0;
};

bool append_latin1(JsonOut& out, std::string_view bytes) {
  CodePointSink sink(out);
  for (unsigned char c : bytes) {
    if (c >= 0x80 && c < 0xA0)
      sink.add(kCp1252High[c - 0x80]);
    else
      sink.add(c);
  }
  return false;
}

bool append_ascii(JsonOut& out, std::string_view bytes) {
  CodePointSink sink(out);
  bool bad = false;
  for (unsigned char c : bytes) {
    if (c < 0x80)
      sink.add(c);
    else {
      sink.add(kReplacement);
      bad = true;
    }
  }
  return bad;
}

// UCS-2, UTF-16 (either byte order) and UTF-32: fixed-width units, surrogates checked.
bool append_wide(JsonOut& out, std::string_view bytes, int unit, bool big_endian, bool surrogates) {
  CodePointSink sink(out);
  bool bad = false;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t n = bytes.size(), i = 0;
  auto read = [&](std::size_t at) -> std::uint32_t {
    std::uint32_t v = 0;
    for (int k = 0; k < unit; ++k) {
      std::uint32_t b = p[at + k];
      v |= big_endian ? b << (8 * (unit - 1 - k)) : b << (8 * k);
    }
    return v;
  };
  while (i + unit <= n) {
    std::uint32_t cp = read(i);
    i += unit;
    if (surrogates && cp >= 0xD800 && cp <= 0xDBFF) {
      if (i + unit <= n) {
        std::uint32_t lo = read(i);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          i += unit;
          sink.add(0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00));
          continue;
        }
      }
      sink.add(kReplacement);
      bad = true;
    } else if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      sink.add(kReplacement);
      bad = true;
    } else {
      sink.add(cp);
    }
  }
  if (i < n) {  // a trailing partial unit
    sink.add(kReplacement);
    bad = true;
  }
  return bad;
}

struct IconvCache {
  std::mutex mu;
  std::map<std::string, iconv_t> open;
  ~IconvCache() {
    for (auto& [name, cd] : open)
      if (cd != reinterpret_cast<iconv_t>(-1)) iconv_close(cd);
  }
};

bool append_iconv(JsonOut& out, std::string_view bytes, const char* from) {
  static IconvCache cache;
  std::lock_guard lock(cache.mu);
  auto it = cache.open.find(from);
  if (it == cache.open.end()) {
    iconv_t cd = iconv_open("UTF-8", from);
    it = cache.open.emplace(from, cd).first;
  }
  iconv_t cd = it->second;
  if (cd == reinterpret_cast<iconv_t>(-1)) return append_utf8_validated(out, bytes);
  iconv(cd, nullptr, nullptr, nullptr, nullptr);
  bool bad = false;
  char* in = const_cast<char*>(bytes.data());
  std::size_t in_left = bytes.size();
  char buf[1024];
  while (in_left > 0) {
    char* o = buf;
    std::size_t o_left = sizeof buf;
    std::size_t r = iconv(cd, &in, &in_left, &o, &o_left);
    out.escape_utf8({buf, static_cast<std::size_t>(o - buf)});
    if (r == static_cast<std::size_t>(-1)) {
      if (errno == E2BIG) continue;
      // EILSEQ or EINVAL (truncated sequence): replace one byte and go on.
      char rep[4];
      out.escape_utf8({rep, static_cast<std::size_t>(encode_utf8(rep, kReplacement) - rep)});
      bad = true;
      ++in;
      --in_left;
      iconv(cd, nullptr, nullptr, nullptr, nullptr);
    }
  }
  return bad;
}

}  // namespace

Charset charset_of(std::uint16_t collation) {
  std::uint16_t id = fold(collation);
  if (id >= 2048) {
    // MariaDB 10.10+ UCA 14.0 collations: 256 ids per charset in this order.
    switch ((id - 2048) / 256) {
      case 0:
        return Charset::utf8;  // utf8mb3
      case 1:
        return Charset::utf8;  // utf8mb4
      case 2:
        return Charset::ucs2;
      case 3:
        return Charset::utf16;
      case 4:
        return Charset::utf32;
      default:
        return Charset::unknown;
    }
  }
  switch (id) {
    case 63:
      return Charset::binary;
    case 5:
    case 8:
    case 15:
    case 31:
    case 47:
    case 48:
    case 49:
    case 94:
      return Charset::latin1;
    case 11:
    case 65:
      return Charset::ascii;
    case 35:
    case 90:
    case 159:
      return Charset::ucs2;
    case 54:
    case 55:
      return Charset::utf16;
    case 56:
    case 62:
      return Charset::utf16le;
    case 60:
    case 61:
      return Charset::utf32;
    case 33:
    case 45:
    case 46:
    case 76:
    case 83:
    case 223:
      return Charset::utf8;
    default:
      break;
  }
  if ((id >= 192 && id <= 215) || (id >= 224 && id <= 247) || (id >= 255 && id <= 323) ||
      (id >= 576 && id <= 579) || (id >= 608 && id <= 611))
    return Charset::utf8;
  if (id >= 128 && id <= 151) return Charset::ucs2;
  if (id >= 101 && id <= 124) return Charset::utf16;
  if (id >= 160 && id <= 183) return Charset::utf32;
  if (iconv_name(collation)) return Charset::other;
  return Charset::unknown;
}

const char* iconv_name(std::uint16_t collation) {
  std::uint16_t id = fold(collation);
  for (const Legacy& l : kLegacy)
    if (l.id == id) return l.iconv;
  return nullptr;
}

bool append_utf8_validated(JsonOut& out, std::string_view bytes) {
  return out.escape_utf8_validating(bytes);
}

std::string to_utf8(std::string_view bytes, std::uint16_t collation) {
  JsonOut escaped;
  append_as_utf8(escaped, bytes, collation);
  std::string out;
  unescape_json_body(escaped.view(), out);
  return out;
}

bool append_as_utf8(JsonOut& out, std::string_view bytes, std::uint16_t collation) {
  switch (charset_of(collation)) {
    case Charset::utf8:
    case Charset::binary:
    case Charset::unknown:
      return append_utf8_validated(out, bytes);
    case Charset::latin1:
      return append_latin1(out, bytes);
    case Charset::ascii:
      return append_ascii(out, bytes);
    case Charset::ucs2:
      return append_wide(out, bytes, 2, true, false);
    case Charset::utf16:
      return append_wide(out, bytes, 2, true, true);
    case Charset::utf16le:
      return append_wide(out, bytes, 2, false, true);
    case Charset::utf32:
      return append_wide(out, bytes, 4, true, false);
    case Charset::other:
      return append_iconv(out, bytes, iconv_name(collation));
  }
  return append_utf8_validated(out, bytes);
}

}  // namespace dumpr::row
