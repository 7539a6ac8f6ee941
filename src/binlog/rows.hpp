// Row images of ROWS events, decoded into a TupleBuilder through a per-table-map decode plan.
//
// A DecodePlan is built once per TABLE_MAP: for each column it fixes the decoder (how many bytes,
// which layout) and the output (which put_* of row/values.hpp), after checking that the columns
// the caller supplies (from the table map or the server's schema) fit the binlog's types. A
// RowsReader then runs the plan over each row image with no per-row switch on metadata and no
// per-value allocation (values go through stack buffers and the plan's reusable scratch).
//
// Row image layout (MySQL rows_event.h "Rows_event", sql/log_event.cc print_verbose_one_row;
// MariaDB sql/log_event.cc): null bitmap with one bit per *present* column ((n+7)/8 bytes, LSB
// first), then each present, non-NULL column's value in table order. UPDATE rows hold the before
// image then the after image. PARTIAL_UPDATE_ROWS after images start with value_options (packed)
// and, when bit 0 (PARTIAL_JSON_UPDATES) is set, a bitmap with one bit per JSON column of the
// table telling which JSON values are logical diffs.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "binlog/events.hpp"
#include "binlog/reader.hpp"
#include "binlog/table_map.hpp"
#include "dumpr/config.hpp"
#include "dumpr/error.hpp"
#include "row/column.hpp"
#include "row/json_out.hpp"
#include "row/tuple_builder.hpp"
#include "row/values.hpp"

namespace dumpr::binlog {

// How one column's bytes are read (fixed per table map).
enum class ValueOp : std::uint8_t {
  int8,
  int16,
  int24,
  int32,
  int64,  // little-endian integers
  float32,
  float64,
  newdecimal,  // binary DECIMAL, big-endian groups
  year,        // 1 byte, 0 or 1900+v
  date,        // 3 bytes LE: day 5 bits, month 4, year 15
  time,        // old TIME: 3 bytes LE signed HHMMSS
  time2,       // TIME2: 3 bytes BE + fraction
  datetime,    // old DATETIME: 8 bytes LE YYYYMMDDhhmmss
  datetime2,   // DATETIME2: 5 bytes BE + fraction
  timestamp,   // old TIMESTAMP: 4 bytes LE seconds
  timestamp2,  // TIMESTAMP2: 4 bytes BE seconds + fraction
  // MariaDB's pre-10.1 fractional layouts (mysql56_temporal_format=OFF), logged under the old
  // type codes with no metadata: only the table's definition knows the fraction digits.
  time_hires,       // time_hires_bytes[fsp] BE: packed time shifted by fsp, plus a zero point
  datetime_hires,   // datetime_hires_bytes[fsp] BE: packed date-time shifted by fsp
  timestamp_hires,  // 4 bytes BE seconds, then sec_part_bytes[fsp] BE fraction
  bit,              // BIT(n): ceil(n/8) bytes big-endian
  enum1,
  enum2,   // ENUM index in 1 or 2 bytes
  set,     // SET bitmask in `fixed_len` bytes (1..8)
  string,  // length in `len_bytes` (1 or 2) bytes, then bytes
  blob,    // length in `len_bytes` (1..4) bytes, then bytes
  json,    // MySQL binary JSON, length in `len_bytes` bytes
};

// How the value is written (decided by the column's kind).
enum class ValueOut : std::uint8_t {
  native,      // numbers, temporal, enum, set, bit, year: by the op
  text,        // put_text with the collation
  binary,      // put_base64
  binary_pad,  // BINARY(n): zero bytes the binlog strips are put back, then put_base64
  json_text,   // a JSON value stored as text (MariaDB JSON): put_json_text
  uuid,
  inet4,
  inet6,          // MariaDB UUID/INET4/INET6: the server's text form
  member_number,  // ENUM/SET without member names: the index or bitmask as a JSON number
};

struct ColumnPlan {
  ValueOp op = ValueOp::int32;
  ValueOut out = ValueOut::native;
  bool is_unsigned = false;
  std::uint8_t len_bytes = 0;  // string/blob/json length prefix size
  std::uint8_t fsp = 0;        // temporal *2 fraction digits
  std::uint8_t precision = 0, scale = 0;
  std::uint16_t fixed_len = 0;  // BIT bytes, SET bytes, BINARY(n) length
  std::uint16_t collation = 0;
  bool skip = false;  // --exclude-columns: the value's bytes are stepped over, never written
  const row::Column* column = nullptr;
};

class DecodePlan {
 public:
  // Builds the plan for `map` with `columns` (one per table-map column, in order; they must
  // outlive the plan). Fails with ErrorKind::schema naming the table and the first difference
  // when the count or a column's kind does not fit the binlog type.
  static Result<DecodePlan> make(const TableMap& map, std::span<const row::Column> columns,
                                 const ValueOptions& options = {});

  const std::vector<ColumnPlan>& columns() const { return cols_; }
  // Column i's values are read past and never written (an excluded column).
  void skip_column(std::size_t i) { cols_.at(i).skip = true; }
  const std::string& table_name() const { return table_; }
  std::size_t json_columns() const { return json_columns_; }
  // Columns whose width the table map does not give: MariaDB's TIME/DATETIME/TIMESTAMP under
  // the old type codes with no fraction digits from a table definition. They are read with 0
  // digits; RowsReader checks each such event decodes that way before giving any row.
  const std::vector<std::size_t>& unsized_columns() const { return unsized_; }

 private:
  friend class RowsReader;
  std::vector<ColumnPlan> cols_;
  std::string table_;  // `db`.`table`, for messages
  ValueOptions options_;
  std::size_t json_columns_ = 0;
  std::vector<std::size_t> unsized_;
};

class RowsReader {
 public:
  // `event` and `plan` must outlive the reader; `plan` must have been built for the event's map.
  RowsReader(const RowsEvent& event, const DecodePlan& plan);

  bool done() const { return r_.at_end() || failed_; }

  // Decodes the next row: the before image into `before` (UPDATE, DELETE) and the after image
  // into `after` (WRITE, UPDATE). Either may be null to skip writing that image (it is still
  // parsed). The caller calls start() on the builders first and finish() after.
  Status next(row::TupleBuilder* before, row::TupleBuilder* after);

 private:
  Status read_row(row::TupleBuilder* before, row::TupleBuilder* after);
  Status image(Bytes present, row::TupleBuilder* out, bool after_image);
  Status check_unsized();
  Status value(const ColumnPlan& c, std::size_t i, row::TupleBuilder* out, bool partial_json);
  Error error(const std::string& what, std::size_t column) const;

  const RowsEvent& event_;
  const DecodePlan& plan_;
  ByteReader r_;
  bool failed_ = false;
  bool checked_ = false;  // check_unsized() ran
  std::size_t row_ = 0;
  std::size_t present_before_, present_after_;  // columns in each image
  std::string scratch_;                         // BINARY(n) padding
  row::JsonOut json_;                           // binary JSON to text
  // PARTIAL_UPDATE_ROWS: each JSON column's before-image document, for the after image's diffs.
  struct BeforeJson {
    Bytes doc;
    bool present = false;
  };
  std::vector<BeforeJson> before_json_;
  bool in_after_ = false;
};

// ---- value helpers, exposed for tests and for the JSON decoder ----

// Binary DECIMAL(precision, scale) (MySQL strings/decimal.cc decimal2bin/bin2decimal) to text
// "[-]int.frac" with exactly `scale` fraction digits, into buf (>= precision + 3 bytes). Returns
// the text length, or 0 when the bytes are invalid (a group over 999999999). Reads
// decimal_binary_size(precision, scale) bytes.
std::size_t decimal_binary_size(unsigned precision, unsigned scale);
std::size_t decimal_to_text(Bytes bin, unsigned precision, unsigned scale, char* buf);

// TIME2 (MySQL sql-common/my_time.cc my_time_packed_from_binary) to parts.
struct TimeParts {
  bool negative = false;
  unsigned hours = 0, minutes = 0, seconds = 0;
  std::uint32_t micro = 0;
};
TimeParts time2_parts(ByteReader& r, unsigned fsp);
// DATETIME2 (my_datetime_packed_from_binary) to parts.
row::DateTimeParts datetime2_parts(ByteReader& r, unsigned fsp);
// The fraction of TIMESTAMP2/DATETIME2 in microseconds: (fsp+1)/2 big-endian bytes.
std::uint32_t read_fraction(ByteReader& r, unsigned fsp);
// Seconds since the epoch to UTC calendar parts.
row::DateTimeParts utc_parts(std::int64_t seconds);
// MySQL's packed TIME/DATETIME longlong (TIME_to_longlong_*_packed), used inside binary JSON.
TimeParts time_from_packed(std::int64_t packed);
row::DateTimeParts datetime_from_packed(std::int64_t packed);

}  // namespace dumpr::binlog
