// put_json_text: JSON text in, its canonical form out, in one pass over the bytes.
//
// Every JSON column of a MariaDB table (and the text of MySQL's binary JSON) comes through here on
// the per-row path of load and tail, so it is a small validating re-writer of our own rather than a
// full parser: structure and numbers are checked against RFC 8259's grammar and copied, strings
// are checked (UTF-8, escapes, no raw control characters) and re-escaped by JsonOut's one rule.
// Nothing is allocated unless a string holds escapes (then a reused scratch buffer).
#include <cstdint>
#include <cstring>
#include <string>

#include "row/values.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace dumpr::row {

namespace {

// Containers nested deeper than this are refused (the server's own limit is 32).
constexpr int kMaxDepth = 1024;

// Per byte: 1 white space, 2 ends a plain run in a string ('"', '\\', control characters),
// 4 not ASCII.
constexpr auto make_classes() {
  struct Classes {
    unsigned char v[256]{};
  } t;
  t.v[int{' '}] = t.v[int{'\n'}] = t.v[int{'\r'}] = t.v[int{'\t'}] = 1;
  for (int c = 0; c < 0x20; ++c) t.v[c] |= 2;
  t.v[int{'"'}] = t.v[int{'\\'}] = 2;
  for (int c = 0x80; c < 0x100; ++c) t.v[c] = 4;
  return t;
}
constexpr auto kClass = make_classes();

inline bool is_ws(unsigned char c) {
  return kClass.v[c] & 1;
}
inline bool is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}
inline int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The first byte at or after p that is '"', '\\' or a control character (< 0x20), or end;
// clears `ascii` if a byte >= 0x80 comes before it.
inline const unsigned char* find_special(const unsigned char* p, const unsigned char* end,
                                         bool& ascii) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  const __m128i high3 = _mm_set1_epi8(static_cast<char>(0xE0)), zero = _mm_setzero_si128();
  while (end - p >= 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i hit =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)),
                     _mm_cmpeq_epi8(_mm_and_si128(x, high3), zero));
    const unsigned high = static_cast<unsigned>(_mm_movemask_epi8(x));
    if (const unsigned m = static_cast<unsigned>(_mm_movemask_epi8(hit))) {
      if (high & (m - 1)) ascii = false;  // the bytes before the first hit
      return p + __builtin_ctz(m);
    }
    if (high) ascii = false;
    p += 16;
  }
#endif
  unsigned char seen = 0;
  while (p < end && !(kClass.v[*p] & 2)) seen |= kClass.v[*p++];
  if (seen & 4) ascii = false;
  return p;
}

inline void append_utf8(std::string& s, std::uint32_t cp) {
  if (cp < 0x80) {
    s.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    s.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    s.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Room for the canonical form of n bytes of JSON text. No piece of the output is longer than
// the input it comes from (structure, numbers and literals are copied; escapes are decoded and
// written back no longer; control characters only reach the escaper decoded from a six-byte
// \u escape), except an invalid UTF-8 byte, which becomes U+FFFD (3 bytes) before the text is
// refused. So at most 3n, plus 16 for copy()'s block writes. (escape_room's 6n would pin six
// times a large document's size in the reused buffers.)
constexpr std::size_t output_room(std::size_t n) {
  return n * 3 + 16;
}

class Rewriter {
 public:
  // o has room for output_room(in.size()) bytes.
  Rewriter(char* o, std::string_view in)
      : o_(o), p_(reinterpret_cast<const unsigned char*>(in.data())), end_(p_ + in.size()) {}

  char* end_of_output() const { return o_; }

  // The whole input as one JSON value (white space around it allowed); nullptr on success,
  // otherwise what was wrong.
  const char* run() {
    enum class Next { value, key, after };
    unsigned char closers[kMaxDepth];
    int depth = 0;
    Next next = Next::value;
    skip_ws();
    while (true) {
      switch (next) {
        case Next::value:
          if (p_ == end_) return "a value is missing";
          switch (*p_) {
            case '{':
            case '[': {
              const unsigned char close = *p_ == '{' ? '}' : ']';
              *o_++ = static_cast<char>(*p_++);
              skip_ws();
              if (p_ < end_ && *p_ == close) {
                *o_++ = static_cast<char>(*p_++);
                next = Next::after;
              } else {
                if (depth == kMaxDepth) return "nested too deeply";
                closers[depth++] = close;
                next = close == '}' ? Next::key : Next::value;
              }
              continue;
            }
            case '"':
              if (const char* e = string()) return e;
              break;
            case 't':
              if (!literal("true")) return "not a value";
              break;
            case 'f':
              if (!literal("false")) return "not a value";
              break;
            case 'n':
              if (!literal("null")) return "not a value";
              break;
            default:
              if (const char* e = number()) return e;
          }
          next = Next::after;
          continue;
        case Next::key:
          if (p_ == end_ || *p_ != '"') return "an object key is not a string";
          if (const char* e = string()) return e;
          skip_ws();
          if (p_ == end_ || *p_ != ':') return "':' is missing after an object key";
          *o_++ = ':';
          ++p_;
          skip_ws();
          next = Next::value;
          continue;
        case Next::after:
          skip_ws();
          if (depth == 0) return p_ == end_ ? nullptr : "text follows the value";
          if (p_ == end_) return "the text ends inside an array or object";
          if (*p_ == ',') {
            *o_++ = ',';
            ++p_;
            skip_ws();
            next = closers[depth - 1] == '}' ? Next::key : Next::value;
          } else if (*p_ == closers[depth - 1]) {
            *o_++ = static_cast<char>(*p_++);
            --depth;
          } else {
            return "',' or a closing bracket is missing";
          }
          continue;
      }
    }
  }

 private:
  void skip_ws() {
    while (p_ < end_ && is_ws(*p_)) ++p_;
  }

  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() ||
        std::string_view(reinterpret_cast<const char*>(p_), word.size()) != word)
      return false;
    std::memcpy(o_, word.data(), word.size());
    o_ += word.size();
    p_ += word.size();
    return true;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, copied as written (numbers beyond a double's
  // range or precision are kept, as the server keeps them).
  const char* number() {
    const unsigned char* start = p_;
    auto digits = [&] {
      const unsigned char* s = p_;
      while (p_ < end_ && is_digit(*p_)) ++p_;
      return p_ > s;
    };
    if (*p_ == '-') ++p_;
    if (p_ < end_ && *p_ == '0')
      ++p_;
    else if (!digits())
      return "not a value";
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (!digits()) return "a number has no digits after '.'";
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digits()) return "a number has no exponent digits";
    }
    copy(start, static_cast<std::size_t>(p_ - start));
    return nullptr;
  }

  // At the opening quote. A string without escapes is validated and escaped straight from the
  // input; one with escapes is decoded into the scratch buffer first.
  const char* string() {
    const unsigned char* start = ++p_;
    bool ascii = true;
    p_ = find_special(p_, end_, ascii);
    if (p_ == end_) return "a string is not closed";
    if (*p_ == '"') {
      const std::size_t n = static_cast<std::size_t>(p_ - start);
      if (ascii) {  // printable ASCII, nothing to escape: copied with its quotes
        copy(start - 1, n + 2);
      } else if (const char* e = escaped(span(start, p_))) {
        return e;
      }
      ++p_;
      return nullptr;
    }
    std::string& s = scratch();
    s.assign(reinterpret_cast<const char*>(start), static_cast<std::size_t>(p_ - start));
    while (true) {
      if (p_ == end_) return "a string is not closed";
      const unsigned char c = *p_;
      if (c == '"') break;
      if (c < 0x20) return "a string holds a raw control character";
      if (c != '\\') {
        const unsigned char* run = p_;
        bool unused = true;
        p_ = find_special(p_, end_, unused);
        s.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p_ - run));
        continue;
      }
      if (end_ - p_ < 2) return "a string is not closed";
      const unsigned char e = p_[1];
      p_ += 2;
      switch (e) {
        case '"':
          s.push_back('"');
          break;
        case '\\':
          s.push_back('\\');
          break;
        case '/':
          s.push_back('/');
          break;
        case 'b':
          s.push_back('\b');
          break;
        case 'f':
          s.push_back('\f');
          break;
        case 'n':
          s.push_back('\n');
          break;
        case 'r':
          s.push_back('\r');
          break;
        case 't':
          s.push_back('\t');
          break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!hex4(cp)) return "a \\u escape is not four hex digits";
          if (cp >= 0xDC00 && cp <= 0xDFFF) return "a \\u escape is a lone low surrogate";
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            std::uint32_t low = 0;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return "a lone high surrogate";
            p_ += 2;
            if (!hex4(low)) return "a \\u escape is not four hex digits";
            if (low < 0xDC00 || low > 0xDFFF) return "a high surrogate without a low one";
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(s, cp);
          break;
        }
        default:
          return "an unknown escape in a string";
      }
    }
    ++p_;
    return escaped(s);
  }

  // A string's value, quoted and escaped by JsonOut's rule.
  const char* escaped(std::string_view value) {
    bool bad = false;
    *o_++ = '"';
    o_ = JsonOut::escape_utf8_validating_to(o_, value, bad);
    *o_++ = '"';
    return bad ? "a string is not valid UTF-8" : nullptr;
  }

  bool hex4(std::uint32_t& cp) {
    if (end_ - p_ < 4) return false;
    for (int i = 0; i < 4; ++i) {
      const int h = hex_value(p_[i]);
      if (h < 0) return false;
      cp = (cp << 4) | static_cast<std::uint32_t>(h);
    }
    p_ += 4;
    return true;
  }

  // Appends n input bytes from `from`. Short pieces (keys, numbers) are copied as one 16-byte
  // block when the input has that many bytes left: the output has 16 bytes of slack
  // (output_room) and the extra bytes are overwritten next.
  void copy(const unsigned char* from, std::size_t n) {
    if (n <= 16 && end_ - from >= 16)
      std::memcpy(o_, from, 16);
    else
      std::memcpy(o_, from, n);
    o_ += n;
  }

  static std::string_view span(const unsigned char* a, const unsigned char* b) {
    return {reinterpret_cast<const char*>(a), static_cast<std::size_t>(b - a)};
  }
  static std::string& scratch() {
    thread_local std::string s;
    return s;
  }

  char* o_;
  const unsigned char* p_;
  const unsigned char* end_;
};

}  // namespace

Status put_json_text(JsonOut& out, std::string_view json) {
  char* start = out.reserve(output_room(json.size()));
  Rewriter w(start, json);
  if (const char* why = w.run())
    return make_error(ErrorKind::corrupt, std::string("invalid JSON value: ") + why);
  out.advance(static_cast<std::size_t>(w.end_of_output() - start));
  return {};
}

}  // namespace dumpr::row
