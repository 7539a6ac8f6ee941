// Maxwell's JSON: {"database", "table", "type", "ts", "xid", "commit", "position", "gtid",
// "server_id", "data", "old"}. "old" holds the changed columns' old values only. The values are
// dumpr's; man/dumpr.1 (FORMATS) lists the fields and where they differ from Maxwell's.
#include <string>

#include "dumpr/sink.hpp"
#include "format/formats.hpp"
#include "format/json_members.hpp"
#include "row/json_out.hpp"
#include "row/values.hpp"

namespace dumpr::format {

namespace {

class MaxwellFormat final : public Format {
 public:
  bool wants_before() const override { return true; }

  Status render(const ChangeRecord& r, Sink& sink) override {
    const RecordSource& s = r.source;
    out_.clear();
    out_.put(std::string_view("{\"database\":"));
    out_.put_string(r.database);
    out_.put(std::string_view(",\"table\":"));
    out_.put_string(r.table);
    out_.put(std::string_view(",\"type\":\""));
    switch (r.op) {
      case ChangeOp::insert:
        out_.put(std::string_view("insert"));
        break;
      case ChangeOp::update:
        out_.put(std::string_view("update"));
        break;
      case ChangeOp::erase:
        out_.put(std::string_view("delete"));
        break;
      case ChangeOp::read:
        out_.put(std::string_view("bootstrap-insert"));
        break;
      case ChangeOp::truncate:
        out_.put(std::string_view("truncate"));
        break;
    }
    out_.put(std::string_view("\",\"ts\":"));
    row::put_uint(out_, s.time);
    if (!s.snapshot) {
      out_.put(std::string_view(",\"xid\":"));
      row::put_uint(out_, s.transaction_position);
      if (s.last_in_transaction) out_.put(std::string_view(",\"commit\":true"));
    }
    out_.put(std::string_view(",\"position\":\""));
    out_.escape_utf8(s.next_file);
    out_.put(':');
    row::put_uint(out_, s.next_position);
    out_.put('"');
    if (!s.gtid.empty()) {
      out_.put(std::string_view(",\"gtid\":"));
      out_.put_string(s.gtid);
    }
    out_.put(std::string_view(",\"server_id\":"));
    row::put_uint(out_, s.server_id);
    if (r.partial) out_.put(std::string_view(",\"partial\":true"));
    if (r.op == ChangeOp::truncate) {
      if (r.dropped) out_.put(std::string_view(",\"dropped\":true"));
      out_.put('}');
      return sink.put(out_.view());
    }
    out_.put(std::string_view(",\"data\":"));
    DUMPR_TRY(sink.put(out_.view()));
    DUMPR_TRY(sink.put(r.row));
    out_.clear();
    if (r.op == ChangeOp::update && !r.before.empty()) put_old(r.row, r.before);
    out_.put('}');
    return sink.put(out_.view());
  }

 private:
  // `,"old":{...}`: the members of `before` whose value differs in `after` (both in column order;
  // a column missing from either image, as a MINIMAL image leaves them, is not compared).
  void put_old(std::string_view after, std::string_view before) {
    MemberReader a(after), b(before);
    std::string_view ak, av, bk, bv;
    bool have_b = b.next(bk, bv);
    bool any = false;
    while (have_b && a.next(ak, av)) {
      // Advance `before` to this key (or past it: it lacks the column).
      MemberReader probe = b;
      std::string_view pk = bk, pv = bv;
      bool found = pk == ak;
      while (!found && probe.next(pk, pv)) found = pk == ak;
      if (!found) continue;
      b = probe;
      bk = pk;
      bv = pv;
      if (bv != av) {
        out_.put(any ? std::string_view(",") : std::string_view(",\"old\":{"));
        out_.put(bk);
        out_.put(':');
        out_.put(bv);
        any = true;
      }
      have_b = b.next(bk, bv);
    }
    if (any) out_.put('}');
  }

  row::JsonOut out_;
};

}  // namespace

std::unique_ptr<Format> make_maxwell(const FormatOptions&) {
  return std::make_unique<MaxwellFormat>();
}

}  // namespace dumpr::format
