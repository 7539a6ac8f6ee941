// The one home of dumpr's value shapes. Load (server text) and tail (binlog bytes) decode a value
// into the plain parts below and call these functions, so the JSON for a value is decided here
// and nowhere else. Documented type by type in man/dumpr.1 (VALUES).
#pragma once

#include <cstdint>
#include <string_view>

#include "dumpr/config.hpp"
#include "dumpr/error.hpp"
#include "row/column.hpp"
#include "row/json_out.hpp"

namespace dumpr::row {

void put_int(JsonOut& out, std::int64_t v);
void put_uint(JsonOut& out, std::uint64_t v);

// Shortest decimal text that reads back to the same 32/64-bit value (std::to_chars). Integral
// values keep no fraction ("3"), others as to_chars gives them ("0.1", "1e+300"). NaN and
// infinities (the server cannot store them) are written as null.
void put_float(JsonOut& out, float v);
void put_double(JsonOut& out, double v);

// DECIMAL as a JSON string. `text` is "[-]digits[.digits]" with exactly the column's scale.
void put_decimal(JsonOut& out, std::string_view text);

struct DateTimeParts {
  unsigned year = 0, month = 0, day = 0;
  unsigned hour = 0, minute = 0, second = 0;
  std::uint32_t micro = 0;  // 0..999999
};

// DATE "2024-01-31"; with zero_dates_as_null, a date with a zero year, month or day is null.
void put_date(JsonOut& out, const ValueOptions& opt, unsigned year, unsigned month, unsigned day);

// DATETIME(fsp) "2024-01-31T13:45:00.123", TIMESTAMP(fsp) the same with a trailing "Z" (`utc`).
// The fraction has exactly fsp digits (micro is truncated to them, as the server stores it).
void put_datetime(JsonOut& out, const ValueOptions& opt, const DateTimeParts& v, unsigned fsp,
                  bool utc);

// TIME(fsp) "-838:59:59.000000": sign, hours beyond 24 kept, at least two hour digits.
void put_time(JsonOut& out, bool negative, unsigned hours, unsigned minutes, unsigned seconds,
              std::uint32_t micro, unsigned fsp);

// Text in the given collation's character set, converted to UTF-8. Invalid sequences become
// U+FFFD (the WHATWG decoders' rule); returns true when that happened, so the caller can warn
// once per column.
bool put_text(JsonOut& out, std::string_view bytes, std::uint16_t collation);

// Binary strings, geometry: standard base64 with padding.
void put_base64(JsonOut& out, std::string_view bytes);

// JSON columns: the value itself, written canonically: no insignificant white space, members in
// stored order, strings re-escaped by JsonOut's rules (\u escapes of non-control characters
// decoded to UTF-8), numbers exactly as their token is written. Fails on text that is not JSON.
Status put_json_text(JsonOut& out, std::string_view json);

// A JSON column's stored text (MariaDB JSON, and the load path's text of any JSON column): the
// canonical JSON value, or, when the text does not parse (the server's json_valid is more
// lenient in places), the text itself as a JSON string. Returns false in that case, so the
// caller can warn once per column. Load and tail both come here, so they agree.
bool put_json_column(JsonOut& out, std::string_view text, std::uint16_t collation);

// ENUM by 1-based index (0 is the empty string the server stores for an invalid value);
// SET by bitmask, members comma-separated in definition order.
void put_enum(JsonOut& out, const Column& col, std::uint64_t index);
void put_set(JsonOut& out, const Column& col, std::uint64_t bits);

// BIT(n), YEAR: integers.
inline void put_bit(JsonOut& out, std::uint64_t v) {
  put_uint(out, v);
}
inline void put_year(JsonOut& out, unsigned v) {
  put_uint(out, v);
}

}  // namespace dumpr::row
