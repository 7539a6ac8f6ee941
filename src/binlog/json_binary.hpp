// MySQL's binary JSON (the JSON column's storage and binlog format) to JSON text.
//
// Layout (MySQL sql-common/json_binary.h, "JSON binary format"):
//   doc     ::= type value
//   type    ::= 0 small object | 1 large object | 2 small array | 3 large array | 4 literal |
//               5 int16 | 6 uint16 | 7 int32 | 8 uint32 | 9 int64 | 10 uint64 | 11 double |
//               12 utf8mb4 string | 15 opaque (custom data)
//   object  ::= element-count size key-entry* value-entry* key* value*
//   array   ::= element-count size value-entry* value*
//     counts, sizes and offsets are 2 bytes (small) or 4 bytes (large), offsets relative to the
//     object/array start; key-entry ::= key-offset key-length(2 bytes);
//     value-entry ::= type offset-or-inlined-value (literals, int16, uint16 and, in large
//     containers, int32 and uint32 are inlined)
//   literal ::= 0 null | 1 true | 2 false
//   string  ::= data-length (variable: 7 bits a byte, high bit = more) utf8mb4 bytes
//   opaque  ::= field-type data-length bytes (DECIMAL, DATE, TIME, DATETIME, TIMESTAMP, other)
//
// The text is written as MySQL prints JSON (Json_wrapper::to_string): doubles as its my_gcvt
// writes them, byte for byte (the shortest round-trip digits, positional from 1e-15 to below
// 1e15, else "1.5e20" / "5e-324"; ".0" added when integral: "1.0", "100000000000000.0"),
// DECIMAL as a number, DATE "2015-01-15", TIME "23:24:25.000000", DATETIME/TIMESTAMP
// "2015-01-15 23:24:25.000000", other opaque values "base64:typeNN:...".
#pragma once

#include <string>
#include <vector>

#include "binlog/reader.hpp"
#include "dumpr/error.hpp"
#include "row/json_out.hpp"

namespace dumpr::binlog {

// Appends the JSON text of a binary JSON document to `out`. An empty document (length 0, what
// MySQL stores for a JSON NULL-ish empty value) is written as `null`. Nesting is limited to
// MySQL's JSON_DOCUMENT_MAX_DEPTH (100) + a margin.
Status json_binary_to_text(Bytes doc, row::JsonOut& out);

// Applies a partial JSON update (PARTIAL_UPDATE_ROWS_EVENT after image,
// binlog_row_value_options=PARTIAL_JSON) to the before image's binary document and appends the
// result's JSON text to `out`.
//
// Diff vector layout (MySQL sql/json_diff.cc, Json_diff_vector::write_binary and
// Json_diff::write_binary): for each diff: operation 1 byte (0 REPLACE, 1 INSERT, 2 REMOVE),
// path length (packed integer), path text ("$.a", "$[2]", "$.\"k y\""), and unless REMOVE the
// value length (packed integer) and the value as a binary JSON document. The diffs are applied in
// order as JSON_REPLACE / JSON_ARRAY_INSERT-or-JSON_INSERT / JSON_REMOVE would (json_diff.cc
// apply_json_diffs); new object members take their place in MySQL's key order (shorter keys
// first, then bytewise), the order its binary format stores.
Status apply_json_diff(Bytes before_doc, Bytes diffs, row::JsonOut& out);

}  // namespace dumpr::binlog
