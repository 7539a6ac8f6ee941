// tail_consumer: the binary log, from a checkpoint to its end as of start-up, into a sink of your
// own, through the public API alone (include/dumpr). The library's pipeline renders each change
// record (here in the dumpr format), hands it to the sink, and moves the checkpoint only over
// transactions whose records the sink has acknowledged: the same run as `dumpr tail --until-end`.
//
//   tail_consumer CHECKPOINT HOST PORT USER PASSWORD DATABASE   a server, from CHECKPOINT
//   tail_consumer --binlog-file FILE...                          binlog files, no server
//
// The sink here prints each record as "table<TAB>op<TAB>line" and counts rows per table.
#include <cstdio>
#include <dumpr/binlog_stream.hpp>
#include <dumpr/pipeline.hpp>
#include <dumpr/position.hpp>
#include <map>
#include <string>

namespace {

// A sink: takes each record's rendered bytes in pieces, then its end; says which are delivered.
class PrintingSink final : public dumpr::Sink {
 public:
  dumpr::Status put(std::string_view bytes) override {
    line_.append(bytes);  // the pieces of one record (the default format hands over three or so)
    return {};
  }
  dumpr::Status end_record(const dumpr::ChangeRecord& r, std::uint64_t seq) override {
    // The record's views are valid until the stream's next call: copy what you keep.
    const char* op = r.op == dumpr::ChangeOp::erase      ? "delete"
                     : r.op == dumpr::ChangeOp::truncate ? "truncate"
                                                         : "upsert";
    std::printf("%.*s\t%s\t%s\n", int(r.table.size()), r.table.data(), op, line_.c_str());
    ++rows_[std::string(r.table)];
    line_.clear();
    written_ = seq;
    return {};
  }
  // Make what was given durable (here: flush stdout); only then is it acknowledged. A sink that
  // delivers asynchronously (a broker) acknowledges later, from its own callbacks.
  dumpr::Status flush(bool) override {
    if (std::fflush(stdout) != 0) return dumpr::make_error(dumpr::ErrorKind::io, "stdout");
    acked_ = written_;
    return {};
  }
  std::uint64_t acknowledged() override { return acked_; }

  void summary() const {
    for (const auto& [table, n] : rows_) std::fprintf(stderr, "%s: %lu rows\n", table.c_str(), n);
  }

 private:
  std::string line_;
  std::uint64_t written_ = 0, acked_ = 0;
  std::map<std::string, unsigned long> rows_;
};

int fail(const dumpr::Error& e) {
  std::fprintf(stderr, "tail_consumer: %s\n", e.message.c_str());
  return dumpr::exit_code(e.kind);  // the same exit status as the dumpr command would give
}

}  // namespace

int main(int argc, char** argv) {
  dumpr::Config cfg;
  cfg.read_default_files = false;  // only what is given here, no ~/.my.cnf
  cfg.on_warning = [](std::string_view w) {
    std::fprintf(stderr, "warning: %.*s\n", int(w.size()), w.data());
  };
  dumpr::TailOptions opts;
  opts.until_end = true;  // stop at the binlog's end as of open(), as cron runs do
  std::string checkpoint;
  if (argc >= 3 && std::string(argv[1]) == "--binlog-file") {
    opts.binlog_files.assign(argv + 2, argv + argc);
  } else if (argc == 7) {
    checkpoint = argv[1];
    auto from = dumpr::read_checkpoint(checkpoint);
    if (!from) return fail(from.error());
    opts.from = *from;
    cfg.host = argv[2];
    cfg.port = unsigned(std::stoul(argv[3]));
    cfg.user = argv[4];
    cfg.password = argv[5];
    cfg.database = argv[6];
  } else {
    std::fprintf(stderr,
                 "usage: tail_consumer CHECKPOINT HOST PORT USER PASSWORD DATABASE\n"
                 "       tail_consumer --binlog-file FILE...\n");
    return 2;
  }

  auto format = dumpr::make_format({.name = "dumpr"});  // or "debezium", "maxwell"
  if (!format) return fail(format.error());
  opts.keep_before = (*format)->wants_before();
  auto stream = dumpr::BinlogStream::open(cfg, std::move(opts));
  if (!stream) return fail(stream.error());
  PrintingSink sink;
  auto end = dumpr::run_tail(*stream, **format, sink, {.checkpoint = checkpoint});
  if (!end) return fail(end.error());
  sink.summary();
  return 0;
}
