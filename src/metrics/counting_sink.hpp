// A sink in front of another that counts each record's rows and bytes by table and operation
// (RowCounters) and passes everything on unchanged (every virtual of Sink is forwarded: a default
// left in place would change what the inner sink does). Put in front of the real sink only when the
// figures are wanted (--metrics-file): it costs one more virtual call per piece.
#pragma once

#include "dumpr/sink.hpp"
#include "metrics/counters.hpp"

namespace dumpr::metrics {

class CountingSink final : public Sink {
 public:
  CountingSink(Sink& inner, RowCounters& counters) : inner_(inner), counters_(counters) {
    // The inner sink calls back while a write blocks: forward to whoever set ours.
    inner_.on_progress([this]() -> Status { return on_progress_ ? on_progress_() : Status{}; });
  }
  ~CountingSink() override = default;
  // The inner sink keeps the forwarding callback: the pipeline clears it (through this sink)
  // before the run ends, and the inner sink may be gone by the time this one is.
  CountingSink(const CountingSink&) = delete;
  CountingSink& operator=(const CountingSink&) = delete;

  Status put(std::string_view bytes) override {
    record_bytes_ += bytes.size();
    return inner_.put(bytes);
  }
  Status end_record(const ChangeRecord& rec, std::uint64_t seq) override {
    counters_.add(rec.database, rec.table, rec.op, record_bytes_);
    record_bytes_ = 0;
    return inner_.end_record(rec, seq);
  }
  void mark(std::uint64_t seq) override { inner_.mark(seq); }
  Status flush(bool durable) override { return inner_.flush(durable); }
  Status drain() override { return inner_.drain(); }
  bool stores_checkpoint() const override { return inner_.stores_checkpoint(); }
  void checkpoint(std::uint64_t seq, std::string_view json) override {
    inner_.checkpoint(seq, json);
  }
  std::uint64_t acknowledged() override { return inner_.acknowledged(); }
  bool reader_gone() const override { return inner_.reader_gone(); }
  SinkStats stats() const override { return inner_.stats(); }

 private:
  Sink& inner_;
  RowCounters& counters_;
  std::uint64_t record_bytes_ = 0;
};

}  // namespace dumpr::metrics
