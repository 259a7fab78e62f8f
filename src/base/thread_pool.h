// A persistent thread pool. The calling thread takes part, so a pool of n threads starts n-1 OS
// threads. `run` splits a job into n indices (0..n-1); the caller and the workers claim indices
// until none is left, so a worker that is slow to wake (a busy machine) costs no waiting: the
// caller runs its index instead. Each index runs exactly once, on some thread. Workers spin for
// the next job, then sleep on a condition variable. No allocation per job.
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
  // Valid until the next call for the same slot that asks for more. Slot 1 is a second buffer
  // for an operation that splits its work into calls which use slot 0.
  uint8_t* scratch(size_t bytes, int slot = 0) {
    Scratch& s = scratch_[slot == 0 ? 0 : 1];
    if (bytes > s.bytes) {
      s.buf = aligned_alloc_array<uint8_t>(bytes);
      s.bytes = bytes;
    }
    return s.buf.get();
  }

  // Calls fn(index, n_threads) once for every index in [0, n_threads), spread over the threads,
  // and waits for all. Indices may run one after another on one thread: fn must not wait for
  // another index. Not reentrant: one run at a time, from one owning thread.
  template <typename F>
  void run(F&& fn) {
    run_impl(&invoke_<F>, static_cast<void*>(&fn));
  }

  // Splits [0, n) into contiguous chunks, one per index: fn(begin, end, index).
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
  void worker_loop();
  // Claims and runs indices of job `gen` until none is left (or a newer job replaced it).
  void participate(uint32_t gen);

  int n_threads_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<uint64_t> state_{0};  // job generation << 32 | next unclaimed index
  std::atomic<int> remaining_{0};   // indices of the current job not yet finished
  std::atomic<int> sleepers_{0};
  std::atomic<bool> stop_{false};
  std::atomic<JobFn> job_fn_{nullptr};
  std::atomic<void*> job_ctx_{nullptr};
  uint32_t generation_ = 0;  // the owner's count of jobs
  struct Scratch {
    AlignedPtr<uint8_t> buf;
    size_t bytes = 0;
  };
  Scratch scratch_[2];
};

}  // namespace osprey::base
