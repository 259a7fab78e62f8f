// matmul_ref against a direct double computation, and the threaded matmul against matmul_ref.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "src/base/thread_pool.h"
#include "src/kernels/matmul.h"
#include "src/kernels/ref/quants.h"

namespace osprey::kernels {
namespace {

using tensor::DType;

std::vector<float> uniform(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

const DType kTypes[] = {DType::kF32,  DType::kF16,  DType::kBF16, DType::kQ4_0, DType::kQ4_1,
                        DType::kQ5_0, DType::kQ5_1, DType::kQ8_0, DType::kQ2_K, DType::kQ3_K,
                        DType::kQ4_K, DType::kQ5_K, DType::kQ6_K};

TEST(RefMatmul, MatchesDoubleDotOfDequantizedRowsWithStrides) {
  const int64_t n_out = 7, k = 512, n_tokens = 3, x_stride = k + 5, y_stride = n_out + 2;
  const auto wf = uniform(n_out * k, 1);
  const auto x = uniform(n_tokens * x_stride, 2);
  for (DType t : kTypes) {
    const size_t rs = tensor::row_size(t, k);
    std::vector<uint8_t> w(rs * n_out);
    for (int64_t r = 0; r < n_out; ++r) ref::quantize_row(t, wf.data() + r * k, w.data() + r * rs, k);
    std::vector<float> y(static_cast<size_t>(n_tokens * y_stride), -7.0f);
    MatmulArgs a{t, w.data(), x.data(), y.data(), n_out, k, n_tokens, x_stride, y_stride};
    matmul_ref(a);
    std::vector<float> row(k);
    for (int64_t r = 0; r < n_out; ++r) {
      ref::dequantize_row(t, w.data() + r * rs, row.data(), k);
      for (int64_t tk = 0; tk < n_tokens; ++tk) {
        double s = 0;
        for (int64_t i = 0; i < k; ++i) s += static_cast<double>(row[i]) * x[tk * x_stride + i];
        EXPECT_EQ(y[tk * y_stride + r], static_cast<float>(s)) << tensor::dtype_name(t);
      }
    }
    for (int64_t tk = 0; tk < n_tokens; ++tk)  // the padding between rows of y is untouched
      for (int64_t c = n_out; c < y_stride; ++c) EXPECT_EQ(y[tk * y_stride + c], -7.0f);
  }
}

// kernels::matmul is the fast path (int8 activations for quantized weights, see
// tests/kernels/simd_matmul_test.cpp): the same bits for any thread count, close to the oracle.
TEST(RefMatmul, ThreadedMatmulNearReferenceAndIndependentOfThreads) {
  const int64_t n_out = 37, k = 256, n_tokens = 5;
  const auto wf = uniform(n_out * k, 3);
  const auto x = uniform(n_tokens * k, 4);
  for (DType t : kTypes) {
    const size_t rs = tensor::row_size(t, k);
    std::vector<uint8_t> w(rs * n_out);
    for (int64_t r = 0; r < n_out; ++r) ref::quantize_row(t, wf.data() + r * k, w.data() + r * rs, k);
    std::vector<float> expect(n_tokens * n_out), got(n_tokens * n_out), first;
    MatmulArgs a{t, w.data(), x.data(), expect.data(), n_out, k, n_tokens, 0, 0};
    matmul_ref(a);
    const bool float_act = t == DType::kF32 || t == DType::kF16 || t == DType::kBF16;
    for (int threads : {1, 2, 3}) {
      base::ThreadPool pool(threads);
      a.y = got.data();
      matmul(a, pool);
      double num = 0, den = 0;
      for (size_t i = 0; i < got.size(); ++i) {
        num += (static_cast<double>(got[i]) - expect[i]) * (static_cast<double>(got[i]) - expect[i]);
        den += static_cast<double>(expect[i]) * expect[i];
      }
      EXPECT_LE(num / den, float_act ? 1e-10 : 2e-4) << tensor::dtype_name(t) << " threads " << threads;
      if (first.empty()) first = got;
      EXPECT_EQ(got, first) << tensor::dtype_name(t) << " threads " << threads;
    }
  }
}

}  // namespace
}  // namespace osprey::kernels
