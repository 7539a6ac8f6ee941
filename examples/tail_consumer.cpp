// tail_consumer: the binary log, from a checkpoint to its end as of start-up, handed row by row to
// a consumer of your own, with the checkpoint advanced after each transaction the consumer has
// taken. The same loop that `dumpr tail --until-end` runs, through the public API alone
// (include/dumpr).
//
//   tail_consumer CHECKPOINT HOST PORT USER PASSWORD DATABASE   a server, from CHECKPOINT
//   tail_consumer --binlog-file FILE...                          binlog files, no server
//
// The consumer here prints each row as "table<TAB>op<TAB>line" and counts rows per table.
#include <cstdio>
#include <dumpr/binlog_stream.hpp>
#include <dumpr/position.hpp>
#include <map>
#include <string>

namespace {

// The consumer: anything that takes rows, and knows when a transaction is complete.
class PrintingConsumer {
 public:
  void row(const dumpr::RowView& r) {
    const char* op = r.op == dumpr::RowOp::upsert  ? "upsert"
                     : r.op == dumpr::RowOp::erase ? "delete"
                                                   : "truncate";
    // A view: table and line are valid until the stream's next event, so copy what you keep.
    std::printf("%.*s\t%s\t%.*s\n", int(r.table.size()), r.table.data(), op, int(r.line.size()),
                r.line.data());
    ++rows_[std::string(r.table)];
  }
  // Everything of the transaction is out: make it durable (here: flush stdout). Only then may the
  // checkpoint move past it.
  bool commit() { return std::fflush(stdout) == 0; }
  void summary() const {
    for (const auto& [table, n] : rows_) std::fprintf(stderr, "%s: %lu rows\n", table.c_str(), n);
  }

 private:
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

  auto stream = dumpr::BinlogStream::open(cfg, std::move(opts));
  if (!stream) return fail(stream.error());
  PrintingConsumer consumer;
  for (;;) {
    auto ev = stream->next();
    if (!ev) return fail(ev.error());
    const dumpr::TailEvent& e = **ev;
    if (e.kind == dumpr::TailEvent::Kind::row) {
      consumer.row(e.row);
    } else if (e.kind == dumpr::TailEvent::Kind::commit) {
      if (!consumer.commit()) return fail({dumpr::ErrorKind::io, "cannot write stdout"});
      if (!checkpoint.empty()) {
        if (auto st = dumpr::write_checkpoint(checkpoint, e.position); !st) return fail(st.error());
      }
    } else if (e.kind == dumpr::TailEvent::Kind::end) {
      break;
    }  // heartbeat: nothing to do here (dumpr tail measures its lag with them)
  }
  consumer.summary();
  return 0;
}
