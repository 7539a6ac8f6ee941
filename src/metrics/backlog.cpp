#include "metrics/backlog.hpp"

namespace dumpr::metrics {

std::optional<std::uint64_t> bytes_behind(const std::vector<BinlogFileSize>& files,
                                          const std::string& file, std::uint64_t position) {
  std::size_t i = 0;
  while (i < files.size() && files[i].name != file) ++i;
  if (i == files.size()) return std::nullopt;
  std::uint64_t behind = files[i].size > position ? files[i].size - position : 0;
  for (++i; i < files.size(); ++i) behind += files[i].size;
  return behind;
}

}  // namespace dumpr::metrics
