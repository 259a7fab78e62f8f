#include "src/runtime/engine.h"

#include <fmt/format.h>

#include "src/base/timer.h"

namespace osprey::runtime {

const char* finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::kLength: return "length";
    case FinishReason::kNone: return "none";
    default: return "stop";
  }
}

namespace {

void tell(ActiveRequest& r, const Status& st, base::Logger& log) {
  Event ev;
  ev.kind = Event::Kind::kError;
  ev.status = st;
  ev.stats.n_prompt = static_cast<int>(r.req.prompt.size());
  ev.stats.n_generated.assign(static_cast<size_t>(r.req.n_choices), 0);
  ev.stats.queue_ms = static_cast<double>(base::now_us() - r.t_arrival_us) / 1000.0;
  if (!r.cb) return;
  try {
    r.cb(ev);
  } catch (const std::exception& e) {
    log.error("request {}: event callback threw: {}", r.id, e.what());
  }
}

Status validate_request(const GenerationRequest& req, int32_t n_vocab, int n_ctx_slot, int n_slots) {
  if (req.prompt.empty()) return base::invalid_argument("the prompt is empty: at least one token is needed");
  for (size_t i = 0; i < req.prompt.size(); ++i) {
    int32_t t = req.prompt[i];
    if (t < 0 || t >= n_vocab)
      return base::invalid_argument(
          fmt::format("prompt token {} at index {} is out of range: expected 0..{}", t, i, n_vocab - 1));
  }
  if (static_cast<int64_t>(req.prompt.size()) > n_ctx_slot)
    return base::invalid_argument(fmt::format(
        "the prompt has {} tokens but the context holds {} tokens per slot: shorten the prompt or raise -c",
        req.prompt.size(), n_ctx_slot));
  if (req.n_choices < 1 || req.n_choices > n_slots)
    return base::invalid_argument(
        fmt::format("n = {}: expected 1..{} (the server's parallel slots, -np)", req.n_choices, n_slots));
  if (req.top_logprobs < 0 || req.top_logprobs > n_vocab)
    return base::invalid_argument(fmt::format("top_logprobs = {}: expected 0..{}", req.top_logprobs, n_vocab));
  return validate(req.sampling, n_vocab);
}

}  // namespace

Result<std::unique_ptr<Engine>> Engine::create(std::unique_ptr<Backend> backend, const EngineParams& params,
                                               base::Logger& log) {
  if (!backend) return base::invalid_argument("engine: no backend");
  if (params.n_slots < 1) return base::invalid_argument(fmt::format("-np {}: expected >= 1", params.n_slots));
  if (params.n_batch < 1) return base::invalid_argument(fmt::format("-b {}: expected >= 1", params.n_batch));
  if (params.max_queue < 0) return base::invalid_argument(fmt::format("queue size {}: expected >= 0", params.max_queue));
  int n_ctx_total = params.n_ctx > 0 ? params.n_ctx : backend->info().n_ctx_train;
  int n_ctx_slot = n_ctx_total / params.n_slots;
  if (n_ctx_slot < 1)
    return base::invalid_argument(fmt::format("-c {} over {} slots leaves {} tokens per slot: expected >= 1",
                                              n_ctx_total, params.n_slots, n_ctx_slot));
  OSP_RETURN_IF_ERROR(backend->init_cache(params.n_slots, n_ctx_slot));
  return std::unique_ptr<Engine>(new Engine(std::move(backend), params, n_ctx_slot, log));
}

Engine::Engine(std::unique_ptr<Backend> backend, const EngineParams& params, int n_ctx_slot, base::Logger& log)
    : backend_(std::move(backend)),
      params_(params),
      n_ctx_slot_(n_ctx_slot),
      log_(log),
      scheduler_(*backend_, SchedulerConfig{params.n_slots, n_ctx_slot, params.n_batch}, stats_, log) {
  free_slots_hint_ = params.n_slots;
  publish();
  thread_ = std::thread([this] { loop(); });
}

Engine::~Engine() { shutdown(); }

Result<RequestId> Engine::submit(GenerationRequest req, EventCallback cb) {
  OSP_RETURN_IF_ERROR(validate_request(req, backend_->info().n_vocab, n_ctx_slot_, params_.n_slots));
  auto r = std::make_unique<ActiveRequest>();
  r->req = std::move(req);
  r->cb = std::move(cb);
  r->t_arrival_us = base::now_us();
  std::lock_guard<std::mutex> lock(mu_);
  if (stop_) return base::resource_exhausted("the server is shutting down");
  int limit = params_.max_queue + free_slots_hint_;
  if (static_cast<int>(queue_.size()) >= limit) {
    std::lock_guard<std::mutex> l(stats_.mu);
    stats_.s.requests_rejected += 1;
    return base::resource_exhausted(fmt::format(
        "the server is busy: {} requests are waiting for a slot (queue limit {}); retry later", queue_.size(),
        params_.max_queue));
  }
  RequestId id = next_id_++;
  r->id = id;
  queue_.push_back(std::move(r));
  {
    std::lock_guard<std::mutex> l(stats_.mu);
    stats_.s.requests_accepted += 1;
  }
  cv_.notify_one();
  return id;
}

void Engine::cancel(RequestId id) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if ((*it)->id == id) {
      {
        std::lock_guard<std::mutex> l(stats_.mu);
        stats_.s.requests_cancelled += 1;
      }
      dropped_.push_back(std::move(*it));
      queue_.erase(it);
      cv_.notify_one();
      return;
    }
  }
  cancels_.push_back(id);
  cv_.notify_one();
}

void Engine::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void Engine::loop() {
  for (;;) {
    std::vector<std::unique_ptr<ActiveRequest>> admit, dropped;
    std::vector<RequestId> cancels;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] {
        return stop_ || !cancels_.empty() || !dropped_.empty() || scheduler_.has_work() ||
               (!queue_.empty() && queue_.front()->req.n_choices <= scheduler_.free_slots());
      });
      if (stop_) break;
      cancels.swap(cancels_);
      dropped.swap(dropped_);
    }
    for (auto& r : dropped) tell(*r, base::cancelled("request cancelled while queued"), log_);
    for (RequestId id : cancels) scheduler_.cancel(id);
    {
      std::lock_guard<std::mutex> lock(mu_);
      int free = scheduler_.free_slots();
      while (!queue_.empty() && queue_.front()->req.n_choices <= free) {
        free -= queue_.front()->req.n_choices;
        admit.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      free_slots_hint_ = free;
    }
    for (auto& r : admit) scheduler_.admit(std::move(r));
    scheduler_.step();
    {
      std::lock_guard<std::mutex> lock(mu_);
      free_slots_hint_ = scheduler_.free_slots();
    }
    publish();
  }
  // Shutting down: every request still here gets its terminal event.
  Status st = base::resource_exhausted("the server is shutting down");
  scheduler_.fail_all(st);
  std::deque<std::unique_ptr<ActiveRequest>> left;
  std::vector<std::unique_ptr<ActiveRequest>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    left.swap(queue_);
    dropped.swap(dropped_);
  }
  for (auto& r : dropped) tell(*r, base::cancelled("request cancelled while queued"), log_);
  for (auto& r : left) tell(*r, st, log_);
  publish();
}

// Snapshots for other threads (step thread only).
void Engine::publish() {
  auto infos = scheduler_.slot_infos();
  int busy = 0;
  for (const auto& s : infos) busy += s.busy;
  {
    std::lock_guard<std::mutex> l(stats_.mu);
    stats_.s.slots_busy = busy;
    stats_.s.slots_total = params_.n_slots;
    stats_.s.kv_blocks_total = backend_->total_blocks();
    stats_.s.kv_blocks_used = backend_->total_blocks() - backend_->free_blocks();
    stats_.s.kv_bytes = backend_->kv_bytes();
  }
  std::lock_guard<std::mutex> l(snap_mu_);
  slots_snapshot_ = std::move(infos);
}

std::vector<SlotInfo> Engine::slots() const {
  std::lock_guard<std::mutex> l(snap_mu_);
  return slots_snapshot_;
}

EngineStats Engine::stats() const {
  EngineStats s;
  {
    std::lock_guard<std::mutex> l(stats_.mu);
    s = stats_.s;
  }
  std::lock_guard<std::mutex> lock(mu_);
  s.queue_depth = static_cast<int>(queue_.size());
  return s;
}

}  // namespace osprey::runtime
