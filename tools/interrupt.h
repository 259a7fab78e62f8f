// Turns SIGINT and SIGTERM into a cancellation flag for long-running subcommands (quantize,
// gen-model, perplexity). While an InterruptWatcher lives, both signals are blocked in the thread
// that created it and in every thread started afterwards (they inherit the mask); one watcher thread
// waits for them and sets flag(). Work checks the flag, stops, and removes what it was writing.
// Create the watcher before any worker thread. A second signal is delivered normally (default
// action: the process ends at once), so a stuck run can still be stopped.
#pragma once

#include <signal.h>

#include <atomic>
#include <thread>

namespace osprey::tools {

class InterruptWatcher {
 public:
  InterruptWatcher();
  ~InterruptWatcher();
  InterruptWatcher(const InterruptWatcher&) = delete;
  InterruptWatcher& operator=(const InterruptWatcher&) = delete;

  const std::atomic<bool>& flag() const { return interrupted_; }
  bool interrupted() const { return interrupted_.load(); }
  int signal_number() const { return signo_.load(); }

 private:
  void watch();

  sigset_t set_{};
  sigset_t old_mask_{};
  std::atomic<bool> interrupted_{false};
  std::atomic<int> signo_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace osprey::tools
