// The formats, each in its own file; make_format (format.cpp) picks one by name.
#pragma once

#include <memory>

#include "dumpr/format.hpp"

namespace dumpr::format {

std::unique_ptr<Format> make_dumpr(const FormatOptions& opts);
std::unique_ptr<Format> make_debezium(const FormatOptions& opts);
std::unique_ptr<Format> make_maxwell(const FormatOptions& opts);

}  // namespace dumpr::format
