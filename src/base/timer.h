// Monotonic clock helpers.
#pragma once

#include <chrono>
#include <cstdint>

namespace osprey::base {

inline int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class Stopwatch {
 public:
  Stopwatch() : start_(now_us()) {}
  void reset() { start_ = now_us(); }
  double elapsed_ms() const { return static_cast<double>(now_us() - start_) / 1000.0; }
  double elapsed_s() const { return static_cast<double>(now_us() - start_) / 1e6; }

 private:
  int64_t start_;
};

}  // namespace osprey::base
