// TABLE_MAP_EVENT (type 19): maps a table id to a table's name, column types, per-type metadata,
// nullability and the optional metadata block.
//
// Layout (MySQL libs/mysql/binlog/event/rows_event.h, "Table_map_event"; MariaDB
// sql/log_event.h, "Table_map_log_event"; the MariaDB KB page "TABLE_MAP_EVENT"):
//   post-header: table_id 6 bytes (4 when the FDE's post-header length is 6), flags 2
//   body: db_len 1, db, 0; table_len 1, table, 0; column_count packed; column types [n];
//         metadata_len packed; metadata block (per column, size by type); null bits (n+7)/8;
//         optional metadata: TLV fields (type 1 byte, length packed, value) until the end.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "binlog/reader.hpp"
#include "dumpr/error.hpp"
#include "row/column.hpp"
#include "row/kinds.hpp"

namespace dumpr::binlog {

enum class Flavor : std::uint8_t { unknown, mysql, mariadb };

// The column type codes (enum_field_types): row::FieldType, beside the kind table that maps them.
using ColumnType = row::FieldType;
using enum row::FieldType;

const char* column_type_name(std::uint8_t type);

// Optional metadata field types (MySQL rows_event.h Optional_metadata_field_type; MariaDB's
// Table_map_log_event::Optional_metadata_field_type, same numbering).
enum class OptionalMetadata : std::uint8_t {
  signedness = 1,
  default_charset = 2,
  column_charset = 3,
  column_name = 4,
  set_str_value = 5,
  enum_str_value = 6,
  geometry_type = 7,
  simple_primary_key = 8,
  primary_key_with_prefix = 9,
  enum_and_set_default_charset = 10,
  enum_and_set_column_charset = 11,
  column_visibility = 12,
  vector_dimensionality = 13,
};

// Which columns a server gives an entry in the SIGNEDNESS field and in the charset fields of the
// optional metadata. The entries are counted by column kind, and the servers count differently
// (sources in table_map.cpp, beside signedness_counted and charset_counted):
//   SIGNEDNESS: TINY..LONGLONG, FLOAT, DOUBLE, DECIMAL, NEWDECIMAL everywhere; YEAR on MariaDB
//     and on MySQL from 8.0.21 (`year_signedness`).
//   charsets: STRING, VAR_STRING, VARCHAR, BLOB (and VECTOR, MySQL 9) everywhere; GEOMETRY on
//     MariaDB only (`geometry_charset`). JSON (MySQL), ENUM, SET, BIT never.
struct MetadataRules {
  Flavor flavor = Flavor::unknown;
  bool year_signedness = true;
  bool geometry_charset = true;
};

// The rules of the server that wrote a binlog, from its FORMAT_DESCRIPTION: the flavour and the
// version product (major*256+minor)*256+patch. Unknown flavour: MariaDB's rules.
MetadataRules metadata_rules(Flavor flavor, std::uint32_t version_product);

struct TableColumn {
  std::uint8_t type = 0;       // ColumnType as written in the column type array
  std::uint8_t real_type = 0;  // STRING's real type (ENUM/SET/STRING) from its metadata; else type
  std::uint16_t meta = 0;      // per-type metadata, as MySQL's table_def reads it (see .cpp)
  bool nullable = true;
  // From optional metadata; unset when the server did not log it.
  std::optional<bool> is_unsigned;         // numeric columns (SIGNEDNESS)
  std::optional<std::uint32_t> collation;  // character, ENUM and SET columns
  std::optional<std::uint32_t> geometry_type;
  std::optional<bool> visible;       // COLUMN_VISIBILITY (MySQL 8.0.23+)
  std::string name;                  // COLUMN_NAME; empty when not logged
  std::vector<std::string> members;  // ENUM_STR_VALUE / SET_STR_VALUE
  bool has_members = false;
};

struct TableMap {
  Flavor flavor = Flavor::unknown;  // of the server that wrote it (MetadataRules::flavor)
  std::uint64_t table_id = 0;
  std::uint16_t flags = 0;
  std::string database;
  std::string table;
  std::vector<TableColumn> columns;
  // Primary key column indexes (SIMPLE_PRIMARY_KEY or PRIMARY_KEY_WITH_PREFIX), with prefix
  // lengths (0: whole column). Empty when not logged.
  std::vector<std::uint32_t> primary_key;
  std::vector<std::uint32_t> primary_key_prefix;
  bool has_column_names = false;
};

// Decodes a TABLE_MAP body (post-header and body, checksum already removed).
// `post_header_len` is the FDE's entry for TABLE_MAP (6 on very old servers, else 8); `rules`
// say how the writing server counted columns in the optional metadata.
Result<TableMap> decode_table_map(Bytes body, std::uint8_t post_header_len,
                                  const MetadataRules& rules = {});

// Whether a column of this binlog type has an entry in SIGNEDNESS, in DEFAULT_CHARSET /
// COLUMN_CHARSET (by real type: STRING's ENUM and SET are not character columns), and in the
// ENUM_AND_SET charset fields.
bool signedness_counted(std::uint8_t type, const MetadataRules& rules);
bool charset_counted(std::uint8_t real_type, const MetadataRules& rules);
bool is_enum_or_set_type(std::uint8_t real_type);

// The columns as the table map alone describes them: names from COLUMN_NAME (else "@1", "@2"...),
// kinds from the type, SIGNEDNESS and the charset (collation 63 = binary), members from the
// ENUM/SET string values. Used when the server's schema is not at hand.
std::vector<row::Column> columns_from_table_map(const TableMap& map);

}  // namespace dumpr::binlog
