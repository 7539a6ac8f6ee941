// Formats render change records as bytes: one JSON line per record, or one message value for a
// message sink. Every format writes dumpr's values (exact integers, DECIMAL as strings, ...);
// only the envelope differs.
//
//   auto f = dumpr::make_format({.name = "debezium"});
//   f->render(record, sink);   // sink.put(...) pieces; the caller then ends the record
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "dumpr/error.hpp"
#include "dumpr/record.hpp"

namespace dumpr {

class Sink;

struct FormatOptions {
  std::string name = "dumpr";  // dumpr, debezium or maxwell
  // dumpr format: updates carry the old row in their metadata as "before" (needs the stream's
  // TailOptions::keep_before).
  bool before = false;
  // debezium: the logical server name (source.name, the topic prefix).
  std::string server_name = "dumpr";
};

class Format {
 public:
  virtual ~Format() = default;
  // Writes the record's bytes to the sink (Sink::put); the caller ends it (Sink::end_record).
  virtual Status render(const ChangeRecord& rec, Sink& sink) = 0;
  // Whether the format shows old rows of updates (the stream must then keep them).
  virtual bool wants_before() const = 0;
};

// The format named in `opts`; an Error of kind usage for an unknown name.
Result<std::unique_ptr<Format>> make_format(const FormatOptions& opts);

}  // namespace dumpr
