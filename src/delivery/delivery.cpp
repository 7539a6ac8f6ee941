#include "delivery/delivery.hpp"

#include <algorithm>

namespace dumpr::delivery {

bool Delivery::due(std::size_t tables_json_size, Clock::time_point now) const {
  const auto interval = std::chrono::milliseconds(
      std::clamp<long>(static_cast<long>(tables_json_size / 16), 50, 2000));
  return now - last_ > interval;
}

Status Delivery::advance() {
  const std::uint64_t acked = sink_.acknowledged();
  acked_at_advance_ = acked;
  last_ = Clock::now();
  bool have = false;
  Position p;
  while (!commits_.empty() && commits_.front().first <= acked) {
    p = std::move(commits_.front().second);
    commits_.pop_front();
    have = true;
  }
  if (have && !checkpoint_.empty()) return write_checkpoint(checkpoint_, p);
  return {};
}

void Delivery::tell_checkpoint() {
  if (commits_.empty() || told_ == commits_given_ || !sink_.stores_checkpoint()) return;
  told_ = commits_given_;
  sink_.checkpoint(commits_.back().first, to_checkpoint_json(commits_.back().second));
}

Status Delivery::deliver() {
  tell_checkpoint();
  DUMPR_TRY(sink_.flush(true));
  return advance();
}

Status Delivery::finish() {
  tell_checkpoint();
  DUMPR_TRY(sink_.drain());
  return advance();
}

}  // namespace dumpr::delivery
