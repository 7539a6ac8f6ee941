// The dumpr format: `[op, table, id, row, metadata]`, the original library's tuple. Binlog
// records carry metadata {"ts", "db", "next_file", "next_position", "gtid", "partial",
// "moved_from", "dropped", "before"} (absent members are left out); snapshot records null.
#include <string>

#include "binlog/rows.hpp"
#include "dumpr/sink.hpp"
#include "format/formats.hpp"
#include "row/json_out.hpp"
#include "row/values.hpp"

namespace dumpr::format {

namespace {

class DumprFormat final : public Format {
 public:
  explicit DumprFormat(bool before) : before_(before) {}

  bool wants_before() const override { return before_; }

  Status render(const ChangeRecord& r, Sink& sink) override {
    if (!r.dumpr_head.empty()) {
      DUMPR_TRY(sink.put(r.dumpr_head));
    } else {
      head_.clear();
      head_.put(r.op == ChangeOp::erase      ? std::string_view("[\"delete\",")
                : r.op == ChangeOp::truncate ? std::string_view("[\"truncate\",")
                                             : std::string_view("[\"upsert\","));
      head_.put_string(r.table);
      head_.put(',');
      head_.put(r.id);
      head_.put(',');
      head_.put(r.row);
      head_.put(',');
      DUMPR_TRY(sink.put(head_.view()));
    }
    meta_.clear();
    if (r.source.snapshot)
      meta_.put_null();
    else
      put_metadata(r);
    meta_.put(']');
    if (before_ && !r.before.empty()) {
      // The old row goes last, after the metadata's own members: `,"before":{...}}]`.
      meta_.truncate(meta_.size() - 2);
      DUMPR_TRY(sink.put(meta_.view()));
      DUMPR_TRY(sink.put(std::string_view(",\"before\":")));
      DUMPR_TRY(sink.put(r.before));
      return sink.put(std::string_view("}]"));
    }
    return sink.put(meta_.view());
  }

 private:
  void put_metadata(const ChangeRecord& r) {
    const RecordSource& s = r.source;
    // Records of one event share all but next_position: the pieces around it are built once.
    if (!cached_ || time_ != s.time || db_ != r.database || file_ != s.next_file) {
      cache_.clear();
      cache_.put(std::string_view("{\"ts\":"));
      row::put_datetime(cache_, ValueOptions{}, binlog::utc_parts(s.time), 0, true);
      cache_.put(std::string_view(",\"db\":"));
      cache_.put_string(r.database);
      cache_.put(std::string_view(",\"next_file\":"));
      cache_.put_string(s.next_file);
      cache_.put(std::string_view(",\"next_position\":"));
      time_ = s.time;
      db_.assign(r.database);
      file_.assign(s.next_file);
      cached_ = true;
    }
    meta_.put(cache_.view());
    row::put_uint(meta_, s.next_position);
    if (!s.gtid.empty()) {
      meta_.put(std::string_view(",\"gtid\":"));
      meta_.put_string(s.gtid);
    }
    if (r.partial) meta_.put(std::string_view(",\"partial\":true"));
    if (!r.moved_from.empty()) {
      meta_.put(std::string_view(",\"moved_from\":"));
      meta_.put(r.moved_from);
    }
    if (r.dropped) meta_.put(std::string_view(",\"dropped\":true"));
    meta_.put('}');
  }

  bool before_;
  row::JsonOut head_, meta_, cache_;
  bool cached_ = false;
  std::uint32_t time_ = 0;
  std::string db_, file_;
};

}  // namespace

std::unique_ptr<Format> make_dumpr(const FormatOptions& opts) {
  return std::make_unique<DumprFormat>(opts.before);
}

}  // namespace dumpr::format
