// Binlog events: header, checksum, and the body of each event type dumpr reads (format
// description, rotate, GTIDs of both flavours, query, XID, table map, rows, transaction payload,
// heartbeats). Over 600 lines for a reason: one decoder per event type, each short, sharing the
// format description's state; splitting them by type would spread that state across files.
#include "binlog/decoder.hpp"

#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "binlog/crc32.hpp"

#ifdef DUMPR_HAVE_ZLIB
#include <zlib.h>
#endif

namespace dumpr::binlog {
namespace {

Error corrupt(std::uint8_t type, const std::string& what) {
  return make_error(ErrorKind::corrupt, std::string(event_type_name(type)) + " event: " + what);
}

// "8.0.31-log" -> 0x080031 style product, as MySQL's version_product():
// (major*256+minor)*256+patch.
std::uint32_t version_product(std::string_view v) {
  std::uint32_t parts[3] = {0, 0, 0};
  std::size_t i = 0;
  for (int p = 0; p < 3; ++p) {
    std::uint32_t n = 0;
    bool any = false;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') {
      n = n * 10 + static_cast<std::uint32_t>(v[i] - '0');
      if (n > 255) n = 255;
      ++i;
      any = true;
    }
    if (!any) break;
    parts[p] = n;
    if (i < v.size() && v[i] == '.')
      ++i;
    else
      break;
  }
  return (parts[0] * 256 + parts[1]) * 256 + parts[2];
}

// Whether the last four bytes of `event` are the CRC32 of the rest. `fde` clears the
// LOG_EVENT_BINLOG_IN_USE_F flag first: the server computes an FDE's checksum with it cleared and
// sets/clears it later without recomputing (MySQL binlog_event.cpp, Log_event_footer).
// `known` is the CRC of all but the last four bytes when the caller computed it already.
bool crc_matches(Bytes event, bool fde, std::optional<std::uint32_t> known = std::nullopt) {
  if (event.size() < EventHeader::kSize + 4) return false;
  Bytes data = event.first(event.size() - 4);
  std::uint32_t want = static_cast<std::uint32_t>(ByteReader(event.last(4)).u32());
  std::uint32_t got;
  if (known && !fde) {
    got = *known;
  } else if (fde) {
    std::uint8_t flags[2] = {static_cast<std::uint8_t>(data[17] & ~1u), data[18]};
    got = crc32(data.first(17));
    got = crc32(Bytes(flags, 2), got);
    got = crc32(data.subspan(19), got);
  } else {
    got = crc32(data);
  }
  return got == want;
}

std::string hex_offset(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

std::int64_t read_varlen_signed(ByteReader& r) {
  std::uint64_t u = r.varlen();
  return (u & 1) ? -static_cast<std::int64_t>(u >> 1) - 1 : static_cast<std::int64_t>(u >> 1);
}

// GTID_TAGGED_LOG_EVENT (42, MySQL 8.3+; control_events.h "Gtid_event", encoded with
// libs/mysql/serialization): format version byte (2), payload_size varlen (counting the whole
// message), last_non_ignorable_field_id varlen, then (field id varlen, value) pairs: 0 flags,
// 1 sid (16 varlen bytes), 2 gno (signed), 3 tag (varlen length + text), 4 last_committed
// (signed), 5 sequence_number (signed), 6 immediate_commit_timestamp, 7 original_commit_timestamp,
// 8 transaction_length, 9 immediate_server_version, 10 original_server_version,
// 11 commit_group_ticket.
Result<Event> decode_tagged_gtid(const EventHeader& h, Bytes body) {
  ByteReader r(body);
  std::uint8_t version = r.u8();
  if (version != 2 && version != 1) {
    return corrupt(h.type, "unknown serialization format version " + std::to_string(version));
  }
  std::uint64_t size = r.varlen();
  std::uint64_t last_non_ignorable = r.varlen();
  if (!r.ok() || size < r.pos() || size - r.pos() > r.remaining()) {
    return corrupt(h.type, "message size does not fit the event");
  }
  ByteReader f(r.bytes(static_cast<std::size_t>(size - r.pos())));
  MysqlGtidEvent e;
  bool have_original = false;
  while (f.ok() && !f.at_end()) {
    std::uint64_t id = f.varlen();
    switch (id) {
      case 0:
        e.flags = static_cast<std::uint8_t>(f.varlen());
        break;
      case 1:
        for (auto& b : e.sid) b = static_cast<std::uint8_t>(f.varlen());
        break;
      case 2:
        e.gno = read_varlen_signed(f);
        break;
      case 3: {
        std::uint64_t n = f.varlen();
        if (n > f.remaining())
          f.fail();
        else
          e.tag = std::string(f.chars(static_cast<std::size_t>(n)));
        break;
      }
      case 4:
        e.last_committed = read_varlen_signed(f);
        break;
      case 5:
        e.sequence_number = read_varlen_signed(f);
        break;
      case 6:
        e.immediate_commit_timestamp = f.varlen();
        break;
      case 7:
        e.original_commit_timestamp = f.varlen();
        have_original = true;
        break;
      case 8:
        e.transaction_length = f.varlen();
        break;
      case 9:
      case 10:
      case 11:
        (void)f.varlen();
        break;
      default:
        if (id <= last_non_ignorable) {
          return corrupt(h.type, "unknown non-ignorable field " + std::to_string(id));
        }
        f.skip(f.remaining());  // an ignorable field of unknown size: nothing after it matters
        break;
    }
  }
  if (!f.ok()) return corrupt(h.type, "truncated field");
  if (!have_original) e.original_commit_timestamp = e.immediate_commit_timestamp;
  return Event{h, std::move(e)};
}

}  // namespace

const char* event_type_name(std::uint8_t type) {
  switch (type) {
    case kUnknownEvent:
      return "UNKNOWN";
    case kStartV3:
      return "START_V3";
    case kQuery:
      return "QUERY";
    case kStop:
      return "STOP";
    case kRotate:
      return "ROTATE";
    case kIntvar:
      return "INTVAR";
    case kLoad:
      return "LOAD";
    case kSlave:
      return "SLAVE";
    case kCreateFile:
      return "CREATE_FILE";
    case kAppendBlock:
      return "APPEND_BLOCK";
    case kExecLoad:
      return "EXEC_LOAD";
    case kDeleteFile:
      return "DELETE_FILE";
    case kNewLoad:
      return "NEW_LOAD";
    case kRand:
      return "RAND";
    case kUserVar:
      return "USER_VAR";
    case kFormatDescription:
      return "FORMAT_DESCRIPTION";
    case kXid:
      return "XID";
    case kBeginLoadQuery:
      return "BEGIN_LOAD_QUERY";
    case kExecuteLoadQuery:
      return "EXECUTE_LOAD_QUERY";
    case kTableMap:
      return "TABLE_MAP";
    case kPreGaWriteRows:
      return "PRE_GA_WRITE_ROWS";
    case kPreGaUpdateRows:
      return "PRE_GA_UPDATE_ROWS";
    case kPreGaDeleteRows:
      return "PRE_GA_DELETE_ROWS";
    case kWriteRowsV1:
      return "WRITE_ROWS_V1";
    case kUpdateRowsV1:
      return "UPDATE_ROWS_V1";
    case kDeleteRowsV1:
      return "DELETE_ROWS_V1";
    case kIncident:
      return "INCIDENT";
    case kHeartbeat:
      return "HEARTBEAT";
    case kIgnorable:
      return "IGNORABLE";
    case kRowsQuery:
      return "ROWS_QUERY";
    case kWriteRowsV2:
      return "WRITE_ROWS";
    case kUpdateRowsV2:
      return "UPDATE_ROWS";
    case kDeleteRowsV2:
      return "DELETE_ROWS";
    case kGtid:
      return "GTID";
    case kAnonymousGtid:
      return "ANONYMOUS_GTID";
    case kPreviousGtids:
      return "PREVIOUS_GTIDS";
    case kTransactionContext:
      return "TRANSACTION_CONTEXT";
    case kViewChange:
      return "VIEW_CHANGE";
    case kXaPrepare:
      return "XA_PREPARE";
    case kPartialUpdateRows:
      return "PARTIAL_UPDATE_ROWS";
    case kTransactionPayload:
      return "TRANSACTION_PAYLOAD";
    case kHeartbeatV2:
      return "HEARTBEAT_V2";
    case kGtidTagged:
      return "GTID_TAGGED";
    case kMariaAnnotateRows:
      return "ANNOTATE_ROWS";
    case kMariaBinlogCheckpoint:
      return "BINLOG_CHECKPOINT";
    case kMariaGtid:
      return "MARIADB_GTID";
    case kMariaGtidList:
      return "MARIADB_GTID_LIST";
    case kMariaStartEncryption:
      return "START_ENCRYPTION";
    case kMariaQueryCompressed:
      return "QUERY_COMPRESSED";
    case kMariaWriteRowsCompressedV1:
      return "WRITE_ROWS_COMPRESSED_V1";
    case kMariaUpdateRowsCompressedV1:
      return "UPDATE_ROWS_COMPRESSED_V1";
    case kMariaDeleteRowsCompressedV1:
      return "DELETE_ROWS_COMPRESSED_V1";
    case kMariaWriteRowsCompressed:
      return "WRITE_ROWS_COMPRESSED";
    case kMariaUpdateRowsCompressed:
      return "UPDATE_ROWS_COMPRESSED";
    case kMariaDeleteRowsCompressed:
      return "DELETE_ROWS_COMPRESSED";
    default:
      return "UNKNOWN_TYPE";
  }
}

bool is_rows_event_type(std::uint8_t type) {
  return (type >= kPreGaWriteRows && type <= kDeleteRowsV1) ||
         (type >= kWriteRowsV2 && type <= kDeleteRowsV2) || type == kPartialUpdateRows ||
         (type >= kMariaWriteRowsCompressedV1 && type <= kMariaDeleteRowsCompressed);
}

Result<EventHeader> parse_header(Bytes event) {
  ByteReader r(event);
  EventHeader h;
  h.timestamp = r.u32();
  h.type = r.u8();
  h.server_id = r.u32();
  h.event_size = r.u32();
  h.log_pos = r.u32();
  h.flags = r.u16();
  // v1 binlogs (MySQL 3.23) have 13-byte headers without log_pos and flags.
  if (event.size() < 13) {
    return make_error(ErrorKind::corrupt,
                      "event shorter than its header (" + std::to_string(event.size()) + " bytes)");
  }
  if (!r.ok()) {
    h.log_pos = 0;
    h.flags = 0;
  }
  return h;
}

Result<FormatDescription> decode_format_description(Bytes event) {
  if (event.size() < EventHeader::kSize) {
    return corrupt(kFormatDescription, "shorter than the 19-byte header");
  }
  ByteReader r(event.subspan(EventHeader::kSize));
  FormatDescription f;
  f.binlog_version = r.u16();
  std::string_view ver = r.chars(50);
  f.server_version = std::string(ver.substr(0, ver.find('\0')));
  f.create_timestamp = r.u32();
  f.common_header_len = r.u8();
  if (!r.ok()) return corrupt(kFormatDescription, "truncated");
  if (f.binlog_version != 4 || f.common_header_len < EventHeader::kSize) {
    return corrupt(kFormatDescription,
                   "unsupported binlog version " + std::to_string(f.binlog_version) +
                       " / header length " + std::to_string(f.common_header_len) +
                       " (only v4 binlogs, MySQL 5.0+ / MariaDB, are supported)");
  }
  f.flavor =
      f.server_version.find("MariaDB") != std::string::npos ? Flavor::mariadb : Flavor::mysql;
  const std::uint32_t product = version_product(f.server_version);
  f.metadata = metadata_rules(f.flavor, product);
  const bool has_alg = f.flavor == Flavor::mariadb ? product >= version_product("5.3.0")
                                                   : product >= version_product("5.6.1");
  std::size_t n = r.remaining();
  if (has_alg) {
    if (n < 5) return corrupt(kFormatDescription, "no room for the checksum algorithm");
    n -= 5;
  }
  Bytes lens = r.bytes(n);
  f.post_header_len.assign(lens.begin(), lens.end());
  f.checksum = ChecksumAlg::off;
  if (has_alg) {
    std::uint8_t alg = r.u8();
    if (alg == 1) {
      f.checksum = ChecksumAlg::crc32;
    } else if (alg == 0 || alg == 255) {
      f.checksum = ChecksumAlg::off;  // 255: written by a server that knew no checksums
    } else {
      return corrupt(kFormatDescription, "unknown checksum algorithm " + std::to_string(alg));
    }
  }
  return f;
}

std::string MysqlGtidEvent::to_string() const {
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += hex[sid[i] >> 4];
    s += hex[sid[i] & 15];
  }
  s += ':';
  if (!tag.empty()) {
    s += tag;
    s += ':';
  }
  s += std::to_string(gno);
  return s;
}

std::string MariaGtidEvent::to_string() const {
  return std::to_string(domain_id) + "-" + std::to_string(server_id) + "-" + std::to_string(seq_no);
}

Status maria_uncompress(Bytes src, std::vector<std::uint8_t>& out) {
  ByteReader r(src);
  std::uint8_t head = r.u8();
  if (!r.ok() || (head & 0x80) == 0) {
    return make_error(ErrorKind::corrupt, "compressed event data without its header byte");
  }
  const unsigned alg = (head >> 4) & 7;
  const unsigned lenlen = head & 7;
  if (alg != 0 || lenlen < 1 || lenlen > 4) {
    return make_error(ErrorKind::corrupt, "compressed event data: unknown algorithm " +
                                              std::to_string(alg) + " or length size " +
                                              std::to_string(lenlen));
  }
  std::uint64_t len = r.uint_be(lenlen);
  Bytes data = r.rest();
  if (!r.ok()) return make_error(ErrorKind::corrupt, "compressed event data truncated");
  // zlib cannot expand more than ~1032:1; a larger claim is corrupt, not a reason to allocate.
  if (len > data.size() * 1100 + 64) {
    return make_error(ErrorKind::corrupt, "compressed event data claims " + std::to_string(len) +
                                              " bytes from " + std::to_string(data.size()));
  }
#ifdef DUMPR_HAVE_ZLIB
  out.resize(static_cast<std::size_t>(len));
  uLongf got = static_cast<uLongf>(len);
  int rc = uncompress(out.data(), &got, data.data(), static_cast<uLong>(data.size()));
  if (rc != Z_OK || got != len) {
    return make_error(ErrorKind::corrupt,
                      "compressed event data does not inflate to its stated length (zlib " +
                          std::to_string(rc) + ")");
  }
  return {};
#else
  (void)out;
  return make_error(ErrorKind::corrupt,
                    "MariaDB compressed binlog event (log_bin_compress): this build of dumpr has "
                    "no zlib support");
#endif
}

Decoder::Decoder(DecoderOptions options) : options_(options) {}

void Decoder::set_format(FormatDescription fde) {
  format_ = std::move(fde);
  has_format_ = true;
}

std::shared_ptr<const TableMap> Decoder::table(std::uint64_t id) const {
  auto it = tables_.find(id);
  return it == tables_.end() ? nullptr : it->second;
}

Result<Event> Decoder::decode(Bytes event, std::optional<std::uint32_t> body_crc) {
  auto hr = parse_header(event);
  if (!hr) return hr.take_error();
  const EventHeader& h = *hr;
  if (h.event_size != event.size()) {
    return corrupt(h.type, "header says " + std::to_string(h.event_size) + " bytes, got " +
                               std::to_string(event.size()));
  }
  const bool v1 = has_format_ && format_.common_header_len == 13;
  if (event.size() < EventHeader::kSize && !v1 && h.type != kStartV3) {
    return corrupt(h.type, "shorter than the 19-byte header");
  }
  if (h.type == kFormatDescription) {
    auto fr = decode_format_description(event);
    if (!fr) return fr.take_error();
    if (fr->checksum == ChecksumAlg::crc32 && options_.verify_checksums &&
        !crc_matches(event, true)) {
      return corrupt(h.type, "CRC32 checksum mismatch");
    }
    // A new FDE starts a new file (or a new master): old table ids mean nothing there.
    tables_.clear();
    encrypted_ = false;
    format_ = *fr;
    has_format_ = true;
    return Event{h, std::move(fr.value())};
  }

  if (h.type == kStartV3) {
    // START_EVENT_V3 (MySQL 3.23-4.x, control_events.h "Start_event_v3"): binlog_version 2,
    // server_version 50, created 4. Version 1 has 13-byte headers, version 3 19-byte ones.
    ByteReader version_reader(event.subspan(std::min<std::size_t>(13, event.size())));
    const bool is_v1 = version_reader.u16() == 1;
    FormatDescription f;
    f.binlog_version = is_v1 ? 1 : 3;
    f.common_header_len = is_v1 ? 13 : 19;
    f.post_header_len.assign(kMariaDeleteRowsCompressed, 0);
    f.post_header_len[kQuery - 1] = 11;
    f.post_header_len[kRotate - 1] = is_v1 ? 0 : 8;
    ByteReader sv(event.subspan(std::min<std::size_t>(f.common_header_len + 2, event.size())));
    std::string_view ver = sv.chars(50);
    f.server_version = std::string(ver.substr(0, ver.find('\0')));
    f.flavor = Flavor::mysql;
    f.metadata = metadata_rules(f.flavor, version_product(f.server_version));
    f.checksum = ChecksumAlg::off;
    format_ = f;
    has_format_ = true;
    tables_.clear();
    return Event{h, SkippedEvent{}};
  }

  if (encrypted_) {
    return corrupt(h.type,
                   "event after START_ENCRYPTION: this MariaDB binlog is encrypted "
                   "(encrypt_binlog=ON); read it through the server instead");
  }

  // The one place the checksum is verified and removed: no event decoder sees it.
  ChecksumAlg alg = has_format_ ? format_.checksum : options_.initial_checksum;
  if (alg == ChecksumAlg::undefined) {
    alg = crc_matches(event, false, body_crc) ? ChecksumAlg::crc32 : ChecksumAlg::off;
  } else if (alg == ChecksumAlg::crc32 && options_.verify_checksums &&
             !crc_matches(event, false, body_crc)) {
    return corrupt(h.type, "CRC32 checksum mismatch (stored " +
                               hex_offset(event.size() >= 4 ? static_cast<std::uint32_t>(
                                                                  ByteReader(event.last(4)).u32())
                                                            : 0) +
                               ")");
  }
  const std::size_t trailer = alg == ChecksumAlg::crc32 ? 4 : 0;
  const std::size_t header_len = has_format_ ? format_.common_header_len : EventHeader::kSize;
  if (event.size() < header_len + trailer) return corrupt(h.type, "shorter than its header");
  Bytes body = event.subspan(header_len, event.size() - header_len - trailer);
  return decode_body(h, event, body, false);
}

Result<Event> Decoder::decode_inner(Bytes event) {
  auto hr = parse_header(event);
  if (!hr) return hr.take_error();
  const EventHeader& h = *hr;
  if (h.event_size != event.size()) {
    return corrupt(h.type, "inner event: header says " + std::to_string(h.event_size) +
                               " bytes, got " + std::to_string(event.size()));
  }
  if (h.type == kFormatDescription || h.type == kTransactionPayload) {
    return corrupt(h.type, "not allowed inside a transaction payload");
  }
  const std::size_t header_len = has_format_ ? format_.common_header_len : EventHeader::kSize;
  if (event.size() < header_len) return corrupt(h.type, "shorter than its header");
  return decode_body(h, event, event.subspan(header_len), true);
}

Result<Event> Decoder::decode_body(const EventHeader& h, Bytes event, Bytes body, bool inner) {
  (void)event;
  (void)inner;
  ByteReader r(body);
  std::uint8_t ph = format_.post_header_length(h.type);
  if (!has_format_) {
    // No FORMAT_DESCRIPTION yet (a dump's fake ROTATE): v4 defaults.
    ph = h.type == kQuery ? 13 : h.type == kRotate ? 8 : h.type == kTableMap ? 8 : 0;
  }
  switch (h.type) {
    case kRotate: {
      // Rotate_event (control_events.h): post-header position 8 (absent in v1/v3), file name.
      RotateEvent e;
      e.position = has_format_ && ph == 0 ? 4 : r.u64();
      e.next_file = as_chars(r.rest());
      if (!r.ok()) return corrupt(h.type, "truncated");
      return Event{h, e};
    }
    case kQuery:
    case kExecuteLoadQuery:  // a QUERY post-header with 13 more bytes: file id, positions, mode
    case kMariaQueryCompressed: {
      QueryEvent e;
      e.thread_id = r.u32();
      e.exec_time = r.u32();
      std::size_t db_len = r.u8();
      e.error_code = r.u16();
      std::size_t status_len = ph >= 13 ? r.u16() : 0;
      if (ph > 13) r.skip(ph - 13u);
      r.skip(status_len);
      e.db = r.chars(db_len);
      r.skip(1);
      Bytes text = r.rest();
      if (!r.ok()) return corrupt(h.type, "truncated");
      if (h.type == kMariaQueryCompressed) {
        DUMPR_TRY(maria_uncompress(text, inflate_buf_));
        e.query = as_chars(inflate_buf_);
      } else {
        e.query = as_chars(text);
      }
      return Event{h, e};
    }
    case kXid: {
      XidEvent e;
      e.xid = r.u64();
      if (!r.ok()) return corrupt(h.type, "truncated");
      return Event{h, e};
    }
    case kXaPrepare: {
      // XA_prepare_event (control_events.h): one_phase 1, formatID 4, gtrid_len 4, bqual_len 4,
      // data; MAXGTRIDSIZE and MAXBQUALSIZE are 64.
      XaPrepareEvent e;
      e.one_phase = r.u8() != 0;
      e.format_id = static_cast<std::int32_t>(r.u32());
      std::uint32_t gl = r.u32(), bl = r.u32();
      if (gl > 64 || bl > 64) return corrupt(h.type, "XID lengths out of range");
      e.gtrid = r.chars(gl);
      e.bqual = r.chars(bl);
      if (!r.ok()) return corrupt(h.type, "truncated");
      return Event{h, e};
    }
    case kGtid:
    case kAnonymousGtid: {
      MysqlGtidEvent e;
      e.anonymous = h.type == kAnonymousGtid;
      e.flags = r.u8();
      Bytes sid = r.bytes(16);
      if (r.ok()) std::memcpy(e.sid.data(), sid.data(), 16);
      e.gno = static_cast<std::int64_t>(r.u64());
      if (!r.ok()) return corrupt(h.type, "truncated");
      if (r.remaining() >= 17 && r.u8() == 2) {  // LOGICAL_TIMESTAMP_TYPECODE
        e.last_committed = static_cast<std::int64_t>(r.u64());
        e.sequence_number = static_cast<std::int64_t>(r.u64());
      }
      if (r.remaining() >= 7) {
        std::uint64_t ts = r.uint_le(7);
        e.immediate_commit_timestamp = ts & ~(std::uint64_t{1} << 55);
        e.original_commit_timestamp = e.immediate_commit_timestamp;
        if (ts >> 55) e.original_commit_timestamp = r.uint_le(7);
        if (r.remaining() >= 1) e.transaction_length = r.packed();
      }
      if (!r.ok()) return corrupt(h.type, "truncated commit timestamps");
      return Event{h, std::move(e)};
    }
    case kGtidTagged:
      return decode_tagged_gtid(h, body);
    case kPreviousGtids:
      return Event{h, PreviousGtidsEvent{body}};
    case kMariaGtid: {
      MariaGtidEvent e;
      e.seq_no = r.u64();
      e.domain_id = r.u32();
      e.flags = r.u8();
      e.server_id = h.server_id;
      if (!r.ok()) return corrupt(h.type, "truncated");
      if (e.flags & MariaGtidEvent::kGroupCommitId) {
        e.commit_id = r.u64();
      } else if (e.flags & (MariaGtidEvent::kPreparedXa | MariaGtidEvent::kCompletedXa)) {
        e.xa_format_id = static_cast<std::int32_t>(r.u32());
        std::size_t gl = r.u8(), bl = r.u8();
        if (gl > 64 || bl > 64) return corrupt(h.type, "XID lengths out of range");
        e.xa_gtrid = r.chars(gl);
        e.xa_bqual = r.chars(bl);
      }
      if (!r.ok()) return corrupt(h.type, "truncated");
      return Event{h, e};
    }
    case kMariaGtidList: {
      MariaGtidListEvent e;
      std::uint32_t v = r.u32();
      std::uint32_t count = v & 0x0FFFFFFF;
      e.flags = static_cast<std::uint8_t>(v >> 28);
      if (!r.ok() || std::uint64_t{count} * 16 > r.remaining()) {
        return corrupt(h.type, "GTID count does not fit the event");
      }
      e.gtids.reserve(count);
      for (std::uint32_t i = 0; i < count; ++i) {
        MariaGtidListEvent::Gtid g;
        g.domain_id = r.u32();
        g.server_id = r.u32();
        g.seq_no = r.u64();
        e.gtids.push_back(g);
      }
      return Event{h, std::move(e)};
    }
    case kMariaBinlogCheckpoint: {
      std::uint32_t len = r.u32();
      MariaBinlogCheckpointEvent e;
      e.file = r.chars(len);
      if (!r.ok()) return corrupt(h.type, "truncated");
      return Event{h, e};
    }
    case kMariaAnnotateRows:
      return Event{h, RowsQueryEvent{as_chars(body)}};
    case kRowsQuery: {
      // Rows_query_event: a length byte (truncated at 255, ignored), then the whole text.
      r.skip(1);
      RowsQueryEvent e{as_chars(r.rest())};
      return Event{h, e};
    }
    case kHeartbeat:
      return Event{h, HeartbeatEvent{as_chars(body), h.log_pos}};
    case kHeartbeatV2: {
      HeartbeatEvent e;
      while (r.ok() && !r.at_end()) {
        std::uint64_t type = r.packed();
        if (type == 0) break;
        std::uint64_t len = r.packed();
        if (!r.ok() || len > r.remaining()) return corrupt(h.type, "field overruns the event");
        ByteReader v(r.bytes(static_cast<std::size_t>(len)));
        if (type == 1) e.file = as_chars(v.rest());
        if (type == 2) e.position = v.packed();
      }
      if (!r.ok()) return corrupt(h.type, "truncated");
      return Event{h, e};
    }
    case kTableMap: {
      auto tm = decode_table_map(body, ph ? ph : 8, format_.metadata);
      if (!tm) return tm.take_error();
      auto map = std::make_shared<const TableMap>(std::move(tm.value()));
      tables_[map->table_id] = map;
      return Event{h, TableMapEvent{std::move(map)}};
    }
    case kTransactionPayload:
      return decode_payload(h, body);
    case kStop:
      return Event{h, StopEvent{}};
    case kMariaStartEncryption:
      // Everything after it is encrypted with a key from the server's key management plugin.
      encrypted_ = !inner;
      return Event{h, SkippedEvent{}};
    case kPreGaWriteRows:
    case kPreGaUpdateRows:
    case kPreGaDeleteRows:
      return corrupt(h.type, "pre-GA rows event of a MySQL 5.1 development server: not supported");
    default:
      if (is_rows_event_type(h.type)) return decode_rows(h, body);
      return Event{h, SkippedEvent{}};
  }
}

Result<Event> Decoder::decode_rows(const EventHeader& h, Bytes body) {
  RowsEvent e;
  switch (h.type) {
    case kWriteRowsV1:
    case kWriteRowsV2:
    case kMariaWriteRowsCompressedV1:
    case kMariaWriteRowsCompressed:
      e.kind = RowsEvent::Kind::write;
      break;
    case kDeleteRowsV1:
    case kDeleteRowsV2:
    case kMariaDeleteRowsCompressedV1:
    case kMariaDeleteRowsCompressed:
      e.kind = RowsEvent::Kind::erase;
      break;
    default:
      e.kind = RowsEvent::Kind::update;
      break;
  }
  e.partial = h.type == kPartialUpdateRows;
  std::uint8_t ph = format_.post_header_length(h.type);
  if (ph == 0) {
    // FDEs from before the type existed have no entry: use the type's own length.
    ph = (h.type >= kWriteRowsV2 && h.type <= kPartialUpdateRows) ||
                 h.type >= kMariaWriteRowsCompressed
             ? 10
             : 8;
  }
  ByteReader r(body);
  e.table_id = ph == 6 ? r.u32() : r.u48();
  e.flags = r.u16();
  if (ph == 10) {
    // Rows_event v2 extra_row_info: its length counts the two length bytes themselves.
    std::uint16_t extra = r.u16();
    if (extra < 2) return corrupt(h.type, "bad extra row info length");
    r.skip(extra - 2u);
  } else if (ph > 10 || (ph != 6 && ph != 8)) {
    return corrupt(h.type, "unexpected post-header length " + std::to_string(ph));
  }
  if (!r.ok()) return corrupt(h.type, "truncated post-header");
  ByteReader rows_reader(r.rest());
  e.width = rows_reader.packed();
  if (!rows_reader.ok() || e.width == 0 || (e.width + 7) / 8 > rows_reader.remaining()) {
    return corrupt(h.type, "bad column count");
  }
  const std::size_t bitmap = static_cast<std::size_t>((e.width + 7) / 8);
  Bytes first = rows_reader.bytes(bitmap);
  if (e.kind == RowsEvent::Kind::write) {
    e.present_after = first;
  } else {
    e.present_before = first;
    if (e.kind == RowsEvent::Kind::update) e.present_after = rows_reader.bytes(bitmap);
  }
  e.rows = rows_reader.rest();
  if (!rows_reader.ok()) return corrupt(h.type, "truncated column bitmaps");
  if (h.type >= kMariaWriteRowsCompressedV1 && h.type <= kMariaDeleteRowsCompressed) {
    // MariaDB compresses only the row images; width and bitmaps stay plain
    // (sql/log_event.cc row_log_event_uncompress).
    DUMPR_TRY(maria_uncompress(e.rows, inflate_buf_));
    e.rows = Bytes(inflate_buf_);
  }
  e.map = table(e.table_id);
  return Event{h, e};
}

Result<Event> Decoder::decode_payload(const EventHeader& h, Bytes body) {
  ByteReader r(body);
  TransactionPayloadEvent e;
  std::uint64_t size = 0;
  bool have_size = false;
  while (true) {
    std::uint64_t type = r.packed();
    if (!r.ok()) return corrupt(h.type, "truncated header fields");
    if (type == 0) break;  // OTW_PAYLOAD_HEADER_END_MARK
    std::uint64_t len = r.packed();
    if (!r.ok() || len > r.remaining()) return corrupt(h.type, "header field overruns the event");
    ByteReader v(r.bytes(static_cast<std::size_t>(len)));
    std::uint64_t value = v.packed();
    if (!v.ok()) return corrupt(h.type, "bad header field value");
    if (type == 1) {
      size = value;
      have_size = true;
    } else if (type == 2) {
      e.compression = value;
    } else if (type == 3) {
      e.uncompressed_size = value;
    }
  }
  Bytes data = r.rest();
  if (have_size && size != data.size()) {
    return corrupt(h.type, "payload size " + std::to_string(size) + " but " +
                               std::to_string(data.size()) + " bytes follow");
  }
  if (e.compression == 0) {  // zstd
    unsigned long long frame = ZSTD_getFrameContentSize(data.data(), data.size());
    std::uint64_t want = e.uncompressed_size;
    if (frame != ZSTD_CONTENTSIZE_UNKNOWN && frame != ZSTD_CONTENTSIZE_ERROR) want = frame;
    // zstd's best ratio is bounded; refuse claims no input of this size can produce.
    if (want > data.size() * 32768ull + 4096 || want > (1ull << 32)) {
      return corrupt(h.type, "implausible uncompressed size " + std::to_string(want));
    }
    payload_buf_.resize(static_cast<std::size_t>(want));
    std::size_t got =
        ZSTD_decompress(payload_buf_.data(), payload_buf_.size(), data.data(), data.size());
    if (ZSTD_isError(got)) {
      return corrupt(h.type, std::string("zstd: ") + ZSTD_getErrorName(got));
    }
    payload_buf_.resize(got);
  } else if (e.compression == 255) {  // NONE
    payload_buf_.assign(data.begin(), data.end());
  } else {
    return corrupt(h.type, "unknown compression type " + std::to_string(e.compression));
  }
  Bytes all(payload_buf_);
  std::size_t at = 0;
  while (at < all.size()) {
    auto ih = parse_header(all.subspan(at));
    if (!ih)
      return corrupt(h.type,
                     "truncated inner event header at payload offset " + std::to_string(at));
    if (ih->event_size < EventHeader::kSize || ih->event_size > all.size() - at) {
      return corrupt(h.type, "inner event size " + std::to_string(ih->event_size) +
                                 " overruns the payload at offset " + std::to_string(at));
    }
    e.events.push_back(all.subspan(at, ih->event_size));
    at += ih->event_size;
  }
  return Event{h, std::move(e)};
}

}  // namespace dumpr::binlog
