// The Debezium envelope, as Debezium's MySQL connector writes a change event's value with
// schemas disabled: {"before", "after", "source", "op", "ts_ms", "transaction"}. The values
// inside before and after are dumpr's (exact integers, DECIMAL as strings, dates as text), not
// Debezium's default encodings; man/dumpr.1 (FORMATS) lists the fields and the differences.
#include <chrono>
#include <string>

#include "dumpr/sink.hpp"
#include "format/formats.hpp"
#include "row/json_out.hpp"
#include "row/values.hpp"

namespace dumpr::format {

namespace {

class DebeziumFormat final : public Format {
 public:
  explicit DebeziumFormat(const FormatOptions& opts) {
    row::JsonOut name;
    name.put_string(opts.server_name);
    name_json_ = std::string(name.view());
  }

  bool wants_before() const override { return true; }

  Status render(const ChangeRecord& r, Sink& sink) override {
    const std::string_view null = "null";
    std::string_view before = null, after = null;
    char op = 'c';
    switch (r.op) {
      case ChangeOp::insert:
        after = r.row;
        break;
      case ChangeOp::read:
        after = r.row;
        op = 'r';
        break;
      case ChangeOp::update:
        if (!r.before.empty()) before = r.before;
        after = r.row;
        op = 'u';
        break;
      case ChangeOp::erase:
        before = r.row;
        op = 'd';
        break;
      case ChangeOp::truncate:
        op = 't';
        break;
    }
    DUMPR_TRY(sink.put(std::string_view("{\"before\":")));
    DUMPR_TRY(sink.put(before));
    DUMPR_TRY(sink.put(std::string_view(",\"after\":")));
    DUMPR_TRY(sink.put(after));
    const RecordSource& s = r.source;
    out_.clear();
    out_.put(
        std::string_view(",\"source\":{\"version\":\"dumpr\",\"connector\":\"mysql\",\"name\":"));
    out_.put(name_json_);
    out_.put(std::string_view(",\"ts_ms\":"));
    row::put_uint(out_, std::uint64_t{s.time} * 1000);
    out_.put(s.snapshot ? std::string_view(",\"snapshot\":\"true\",\"db\":")
                        : std::string_view(",\"snapshot\":\"false\",\"db\":"));
    out_.put_string(r.database);
    out_.put(std::string_view(",\"table\":"));
    out_.put_string(r.table);
    out_.put(std::string_view(",\"server_id\":"));
    row::put_uint(out_, s.server_id);
    out_.put(std::string_view(",\"gtid\":"));
    if (s.gtid.empty())
      out_.put_null();
    else
      out_.put_string(s.gtid);
    out_.put(std::string_view(",\"file\":"));
    out_.put_string(s.snapshot ? s.next_file : s.event_file);
    out_.put(std::string_view(",\"pos\":"));
    row::put_uint(out_, s.snapshot ? s.next_position : s.event_position);
    out_.put(std::string_view(",\"row\":"));
    row::put_uint(out_, s.row_in_event);
    out_.put(std::string_view(",\"thread\":null,\"query\":null},\"op\":\""));
    out_.put(op);
    out_.put(std::string_view("\",\"ts_ms\":"));
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    row::put_uint(out_, static_cast<std::uint64_t>(now.count()));
    out_.put(std::string_view(",\"transaction\":null}"));
    return sink.put(out_.view());
  }

 private:
  std::string name_json_;
  row::JsonOut out_;
};

}  // namespace

std::unique_ptr<Format> make_debezium(const FormatOptions& opts) {
  return std::make_unique<DebeziumFormat>(opts);
}

}  // namespace dumpr::format
