// Engine counters, gauges and histograms, updated by the step thread and read by any thread.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace osprey::runtime {

// Cumulative histogram with fixed upper bounds (Prometheus style; +Inf is implicit).
struct Histogram {
  std::vector<double> bounds;    // ascending upper bounds, seconds
  std::vector<uint64_t> counts;  // per bound: observations <= bound (cumulative)
  uint64_t count = 0;
  double sum = 0;

  explicit Histogram(std::vector<double> b = {}) : bounds(std::move(b)), counts(bounds.size(), 0) {}
  void observe(double v) {
    for (size_t i = 0; i < bounds.size(); ++i)
      if (v <= bounds[i]) ++counts[i];
    ++count;
    sum += v;
  }
};

struct EngineStats {
  // Counters since start.
  uint64_t requests_accepted = 0;
  uint64_t requests_rejected = 0;   // queue full
  uint64_t requests_finished = 0;   // ended with kDone
  uint64_t requests_cancelled = 0;
  uint64_t requests_failed = 0;     // ended with an error other than cancellation
  uint64_t prompt_tokens = 0;       // prompt tokens evaluated
  uint64_t prompt_tokens_cached = 0;  // prompt tokens reused from a slot's cache
  uint64_t generated_tokens = 0;
  uint64_t steps = 0;
  uint64_t step_tokens = 0;         // tokens over all forward passes
  double busy_seconds = 0;          // time spent in forward passes
  // Gauges.
  int queue_depth = 0;
  int slots_busy = 0;
  int slots_total = 0;
  int kv_blocks_used = 0;
  int kv_blocks_total = 0;
  uint64_t kv_bytes = 0;
  // Histograms, seconds.
  Histogram queue_wait{{0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}};
  Histogram time_to_first_token{{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}};
  Histogram inter_token_latency{{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}};
  Histogram request_duration{{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300}};
};

// What /slots shows of one slot.
struct SlotInfo {
  int id = 0;
  bool busy = false;
  uint64_t request = 0;     // the request using it (0 when idle)
  int choice = 0;
  bool prompt_processing = false;
  int n_ctx = 0;            // the slot's context
  int n_cached = 0;         // tokens whose K/V the slot holds
  int n_prompt = 0;         // of the current (or last) request
  int n_generated = 0;
};

}  // namespace osprey::runtime
