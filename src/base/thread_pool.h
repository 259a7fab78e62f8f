// A persistent thread pool. The calling thread takes part as worker 0, so a pool of n threads
// starts n-1 OS threads. `run` hands every worker the same job and returns when all have finished.
// Workers spin briefly for the next job, then sleep on a condition variable. No allocation per job.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "src/base/aligned.h"

namespace osprey::base {

class ThreadPool {
 public:
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // A 64-byte aligned buffer of at least `bytes`, owned by the pool and reused: scratch for the
  // operation the owning thread is running on this pool (it allocates only when it must grow).
  // Valid until the next call that asks for more.
  uint8_t* scratch(size_t bytes) {
    if (bytes > scratch_bytes_) {
      scratch_ = aligned_alloc_array<uint8_t>(bytes);
      scratch_bytes_ = bytes;
    }
    return scratch_.get();
  }

  // Calls fn(thread_index, n_threads) on every worker (the caller is index 0) and waits.
  // Not reentrant: one run at a time, from one owning thread.
  template <typename F>
  void run(F&& fn) {
    run_impl(&invoke_<F>, static_cast<void*>(&fn));
  }

  // Splits [0, n) into contiguous chunks, one per worker: fn(begin, end, thread_index).
  template <typename F>
  void parallel_for(int64_t n, F&& fn) {
    run([&](int ti, int nt) {
      int64_t chunk = (n + nt - 1) / nt;
      int64_t b = chunk * ti;
      int64_t e = b + chunk < n ? b + chunk : n;
      if (b < e) fn(b, e, ti);
    });
  }

 private:
  using JobFn = void (*)(void* ctx, int ti, int nt);
  template <typename F>
  static void invoke_(void* ctx, int ti, int nt) {
    (*static_cast<std::remove_reference_t<F>*>(ctx))(ti, nt);
  }
  void run_impl(JobFn fn, void* ctx);
  void worker_loop(int index);

  int n_threads_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  JobFn job_fn_ = nullptr;
  void* job_ctx_ = nullptr;
  AlignedPtr<uint8_t> scratch_;
  size_t scratch_bytes_ = 0;
};

}  // namespace osprey::base
