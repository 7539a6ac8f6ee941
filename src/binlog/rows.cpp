// Row images: every column type's binary form in a rows event, decoded into the row's JSON
// through a plan made once per table map. Over 600 lines for a reason: it is one job, the
// per-type value decoders and the loop that drives them, kept together so that the hot path is
// one file the compiler inlines as a whole and a type's reading is found in one place.
#include "binlog/rows.hpp"

#include <bit>
#include <cstring>
#include <string>

#include "binlog/json_binary.hpp"
#include "row/kinds.hpp"
#include "row/values.hpp"

namespace dumpr::binlog {
namespace {

// Bytes for 0..9 leftover decimal digits (MySQL strings/decimal.cc dig2bytes).
constexpr std::uint8_t kDig2Bytes[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
constexpr std::uint32_t kPow10[10] = {1,      10,      100,      1000,      10000,
                                      100000, 1000000, 10000000, 100000000, 1000000000};

std::uint16_t string_max_len(const TableColumn& t) {
  if (t.type == kString) {
    const unsigned byte0 = t.meta >> 8, byte1 = t.meta & 0xFF;
    if ((byte0 & 0x30) != 0x30)
      return static_cast<std::uint16_t>(byte1 | (((byte0 & 0x30) ^ 0x30) << 4));
    return static_cast<std::uint16_t>(byte1);
  }
  return t.meta;  // VARCHAR / VAR_STRING: maximum length in bytes
}

// Days since 1970-01-01 to a proleptic Gregorian date (the civil-from-days algorithm).
void civil_from_days(std::int64_t z, unsigned& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t year = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<unsigned>(year + (m <= 2));
}

// MariaDB INET6 text (RFC 5952: lowercase hex, the longest run of two or more zero groups as
// "::", the first such run on ties; an IPv4-mapped address ::ffff:a.b.c.d keeps the dotted tail),
// as MariaDB's Inet6::to_string prints it.
std::size_t format_inet6(const std::uint8_t* a, char* out) {
  static const char* hex = "0123456789abcdef";
  std::uint16_t g[8];
  for (int i = 0; i < 8; ++i) g[i] = static_cast<std::uint16_t>(a[2 * i] << 8 | a[2 * i + 1]);
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    // MariaDB's Inet6 text compresses the longest run of zero groups even when it is a single
    // group (RFC 5952 would not), the first one on ties.
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  const bool v4_tail = best == 0 && ((best_len == 5 && g[5] == 0xFFFF) || best_len == 6);
  std::size_t n = 0;
  const int groups = v4_tail ? 6 : 8;
  for (int i = 0; i < groups; ++i) {
    if (i == best) {
      out[n++] = ':';
      if (i == 0) out[n++] = ':';
      i += best_len - 1;
      continue;
    }
    char tmp[4];
    int k = 0;
    unsigned v = g[i];
    do {
      tmp[k++] = hex[v & 15];
      v >>= 4;
    } while (v);
    while (k) out[n++] = tmp[--k];
    if (i != groups - 1 || v4_tail) out[n++] = ':';
  }
  if (v4_tail) {
    for (int i = 12; i < 16; ++i) {
      n += static_cast<std::size_t>(std::snprintf(out + n, 5, "%u", a[i]));
      if (i != 15) out[n++] = '.';
    }
  }
  return n;
}

}  // namespace

// ---------------------------------------------------------------- value helpers

std::size_t decimal_binary_size(unsigned precision, unsigned scale) {
  const unsigned intg = precision - scale;
  return (intg / 9) * 4 + kDig2Bytes[intg % 9] + (scale / 9) * 4 + kDig2Bytes[scale % 9];
}

std::size_t decimal_to_text(Bytes bin, unsigned precision, unsigned scale, char* buf) {
  if (scale > precision || bin.size() != decimal_binary_size(precision, scale) || bin.empty()) {
    return 0;
  }
  const unsigned intg = precision - scale;
  const unsigned intg0 = intg / 9, intg0x = intg % 9, frac0 = scale / 9, frac0x = scale % 9;
  // The sign is the inverted top bit; negative numbers store every byte inverted.
  const bool negative = (bin[0] & 0x80) == 0;
  const std::uint8_t mask = negative ? 0xFF : 0x00;
  std::size_t at = 0;
  auto group = [&](std::size_t nbytes) -> std::uint32_t {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < nbytes; ++i) {
      std::uint8_t b = bin[at] ^ mask;
      if (at == 0) b ^= 0x80;
      v = (v << 8) | b;
      ++at;
    }
    return v;
  };
  char* p = buf;
  if (negative) *p++ = '-';
  char* digits = p;
  bool leading = true;
  auto put_int = [&](std::uint32_t v, unsigned ndigits) -> bool {
    if (v >= kPow10[ndigits]) return false;
    for (unsigned d = ndigits; d > 0; --d) {
      const char c = static_cast<char>('0' + (v / kPow10[d - 1]) % 10);
      if (leading && c == '0') continue;
      leading = false;
      *p++ = c;
    }
    return true;
  };
  if (intg0x && !put_int(group(kDig2Bytes[intg0x]), intg0x)) return 0;
  for (unsigned i = 0; i < intg0; ++i)
    if (!put_int(group(4), 9)) return 0;
  if (p == digits) *p++ = '0';
  if (scale) {
    *p++ = '.';
    leading = false;
    for (unsigned i = 0; i < frac0; ++i)
      if (!put_int(group(4), 9)) return 0;
    if (frac0x && !put_int(group(kDig2Bytes[frac0x]), frac0x)) return 0;
  }
  // "-0.00": the server prints negative zero without the sign.
  if (negative) {
    bool zero = true;
    for (char* q = digits; q < p; ++q)
      if (*q != '0' && *q != '.') zero = false;
    if (zero) {
      std::memmove(buf, buf + 1, static_cast<std::size_t>(p - buf - 1));
      --p;
    }
  }
  return static_cast<std::size_t>(p - buf);
}

std::uint32_t read_fraction(ByteReader& r, unsigned fsp) {
  switch (fsp) {
    case 1:
    case 2:
      return static_cast<std::uint32_t>(r.u8()) * 10000;
    case 3:
    case 4:
      return static_cast<std::uint32_t>(r.uint_be(2)) * 100;
    case 5:
    case 6:
      return static_cast<std::uint32_t>(r.uint_be(3));
    default:
      return 0;
  }
}

TimeParts time_from_packed(std::int64_t packed) {
  TimeParts t;
  std::uint64_t v;
  if (packed < 0) {
    t.negative = true;
    v = 0 - static_cast<std::uint64_t>(packed);
  } else {
    v = static_cast<std::uint64_t>(packed);
  }
  const std::uint64_t hms = v >> 24;
  t.micro = static_cast<std::uint32_t>(v % (1u << 24));
  t.hours = static_cast<unsigned>((hms >> 12) % (1u << 10));
  t.minutes = static_cast<unsigned>((hms >> 6) % 64);
  t.seconds = static_cast<unsigned>(hms % 64);
  return t;
}

row::DateTimeParts datetime_from_packed(std::int64_t packed) {
  row::DateTimeParts d;
  std::uint64_t v =
      packed < 0 ? 0 - static_cast<std::uint64_t>(packed) : static_cast<std::uint64_t>(packed);
  d.micro = static_cast<std::uint32_t>(v % (1u << 24));
  const std::uint64_t ymdhms = v >> 24;
  const std::uint64_t ymd = ymdhms >> 17, ym = ymd >> 5, hms = ymdhms % (1u << 17);
  d.day = static_cast<unsigned>(ymd % 32);
  d.month = static_cast<unsigned>(ym % 13);
  d.year = static_cast<unsigned>(ym / 13);
  d.second = static_cast<unsigned>(hms % 64);
  d.minute = static_cast<unsigned>((hms >> 6) % 64);
  d.hour = static_cast<unsigned>(hms >> 12);
  return d;
}

TimeParts time2_parts(ByteReader& r, unsigned fsp) {
  // my_time_packed_from_binary: 3-byte integer part offset by 0x800000, then the fraction;
  // negative values with a fraction borrow one second from the integer part.
  std::int64_t packed;
  if (fsp >= 5) {
    packed = static_cast<std::int64_t>(r.uint_be(6)) - 0x800000000000LL;
  } else {
    std::int64_t intpart = static_cast<std::int64_t>(r.uint_be(3)) - 0x800000;
    std::int64_t frac = 0;
    if (fsp == 1 || fsp == 2) {
      frac = r.u8();
      if (intpart < 0 && frac) {
        ++intpart;
        frac -= 0x100;
      }
      frac *= 10000;
    } else if (fsp == 3 || fsp == 4) {
      // Both fractions are unsigned on disk; negative times store them reversed (0x100 - f).
      frac = static_cast<std::int64_t>(r.uint_be(2));
      if (intpart < 0 && frac) {
        ++intpart;
        frac -= 0x10000;
      }
      frac *= 100;
    }
    packed = intpart * (1LL << 24) + frac;
  }
  return time_from_packed(packed);
}

row::DateTimeParts datetime2_parts(ByteReader& r, unsigned fsp) {
  // my_datetime_packed_from_binary: 5-byte integer part offset by 0x8000000000, fraction after.
  const std::int64_t intpart = static_cast<std::int64_t>(r.uint_be(5)) - 0x8000000000LL;
  const std::uint32_t frac = read_fraction(r, fsp);
  return datetime_from_packed(intpart * (1LL << 24) + frac);
}

row::DateTimeParts utc_parts(std::int64_t seconds) {
  row::DateTimeParts d;
  std::int64_t days = seconds / 86400, rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  civil_from_days(days, d.year, d.month, d.day);
  d.hour = static_cast<unsigned>(rem / 3600);
  d.minute = static_cast<unsigned>(rem / 60 % 60);
  d.second = static_cast<unsigned>(rem % 60);
  return d;
}

// ---------------------------------------------------------------- plan

Result<DecodePlan> DecodePlan::make(const TableMap& map, std::span<const row::Column> columns,
                                    const ValueOptions& options) {
  DecodePlan plan;
  plan.table_ = "`" + map.database + "`.`" + map.table + "`";
  plan.options_ = options;
  if (columns.size() != map.columns.size()) {
    return make_error(ErrorKind::schema,
                      "table " + plan.table_ + ": the binlog's table map has " +
                          std::to_string(map.columns.size()) + " columns, the table definition " +
                          std::to_string(columns.size()) +
                          " (was the table altered after these events were written?)");
  }
  plan.cols_.resize(columns.size());
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const TableColumn& t = map.columns[i];
    const row::Column& col = columns[i];
    ColumnPlan& c = plan.cols_[i];
    c.column = &col;
    c.collation = col.collation;
    if (!row::binlog_type_decodable(t.real_type)) {
      // No kind fits: a type this decoder cannot read (pre-5.0 DECIMAL, NULL, typed arrays).
      return make_error(ErrorKind::corrupt,
                        "table " + plan.table_ + ": column " + std::to_string(i + 1) + " `" +
                            col.name + "` has binlog type " + column_type_name(t.real_type) + " (" +
                            std::to_string(t.real_type) + "), which dumpr cannot decode");
    }
    if (!row::binlog_type_fits(t.real_type, col.kind)) {
      return make_error(ErrorKind::schema, "table " + plan.table_ + ": column " +
                                               std::to_string(i + 1) + " `" + col.name + "` is " +
                                               column_type_name(t.real_type) +
                                               " in the binlog but " + row::kind_name(col.kind) +
                                               " in the table definition");
    }
    c.is_unsigned = col.kind == row::Kind::unsigned_int;
    switch (t.real_type) {
      case kTiny:
        c.op = ValueOp::int8;
        break;
      case kShort:
        c.op = ValueOp::int16;
        break;
      case kInt24:
        c.op = ValueOp::int24;
        break;
      case kLong:
        c.op = ValueOp::int32;
        break;
      case kLongLong:
        c.op = ValueOp::int64;
        break;
      case kFloat:
        if (t.meta != 4 && t.meta != 0) return make_error(ErrorKind::corrupt, "FLOAT pack length");
        c.op = ValueOp::float32;
        break;
      case kDouble:
        if (t.meta != 8 && t.meta != 0) return make_error(ErrorKind::corrupt, "DOUBLE pack length");
        c.op = ValueOp::float64;
        break;
      case kNewDecimal:
        c.op = ValueOp::newdecimal;
        c.precision = static_cast<std::uint8_t>(t.meta >> 8);
        c.scale = static_cast<std::uint8_t>(t.meta & 0xFF);
        if (c.scale > c.precision || c.precision == 0) {
          return make_error(ErrorKind::corrupt, "table " + plan.table_ + ": DECIMAL(" +
                                                    std::to_string(c.precision) + "," +
                                                    std::to_string(c.scale) + ") in table map");
        }
        break;
      case kYear:
        c.op = ValueOp::year;
        break;
      case kDate:
      case kNewDate:
        c.op = ValueOp::date;
        break;
      case kTime:
        c.op = col.fsp > 0 ? ValueOp::time_hires : ValueOp::time;
        c.fsp = col.fsp;
        break;
      case kTime2:
        c.op = ValueOp::time2;
        c.fsp = static_cast<std::uint8_t>(t.meta);
        break;
      case kDateTime:
        c.op = col.fsp > 0 ? ValueOp::datetime_hires : ValueOp::datetime;
        c.fsp = col.fsp;
        break;
      case kDateTime2:
        c.op = ValueOp::datetime2;
        c.fsp = static_cast<std::uint8_t>(t.meta);
        break;
      case kTimestamp:
        c.op = col.fsp > 0 ? ValueOp::timestamp_hires : ValueOp::timestamp;
        c.fsp = col.fsp;
        break;
      case kTimestamp2:
        c.op = ValueOp::timestamp2;
        c.fsp = static_cast<std::uint8_t>(t.meta);
        break;
      case kBit:
        c.op = ValueOp::bit;
        c.fixed_len = static_cast<std::uint16_t>((t.meta >> 8) + ((t.meta & 0xFF) ? 1 : 0));
        break;
      case kEnum:
        c.op = (t.meta & 0xFF) == 2 ? ValueOp::enum2 : ValueOp::enum1;
        break;
      case kSet:
        c.op = ValueOp::set;
        c.fixed_len = static_cast<std::uint16_t>(t.meta & 0xFF);
        break;
      case kString:
      case kVarchar:
      case kVarString: {
        c.op = ValueOp::string;
        const std::uint16_t max_len = string_max_len(t);
        c.len_bytes = max_len > 255 ? 2 : 1;
        c.fixed_len = t.real_type == kString ? max_len : 0;
        break;
      }
      case kBlob:
      case kTinyBlob:
      case kMediumBlob:
      case kLongBlob:
      case kGeometry:
      case kVector:
        c.op = ValueOp::blob;
        c.len_bytes = static_cast<std::uint8_t>(t.meta);
        break;
      case kJson:
        c.op = ValueOp::json;
        c.len_bytes = static_cast<std::uint8_t>(t.meta);
        break;
      default:
        break;
    }
    if ((c.op == ValueOp::blob || c.op == ValueOp::json) && (c.len_bytes < 1 || c.len_bytes > 4)) {
      return make_error(ErrorKind::corrupt, "table " + plan.table_ + ": column " +
                                                std::to_string(i + 1) + " length size " +
                                                std::to_string(c.len_bytes));
    }
    if ((c.op == ValueOp::set && (c.fixed_len < 1 || c.fixed_len > 8)) ||
        (c.op == ValueOp::bit && c.fixed_len > 8)) {
      return make_error(ErrorKind::corrupt, "table " + plan.table_ + ": column " +
                                                std::to_string(i + 1) +
                                                " has an impossible SET/BIT size in the table map");
    }
    if (t.type == kJson) ++plan.json_columns_;
    if (map.flavor == Flavor::mariadb && col.fsp == 0 &&
        (t.real_type == kTime || t.real_type == kDateTime || t.real_type == kTimestamp)) {
      plan.unsized_.push_back(i);
    }
    switch (row::kind_info(col.kind).written) {
      case row::Written::text:
        // Text in the binary charset (a CHAR whose charset only the definition gave) is bytes.
        if (c.collation == 63)
          c.out =
              (c.op == ValueOp::string && c.fixed_len) ? ValueOut::binary_pad : ValueOut::binary;
        else
          c.out = ValueOut::text;
        break;
      case row::Written::members:
        c.out = col.members.empty() ? ValueOut::member_number : ValueOut::native;
        break;
      case row::Written::bytes:
        c.out = (c.op == ValueOp::string && c.fixed_len) ? ValueOut::binary_pad : ValueOut::binary;
        break;
      case row::Written::json:
        c.out = c.op == ValueOp::json ? ValueOut::native : ValueOut::json_text;
        break;
      case row::Written::server_text:
        if (col.type_name == "uuid") {
          c.out = ValueOut::uuid;
          c.fixed_len = 16;
        } else if (col.type_name == "inet6") {
          c.out = ValueOut::inet6;
          c.fixed_len = 16;
        } else if (col.type_name == "inet4") {
          c.out = ValueOut::inet4;
          c.fixed_len = 4;
        } else {
          c.out = ValueOut::text;
          c.collation = 45;  // utf8mb4: these types print ASCII
        }
        break;
      case row::Written::native:
        c.out = ValueOut::native;
        break;
    }
  }
  return plan;
}

// ---------------------------------------------------------------- rows

namespace {
// Set bits among the first n of a column bitmap (LSB first), counted once per event.
std::size_t count_present(Bytes bitmap, std::size_t n) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < n && i / 8 < bitmap.size(); ++i)
    count += (bitmap[i / 8] >> (i % 8)) & 1;
  return count;
}
}  // namespace

RowsReader::RowsReader(const RowsEvent& event, const DecodePlan& plan)
    : event_(event),
      plan_(plan),
      r_(event.rows),
      present_before_(count_present(event.present_before, plan.columns().size())),
      present_after_(count_present(event.present_after, plan.columns().size())) {}

Error RowsReader::error(const std::string& what, std::size_t column) const {
  std::string msg = std::string("rows event for table ") + plan_.table_name() + ", row " +
                    std::to_string(row_ + 1);
  if (column < plan_.columns().size()) {
    msg += ", column " + std::to_string(column + 1) + " `" + plan_.columns()[column].column->name +
           "`";
  }
  return make_error(ErrorKind::corrupt, msg + ": " + what);
}

Status RowsReader::next(row::TupleBuilder* before, row::TupleBuilder* after) {
  if (failed_) return error("reader already failed", SIZE_MAX);
  if (event_.width != plan_.columns().size()) {
    failed_ = true;
    return error("event has " + std::to_string(event_.width) + " columns, table map " +
                     std::to_string(plan_.columns().size()),
                 SIZE_MAX);
  }
  if (!checked_) {
    checked_ = true;
    Status s = check_unsized();
    if (!s.ok()) {
      failed_ = true;
      return s;
    }
  }
  Status s = read_row(before, after);
  if (!s.ok()) {
    failed_ = true;
    return s;
  }
  ++row_;
  return {};
}

Status RowsReader::read_row(row::TupleBuilder* before, row::TupleBuilder* after) {
  const std::size_t start = r_.pos();
  Status s;
  if (event_.has_before()) {
    s = image(event_.present_before, before, false);
    if (s.ok() && event_.has_after()) s = image(event_.present_after, after, true);
  } else {
    s = image(event_.present_after, after, true);
  }
  if (s.ok() && r_.pos() == start) {
    // Images without present columns take no bytes: the event could never end.
    s = error("row images with no columns", SIZE_MAX);
  }
  return s;
}

Status RowsReader::check_unsized() {
  const auto& unsized = plan_.unsized_columns();
  if (unsized.empty()) return {};
  // Only present columns matter: a MINIMAL image may leave them out.
  bool present = false;
  for (std::size_t i : unsized) {
    for (Bytes bits : {event_.present_before, event_.present_after})
      if (i / 8 < bits.size() && ((bits[i / 8] >> (i % 8)) & 1)) present = true;
  }
  if (!present) return {};
  // Decode the whole event without output: the rows must end exactly at the event's end.
  const ByteReader saved = r_;
  Status s;
  while (s.ok() && !r_.at_end()) {
    s = read_row(nullptr, nullptr);
    if (s.ok()) ++row_;
  }
  r_ = saved;
  row_ = 0;
  if (s.ok()) return {};
  std::string cols;
  for (std::size_t i : unsized) {
    if (!cols.empty()) cols += ", ";
    const ColumnPlan& c = plan_.columns()[i];
    cols += "column " + std::to_string(i + 1) + " `" + c.column->name + "` (" +
            (c.op == ValueOp::time       ? "TIME"
             : c.op == ValueOp::datetime ? "DATETIME"
                                         : "TIMESTAMP") +
            ")";
  }
  return make_error(
      ErrorKind::schema,
      "rows event for table " + plan_.table_name() + ": " + cols +
          " cannot be read from the binlog alone: MariaDB before 10.1 (and later servers with "
          "mysql56_temporal_format=OFF, or tables created then) logs TIME, DATETIME and "
          "TIMESTAMP with fractional seconds under the old type codes without their number of "
          "digits, and this event does not decode as the type without fraction; tail from the "
          "server, which reads the table's definition, or convert the table (SET GLOBAL "
          "mysql56_temporal_format=ON, then ALTER TABLE ... FORCE)");
}

Status RowsReader::image(Bytes present, row::TupleBuilder* out, bool after_image) {
  const auto& cols = plan_.columns();
  const std::size_t n = cols.size();
  Bytes partial_bits;
  in_after_ = after_image;
  if (!after_image && event_.partial) {
    before_json_.assign(n, BeforeJson{});
  }
  if (after_image && event_.partial) {
    const std::uint64_t value_options = r_.packed();
    if (value_options & 1) partial_bits = r_.bytes((plan_.json_columns() + 7) / 8);
    if (!r_.ok()) return error("truncated value options", SIZE_MAX);
  }
  const std::size_t present_count = after_image ? present_after_ : present_before_;
  Bytes nulls = r_.bytes((present_count + 7) / 8);
  if (!r_.ok()) return error("truncated null bitmap", SIZE_MAX);
  std::size_t k = 0, json_index = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const ColumnPlan& c = cols[i];
    const bool is_json = c.op == ValueOp::json;
    bool partial = false;
    if (is_json) {
      // One bit per JSON column of the table, present or not (log_event.cc
      // print_verbose_one_row reads it before the column bitmap for that reason).
      if (!partial_bits.empty()) partial = (partial_bits[json_index / 8] >> (json_index % 8)) & 1;
      ++json_index;
    }
    if (!((present[i / 8] >> (i % 8)) & 1)) continue;
    const bool is_null = (nulls[k / 8] >> (k % 8)) & 1;
    ++k;
    if (is_null) {
      if (out && !c.skip) out->put_null_value(i);
      continue;
    }
    DUMPR_TRY(value(c, i, c.skip ? nullptr : out, partial));
  }
  return {};
}

Status RowsReader::value(const ColumnPlan& c, std::size_t i, row::TupleBuilder* out,
                         bool partial_json) {
  using namespace dumpr::row;
  ByteReader& r = r_;
  // Parse first, then write: a truncated value must not leave half a value in the builder.
  auto truncated = [&] { return error("value runs past the end of the event", i); };
  switch (c.op) {
    case ValueOp::int8:
    case ValueOp::int16:
    case ValueOp::int24:
    case ValueOp::int32:
    case ValueOp::int64: {
      static constexpr std::uint8_t kSize[] = {1, 2, 3, 4, 8};
      const std::size_t size = kSize[static_cast<int>(c.op) - static_cast<int>(ValueOp::int8)];
      const std::uint64_t u = r.uint_le(size);
      if (!r.ok()) return truncated();
      if (!out) return {};
      JsonOut& o = out->begin_value(i);
      if (c.is_unsigned)
        put_uint(o, u);
      else
        put_int(o, ByteReader::sign_extend(u, size));
      out->end_value(i);
      return {};
    }
    case ValueOp::float32: {
      const auto u = static_cast<std::uint32_t>(r.u32());
      if (!r.ok()) return truncated();
      if (!out) return {};
      float f;
      std::memcpy(&f, &u, 4);
      put_float(out->begin_value(i), f);
      out->end_value(i);
      return {};
    }
    case ValueOp::float64: {
      const std::uint64_t u = r.u64();
      if (!r.ok()) return truncated();
      if (!out) return {};
      double d;
      std::memcpy(&d, &u, 8);
      put_double(out->begin_value(i), d);
      out->end_value(i);
      return {};
    }
    case ValueOp::newdecimal: {
      Bytes bin = r.bytes(decimal_binary_size(c.precision, c.scale));
      if (!r.ok()) return truncated();
      char buf[300];
      const std::size_t len = decimal_to_text(bin, c.precision, c.scale, buf);
      if (len == 0) return error("invalid DECIMAL digits", i);
      if (!out) return {};
      put_decimal(out->begin_value(i), std::string_view(buf, len));
      out->end_value(i);
      return {};
    }
    case ValueOp::year: {
      const unsigned v = r.u8();
      if (!r.ok()) return truncated();
      if (!out) return {};
      put_year(out->begin_value(i), v == 0 ? 0 : 1900 + v);
      out->end_value(i);
      return {};
    }
    case ValueOp::date: {
      const std::uint32_t v = r.u24();
      if (!r.ok()) return truncated();
      if (!out) return {};
      put_date(out->begin_value(i), plan_.options_, v >> 9, (v >> 5) & 15, v & 31);
      out->end_value(i);
      return {};
    }
    case ValueOp::time_hires:
    case ValueOp::datetime_hires:
    case ValueOp::timestamp_hires: {
      // MariaDB sql/field.cc: Field_time_hires, Field_datetime_hires, Field_timestamp_hires.
      static constexpr std::uint8_t kTimeBytes[7] = {3, 4, 4, 5, 5, 5, 6};
      static constexpr std::uint8_t kDateTimeBytes[7] = {5, 6, 6, 7, 7, 7, 8};
      static constexpr std::uint8_t kSecPartBytes[7] = {0, 1, 1, 2, 2, 3, 3};
      static constexpr std::uint64_t kPow10[7] = {1, 10, 100, 1000, 10000, 100000, 1000000};
      const unsigned fsp = c.fsp > 6 ? 6 : c.fsp;
      const std::uint64_t unshift = kPow10[6 - fsp];
      if (c.op == ValueOp::timestamp_hires) {
        const auto secs = static_cast<std::uint32_t>(r.uint_be(4));
        const std::uint64_t frac = r.uint_be(kSecPartBytes[fsp]) * unshift;
        if (!r.ok()) return truncated();
        if (!out) return {};
        DateTimeParts d;
        if (secs != 0 || frac != 0) d = utc_parts(secs);
        d.micro = static_cast<std::uint32_t>(frac % 1000000);
        put_datetime(out->begin_value(i), plan_.options_, d, c.column->fsp, true);
        out->end_value(i);
        return {};
      }
      if (c.op == ValueOp::datetime_hires) {
        // pack_time(): ((((((year*13+month)*32+day)*24+hour)*60+minute)*60+second)*10^6+usec)
        std::uint64_t v = r.uint_be(kDateTimeBytes[fsp]) * unshift;
        if (!r.ok()) return truncated();
        if (!out) return {};
        DateTimeParts d;
        d.micro = static_cast<std::uint32_t>(v % 1000000);
        v /= 1000000;
        d.second = static_cast<unsigned>(v % 60);
        v /= 60;
        d.minute = static_cast<unsigned>(v % 60);
        v /= 60;
        d.hour = static_cast<unsigned>(v % 24);
        v /= 24;
        d.day = static_cast<unsigned>(v % 32);
        v /= 32;
        d.month = static_cast<unsigned>(v % 13);
        d.year = static_cast<unsigned>(v / 13);
        put_datetime(out->begin_value(i), plan_.options_, d, c.column->fsp, false);
        out->end_value(i);
        return {};
      }
      // TIME: the shifted value is offset by a zero point, (838:59:59 + 1 s) shifted.
      constexpr std::int64_t kMaxSeconds = 838 * 3600 + 59 * 60 + 59;
      const auto zero = static_cast<std::int64_t>(
          static_cast<std::uint64_t>((kMaxSeconds + 1) * 1000000) / unshift);
      const auto raw = static_cast<std::int64_t>(r.uint_be(kTimeBytes[fsp]));
      if (!r.ok()) return truncated();
      if (!out) return {};
      std::int64_t us = (raw - zero) * static_cast<std::int64_t>(unshift);
      const bool negative = us < 0;
      if (negative) us = -us;
      const auto secs = static_cast<std::uint64_t>(us / 1000000);
      put_time(out->begin_value(i), negative, static_cast<unsigned>(secs / 3600),
               static_cast<unsigned>(secs / 60 % 60), static_cast<unsigned>(secs % 60),
               static_cast<std::uint32_t>(us % 1000000), c.column->fsp);
      out->end_value(i);
      return {};
    }
    case ValueOp::time:
    case ValueOp::time2: {
      TimeParts t;
      if (c.op == ValueOp::time) {
        std::int64_t v = r.int_le(3);
        t.negative = v < 0;
        if (v < 0) v = -v;
        t.hours = static_cast<unsigned>(v / 10000);
        t.minutes = static_cast<unsigned>(v / 100 % 100);
        t.seconds = static_cast<unsigned>(v % 100);
      } else {
        t = time2_parts(r, c.fsp);
      }
      if (!r.ok()) return truncated();
      if (!out) return {};
      put_time(out->begin_value(i), t.negative, t.hours, t.minutes, t.seconds, t.micro,
               c.column->fsp);
      out->end_value(i);
      return {};
    }
    case ValueOp::datetime:
    case ValueOp::datetime2:
    case ValueOp::timestamp:
    case ValueOp::timestamp2: {
      DateTimeParts d;
      bool utc = false;
      if (c.op == ValueOp::datetime) {
        const std::uint64_t v = r.u64();
        const std::uint64_t date = v / 1000000, time = v % 1000000;
        d.year = static_cast<unsigned>(date / 10000);
        d.month = static_cast<unsigned>(date / 100 % 100);
        d.day = static_cast<unsigned>(date % 100);
        d.hour = static_cast<unsigned>(time / 10000);
        d.minute = static_cast<unsigned>(time / 100 % 100);
        d.second = static_cast<unsigned>(time % 100);
      } else if (c.op == ValueOp::datetime2) {
        d = datetime2_parts(r, c.fsp);
      } else {
        utc = true;
        const std::uint32_t secs =
            c.op == ValueOp::timestamp ? r.u32() : static_cast<std::uint32_t>(r.uint_be(4));
        const std::uint32_t micro = c.op == ValueOp::timestamp2 ? read_fraction(r, c.fsp) : 0;
        // TIMESTAMP 0 is the zero value '0000-00-00 00:00:00', not the epoch.
        if (secs != 0 || micro != 0) d = utc_parts(secs);
        d.micro = micro;
      }
      if (!r.ok()) return truncated();
      if (!out) return {};
      put_datetime(out->begin_value(i), plan_.options_, d, c.column->fsp, utc);
      out->end_value(i);
      return {};
    }
    case ValueOp::bit: {
      const std::uint64_t v = r.uint_be(c.fixed_len);
      if (!r.ok()) return truncated();
      if (!out) return {};
      put_bit(out->begin_value(i), v);
      out->end_value(i);
      return {};
    }
    case ValueOp::enum1:
    case ValueOp::enum2:
    case ValueOp::set: {
      const std::uint64_t v = r.uint_le(c.op == ValueOp::set     ? c.fixed_len
                                        : c.op == ValueOp::enum1 ? 1
                                                                 : 2);
      if (!r.ok()) return truncated();
      if (!out) return {};
      JsonOut& o = out->begin_value(i);
      if (c.out == ValueOut::member_number) {
        // No member names: the number the server stores, never "" (which would read as the
        // empty set or ENUM's error value).
        put_uint(o, v);
        out->note_repaired(i, Repair::member_number);
      } else if (c.op == ValueOp::set) {
        put_set(o, *c.column, v);
      } else {
        put_enum(o, *c.column, v);
      }
      out->end_value(i);
      return {};
    }
    case ValueOp::string:
    case ValueOp::blob:
    case ValueOp::json: {
      // A partial JSON value is a diff vector with a 4-byte length (json_diff.cc
      // Json_diff_vector::read_binary), whatever the column's pack length.
      const std::uint64_t len = r.uint_le(partial_json ? 4 : c.len_bytes);
      if (!r.ok() || len > r.remaining()) return truncated();
      Bytes data = r.bytes(static_cast<std::size_t>(len));
      if (c.skip) return {};  // an excluded column: its bytes are passed, not decoded
      if (c.op == ValueOp::json) {
        json_.clear();
        if (partial_json) {
          // A logical diff against this column's before image (same row, same event).
          if (i >= before_json_.size() || !before_json_[i].present) {
            // Nothing to apply the diff to (a MINIMAL before image): the row goes out without
            // this column, so it is partial, and the caller warns once.
            if (out) out->note_repaired(i, Repair::json_left_out);
            return {};
          }
          Status s = apply_json_diff(before_json_[i].doc, data, json_);
          if (!s.ok()) return error(s.error().message, i);
        } else {
          if (!in_after_ && i < before_json_.size()) before_json_[i] = {data, true};
          if (!json_binary_to_text(data, json_).ok()) return error("invalid binary JSON", i);
        }
        if (!out) return {};
        Status s = put_json_text(out->begin_value(i), json_.view());
        out->end_value(i);
        if (!s.ok()) return error("binary JSON gave invalid text: " + s.error().message, i);
        return {};
      }
      if (!out) return {};
      std::string_view bytes = as_chars(data);
      switch (c.out) {
        case ValueOut::text:
          if (c.collation == 0) {
            // The binlog did not say the charset: UTF-8 assumed (invalid bytes as U+FFFD).
            put_text(out->begin_value(i), bytes, c.collation);
            out->note_repaired(i, Repair::charset_assumed);
          } else if (put_text(out->begin_value(i), bytes, c.collation)) {
            out->note_repaired(i);
          }
          break;
        case ValueOut::binary:
          put_base64(out->begin_value(i), bytes);
          break;
        case ValueOut::binary_pad:
        case ValueOut::uuid:
        case ValueOut::inet4:
        case ValueOut::inet6: {
          // Field_string::pack strips trailing pad bytes (0x00 for binary); put them back.
          std::string_view full = bytes;
          if (bytes.size() < c.fixed_len) {
            scratch_.assign(bytes);
            scratch_.resize(c.fixed_len, '\0');
            full = scratch_;
          }
          if (c.out == ValueOut::binary_pad) {
            put_base64(out->begin_value(i), full);
            break;
          }
          if (full.size() != c.fixed_len) return error("wrong length for its type", i);
          const auto* a = reinterpret_cast<const std::uint8_t*>(full.data());
          char txt[64];
          std::size_t n = 0;
          if (c.out == ValueOut::inet4) {
            n = static_cast<std::size_t>(
                std::snprintf(txt, sizeof txt, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]));
          } else if (c.out == ValueOut::inet6) {
            n = format_inet6(a, txt);
          } else {
            // MariaDB logs UUID in its text order (checked against 10.11's binlog bytes).
            static const char* hex = "0123456789abcdef";
            const std::uint8_t* t = a;
            for (int b = 0; b < 16; ++b) {
              if (b == 4 || b == 6 || b == 8 || b == 10) txt[n++] = '-';
              txt[n++] = hex[t[b] >> 4];
              txt[n++] = hex[t[b] & 15];
            }
          }
          put_text(out->begin_value(i), std::string_view(txt, n), 45);
          break;
        }
        case ValueOut::json_text: {
          if (!put_json_column(out->begin_value(i), bytes, c.collation)) out->note_repaired(i);
          out->end_value(i);
          return {};
        }
        default:
          put_base64(out->begin_value(i), bytes);
          break;
      }
      out->end_value(i);
      return {};
    }
  }
  return error("unhandled column type", i);
}

}  // namespace dumpr::binlog
