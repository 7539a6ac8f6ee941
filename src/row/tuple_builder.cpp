#include "row/tuple_builder.hpp"

#include "select/value_mask.hpp"

namespace dumpr::row {

std::string repair_warning(const TableShape& shape, std::size_t column) {
  const Column& c = shape.columns[column];
  if ((c.kind == Kind::enumeration || c.kind == Kind::set) && c.members.empty())
    return repair_warning(shape, column, Repair::member_number);
  if (c.kind == Kind::text && c.collation == 0)
    return repair_warning(shape, column, Repair::charset_assumed);
  return repair_warning(shape, column, Repair::invalid_text);
}

std::string repair_warning(const TableShape& shape, std::size_t column, Repair why) {
  return repair_warning(shape, std::vector<std::size_t>{column}, why);
}

std::string repair_warning(const TableShape& shape, const std::vector<std::size_t>& columns,
                           Repair why) {
  std::string where = "table " + shape.table + (columns.size() > 1 ? " columns " : " column ");
  for (std::size_t k = 0; k < columns.size(); ++k) {
    if (k) where += ", ";
    where += shape.columns[columns[k]].name;
  }
  where += ": ";
  const Column& c = shape.columns[columns.front()];
  switch (why) {
    case Repair::charset_assumed:
      return where +
             "the binlog does not record the character set (binlog_row_metadata=NO_LOG, or a "
             "server older than MySQL 8.0 / MariaDB 10.5): CHAR values are written as UTF-8 "
             "text, unpadded, invalid bytes as U+FFFD (a BINARY column would need base64); tail "
             "from the server, which reads the table's definition, for exact values";
    case Repair::member_number:
      return where +
             "the binlog does not record the ENUM/SET member names (binlog_row_metadata is not "
             "FULL): values are written as numbers, an ENUM's member number (1: the first, 0: "
             "the error value) and a SET's bitmask (bit 0: the first member); set "
             "binlog_row_metadata=FULL, or tail from the server, which reads the table's "
             "definition";
    case Repair::json_left_out:
      return where +
             "a MySQL partial JSON update (binlog_row_value_options=PARTIAL_JSON) whose before "
             "image lacks the column (binlog_row_image=MINIMAL) cannot be applied: the column is "
             "left out of the row, which is marked \"partial\": true; use binlog_row_image=FULL "
             "with PARTIAL_JSON, or no PARTIAL_JSON";
    case Repair::invalid_text:
    default:
      break;
  }
  if (c.kind == Kind::json)
    return where +
           "a stored JSON value does not parse as JSON; written as a JSON string of its text";
  return where +
         "text with bytes invalid in its character set; invalid sequences written as U+FFFD";
}

void TupleBuilder::new_repair_warnings(std::vector<bool>& warned,
                                       std::vector<std::string>& out) const {
  bool any = false;
  for (std::size_t i : repaired_) any = any || i >= warned.size() || !warned[i];
  if (!any) return;
  if (warned.size() < shape_->columns.size()) warned.resize(shape_->columns.size());
  // Group by cause (JSON and text apart for invalid_text: their messages differ), in the order
  // first noted.
  std::vector<std::pair<int, std::vector<std::size_t>>> groups;
  for (std::size_t k = 0; k < repaired_.size(); ++k) {
    const std::size_t i = repaired_[k];
    if (warned[i]) continue;
    warned[i] = true;
    const int key =
        static_cast<int>(repair_why_[k]) * 2 + (shape_->columns[i].kind == Kind::json ? 1 : 0);
    auto g = groups.begin();
    while (g != groups.end() && g->first != key) ++g;
    if (g == groups.end()) {
      groups.emplace_back(key, std::vector<std::size_t>{});
      g = groups.end() - 1;
    }
    g->second.push_back(i);
  }
  for (const auto& [key, cols] : groups)
    out.push_back(row::repair_warning(*shape_, cols, static_cast<Repair>(key / 2)));
}

void TableShape::prepare() {
  keys.clear();
  keys.reserve(columns.size());
  JsonOut tmp;
  for (const Column& c : columns) {
    tmp.clear();
    tmp.put_string(c.name);
    tmp.put(':');
    keys.emplace_back(tmp.view());
  }
  tmp.clear();
  tmp.put_string(table);
  table_json = std::string(tmp.view());
}

void TupleBuilder::apply_rule(std::size_t i) {
  const std::size_t start = value_start_[i];
  switch (shape_->rules[i]) {
    case select::ColumnRule::mask:
      if (shape_->mask) shape_->mask->mask_json_value(content_, start, mask_scratch_);
      break;
    case select::ColumnRule::quote: {
      // The digits in quotes: one short move (a BIGINT has at most 20 characters).
      const std::size_t n = content_.size() - start;
      if (content_.view(start, content_.size()) == "null") break;
      char* base = content_.reserve(2) - content_.size();
      std::memmove(base + start + 1, base + start, n);
      base[start] = '"';
      base[start + n + 1] = '"';
      content_.advance(2);
      break;
    }
    case select::ColumnRule::keep:
    case select::ColumnRule::exclude:
      break;
  }
}

void TupleBuilder::start(const TableShape& shape) {
  shape_ = &shape;
  content_.clear_and_trim();
  line_.clear_and_trim();  // the last row's line, given out and done with
  first_ = true;
  values_ = 0;
  repaired_.clear();
  repair_why_.clear();
  const std::size_t n = shape.columns.size();
  if (value_start_.size() < n) {
    value_start_.resize(n);
    value_end_.resize(n);
  }
  // A column not written in this row has start == end == npos-like 0 marker.
  for (std::size_t i : shape.id_columns) value_start_[i] = value_end_[i] = 0;
}

bool TupleBuilder::has_id() const {
  for (std::size_t i : shape_->id_columns)
    if (!has_value(i)) return false;
  return true;
}

void TupleBuilder::append_id(JsonOut& out, const TupleBuilder* base) const {
  const auto& ids = shape_->id_columns;
  // Column i's value: this row's, else the base row's.
  auto source = [&](std::size_t i) -> const TupleBuilder* {
    if (has_value(i)) return this;
    if (base && base->has_value(i)) return base;
    return nullptr;
  };
  bool complete = !ids.empty();
  for (std::size_t i : ids)
    if (!source(i)) complete = false;
  if (!complete) {
    out.put_null();
    return;
  }
  if (ids.size() > 1) out.put('[');
  for (std::size_t k = 0; k < ids.size(); ++k) {
    if (k) out.put(',');
    const TupleBuilder* b = source(ids[k]);
    out.put(b->content_.view(b->value_start_[ids[k]], b->value_end_[ids[k]]));
  }
  if (ids.size() > 1) out.put(']');
}

std::string_view TupleBuilder::id_json(JsonOut& scratch) const {
  scratch.clear();
  append_id(scratch);
  return scratch.view();
}

std::string_view TupleBuilder::id_json_over(const TupleBuilder& base, JsonOut& scratch) const {
  scratch.clear();
  append_id(scratch, &base);
  return scratch.view();
}

TupleBuilder::Spans TupleBuilder::take_prefix(JsonOut& out, Op op, std::string_view id_json) {
  Spans s;
  head_.clear();
  head_.put(op == Op::upsert ? std::string_view("[\"upsert\",") : std::string_view("[\"delete\","));
  head_.put(shape_->table_json);
  head_.put(',');
  s.id_begin = head_.size();
  if (id_json.empty())
    append_id(head_);
  else
    head_.put(id_json);
  s.id_end = head_.size();
  head_.put(',');
  s.row_begin = head_.size();
  content_.put(first_ ? std::string_view("{},") : std::string_view("},"));
  content_.prepend(head_.view());
  s.row_end = content_.size() - 1;
  out.swap(content_);
  content_.clear();  // out's old buffer, reused by the next row
  first_ = true;
  values_ = 0;
  return s;
}

void TupleBuilder::take_row(JsonOut& out) {
  content_.put(first_ ? std::string_view("{}") : std::string_view("}"));
  out.swap(content_);
  content_.clear();
  first_ = true;
  values_ = 0;
}

std::string_view TupleBuilder::finish(Op op, std::string_view metadata) {
  take_prefix(line_, op);
  line_.put(metadata);
  line_.put(']');
  return line_.view();
}

}  // namespace dumpr::row
