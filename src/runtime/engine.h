// The engine: a step thread that owns the backend's compute state (model, KV cache, thread pool)
// and runs continuous batching over -np slots; a bounded FIFO of requests waiting for slots; and
// a thread-safe API (submit / cancel / snapshots). The contract is in src/runtime/README.md.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "src/base/logger.h"
#include "src/runtime/backend.h"
#include "src/runtime/metrics.h"
#include "src/runtime/request.h"
#include "src/runtime/scheduler.h"

namespace osprey::runtime {

struct EngineParams {
  int n_slots = 1;     // -np: sequences decoded together; they share one KV pool
  int n_ctx = 0;       // -c: context over all slots, each gets n_ctx / n_slots (0: the model's
                       // training context)
  int n_batch = 512;   // -b: tokens per step at most (decode tokens + prompt chunks)
  int max_queue = 64;  // requests waiting beyond the free slots; more are refused (503)
};

class Engine {
 public:
  // Sizes the KV pool and starts the step thread.
  static Result<std::unique_ptr<Engine>> create(std::unique_ptr<Backend> backend, const EngineParams& params,
                                                base::Logger& log);
  ~Engine();  // shutdown()
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const ModelInfo& model() const { return backend_->info(); }
  // Tokenizer calls from any thread (the const part of the backend).
  const Backend& backend() const { return *backend_; }
  const EngineParams& params() const { return params_; }
  int n_ctx_slot() const { return n_ctx_slot_; }

  // Validates and queues a request; events follow on the step thread through `cb`. Errors:
  // invalid_argument (empty prompt, ids out of range, a prompt longer than the slot's context,
  // n_choices outside 1..n_slots, sampling ranges), resource_exhausted (queue full or shutting down).
  Result<RequestId> submit(GenerationRequest req, EventCallback cb);
  // Ends a queued or running request within one step with a kCancelled error event. Unknown or
  // finished ids are ignored. Thread-safe; may be called from an event callback.
  void cancel(RequestId id);
  // Refuses new requests, ends every queued and running one with an error event ("shutting down")
  // and joins the step thread. Idempotent.
  void shutdown();

  std::vector<SlotInfo> slots() const;
  EngineStats stats() const;

 private:
  Engine(std::unique_ptr<Backend> backend, const EngineParams& params, int n_ctx_slot, base::Logger& log);
  void loop();
  void publish();

  std::unique_ptr<Backend> backend_;
  EngineParams params_;
  int n_ctx_slot_;
  base::Logger& log_;
  StatsBox stats_;
  Scheduler scheduler_;  // step thread only

  mutable std::mutex mu_;  // guards the fields below
  std::condition_variable cv_;
  std::deque<std::unique_ptr<ActiveRequest>> queue_;
  std::vector<std::unique_ptr<ActiveRequest>> dropped_;  // cancelled while queued: the step thread tells them
  std::vector<RequestId> cancels_;
  RequestId next_id_ = 1;
  int free_slots_hint_ = 0;  // free slots as of the last step
  bool stop_ = false;

  mutable std::mutex snap_mu_;
  std::vector<SlotInfo> slots_snapshot_;

  std::thread thread_;
};

}  // namespace osprey::runtime
