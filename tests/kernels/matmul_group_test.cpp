// kernels::matmul_group against kernels::matmul on each matrix alone: every output must be the same
// bits, whatever the mix of weight types (one or several activation formats), the token count
// (decode, small batches, prompt batches on AMX where the CPU has it), per-row sequence counts that
// mix prompt and decode rows, thread counts, and matrices with no rows.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "src/base/thread_pool.h"
#include "src/kernels/matmul.h"
#include "tests/kernels/simd_test_util.h"

namespace osprey::kernels {
namespace {

using tensor::DType;
using test::gaussian;
using test::random_weights;

struct Mat {
  DType t;
  int64_t n_out;
};

// Runs the group once through matmul_group and once matrix by matrix; expects equal bits.
void check_group(const std::vector<Mat>& mats, int64_t k, int64_t n_tok, base::ThreadPool& pool,
                 const uint16_t* seq_rows = nullptr) {
  const auto x = gaussian(n_tok * k, 77);
  std::vector<std::vector<uint8_t>> ws;
  std::vector<std::vector<float>> yg, ya;
  std::vector<MatmulArgs> args;
  for (size_t i = 0; i < mats.size(); ++i) {
    ws.push_back(random_weights(mats[i].t, mats[i].n_out, k, static_cast<uint32_t>(100 + i)));
    yg.emplace_back(static_cast<size_t>(mats[i].n_out * n_tok), -3.0f);
    ya.emplace_back(static_cast<size_t>(mats[i].n_out * n_tok), -5.0f);
  }
  for (size_t i = 0; i < mats.size(); ++i) {
    MatmulArgs a{mats[i].t, ws[i].data(), x.data(), yg[i].data(), mats[i].n_out, k, n_tok, 0, 0};
    a.seq_rows = seq_rows;
    args.push_back(a);
  }
  matmul_group(args.data(), static_cast<int>(args.size()), pool);
  for (size_t i = 0; i < mats.size(); ++i) {
    MatmulArgs a = args[i];
    a.y = ya[i].data();
    matmul(a, pool);
    SCOPED_TRACE(::testing::Message() << "matrix " << i << " " << tensor::dtype_name(mats[i].t));
    ASSERT_EQ(yg[i].size(), ya[i].size());
    EXPECT_EQ(std::memcmp(yg[i].data(), ya[i].data(), yg[i].size() * sizeof(float)), 0);
  }
}

// Groups as models have them: Q, K, V of one type; Q4_K_M's mix (V in Q6_K); formats that need
// different activation quantizations in one group (Q4_0 with Q4_K, F16 with Q8_0); gate and up.
const std::vector<std::vector<Mat>>& groups() {
  static const std::vector<std::vector<Mat>> kGroups = {
      {{DType::kQ4_0, 72}, {DType::kQ4_0, 16}, {DType::kQ4_0, 16}},
      {{DType::kQ4_K, 72}, {DType::kQ4_K, 16}, {DType::kQ6_K, 16}},
      {{DType::kQ4_0, 40}, {DType::kQ4_K, 24}, {DType::kF32, 9}},
      {{DType::kF16, 33}, {DType::kQ8_0, 40}},
      {{DType::kQ8_0, 0}, {DType::kQ8_0, 21}},
  };
  return kGroups;
}

TEST(MatmulGroup, SameBitsAsEachMatmulAlone) {
  base::ThreadPool p1(1), p2(2), p3(3);
  for (base::ThreadPool* pool : {&p1, &p2, &p3}) {
    for (const auto& g : groups()) {
      for (int64_t n_tok : {1, 3, 9, 70}) {
        SCOPED_TRACE(::testing::Message() << "threads " << pool->size() << " n_tok " << n_tok << " first "
                                          << tensor::dtype_name(g[0].t));
        check_group(g, 512, n_tok, *pool);
      }
    }
  }
}

// Per-row sequence counts: all decode rows, all prompt rows, and a mix (a 66-row prompt chunk with
// four decode rows), which the AMX path splits between kernels.
TEST(MatmulGroup, SameBitsWithSequenceRows) {
  base::ThreadPool pool(2);
  const int64_t n_tok = 70;
  std::vector<uint16_t> decode(n_tok, 1), prompt(n_tok, n_tok), mixed(n_tok, 66);
  for (int64_t t = 66; t < n_tok; ++t) mixed[t] = 1;
  for (const auto& g : groups()) {
    for (const auto* rows : {&decode, &prompt, &mixed}) {
      SCOPED_TRACE(::testing::Message() << "first " << tensor::dtype_name(g[0].t) << " rows[0] " << (*rows)[0]);
      check_group(g, 512, n_tok, pool, rows->data());
    }
  }
}

}  // namespace
}  // namespace osprey::kernels
