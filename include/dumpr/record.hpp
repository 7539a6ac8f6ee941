// ChangeRecord: one changed (or snapshot) row, as load and tail both produce it, before any
// output format. Its values are already normalised JSON text (the one row-normalisation core
// wrote them); a record only points at them, so making one costs no copy and no tree.
//
//   [op, table, id, content, metadata]     <- the dumpr format of one record
//
// A record's views are valid until the stream's next call.
#pragma once

#include <cstdint>
#include <string_view>

namespace dumpr {

// What happened to the row. An UPDATE that changes the row's id is two records: an erase of the
// old id and an insert of the new one (with moved_from), so a keyed consumer never holds both.
enum class ChangeOp : std::uint8_t {
  insert,    // a new row (binlog WRITE_ROWS, or the new id of an UPDATE that moved the row)
  update,    // a changed row, same id
  erase,     // a deleted row (or the old id of a moved row)
  read,      // a snapshot row (load)
  truncate,  // every row of the table is gone (TRUNCATE TABLE, DROP TABLE, DROP DATABASE)
};

// Where the record comes from.
struct RecordSource {
  // Where a consumer that stored this record (and everything before it) resumes without losing
  // anything after it: the start of its transaction, or the end for a transaction's last record.
  // For a snapshot row: the snapshot's position.
  std::string_view next_file;
  std::uint64_t next_position = 0;
  std::string_view gtid;  // the transaction's GTID ("" when the server logs none)
  // The binlog event the row is in (its file and start offset) and the row's index in it; 0 for
  // snapshot rows.
  std::string_view event_file;
  std::uint64_t event_position = 0;
  std::uint32_t row_in_event = 0;
  // The transaction's first event's offset in its file: the same for every record of one
  // transaction (the server logs the XID only at the commit, after the rows).
  std::uint64_t transaction_position = 0;
  std::uint32_t time = 0;       // the event's timestamp (seconds since the epoch, UTC)
  std::uint32_t server_id = 0;  // the server that wrote the event
  bool snapshot = false;        // from a snapshot (load), not the binlog
  bool last_in_transaction = false;
};

struct ChangeRecord {
  ChangeOp op = ChangeOp::insert;
  std::string_view database;
  std::string_view table;  // the table's own name (the dumpr format writes db.table when
                           // several databases are captured)
  std::string_view id;     // JSON: a scalar, an array for a composite id, null without a key
  // The row as dumpr writes it (a JSON object): the new row for insert, update and read, the
  // deleted row for erase; "null" for truncate.
  std::string_view row;
  // update only, when the stream keeps it (TailOptions::keep_before): the row before the change
  // (a JSON object); empty otherwise.
  std::string_view before;
  std::string_view moved_from;  // insert of a moved row: the old id (JSON); else empty
  bool partial = false;  // the row lacks columns the binlog did not log (MINIMAL or NOBLOB image)
  bool dropped = false;  // truncate: the table itself is gone
  RecordSource source;

  // The dumpr format's text up to its metadata, `[op,table,id,row,` (the stream builds it in
  // place around the row, so the default format copies nothing); empty when not built.
  std::string_view dumpr_head;
};

const char* change_op_name(ChangeOp op);

}  // namespace dumpr
