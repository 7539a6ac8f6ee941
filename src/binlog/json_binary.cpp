#include "binlog/json_binary.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "binlog/rows.hpp"
#include "binlog/table_map.hpp"

namespace dumpr::binlog {
namespace {

enum JsonType : std::uint8_t {
  kSmallObject = 0,
  kLargeObject = 1,
  kSmallArray = 2,
  kLargeArray = 3,
  kLiteral = 4,
  kInt16 = 5,
  kUint16 = 6,
  kInt32 = 7,
  kUint32 = 8,
  kInt64 = 9,
  kUint64 = 10,
  kDoubleT = 11,
  kStringT = 12,
  kOpaque = 15,
};

constexpr int kMaxDepth = 150;

void put_chars(row::JsonOut& out, const char* s, std::size_t n) {
  out.put(std::string_view(s, n));
}

template <class T>
void put_number(row::JsonOut& out, T v) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  put_chars(out, buf, static_cast<std::size_t>(res.ptr - buf));
}

void put_base64_body(row::JsonOut& out, Bytes data) {
  static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v = data[i] << 16 | data[i + 1] << 8 | data[i + 2];
    const char q[4] = {tbl[v >> 18], tbl[(v >> 12) & 63], tbl[(v >> 6) & 63], tbl[v & 63]};
    put_chars(out, q, 4);
  }
  if (i + 1 == data.size()) {
    const std::uint32_t v = data[i] << 16;
    const char q[4] = {tbl[v >> 18], tbl[(v >> 12) & 63], '=', '='};
    put_chars(out, q, 4);
  } else if (i + 2 == data.size()) {
    const std::uint32_t v = data[i] << 16 | data[i + 1] << 8;
    const char q[4] = {tbl[v >> 18], tbl[(v >> 12) & 63], tbl[(v >> 6) & 63], '='};
    put_chars(out, q, 4);
  }
}

// One object or array (json_binary.h "Container layout"): element count and byte size (2 bytes
// each when small, 4 when large), key entries (offset, length) for objects, value entries (type,
// then the value inline or its offset), then keys and values. Checked once in parse(); entry()
// gives element i to both readers below (text, and the tree for partial updates).
struct Container {
  bool large = false, object = false;
  std::size_t w = 2;
  std::uint64_t count = 0, size = 0, header = 0;
  Bytes body;

  bool parse(std::uint8_t type, Bytes data) {
    large = type == kLargeObject || type == kLargeArray;
    object = type == kSmallObject || type == kLargeObject;
    w = large ? 4 : 2;
    ByteReader r(data);
    count = r.uint_le(w);
    size = r.uint_le(w);
    if (!r.ok() || size > data.size() || size < 2 * w) return false;
    body = data.first(static_cast<std::size_t>(size));
    header = 2 * w + count * ((object ? key_entry() : 0) + value_entry());
    return count <= size && header <= size;
  }

  // Element i: its key (objects only), its value's type and the value's bytes.
  bool entry(std::uint64_t i, std::string_view& key, std::uint8_t& vt, Bytes& value) const {
    if (object) {
      ByteReader k(body.subspan(static_cast<std::size_t>(2 * w + i * key_entry())));
      const std::uint64_t off = k.uint_le(w);
      const std::uint64_t len = k.u16();
      if (!k.ok() || off > size || len > size - off) return false;
      key = as_chars(body.subspan(static_cast<std::size_t>(off), static_cast<std::size_t>(len)));
    }
    const std::size_t ve =
        static_cast<std::size_t>(2 * w + (object ? count * key_entry() : 0) + i * value_entry());
    ByteReader v(body.subspan(ve));
    vt = v.u8();
    if (!v.ok()) return false;
    const bool inlined = vt == kLiteral || vt == kInt16 || vt == kUint16 ||
                         (large && (vt == kInt32 || vt == kUint32));
    if (inlined) {
      if (ve + 1 + w > body.size()) return false;
      value = body.subspan(ve + 1, w);
      return true;
    }
    const std::uint64_t off = v.uint_le(w);
    if (!v.ok() || off >= size || off < header) return false;
    value = body.subspan(static_cast<std::size_t>(off));
    return true;
  }

 private:
  std::size_t key_entry() const { return w + 2; }
  std::size_t value_entry() const { return 1 + w; }
};

class JsonDecoder {
 public:
  explicit JsonDecoder(row::JsonOut& out) : out_(out) {}

  // A value of `type` whose bytes start at `data` (for containers: the container's bytes up to
  // the end of the enclosing buffer).
  bool value(std::uint8_t type, Bytes data, int depth) {
    if (depth > kMaxDepth) return false;
    ByteReader r(data);
    switch (type) {
      case kSmallObject:
      case kLargeObject:
      case kSmallArray:
      case kLargeArray:
        return container(type, data, depth);
      case kLiteral:
        return literal(r.u8()) && r.ok();
      case kInt16:
        put_number(out_, r.int_le(2));
        return r.ok();
      case kUint16:
        put_number(out_, r.uint_le(2));
        return r.ok();
      case kInt32:
        put_number(out_, r.int_le(4));
        return r.ok();
      case kUint32:
        put_number(out_, r.uint_le(4));
        return r.ok();
      case kInt64:
        put_number(out_, r.int_le(8));
        return r.ok();
      case kUint64:
        put_number(out_, r.u64());
        return r.ok();
      case kDoubleT: {
        const std::uint64_t u = r.u64();
        if (!r.ok()) return false;
        double d;
        std::memcpy(&d, &u, 8);
        if (!std::isfinite(d)) return false;  // JSON has no NaN or infinity; MySQL stores none
        put_double(d);
        return true;
      }
      case kStringT: {
        std::uint64_t len;
        if (!varlen(r, len)) return false;
        std::string_view s = r.chars(static_cast<std::size_t>(len));
        if (!r.ok()) return false;
        out_.put_string(s);
        return true;
      }
      case kOpaque:
        return opaque(r);
      default:
        return false;
    }
  }

 private:
  bool literal(std::uint8_t v) {
    switch (v) {
      case 0:
        out_.put_null();
        return true;
      case 1:
        out_.put(std::string_view("true"));
        return true;
      case 2:
        out_.put(std::string_view("false"));
        return true;
      default:
        return false;
    }
  }

  // A double as MySQL's JSON text has it, byte for byte (what load reads from the server).
  // sql-common/json_dom.cc (wrapper_to_string, J_DOUBLE) prints it with
  // my_gcvt(d, MY_GCVT_ARG_DOUBLE, MY_GCVT_MAX_FIELD_WIDTH) and adds ".0" when the text has
  // neither '.' nor 'e'. MY_GCVT_MAX_FIELD_WIDTH is DBL_DIG + 4 + max(5, MAX_DECPT_FOR_F_FORMAT)
  // = 34 characters (33 after a '-'), so in strings/dtoa.cc my_gcvt's dtoa(mode 4, 34 digits)
  // returns the shortest digits that read back as d (the same digits std::to_chars finds) and
  // none is ever cut. Its choice of layout then reduces to: with digits d1..dn and the decimal
  // point after position p (d = 0.d1..dn * 10^p; p = 1 for zero),
  //   -14 <= p <= 15, or p < n:  positional: "0.000ddd" (p <= 0), "dd.ddd" (0 < p < n),
  //                              "ddd000" then ".0" (n <= p <= 15)
  //   otherwise:                 "d.ddde-N" / "d.dddeN": no '+', no leading zeros in N,
  //                              no '.' for one digit ("1e15", "5e-324")
  // A negative zero keeps its sign ("-0.0").
  void put_double(double d) {
    char sci[40];
    const auto res = std::to_chars(sci, sci + sizeof sci, d, std::chars_format::scientific);
    const char* p = sci;
    const char* const end = res.ptr;
    char text[48];
    char* o = text;
    if (*p == '-') *o++ = *p++;
    char digits[20];
    int n = 0;
    for (; p < end && *p != 'e'; ++p)
      if (*p != '.') digits[n++] = *p;
    int exp10 = 0;
    if (p < end) {
      ++p;  // 'e'
      if (*p == '+') ++p;
      std::from_chars(p, end, exp10);
    }
    const int point = exp10 + 1;
    if (point >= -14 && (point <= 15 || point < n)) {
      if (point <= 0) {
        *o++ = '0';
        *o++ = '.';
        for (int i = point; i < 0; ++i) *o++ = '0';
        o = std::copy(digits, digits + n, o);
      } else if (point < n) {
        o = std::copy(digits, digits + point, o);
        *o++ = '.';
        o = std::copy(digits + point, digits + n, o);
      } else {
        o = std::copy(digits, digits + n, o);
        for (int i = n; i < point; ++i) *o++ = '0';
        *o++ = '.';
        *o++ = '0';
      }
    } else {
      *o++ = digits[0];
      if (n > 1) {
        *o++ = '.';
        o = std::copy(digits + 1, digits + n, o);
      }
      *o++ = 'e';
      o = std::to_chars(o, text + sizeof text, exp10).ptr;
    }
    put_chars(out_, text, static_cast<std::size_t>(o - text));
  }

  // Variable-length length: 7 bits a byte, least significant first, high bit = more (at most 5
  // bytes for a 32-bit length).
  static bool varlen(ByteReader& r, std::uint64_t& len) {
    len = 0;
    for (int i = 0; i < 5; ++i) {
      const std::uint8_t b = r.u8();
      if (!r.ok()) return false;
      len |= static_cast<std::uint64_t>(b & 0x7F) << (7 * i);
      if (!(b & 0x80)) return len <= r.remaining();
    }
    return false;
  }

  bool container(std::uint8_t type, Bytes data, int depth) {
    Container c;
    if (!c.parse(type, data)) return false;
    out_.put(c.object ? '{' : '[');
    for (std::uint64_t i = 0; i < c.count; ++i) {
      std::string_view key;
      std::uint8_t vt;
      Bytes v;
      if (!c.entry(i, key, vt, v)) return false;
      if (i) out_.put(',');
      if (c.object) {
        out_.put_string(key);
        out_.put(':');
      }
      if (!value(vt, v, depth + 1)) return false;
    }
    out_.put(c.object ? '}' : ']');
    return true;
  }

  bool opaque(ByteReader& r) {
    const std::uint8_t field_type = r.u8();
    std::uint64_t len;
    if (!r.ok() || !varlen(r, len)) return false;
    Bytes data = r.bytes(static_cast<std::size_t>(len));
    if (!r.ok()) return false;
    char buf[320];
    switch (field_type) {
      case kNewDecimal: {
        // precision 1, scale 1, binary decimal (Json_decimal::convert_from_binary).
        if (data.size() < 2) return false;
        const unsigned precision = data[0], scale = data[1];
        if (scale > precision || precision == 0) return false;
        Bytes bin = data.subspan(2);
        const std::size_t need = decimal_binary_size(precision, scale);
        if (bin.size() < need) return false;
        const std::size_t n = decimal_to_text(bin.first(need), precision, scale, buf);
        if (n == 0) return false;
        put_chars(out_, buf, n);
        return true;
      }
      case kDate:
      case kDateTime:
      case kTimestamp:
      case kDateTime2:
      case kTimestamp2:
      case kTime:
      case kTime2: {
        if (data.size() < 8) return false;
        const std::int64_t packed = ByteReader(data).int_le(8);
        int n;
        if (field_type == kTime || field_type == kTime2) {
          const TimeParts t = time_from_packed(packed);
          n = std::snprintf(buf, sizeof buf, "\"%s%02u:%02u:%02u.%06u\"", t.negative ? "-" : "",
                            t.hours, t.minutes, t.seconds, static_cast<unsigned>(t.micro));
        } else {
          const row::DateTimeParts d = datetime_from_packed(packed);
          if (field_type == kDate) {
            n = std::snprintf(buf, sizeof buf, "\"%04u-%02u-%02u\"", d.year, d.month, d.day);
          } else {
            n = std::snprintf(buf, sizeof buf, "\"%04u-%02u-%02u %02u:%02u:%02u.%06u\"", d.year,
                              d.month, d.day, d.hour, d.minute, d.second,
                              static_cast<unsigned>(d.micro));
          }
        }
        if (n <= 0) return false;
        put_chars(out_, buf, static_cast<std::size_t>(n));
        return true;
      }
      default: {
        // Json_opaque::to_string: "base64:type<field type>:<base64 of the bytes>".
        const int n = std::snprintf(buf, sizeof buf, "\"base64:type%u:", field_type);
        put_chars(out_, buf, static_cast<std::size_t>(n));
        put_base64_body(out_, data);
        out_.put('"');
        return true;
      }
    }
  }

  row::JsonOut& out_;
};

// ---- partial updates: a small mutable tree ----

struct Node {
  enum class Kind : std::uint8_t { scalar, object, array };
  Kind kind = Kind::scalar;
  std::string text;               // a scalar's JSON text
  std::vector<std::string> keys;  // objects: keys[i] names elems[i]
  std::vector<Node> elems;        // array elements or object member values
};

bool to_node(std::uint8_t type, Bytes data, int depth, Node& n);

bool container_to_node(std::uint8_t type, Bytes data, int depth, Node& n) {
  Container c;
  if (!c.parse(type, data)) return false;
  n.kind = c.object ? Node::Kind::object : Node::Kind::array;
  for (std::uint64_t i = 0; i < c.count; ++i) {
    std::string_view key;
    std::uint8_t vt;
    Bytes v;
    if (!c.entry(i, key, vt, v)) return false;
    Node child;
    if (!to_node(vt, v, depth + 1, child)) return false;
    if (c.object) n.keys.emplace_back(key);
    n.elems.push_back(std::move(child));
  }
  return true;
}

bool to_node(std::uint8_t type, Bytes data, int depth, Node& n) {
  if (depth > kMaxDepth) return false;
  if (type <= kLargeArray) return container_to_node(type, data, depth, n);
  row::JsonOut out;
  JsonDecoder d(out);
  if (!d.value(type, data, depth)) return false;
  n.kind = Node::Kind::scalar;
  n.text = std::string(out.view());
  return true;
}

bool doc_to_node(Bytes doc, Node& n) {
  if (doc.empty()) return false;
  return to_node(doc[0], doc.subspan(1), 0, n);
}

void write_node(const Node& n, row::JsonOut& out) {
  switch (n.kind) {
    case Node::Kind::scalar:
      out.put(n.text);
      return;
    case Node::Kind::object:
      out.put('{');
      for (std::size_t i = 0; i < n.elems.size(); ++i) {
        if (i) out.put(',');
        out.put_string(n.keys[i]);
        out.put(':');
        write_node(n.elems[i], out);
      }
      out.put('}');
      return;
    case Node::Kind::array:
      out.put('[');
      for (std::size_t i = 0; i < n.elems.size(); ++i) {
        if (i) out.put(',');
        write_node(n.elems[i], out);
      }
      out.put(']');
      return;
  }
}

// One step of a JSON path as the server prints it (Json_path::to_string): .key, ."quoted key"
// (with backslash escapes), [index].
struct PathLeg {
  bool is_key = false;
  std::string key;
  std::uint64_t index = 0;
};

bool parse_path(std::string_view p, std::vector<PathLeg>& legs) {
  if (p.empty() || p[0] != '$') return false;
  std::size_t i = 1;
  while (i < p.size()) {
    PathLeg leg;
    if (p[i] == '.') {
      ++i;
      leg.is_key = true;
      if (i < p.size() && p[i] == '"') {
        ++i;
        while (i < p.size() && p[i] != '"') {
          if (p[i] == '\\' && i + 1 < p.size()) ++i;
          leg.key += p[i++];
        }
        if (i >= p.size()) return false;
        ++i;
      } else {
        while (i < p.size() && p[i] != '.' && p[i] != '[') leg.key += p[i++];
        if (leg.key.empty()) return false;
      }
    } else if (p[i] == '[') {
      ++i;
      std::size_t start = i;
      while (i < p.size() && p[i] >= '0' && p[i] <= '9') {
        leg.index = leg.index * 10 + static_cast<std::uint64_t>(p[i] - '0');
        if (leg.index > (1u << 30)) return false;
        ++i;
      }
      if (i == start || i >= p.size() || p[i] != ']') return false;
      ++i;
    } else {
      return false;
    }
    legs.push_back(std::move(leg));
  }
  return true;
}

// MySQL's binary format keeps object keys sorted: shorter first, then bytewise.
bool key_less(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

Node* child(Node& n, const PathLeg& leg) {
  if (leg.is_key) {
    if (n.kind != Node::Kind::object) return nullptr;
    for (std::size_t i = 0; i < n.keys.size(); ++i)
      if (n.keys[i] == leg.key) return &n.elems[i];
    return nullptr;
  }
  if (n.kind != Node::Kind::array || leg.index >= n.elems.size()) return nullptr;
  return &n.elems[static_cast<std::size_t>(leg.index)];
}

bool apply_one(Node& root, std::uint8_t op, const std::vector<PathLeg>& legs, Node value) {
  if (legs.empty()) {
    if (op != 0) return false;  // only REPLACE may target the whole document
    root = std::move(value);
    return true;
  }
  Node* parent = &root;
  for (std::size_t i = 0; i + 1 < legs.size(); ++i) {
    parent = child(*parent, legs[i]);
    if (!parent) return false;
  }
  const PathLeg& last = legs.back();
  switch (op) {
    case 0: {  // REPLACE
      Node* target = child(*parent, last);
      if (!target) return false;
      *target = std::move(value);
      return true;
    }
    case 1:  // INSERT
      if (last.is_key) {
        if (parent->kind != Node::Kind::object || child(*parent, last)) return false;
        std::size_t at = 0;
        while (at < parent->keys.size() && key_less(parent->keys[at], last.key)) ++at;
        parent->keys.insert(parent->keys.begin() + static_cast<std::ptrdiff_t>(at), last.key);
        parent->elems.insert(parent->elems.begin() + static_cast<std::ptrdiff_t>(at),
                             std::move(value));
        return true;
      }
      if (parent->kind != Node::Kind::array) return false;
      parent->elems.insert(
          parent->elems.begin() + static_cast<std::ptrdiff_t>(
                                      std::min<std::uint64_t>(last.index, parent->elems.size())),
          std::move(value));
      return true;
    case 2:  // REMOVE
      if (last.is_key) {
        if (parent->kind != Node::Kind::object) return false;
        for (std::size_t i = 0; i < parent->keys.size(); ++i) {
          if (parent->keys[i] == last.key) {
            parent->keys.erase(parent->keys.begin() + static_cast<std::ptrdiff_t>(i));
            parent->elems.erase(parent->elems.begin() + static_cast<std::ptrdiff_t>(i));
            return true;
          }
        }
        return false;
      }
      if (parent->kind != Node::Kind::array || last.index >= parent->elems.size()) return false;
      parent->elems.erase(parent->elems.begin() + static_cast<std::ptrdiff_t>(last.index));
      return true;
    default:
      return false;
  }
}

}  // namespace

Status apply_json_diff(Bytes before_doc, Bytes diffs, row::JsonOut& out) {
  auto bad = [](const std::string& what) {
    return make_error(ErrorKind::corrupt, "partial JSON update: " + what);
  };
  Node root;
  if (!doc_to_node(before_doc, root)) return bad("the before image's JSON is not readable");
  ByteReader r(diffs);
  std::vector<PathLeg> legs;
  while (r.ok() && !r.at_end()) {
    const std::uint8_t op = r.u8();
    std::string_view path = r.packed_chars();
    if (!r.ok()) return bad("truncated diff");
    legs.clear();
    if (!parse_path(path, legs)) return bad("unreadable path " + std::string(path));
    Node value;
    if (op != 2) {
      std::string_view doc = r.packed_chars();
      if (!r.ok()) return bad("truncated diff value");
      if (!doc_to_node(Bytes(reinterpret_cast<const std::uint8_t*>(doc.data()), doc.size()),
                       value)) {
        return bad("invalid value for " + std::string(path));
      }
    }
    if (!apply_one(root, op, legs, std::move(value))) {
      return bad("cannot apply operation " + std::to_string(op) + " at " + std::string(path));
    }
  }
  write_node(root, out);
  return {};
}

Status json_binary_to_text(Bytes doc, row::JsonOut& out) {
  if (doc.empty()) {
    out.put_null();
    return {};
  }
  JsonDecoder d(out);
  if (!d.value(doc[0], doc.subspan(1), 0)) {
    return make_error(ErrorKind::corrupt, "invalid MySQL binary JSON document");
  }
  return {};
}

}  // namespace dumpr::binlog
