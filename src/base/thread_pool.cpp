#include "src/base/thread_pool.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace osprey::base {

namespace {
inline void cpu_relax() {
#if defined(__x86_64__)
  _mm_pause();
#endif
}
constexpr int kSpinIterations = 20000;
inline uint32_t gen_of(uint64_t s) { return static_cast<uint32_t>(s >> 32); }
}  // namespace

ThreadPool::ThreadPool(int n_threads) : n_threads_(n_threads < 1 ? 1 : n_threads) {
  threads_.reserve(n_threads_ - 1);
  for (int i = 1; i < n_threads_; ++i) threads_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true);
    // A new generation with no index left to claim: workers wake, see stop_ and leave.
    state_.store((uint64_t{++generation_} << 32) | static_cast<uint32_t>(n_threads_));
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void ThreadPool::participate(uint32_t gen) {
  for (;;) {
    uint64_t s = state_.load(std::memory_order_acquire);
    if (gen_of(s) != gen || static_cast<uint32_t>(s) >= static_cast<uint32_t>(n_threads_)) return;
    if (!state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel)) continue;
    // A claimed index keeps the job unfinished, so its fields cannot change under us.
    job_fn_.load(std::memory_order_relaxed)(job_ctx_.load(std::memory_order_relaxed), static_cast<int>(s & 0xffffffffu),
                                            n_threads_);
    remaining_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

void ThreadPool::run_impl(JobFn fn, void* ctx) {
  if (n_threads_ == 1) {
    fn(ctx, 0, 1);
    return;
  }
  job_fn_.store(fn, std::memory_order_relaxed);
  job_ctx_.store(ctx, std::memory_order_relaxed);
  remaining_.store(n_threads_, std::memory_order_relaxed);
  const uint32_t gen = ++generation_;
  state_.store(uint64_t{gen} << 32, std::memory_order_seq_cst);
  if (sleepers_.load(std::memory_order_seq_cst) > 0) {
    std::lock_guard<std::mutex> lock(mu_);
    cv_.notify_all();
  }
  participate(gen);
  // A worker holds the last index: spin, then yield the core (on a busy machine the worker may be
  // waiting for one).
  for (int spins = 0; remaining_.load(std::memory_order_acquire) != 0; ++spins) {
    if (spins < kSpinIterations)
      cpu_relax();
    else
      std::this_thread::yield();
  }
}

void ThreadPool::worker_loop() {
  uint32_t seen = 0;
  for (;;) {
    int spins = 0;
    while (gen_of(state_.load(std::memory_order_acquire)) == seen && spins < kSpinIterations) {
      cpu_relax();
      ++spins;
    }
    if (gen_of(state_.load(std::memory_order_seq_cst)) == seen) {
      std::unique_lock<std::mutex> lock(mu_);
      sleepers_.fetch_add(1, std::memory_order_seq_cst);
      cv_.wait(lock, [&] { return gen_of(state_.load(std::memory_order_seq_cst)) != seen; });
      sleepers_.fetch_sub(1, std::memory_order_relaxed);
    }
    if (stop_.load()) return;
    seen = gen_of(state_.load(std::memory_order_acquire));
    participate(seen);
  }
}

}  // namespace osprey::base
