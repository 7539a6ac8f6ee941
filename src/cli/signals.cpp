#include <csignal>

#include "cli/commands.hpp"

namespace dumpr::cli {

namespace {
volatile std::sig_atomic_t g_stop = 0;
void on_stop(int) {
  g_stop = 1;
}
}  // namespace

bool stop_requested() {
  return g_stop != 0;
}

void install_signal_handlers() {
  // A reader that leaves shows up as EPIPE on write, handled where we write.
  std::signal(SIGPIPE, SIG_IGN);
  struct sigaction sa {};
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocked read or write returns so we can stop
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace dumpr::cli
