// TupleBuilder assembles one output line, `[op, table, id, content, metadata]`, the same way for
// load and tail. The caller writes each present column's value between begin_value() and
// end_value(); the builder writes the key, remembers where the id columns' values are, and at
// finish() copies those bytes into the id, so the id is byte-for-byte the content's value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "row/column.hpp"
#include "row/json_out.hpp"
#include "select/column_rule.hpp"

namespace dumpr::row {

enum class Op { upsert, erase };

// What the builder needs to know of a table; built once per table (load) or table map (tail).
struct TableShape {
  std::string table;                    // table name as the server spells it
  std::vector<Column> columns;          // in table order
  std::vector<std::size_t> id_columns;  // indexes into columns, in key order; empty: id is null
  // Per column, what happens to its value beyond its kind (select::ColumnFilter::rules); empty:
  // every value as it is. `excluded` columns never get a value; `mask` masks the `mask` ones.
  std::vector<select::ColumnRule> rules;
  std::size_t excluded = 0;
  const select::ValueMask* mask = nullptr;

  // Precomputed JSON fragments: `"name":` per column, `"table"` once.
  std::vector<std::string> keys;
  std::string table_json;

  // Fills keys and table_json from table and columns. Call after changing either.
  void prepare();
};

// Why a value was written other than as the server shows it (for the once-per-column warning).
enum class Repair : std::uint8_t {
  invalid_text,     // bytes invalid in the charset became U+FFFD; JSON that does not parse
                    // was written as a JSON string of its text
  charset_assumed,  // the binlog does not say the text's charset: decoded as UTF-8
  member_number,    // ENUM/SET member names unknown: the index or bitmask written as a number
  json_left_out,    // a MySQL partial JSON update with no before image: column left out
};

// The once-per-column warning for a repaired value: names the table, the column, the cause and
// the fix. Without `why`, the cause is told from the column (an ENUM/SET without members, text
// with collation 0, else invalid text).
std::string repair_warning(const TableShape& shape, std::size_t column);
std::string repair_warning(const TableShape& shape, std::size_t column, Repair why);
// The same for several columns with the same cause, named in one message.
std::string repair_warning(const TableShape& shape, const std::vector<std::size_t>& columns,
                           Repair why);

class TupleBuilder {
 public:
  // Starts a row of `shape` (which must outlive the row).
  void start(const TableShape& shape);

  // Begins column i's value: writes the separator and key, returns the buffer to write the value
  // into with the put_* functions. Columns must be given in increasing order.
  JsonOut& begin_value(std::size_t i) {
    JsonOut& out = content_;
    out.put(first_ ? '{' : ',');
    first_ = false;
    out.put(shape_->keys[i]);
    value_start_[i] = out.size();
    ++values_;
    return out;
  }
  void end_value(std::size_t i) {
    if (!shape_->rules.empty() && shape_->rules[i] != select::ColumnRule::keep) apply_rule(i);
    value_end_[i] = content_.size();
  }
  void put_null_value(std::size_t i) {
    begin_value(i).put_null();
    end_value(i);
  }

  // Whether every id column got a value in this row (a partial image may lack some).
  bool has_id() const;
  // The id's JSON (a scalar, an array for composite keys, null when the table has no key); valid
  // until the next start(). Uses `scratch` as storage.
  std::string_view id_json(JsonOut& scratch) const;
  // The id with the id columns this row lacks taken from `base`: a MINIMAL after-image logs only
  // the columns an UPDATE changed, so the new key is the before-image's with those over it. Null
  // when neither row has some id column.
  std::string_view id_json_over(const TupleBuilder& base, JsonOut& scratch) const;

  // Marks column i's value as repaired (invalid text bytes replaced, unparsable JSON written as
  // text, ...: see Repair), for the caller's once-per-column warning.
  void note_repaired(std::size_t i, Repair why = Repair::invalid_text) {
    repaired_.push_back(i);
    repair_why_.push_back(why);
  }
  const std::vector<std::size_t>& repaired() const { return repaired_; }
  // The warnings for this row's repaired columns not yet flagged in `warned` (one flag per
  // column; grown as needed and set here): one message per cause, naming its columns. Appended
  // to `out`; nothing is allocated when every repaired column was warned about already.
  void new_repair_warnings(std::vector<bool>& warned, std::vector<std::string>& out) const;

  // How many columns got a value in this row (fewer than the shape's columns: a partial image).
  std::size_t values() const { return values_; }
  // Whether a column the shape writes got no value in this row (excluded columns never do).
  bool partial() const { return values_ + shape_->excluded < shape_->columns.size(); }

  // Where the id and the content are in a line from take_prefix() or finish().
  struct Spans {
    std::size_t id_begin = 0, id_end = 0, row_begin = 0, row_end = 0;
  };

  // The line up to the metadata, `[op,table,id,content,`, in `out` (replacing what it held). The
  // id is this row's own unless `id_json` is given (a MINIMAL after-image takes the before-
  // image's id). The line is built in place around the content and handed over by a swap of
  // buffers, so a huge value is never copied; the row is then gone: start() comes next.
  Spans take_prefix(JsonOut& out, Op op, std::string_view id_json = {});

  // The content alone, the row's JSON object, in `out` (replacing what it held), handed over by
  // a swap like take_prefix(); start() comes next.
  void take_row(JsonOut& out);

  // The whole line, `[op,table,id,content,metadata]` with no trailing newline; `metadata` is
  // JSON text ("null" for load). Valid until the next call; start() comes next.
  std::string_view finish(Op op, std::string_view metadata);

  // Content written so far (for comparisons, tests).
  std::string_view content() const { return content_.view(); }

 private:
  void append_id(JsonOut& out, const TupleBuilder* base = nullptr) const;
  void apply_rule(std::size_t i);  // the value just written, masked or quoted
  bool has_value(std::size_t i) const { return value_end_[i] != 0; }

  const TableShape* shape_ = nullptr;
  JsonOut content_;
  JsonOut line_;
  JsonOut head_;  // `[op,table,id,` of the row being handed over
  std::vector<std::size_t> value_start_, value_end_;
  bool first_ = true;
  std::size_t values_ = 0;
  std::vector<std::size_t> repaired_;
  std::vector<Repair> repair_why_;
  std::string mask_scratch_;  // a masked string's characters
};

}  // namespace dumpr::row
