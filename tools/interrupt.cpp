#include "tools/interrupt.h"

#include <pthread.h>

#include <ctime>

namespace osprey::tools {

InterruptWatcher::InterruptWatcher() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set_, &old_mask_);
  thread_ = std::thread([this] { watch(); });
}

InterruptWatcher::~InterruptWatcher() {
  stop_.store(true);
  thread_.join();
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

void InterruptWatcher::watch() {
  const timespec tick{0, 50 * 1000 * 1000};  // 50 ms: how soon the destructor is noticed
  while (!stop_.load()) {
    const int sig = sigtimedwait(&set_, nullptr, &tick);
    if (sig != SIGINT && sig != SIGTERM) continue;
    if (!interrupted_.load()) {
      signo_.store(sig);
      interrupted_.store(true);
      continue;
    }
    // A second signal: the default action (the process ends without cleaning up).
    signal(sig, SIG_DFL);
    pthread_sigmask(SIG_UNBLOCK, &set_, nullptr);
    raise(sig);
  }
}

}  // namespace osprey::tools
