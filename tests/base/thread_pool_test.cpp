// ThreadPool: every index of every job runs exactly once, for any thread count, also when jobs
// follow each other quickly and when workers have fallen asleep between jobs.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "src/base/thread_pool.h"

namespace osprey::base {
namespace {

TEST(ThreadPool, EveryIndexRunsOncePerJob) {
  for (int n : {1, 2, 3, 5}) {
    ThreadPool pool(n);
    std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
    for (int job = 0; job < 2000; ++job) {
      pool.run([&](int i, int nt) {
        ASSERT_EQ(nt, n);
        ASSERT_GE(i, 0);
        ASSERT_LT(i, n);
        hits[static_cast<size_t>(i)].fetch_add(1);
      });
    }
    for (auto& h : hits) EXPECT_EQ(h.load(), 2000) << n << " threads";
  }
}

TEST(ThreadPool, ParallelForCoversTheRangeOnce) {
  ThreadPool pool(3);
  for (int64_t n : {0, 1, 2, 7, 1000}) {
    std::vector<std::atomic<int>> seen(static_cast<size_t>(n));
    pool.parallel_for(n, [&](int64_t b, int64_t e, int) {
      for (int64_t i = b; i < e; ++i) seen[static_cast<size_t>(i)].fetch_add(1);
    });
    for (auto& s : seen) EXPECT_EQ(s.load(), 1);
  }
}

TEST(ThreadPool, JobsAfterWorkersSleptStillComplete) {
  ThreadPool pool(2);
  std::atomic<int> total{0};
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));  // long enough for workers to sleep
    pool.run([&](int, int) { total.fetch_add(1); });
  }
  EXPECT_EQ(total.load(), 6);
}

TEST(ThreadPool, ScratchGrowsAndKeepsAlignment) {
  ThreadPool pool(2);
  uint8_t* a = pool.scratch(100);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 64, 0u);
  EXPECT_EQ(pool.scratch(50), a);  // no reallocation for a smaller request
  uint8_t* b = pool.scratch(1 << 20);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b) % 64, 0u);
  b[(1 << 20) - 1] = 7;
}

}  // namespace
}  // namespace osprey::base
