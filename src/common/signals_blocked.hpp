// AsyncSignalsBlocked: blocks every asynchronous signal in this thread until destroyed, so that
// threads started meanwhile inherit the mask and SIGINT/SIGTERM stay with the caller's thread
// (where they interrupt a blocked write to stdout). Faults stay deliverable.
#pragma once

#include <pthread.h>
#include <signal.h>

namespace dumpr {

class AsyncSignalsBlocked {
 public:
  AsyncSignalsBlocked() {
    sigset_t all;
    sigfillset(&all);
    for (int s : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP}) sigdelset(&all, s);
    pthread_sigmask(SIG_BLOCK, &all, &old_);
  }
  ~AsyncSignalsBlocked() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  AsyncSignalsBlocked(const AsyncSignalsBlocked&) = delete;
  AsyncSignalsBlocked& operator=(const AsyncSignalsBlocked&) = delete;

 private:
  sigset_t old_;
};

}  // namespace dumpr
