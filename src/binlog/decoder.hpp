// dumpr's pure binlog decoder: bytes in, typed events and row values out. No I/O besides the file
// reader, no server, no printing. The same decoder serves a binlog file and a replication stream.
//
// API overview (for tail):
//
//   Decoder dec;                                  // one per stream; keeps FDE + table maps
//   Result<Event> ev = dec.decode(event_bytes);   // one whole event: header, body, checksum
//     - checks size, verifies the CRC32 when the FORMAT_DESCRIPTION says so (the only place the
//       checksum is looked at), strips it, and returns a typed body (events.hpp):
//       FormatDescription, RotateEvent, QueryEvent (db + query; BEGIN/COMMIT/DDL/XA detection is
//       the caller's), XidEvent, XaPrepareEvent, MysqlGtidEvent (GTID/ANONYMOUS/TAGGED),
//       MariaGtidEvent (standalone/XA flags), MariaGtidListEvent, MariaBinlogCheckpointEvent,
//       RowsQueryEvent (ANNOTATE_ROWS / ROWS_QUERY), HeartbeatEvent (v1, v2), TableMapEvent,
//       RowsEvent, TransactionPayloadEvent, StopEvent, SkippedEvent.
//     - ev->header: timestamp, type, server_id, event_size, log_pos (= next position; 0 inside
//       MariaDB 11.4+ transactions and for artificial events: the caller tracks positions then),
//       flags.
//     - TABLE_MAP events are registered by table id; ROWS events come back with `map` set to
//       the table map in force (null if none was seen: the caller's error). A new file or a
//       reconnect needs a new Decoder (table ids start over).
//     - MariaDB compressed QUERY/ROWS (165-171) come back as plain QueryEvent / RowsEvent.
//     - TRANSACTION_PAYLOAD (MySQL 8 binlog_transaction_compression) comes back with `events`:
//       the inner events' bytes; feed each to dec.decode_inner(bytes) in order.
//     - Views (string_view, Bytes) in an Event point into the caller's bytes or the decoder's
//       buffers: valid until the next decode() (decode_inner keeps the payload alive).
//
//   Rows (rows.hpp):
//     std::vector<row::Column> cols = columns_from_table_map(*map);   // or the server's schema
//     Result<DecodePlan> plan = DecodePlan::make(*map, cols, value_options);  // once per map
//     RowsReader rows(rows_event, *plan);
//     while (!rows.done()) {
//       before.start(shape); after.start(shape);
//       DUMPR_TRY(rows.next(&before, &after));   // nullptr to skip an image; DELETE has only
//     }                                          // before, WRITE only after
//
//   Files (file.hpp): BinlogFile::open(path) checks the magic; next() yields each event's bytes
//   with its offset; truncation and corruption are errors naming the file and the offset.
//
// Errors: ErrorKind::corrupt for bad or truncated bytes and CRC mismatches (the message names
// the event type and, via the file reader, the file and offset); ErrorKind::schema when columns
// from the server do not fit the table map.
//
// Values: the Column's kind decides the output (signedness, text vs binary, JSON); BINARY(n) gets
// back the trailing zero bytes the binlog strips; MariaDB UUID/INET4/INET6 (kind server_text with
// type_name) print their text; MySQL partial JSON updates are applied to the before image (the
// column is left out of the row, noted for a warning, when the before image lacks it, i.e.
// binlog_row_image=MINIMAL).
// Not supported (clear errors, never skipped rows): pre-GA 5.1 rows events (20-22), MariaDB
// 5.3-10.0 "hires" TIME/DATETIME/TIMESTAMP(n) (mysql56_temporal_format=OFF; the table map does
// not size them: without fraction digits from the table's definition, an event that does not
// decode with none is an ErrorKind::schema error naming the columns), old DECIMAL (type 0),
// encrypted binlogs.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "binlog/events.hpp"
#include "binlog/reader.hpp"
#include "binlog/table_map.hpp"
#include "dumpr/error.hpp"

namespace dumpr::binlog {

struct DecoderOptions {
  // Verify CRC32 checksums (a mismatch is ErrorKind::corrupt). Off: the checksum is still
  // stripped, not checked.
  bool verify_checksums = true;
  // Checksum of events that arrive before any FORMAT_DESCRIPTION (the fake ROTATE a server sends
  // first on a dump connection). undefined: detect per event (strip when the last four bytes are
  // the CRC of the rest).
  ChecksumAlg initial_checksum = ChecksumAlg::undefined;
};

class Decoder {
 public:
  explicit Decoder(DecoderOptions options = {});

  // Decodes one whole event: 19-byte header, body, and the checksum if the stream has them.
  // `body_crc`, when given, is the CRC-32 of all but the event's last four bytes, computed by
  // whoever received it (the replication reader does it on its own thread); it is compared with
  // the stored checksum instead of computing it here.
  Result<Event> decode(Bytes event, std::optional<std::uint32_t> body_crc = std::nullopt);
  // Decodes an event from inside a TRANSACTION_PAYLOAD (no checksum, never a payload itself).
  Result<Event> decode_inner(Bytes event);

  // Installs a FORMAT_DESCRIPTION learnt elsewhere (e.g. resuming mid-file).
  void set_format(FormatDescription fde);

 private:
  Result<Event> decode_body(const EventHeader& h, Bytes event, Bytes body, bool inner);
  Result<Event> decode_rows(const EventHeader& h, Bytes body);
  Result<Event> decode_payload(const EventHeader& h, Bytes body);
  // The table map registered under `id`, or null.
  std::shared_ptr<const TableMap> table(std::uint64_t id) const;

  DecoderOptions options_;
  FormatDescription format_;
  bool has_format_ = false;
  bool encrypted_ = false;  // a MariaDB START_ENCRYPTION was seen
  std::unordered_map<std::uint64_t, std::shared_ptr<const TableMap>> tables_;
  std::vector<std::uint8_t> inflate_buf_;  // MariaDB compressed query / rows
  std::vector<std::uint8_t> payload_buf_;  // MySQL transaction payload
};

// Decompresses MariaDB's compressed event data (sql/log_event.cc binlog_buf_uncompress): one
// header byte 0x80 | (algorithm << 4) | lenlen (algorithm 0 = zlib), the uncompressed length in
// lenlen (1..4) big-endian bytes, then a zlib stream. Needs zlib (DUMPR_HAVE_ZLIB, set by
// CMake); without it an ErrorKind::corrupt error says so.
Status maria_uncompress(Bytes src, std::vector<std::uint8_t>& out);

}  // namespace dumpr::binlog
