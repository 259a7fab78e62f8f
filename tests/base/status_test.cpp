#include "src/base/status.h"

#include <gtest/gtest.h>

#include "src/base/thread_pool.h"

namespace osprey::base {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return invalid_argument("expected a positive value, got " + std::to_string(v));
  return v;
}

Status use(int v, int* out) {
  OSP_ASSIGN_OR_RETURN(*out, parse_positive(v));
  return ok_status();
}

TEST(Status, CarriesCodeAndMessage) {
  Status s = invalid_argument("bad magic");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.to_string(), "invalid_argument: bad magic");
  EXPECT_TRUE(ok_status().ok());
}

TEST(Status, AssignOrReturnPropagates) {
  int out = 0;
  EXPECT_TRUE(use(3, &out).ok());
  EXPECT_EQ(out, 3);
  Status s = use(-1, &out);
  EXPECT_EQ(s.message(), "expected a positive value, got -1");
}

TEST(ThreadPool, EveryIndexRunsOnce) {
  for (int n : {1, 2, 3}) {
    ThreadPool pool(n);
    for (int rep = 0; rep < 50; ++rep) {
      std::vector<int> hits(1000, 0);
      pool.parallel_for(1000, [&](int64_t b, int64_t e, int) {
        for (int64_t i = b; i < e; ++i) hits[i]++;
      });
      for (int h : hits) ASSERT_EQ(h, 1);
    }
  }
}

}  // namespace
}  // namespace osprey::base
