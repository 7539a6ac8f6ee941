#include "binlog/table_map.hpp"

#include <string>

#include "row/charset.hpp"

namespace dumpr::binlog {
namespace {

Error corrupt(const std::string& what) {
  return make_error(ErrorKind::corrupt, "TABLE_MAP event: " + what);
}

// Reads one column's metadata, as MySQL's Table_map_event / table_def reads the metadata block
// (rows_event.cpp, sql/rpl_utility.cc; MariaDB sql/rpl_utility.cc table_def::table_def).
// Returns the metadata value in the form the row decoders use:
//   FLOAT/DOUBLE/BLOB/GEOMETRY/JSON/VECTOR: the 1-byte pack length
//   VARCHAR/VAR_STRING: the 2-byte little-endian maximum length in bytes
//   BIT: (bytes << 8) | (bits % 8), from bytes[0] = bits % 8, bytes[1] = bytes
//   NEWDECIMAL: (precision << 8) | scale
//   STRING/ENUM/SET: (byte0 << 8) | byte1: real type (possibly with length bits) and length
//   TIME2/DATETIME2/TIMESTAMP2: fsp
std::uint16_t read_meta(ByteReader& r, std::uint8_t type) {
  switch (type) {
    case kFloat:
    case kDouble:
    case kBlob:
    case kTinyBlob:
    case kMediumBlob:
    case kLongBlob:
    case kGeometry:
    case kJson:
    case kVector:
    case kTimestamp2:
    case kDateTime2:
    case kTime2:
      return r.u8();
    case kVarchar:
    case kVarString:
      return r.u16();
    case kBit: {
      std::uint16_t bits = r.u8();
      std::uint16_t bytes = r.u8();
      return static_cast<std::uint16_t>(bytes << 8 | bits);
    }
    case kNewDecimal:
    case kString:
    case kEnum:
    case kSet: {
      std::uint16_t b0 = r.u8();
      std::uint16_t b1 = r.u8();
      return static_cast<std::uint16_t>(b0 << 8 | b1);
    }
    case kTypedArray: {
      // The element type, then that type's metadata (MySQL 8 multi-valued indexes).
      std::uint8_t element = r.u8();
      if (element == kTypedArray) {
        r.fail();
        return 0;
      }
      return read_meta(r, element);
    }
    default:
      return 0;
  }
}

// A bit per column, most significant bit of each byte first (SIGNEDNESS, COLUMN_VISIBILITY).
bool msb_bit(Bytes bits, std::size_t i) {
  return (bits[i / 8] >> (7 - i % 8)) & 1;
}

// DEFAULT_CHARSET / ENUM_AND_SET_DEFAULT_CHARSET: default collation, then (index, collation)
// pairs where the index counts only the columns the field covers. COLUMN_CHARSET and its ENUM/SET
// twin: one collation per covered column.
template <class Pred>
bool apply_charsets(Bytes value, bool per_column, std::vector<TableColumn>& cols, Pred covered) {
  std::vector<TableColumn*> targets;
  for (auto& c : cols)
    if (covered(c)) targets.push_back(&c);
  ByteReader r(value);
  if (per_column) {
    for (TableColumn* c : targets) {
      if (r.at_end()) break;
      c->collation = static_cast<std::uint32_t>(r.packed());
    }
    return r.ok();
  }
  auto def = static_cast<std::uint32_t>(r.packed());
  for (TableColumn* c : targets) c->collation = def;
  while (r.ok() && !r.at_end()) {
    std::uint64_t index = r.packed();
    auto coll = static_cast<std::uint32_t>(r.packed());
    if (!r.ok() || index >= targets.size()) return false;
    targets[index]->collation = coll;
  }
  return r.ok();
}

bool read_str_values(Bytes value, std::vector<TableColumn>& cols, std::uint8_t want_type) {
  ByteReader r(value);
  for (auto& c : cols) {
    if (c.real_type != want_type) continue;
    if (r.at_end()) break;
    std::uint64_t count = r.packed();
    if (count > r.remaining()) return false;  // each member takes at least one byte
    c.members.clear();
    c.members.reserve(static_cast<std::size_t>(count));
    for (std::uint64_t i = 0; i < count && r.ok(); ++i) c.members.emplace_back(r.packed_chars());
    c.has_members = r.ok();
  }
  return r.ok();
}

Status read_optional_metadata(ByteReader& r, TableMap& map, const MetadataRules& rules) {
  auto& cols = map.columns;
  while (r.ok() && !r.at_end()) {
    auto type = static_cast<OptionalMetadata>(r.u8());
    std::uint64_t len = r.packed();
    if (!r.ok() || len > r.remaining())
      return corrupt("optional metadata field overruns the event");
    Bytes value = r.bytes(static_cast<std::size_t>(len));
    bool good = true;
    switch (type) {
      case OptionalMetadata::signedness: {
        std::size_t n = 0;
        for (auto& c : cols) {
          if (!signedness_counted(c.type, rules)) continue;
          if (n / 8 >= value.size()) break;
          c.is_unsigned = msb_bit(value, n++);
        }
        break;
      }
      case OptionalMetadata::default_charset:
      case OptionalMetadata::column_charset:
        good = apply_charsets(
            value, type == OptionalMetadata::column_charset, cols,
            [&rules](const TableColumn& c) { return charset_counted(c.real_type, rules); });
        break;
      case OptionalMetadata::enum_and_set_default_charset:
      case OptionalMetadata::enum_and_set_column_charset:
        good =
            apply_charsets(value, type == OptionalMetadata::enum_and_set_column_charset, cols,
                           [](const TableColumn& c) { return is_enum_or_set_type(c.real_type); });
        break;
      case OptionalMetadata::column_name: {
        ByteReader v(value);
        for (auto& c : cols) {
          if (v.at_end()) break;
          c.name = std::string(v.packed_chars());
        }
        good = v.ok();
        map.has_column_names = good;
        break;
      }
      case OptionalMetadata::set_str_value:
        good = read_str_values(value, cols, kSet);
        break;
      case OptionalMetadata::enum_str_value:
        good = read_str_values(value, cols, kEnum);
        break;
      case OptionalMetadata::geometry_type: {
        ByteReader v(value);
        for (auto& c : cols) {
          if (c.type != kGeometry) continue;
          if (v.at_end()) break;
          c.geometry_type = static_cast<std::uint32_t>(v.packed());
        }
        good = v.ok();
        break;
      }
      case OptionalMetadata::simple_primary_key:
      case OptionalMetadata::primary_key_with_prefix: {
        ByteReader v(value);
        map.primary_key.clear();
        map.primary_key_prefix.clear();
        while (v.ok() && !v.at_end()) {
          std::uint64_t index = v.packed();
          std::uint64_t prefix = type == OptionalMetadata::primary_key_with_prefix ? v.packed() : 0;
          if (index >= cols.size()) {
            good = false;
            break;
          }
          map.primary_key.push_back(static_cast<std::uint32_t>(index));
          map.primary_key_prefix.push_back(static_cast<std::uint32_t>(prefix));
        }
        good = good && v.ok();
        break;
      }
      case OptionalMetadata::column_visibility:
        for (std::size_t i = 0; i < cols.size() && i / 8 < value.size(); ++i)
          cols[i].visible = msb_bit(value, i);
        break;
      default:
        break;  // VECTOR_DIMENSIONALITY and future fields: not needed to decode values
    }
    if (!good) {
      return corrupt("bad optional metadata field " + std::to_string(static_cast<unsigned>(type)) +
                     " for `" + map.database + "`.`" + map.table + "`");
    }
  }
  if (!r.ok()) return corrupt("truncated optional metadata");
  return {};
}

}  // namespace

const char* column_type_name(std::uint8_t type) {
  switch (type) {
    case kDecimal:
      return "DECIMAL";
    case kTiny:
      return "TINY";
    case kShort:
      return "SHORT";
    case kLong:
      return "LONG";
    case kFloat:
      return "FLOAT";
    case kDouble:
      return "DOUBLE";
    case kNull:
      return "NULL";
    case kTimestamp:
      return "TIMESTAMP";
    case kLongLong:
      return "LONGLONG";
    case kInt24:
      return "INT24";
    case kDate:
      return "DATE";
    case kTime:
      return "TIME";
    case kDateTime:
      return "DATETIME";
    case kYear:
      return "YEAR";
    case kNewDate:
      return "NEWDATE";
    case kVarchar:
      return "VARCHAR";
    case kBit:
      return "BIT";
    case kTimestamp2:
      return "TIMESTAMP2";
    case kDateTime2:
      return "DATETIME2";
    case kTime2:
      return "TIME2";
    case kTypedArray:
      return "TYPED_ARRAY";
    case kVector:
      return "VECTOR";
    case kBool:
      return "BOOL";
    case kJson:
      return "JSON";
    case kNewDecimal:
      return "NEWDECIMAL";
    case kEnum:
      return "ENUM";
    case kSet:
      return "SET";
    case kTinyBlob:
      return "TINY_BLOB";
    case kMediumBlob:
      return "MEDIUM_BLOB";
    case kLongBlob:
      return "LONG_BLOB";
    case kBlob:
      return "BLOB";
    case kVarString:
      return "VAR_STRING";
    case kString:
      return "STRING";
    case kGeometry:
      return "GEOMETRY";
    default:
      return "UNKNOWN";
  }
}

MetadataRules metadata_rules(Flavor flavor, std::uint32_t version_product) {
  MetadataRules r;
  r.flavor = flavor;
  if (flavor == Flavor::mysql) {
    // MySQL 8.0.20 (sql/log_event.cc init_signedness_field) counted field.h's is_numeric_type,
    // without YEAR; later servers count has_signedess_information_type (sql/
    // field_common_properties.h, new in 2020), with YEAR. 8.0.21 is the first release that can
    // have it; MySQL 8.0.29 and 9.x binlogs are known to give YEAR a bit.
    r.year_signedness = version_product >= (8u * 256 + 0) * 256 + 21;
    r.geometry_charset = false;
  }
  return r;
}

// SIGNEDNESS: one bit per column the server counts, by the column's binlog type.
//   MariaDB (sql/log_event_server.cc init_signedness_field): every column whose
//     Field::binlog_type_info() has a signedness, i.e. the Field_num family (field.h: Field_num's
//     binlog_type_info passes binlog_signedness()): TINY..LONGLONG, FLOAT, DOUBLE, NEWDECIMAL,
//     old DECIMAL (Field_decimal is a Field_real), and YEAR (Field_year derives from Field_tiny;
//     its bit is 1). BIT (Field_bit passes no signedness) and temporal types are not counted.
//   MySQL (sql/log_event.cc init_signedness_field, is_numeric_field(field->binlog_type())):
//     has_signedess_information_type (sql/field_common_properties.h): TINY..LONGLONG, YEAR,
//     FLOAT, DOUBLE, DECIMAL, NEWDECIMAL; before 8.0.21 is_numeric_type, the same without YEAR.
bool signedness_counted(std::uint8_t type, const MetadataRules& rules) {
  switch (type) {
    case kTiny:
    case kShort:
    case kInt24:
    case kLong:
    case kLongLong:
    case kDecimal:
    case kNewDecimal:
    case kFloat:
    case kDouble:
      return true;
    case kYear:
      return rules.year_signedness;
    default:
      return false;
  }
}

// DEFAULT_CHARSET / COLUMN_CHARSET: one entry per character column, by real type.
//   MariaDB (init_charset_field with is_character_field): every column whose binlog_type_info()
//     has a charset and no ENUM/SET typelib: CHAR/BINARY and UUID/INET4/INET6 (STRING),
//     VARCHAR/VARBINARY, every BLOB/TEXT including JSON (a LONGTEXT), and GEOMETRY (Field_geom
//     passes field_charset(), binary; sql/sql_type_geom.cc).
//   MySQL (init_charset_field with is_character_field: is_character_type(field->real_type())):
//     STRING, VAR_STRING, VARCHAR, BLOB and VECTOR (MySQL 9). Not GEOMETRY, not JSON: their
//     real types are their own.
bool charset_counted(std::uint8_t real_type, const MetadataRules& rules) {
  switch (real_type) {
    case kString:
    case kVarString:
    case kVarchar:
    case kBlob:
    case kTinyBlob:
    case kMediumBlob:
    case kLongBlob:
    case kVector:
      return true;
    case kGeometry:
      return rules.geometry_charset;
    default:
      return false;
  }
}

bool is_enum_or_set_type(std::uint8_t real_type) {
  return real_type == kEnum || real_type == kSet;
}

Result<TableMap> decode_table_map(Bytes body, std::uint8_t post_header_len,
                                  const MetadataRules& rules) {
  ByteReader r(body);
  TableMap map;
  map.flavor = rules.flavor;
  if (post_header_len == 6) {
    map.table_id = r.u32();
  } else {
    map.table_id = r.u48();
    map.flags = r.u16();
    if (post_header_len > 8) r.skip(post_header_len - 8u);
  }
  std::size_t db_len = r.u8();
  map.database = std::string(r.chars(db_len));
  r.skip(1);
  std::size_t table_len = r.u8();
  map.table = std::string(r.chars(table_len));
  r.skip(1);
  std::uint64_t count = r.packed();
  if (!r.ok()) return corrupt("truncated names");
  if (count > r.remaining() || count == 0) {
    return corrupt("column count " + std::to_string(count) + " does not fit the event for `" +
                   map.database + "`.`" + map.table + "`");
  }
  Bytes types = r.bytes(static_cast<std::size_t>(count));
  map.columns.resize(static_cast<std::size_t>(count));
  if (r.at_end()) {
    // MySQL 5.1 before 5.1.23 (and pre-GA builds) wrote no metadata block and no null bits;
    // MySQL's Table_map_event reads them only "if there is more data".
    for (std::size_t i = 0; i < map.columns.size(); ++i) {
      map.columns[i].type = map.columns[i].real_type = types[i];
    }
    return map;
  }
  std::uint64_t meta_len = r.packed();
  if (!r.ok() || meta_len > r.remaining()) return corrupt("metadata block overruns the event");
  ByteReader meta(r.bytes(static_cast<std::size_t>(meta_len)));
  for (std::size_t i = 0; i < map.columns.size(); ++i) {
    TableColumn& c = map.columns[i];
    c.type = types[i];
    c.real_type = c.type;
    c.meta = read_meta(meta, c.type);
    if (c.type == kString && c.meta >= 256) {
      // MySQL's Field_string::save_field_metadata: byte0 is the real type (ENUM, SET or STRING),
      // with bits 4-5 flipped to carry length bits 8-9 of CHAR columns longer than 255 bytes.
      std::uint8_t byte0 = static_cast<std::uint8_t>(c.meta >> 8);
      if ((byte0 & 0x30) != 0x30) {
        c.real_type = static_cast<std::uint8_t>(byte0 | 0x30);
      } else {
        c.real_type = byte0;
      }
    }
    if (c.type == kTypedArray) c.real_type = kTypedArray;
  }
  if (!meta.ok()) {
    return corrupt("metadata block too short for the column types of `" + map.database + "`.`" +
                   map.table + "`");
  }
  Bytes nulls = r.bytes((map.columns.size() + 7) / 8);
  if (!r.ok()) return corrupt("truncated null bitmap");
  for (std::size_t i = 0; i < map.columns.size(); ++i)
    map.columns[i].nullable = (nulls[i / 8] >> (i % 8)) & 1;
  DUMPR_TRY(read_optional_metadata(r, map, rules));
  return map;
}

std::vector<row::Column> columns_from_table_map(const TableMap& map) {
  std::vector<row::Column> out;
  out.reserve(map.columns.size());
  for (std::size_t i = 0; i < map.columns.size(); ++i) {
    const TableColumn& t = map.columns[i];
    row::Column c;
    c.name = t.name.empty() ? "@" + std::to_string(i + 1) : t.name;
    if (std::optional<row::Kind> k = row::kind_of_field_type(t.real_type)) {
      c.kind = row::with_sign(*k, t.is_unsigned.value_or(false));
      switch (row::kind_info(c.kind).params) {
        case row::KindParams::bits:
          c.bits = static_cast<std::uint16_t>((t.meta >> 8) * 8 + (t.meta & 0xFF));
          break;
        case row::KindParams::decimal:
          if (t.real_type == kNewDecimal) {  // pre-5.0 DECIMAL has no metadata
            c.precision = static_cast<std::uint8_t>(t.meta >> 8);
            c.scale = static_cast<std::uint8_t>(t.meta & 0xFF);
          }
          break;
        case row::KindParams::fsp:
          // TIME2/DATETIME2/TIMESTAMP2 give their fraction digits; the old types none.
          if (t.real_type == kTime2 || t.real_type == kDateTime2 || t.real_type == kTimestamp2)
            c.fsp = static_cast<std::uint8_t>(t.meta);
          break;
        case row::KindParams::members:
          c.collation = static_cast<std::uint16_t>(t.collation.value_or(0));
          // The table map logs members in the column's charset; the row core wants UTF-8.
          c.members.clear();
          for (const std::string& m : t.members) c.members.push_back(row::to_utf8(m, c.collation));
          break;
        case row::KindParams::server_type:
        case row::KindParams::none:
          break;
      }
    } else if (row::binlog_type_fits(t.real_type, row::Kind::text)) {
      // The string types (CHAR, VARCHAR, TEXT and their binary twins).
      if (t.collation) {
        c.kind = row::with_charset(row::Kind::text, *t.collation);
        c.collation = static_cast<std::uint16_t>(*t.collation);
      } else if (t.real_type == kString) {
        // No charset logged (MySQL 5.7 and older, MariaDB 10.4 and older, MariaDB's
        // binlog_row_metadata=NO_LOG). CHAR and BINARY share this type; the binlog holds the
        // value without its padding. Text is far more common than BINARY(n): it is decoded as
        // UTF-8 text (collation 0: charset unknown, invalid bytes become U+FFFD) and never
        // padded; the rows decoder notes each value for a once-per-column warning.
        c.kind = row::Kind::text;
        c.collation = 0;
      } else {
        // VARCHAR/VARBINARY and TEXT/BLOB without a logged charset: base64 keeps the bytes
        // losslessly whichever they are.
        c.kind = row::Kind::binary;
        c.collation = 63;
      }
    } else {
      c.kind = row::Kind::binary;  // VECTOR and anything else: raw bytes
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace dumpr::binlog
