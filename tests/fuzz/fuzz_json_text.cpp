// libFuzzer target: arbitrary bytes as a JSON column's text through put_json_text (the re-writer
// every MariaDB JSON value and every load of a JSON column goes through). Checks, beyond the
// sanitizers' (the re-writer copies 16-byte blocks near the ends of its input and output):
//   - a refused text leaves the output as it was;
//   - an accepted one comes out as valid UTF-8, and re-writing that output gives the same bytes
//     (the canonical form is a fixed point);
//   - put_json_column always writes something, and reports a repair exactly when the text was
//     refused.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "row/json_out.hpp"
#include "row/values.hpp"

using dumpr::row::JsonOut;

namespace {

bool valid_utf8(std::string_view s) {
  JsonOut probe;
  return !probe.escape_utf8_validating(s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  JsonOut out;
  out.put(std::string_view("<"));
  const bool ok = static_cast<bool>(dumpr::row::put_json_text(out, text));
  if (!ok) {
    if (out.view() != "<") std::abort();  // half a value left behind
  } else {
    const std::string once(out.view().substr(1));
    if (!valid_utf8(once)) std::abort();
    JsonOut again;
    if (!dumpr::row::put_json_text(again, once)) std::abort();
    if (again.view() != once) std::abort();
  }
  JsonOut column;
  const bool as_json = dumpr::row::put_json_column(column, text, 45 /* utf8mb4_general_ci */);
  if (as_json != ok || column.size() == 0 || !valid_utf8(column.view())) std::abort();
  return 0;
}
