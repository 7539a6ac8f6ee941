#include "row/tuple_builder.hpp"

namespace dumpr::row {

std::string repair_warning(const TableShape& shape, std::size_t column) {
  const Column& c = shape.columns[column];
  if (c.kind == Kind::json)
    return "table " + shape.table + " column " + c.name +
           ": a stored JSON value does not parse as JSON; written as a JSON string of its text";
  return "table " + shape.table + " column " + c.name +
         ": text with bytes invalid in its character set; invalid sequences written as U+FFFD";
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

void TupleBuilder::start(const TableShape& shape) {
  shape_ = &shape;
  content_.clear();
  first_ = true;
  values_ = 0;
  repaired_.clear();
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

void TupleBuilder::take_prefix(JsonOut& out, Op op, std::string_view id_json) {
  head_.clear();
  head_.put(op == Op::upsert ? std::string_view("[\"upsert\",") : std::string_view("[\"delete\","));
  head_.put(shape_->table_json);
  head_.put(',');
  if (id_json.empty())
    append_id(head_);
  else
    head_.put(id_json);
  head_.put(',');
  content_.put(first_ ? std::string_view("{},") : std::string_view("},"));
  content_.prepend(head_.view());
  out.swap(content_);
  content_.clear();  // out's old buffer, reused by the next row
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
