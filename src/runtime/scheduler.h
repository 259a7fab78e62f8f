// The step logic of continuous batching: places admitted requests in slots (reusing a cached
// prefix), builds each step's batch (one decode token per running choice, then prompt chunks up
// to n_batch), runs the forward pass, samples, applies stop rules and emits events. One step is
// one transaction: after it every slot's token list matches its KV sequence again.
// Step thread only; see src/runtime/README.md.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "src/base/logger.h"
#include "src/runtime/backend.h"
#include "src/runtime/metrics.h"
#include "src/runtime/sequence.h"

namespace osprey::runtime {

struct SchedulerConfig {
  int n_slots = 1;
  int n_ctx_slot = 0;  // tokens one sequence may hold
  int n_batch = 512;   // tokens per step at most (running choices always get their token)
};

// The engine's statistics and the lock that guards them.
struct StatsBox {
  mutable std::mutex mu;
  EngineStats s;
};

class Scheduler {
 public:
  Scheduler(Backend& backend, SchedulerConfig cfg, StatsBox& stats, base::Logger& log);

  int free_slots() const;
  bool has_work() const { return !active_.empty(); }
  // Places r in free slots (the caller checked free_slots() >= n_choices).
  void admit(std::unique_ptr<ActiveRequest> r);
  // Ends a running request with a kCancelled error and frees its slots; unknown ids are ignored.
  void cancel(RequestId id);
  // One engine step (no-op without work).
  void step();
  // Ends every running request with an error.
  void fail_all(const Status& st);
  std::vector<SlotInfo> slot_infos() const;

 private:
  struct Row {  // what one logits row of the step belongs to
    ActiveRequest* r;
    int choice;       // -1: the prompt of r is complete
  };
  int pick_primary_slot(const std::vector<int32_t>& prompt, bool reuse, int* common) const;
  int pick_lru_slot() const;
  bool ensure_room(int seq, int n_new);
  bool build_batch();
  void prompt_done(ActiveRequest& r, const float* logits);
  void sample(ActiveRequest& r, ChoiceState& c, const float* logits);
  void finish_choice(ActiveRequest& r, ChoiceState& c, FinishReason why, std::string word);
  void end_request(ActiveRequest& r, const Status& st);
  void release_slots(ActiveRequest& r);
  void emit(ActiveRequest& r, Event&& ev);
  void sweep();
  RequestStats stats_of(const ActiveRequest& r) const;

  Backend& backend_;
  SchedulerConfig cfg_;
  StatsBox& stats_;
  base::Logger& log_;
  int32_t n_vocab_;
  std::vector<Slot> slots_;
  std::vector<std::unique_ptr<ActiveRequest>> active_;  // in admission order
  StepBatch batch_;
  std::vector<Row> rows_;
  std::vector<float> logits_;
};

}  // namespace osprey::runtime
