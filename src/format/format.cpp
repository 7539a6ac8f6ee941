#include "dumpr/format.hpp"

#include "format/formats.hpp"

namespace dumpr {

const char* change_op_name(ChangeOp op) {
  switch (op) {
    case ChangeOp::insert:
      return "insert";
    case ChangeOp::update:
      return "update";
    case ChangeOp::erase:
      return "delete";
    case ChangeOp::read:
      return "read";
    case ChangeOp::truncate:
      return "truncate";
  }
  return "?";
}

Result<std::unique_ptr<Format>> make_format(const FormatOptions& opts) {
  if (opts.before && opts.name != "dumpr")
    return make_error(ErrorKind::usage, "--before goes with --format dumpr (the " + opts.name +
                                            " format always shows an update's old row)");
  if (opts.name == "dumpr") return format::make_dumpr(opts);
  if (opts.name == "debezium") return format::make_debezium(opts);
  if (opts.name == "maxwell") return format::make_maxwell(opts);
  return make_error(ErrorKind::usage,
                    "--format " + opts.name + ": expected dumpr, debezium or maxwell");
}

}  // namespace dumpr
