// Binlog event types, the v4 common header, FORMAT_DESCRIPTION and the typed events the decoder
// returns. Layouts are cited beside each struct; the decoding lives in decoder.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "binlog/reader.hpp"
#include "binlog/table_map.hpp"
#include "dumpr/error.hpp"

namespace dumpr::binlog {

// Log_event_type (MySQL libs/mysql/binlog/event/binlog_event.h; MariaDB sql/log_event.h for
// 160+).
enum EventType : std::uint8_t {
  kUnknownEvent = 0,
  kStartV3 = 1,
  kQuery = 2,
  kStop = 3,
  kRotate = 4,
  kIntvar = 5,
  kLoad = 6,
  kSlave = 7,
  kCreateFile = 8,
  kAppendBlock = 9,
  kExecLoad = 10,
  kDeleteFile = 11,
  kNewLoad = 12,
  kRand = 13,
  kUserVar = 14,
  kFormatDescription = 15,
  kXid = 16,
  kBeginLoadQuery = 17,
  kExecuteLoadQuery = 18,
  kTableMap = 19,
  kPreGaWriteRows = 20,
  kPreGaUpdateRows = 21,
  kPreGaDeleteRows = 22,
  kWriteRowsV1 = 23,
  kUpdateRowsV1 = 24,
  kDeleteRowsV1 = 25,
  kIncident = 26,
  kHeartbeat = 27,
  kIgnorable = 28,
  kRowsQuery = 29,
  kWriteRowsV2 = 30,
  kUpdateRowsV2 = 31,
  kDeleteRowsV2 = 32,
  kGtid = 33,
  kAnonymousGtid = 34,
  kPreviousGtids = 35,
  kTransactionContext = 36,
  kViewChange = 37,
  kXaPrepare = 38,
  kPartialUpdateRows = 39,
  kTransactionPayload = 40,
  kHeartbeatV2 = 41,
  kGtidTagged = 42,
  kMariaAnnotateRows = 160,
  kMariaBinlogCheckpoint = 161,
  kMariaGtid = 162,
  kMariaGtidList = 163,
  kMariaStartEncryption = 164,
  kMariaQueryCompressed = 165,
  kMariaWriteRowsCompressedV1 = 166,
  kMariaUpdateRowsCompressedV1 = 167,
  kMariaDeleteRowsCompressedV1 = 168,
  kMariaWriteRowsCompressed = 169,
  kMariaUpdateRowsCompressed = 170,
  kMariaDeleteRowsCompressed = 171,
};

const char* event_type_name(std::uint8_t type);

// Whether an event of this type carries row images (so it must never be skipped silently).
bool is_rows_event_type(std::uint8_t type);

// The v4 common header, 19 bytes (binlog_event.h "Log_event_header"):
//   timestamp 4, type 1, server_id 4, event_size 4, log_pos 4, flags 2.
struct EventHeader {
  static constexpr std::size_t kSize = 19;
  std::uint32_t timestamp = 0;
  std::uint8_t type = 0;
  std::uint32_t server_id = 0;
  std::uint32_t event_size = 0;  // whole event, header and checksum included
  // End position of this event in the master's binlog, i.e. where the next event starts. 0 for
  // artificial events and, from MariaDB 11.4, for events inside a transaction written through
  // the binlog cache: the caller derives positions itself then.
  std::uint32_t log_pos = 0;
  std::uint16_t flags = 0;
};
inline constexpr std::uint16_t kLogEventArtificialF = 0x20;  // LOG_EVENT_ARTIFICIAL_F
inline constexpr std::uint16_t kLogEventIgnorableF = 0x80;   // LOG_EVENT_IGNORABLE_F

// Parses the 19-byte header at the start of `event` (checks only that the bytes are there).
Result<EventHeader> parse_header(Bytes event);

enum class ChecksumAlg : std::uint8_t { off = 0, crc32 = 1, undefined = 255 };

// FORMAT_DESCRIPTION_EVENT (type 15; binlog_event.h / control_events.h
// "Format_description_event"): binlog_version 2, server_version 50 (NUL padded),
// create_timestamp 4, common_header_len 1, post_header_len[one per event type]; servers that know
// checksums (MySQL >= 5.6.1, MariaDB >= 5.3) append the checksum algorithm byte and then the
// FDE's own 4-byte checksum (present even when the algorithm is OFF).
struct FormatDescription {
  std::uint16_t binlog_version = 4;
  std::string server_version;
  std::uint32_t create_timestamp = 0;
  std::uint8_t common_header_len = 19;
  std::vector<std::uint8_t> post_header_len;  // index type-1
  ChecksumAlg checksum = ChecksumAlg::off;
  Flavor flavor = Flavor::unknown;
  // How this server counts columns in the TABLE_MAP optional metadata (from flavor and version).
  MetadataRules metadata;

  std::uint8_t post_header_length(std::uint8_t type) const {
    return type >= 1 && type <= post_header_len.size() ? post_header_len[type - 1] : 0;
  }
};

// Decodes an FDE from the whole event bytes; `checksum` tells whether its CRC matched.
Result<FormatDescription> decode_format_description(Bytes event);

// ---- typed events (string_views point into the event bytes or the decoder's scratch buffer:
// valid until the next Decoder::decode call) ----

// ROTATE_EVENT (4): position 8, next file name (rest). Artificial rotates (flags & 0x20) are sent
// by the server at the start of a dump; they do not change the file's contents.
struct RotateEvent {
  std::uint64_t position = 0;
  std::string_view next_file;
};

// QUERY_EVENT (2) and MariaDB QUERY_COMPRESSED_EVENT (165) (statement_events.h "Query_event"):
// post-header thread_id 4, exec_time 4, db_len 1, error_code 2, status_vars_len 2; body status
// vars, db, NUL, query text (compressed in 165).
struct QueryEvent {
  std::uint32_t thread_id = 0;
  std::uint32_t exec_time = 0;
  std::uint16_t error_code = 0;
  std::string_view db;
  std::string_view query;
};

// XID_EVENT (16): xid 8 bytes. Ends a transaction with a COMMIT.
struct XidEvent {
  std::uint64_t xid = 0;
};

// XA_PREPARE_LOG_EVENT (38, MySQL): one_phase 1, formatID 4, gtrid_length 4, bqual_length 4,
// data (gtrid + bqual).
struct XaPrepareEvent {
  bool one_phase = false;
  std::int32_t format_id = 0;
  std::string_view gtrid;
  std::string_view bqual;
};

// MySQL GTID_LOG_EVENT (33) / ANONYMOUS_GTID_LOG_EVENT (34) (control_events.h "Gtid_event"):
// flags 1, sid 16, gno 8, [lt_type 1 = 2, last_committed 8, sequence_number 8],
// [immediate_commit_timestamp 7 (bit 55: original_commit_timestamp 7 follows)],
// [transaction_length packed], [immediate_server_version 4 (bit 31: original 4 follows)].
// GTID_TAGGED_LOG_EVENT (42, MySQL 8.3+) carries the same plus a tag, in the
// mysql::serialization format.
struct MysqlGtidEvent {
  bool anonymous = false;
  std::uint8_t flags = 0;  // bit 0: may have been committed with another (FL_MAY_HAVE_SBR)
  std::array<std::uint8_t, 16> sid{};
  std::int64_t gno = 0;
  std::string tag;  // GTID_TAGGED only
  std::int64_t last_committed = 0;
  std::int64_t sequence_number = 0;
  std::uint64_t immediate_commit_timestamp = 0;  // microseconds since the epoch, 0 if absent
  std::uint64_t original_commit_timestamp = 0;
  std::uint64_t transaction_length = 0;
  // "3e11fa47-71ca-11e1-9e33-c80aa9429562:23" or with tag "uuid:tag:23".
  std::string to_string() const;
};

// PREVIOUS_GTIDS_LOG_EVENT (35): the GTID set before this file. Kept raw (the tail asks the
// server for gtid_executed instead).
struct PreviousGtidsEvent {
  Bytes raw;
};

// MariaDB GTID_EVENT (162) (sql/log_event.h "Gtid_log_event"; KB "GTID_EVENT"):
// seq_no 8, domain_id 4, flags2 1; FL_GROUP_COMMIT_ID: commit_id 8; FL_PREPARED_XA or
// FL_COMPLETED_XA: formatID 4, gtrid_len 1, bqual_len 1, xid data; then (11.x) flags_extra 1 and
// its fields. The server id is the header's.
struct MariaGtidEvent {
  static constexpr std::uint8_t kStandalone = 1;
  static constexpr std::uint8_t kGroupCommitId = 2;
  static constexpr std::uint8_t kTransactional = 4;
  static constexpr std::uint8_t kAllowParallel = 8;
  static constexpr std::uint8_t kWaited = 16;
  static constexpr std::uint8_t kDdl = 32;
  static constexpr std::uint8_t kPreparedXa = 64;
  static constexpr std::uint8_t kCompletedXa = 128;

  std::uint64_t seq_no = 0;
  std::uint32_t domain_id = 0;
  std::uint32_t server_id = 0;
  std::uint8_t flags = 0;
  std::uint64_t commit_id = 0;
  std::int32_t xa_format_id = 0;
  std::string_view xa_gtrid, xa_bqual;

  bool standalone() const { return flags & kStandalone; }
  bool xa_prepare() const { return flags & kPreparedXa; }
  bool xa_complete() const { return flags & kCompletedXa; }
  std::string to_string() const;  // "domain-server-seq"
};

// MariaDB GTID_LIST_EVENT (163): count 4 (low 28 bits; high 4 bits flags), then count entries of
// domain_id 4, server_id 4, seq_no 8.
struct MariaGtidListEvent {
  struct Gtid {
    std::uint32_t domain_id, server_id;
    std::uint64_t seq_no;
  };
  std::uint8_t flags = 0;
  std::vector<Gtid> gtids;
};

// MariaDB BINLOG_CHECKPOINT_EVENT (161): name_len 4, binlog file name.
struct MariaBinlogCheckpointEvent {
  std::string_view file;
};

// MariaDB ANNOTATE_ROWS_EVENT (160) and MySQL ROWS_QUERY_LOG_EVENT (29): the statement text that
// produced the following rows events (MySQL: length byte first, ignored).
struct RowsQueryEvent {
  std::string_view query;
};

// HEARTBEAT_LOG_EVENT (27): body is the current binlog file name; header log_pos is the position.
// HEARTBEAT_LOG_EVENT_V2 (41, MySQL 8.0.26+): TLV fields (type packed, length packed): 1 file
// name, 2 position (packed integer), 0 end.
struct HeartbeatEvent {
  std::string_view file;
  std::uint64_t position = 0;
};

// TABLE_MAP_EVENT (19): the map is kept by the decoder's registry; this points at it.
struct TableMapEvent {
  std::shared_ptr<const TableMap> map;
};

// WRITE/UPDATE/DELETE_ROWS v1 (23-25), v2 (30-32), PARTIAL_UPDATE_ROWS (39) and MariaDB's
// compressed rows (166-171) (rows_event.h "Rows_event"):
//   post-header: table_id 6 (4 if post-header length is 6), flags 2, [v2: extra_len 2 (counts
//   itself), extra row info]; body: width packed, columns-present bitmap (before image for
//   UPDATE/DELETE, after image for WRITE), [UPDATE: after-image bitmap], rows to the end.
struct RowsEvent {
  enum class Kind : std::uint8_t { write, update, erase };
  Kind kind = Kind::write;
  bool partial = false;  // PARTIAL_UPDATE_ROWS_EVENT: after images may hold JSON diffs
  std::uint64_t table_id = 0;
  std::uint16_t flags = 0;              // bit 0: STMT_END_F
  std::uint64_t width = 0;              // column count
  Bytes present_before;                 // bitmap (width+7)/8; empty for WRITE
  Bytes present_after;                  // bitmap (width+7)/8; empty for DELETE
  Bytes rows;                           // the row images
  std::shared_ptr<const TableMap> map;  // the table map in force (may be null if unknown)

  bool has_before() const { return kind != Kind::write; }
  bool has_after() const { return kind != Kind::erase; }
  bool statement_end() const { return flags & 1; }
};

// TRANSACTION_PAYLOAD_EVENT (40, MySQL 8.0.20+) (control_events.h "Transaction_payload_event";
// codecs/binary.h): TLV header fields (type packed, length packed, value): 1 payload size,
// 2 compression type (0 zstd, 255 none), 3 uncompressed size, 0 end mark; then the payload,
// which holds whole events without checksums. Decoder::decode expands it: `events` are the
// inner events' bytes (each a whole event), to be decoded with Decoder::decode_inner.
struct TransactionPayloadEvent {
  std::uint64_t compression = 0;
  std::uint64_t uncompressed_size = 0;
  std::vector<Bytes> events;  // views into the decoder's payload buffer
};

// STOP_EVENT (3): the server stopped; the file ends here.
struct StopEvent {};

// Events that carry nothing the decoder's users need (INTVAR, RAND, USER_VAR, INCIDENT, LOAD,
// TRANSACTION_CONTEXT, VIEW_CHANGE, START_ENCRYPTION, IGNORABLE, types unknown to this decoder
// that cannot carry rows, ...). `type` says which.
struct SkippedEvent {};

using EventBody =
    std::variant<SkippedEvent, FormatDescription, RotateEvent, QueryEvent, XidEvent, XaPrepareEvent,
                 MysqlGtidEvent, PreviousGtidsEvent, MariaGtidEvent, MariaGtidListEvent,
                 MariaBinlogCheckpointEvent, RowsQueryEvent, HeartbeatEvent, TableMapEvent,
                 RowsEvent, TransactionPayloadEvent, StopEvent>;

struct Event {
  EventHeader header;
  EventBody body;
  template <class T>
  const T* as() const {
    return std::get_if<T>(&body);
  }
};

}  // namespace dumpr::binlog
