// The AMX-BF16 prompt-batch path against the scalar oracle (matmul_ref with the original f32
// activations) by NMSE, for every weight type, on odd sizes: k with tails past the 256-value
// decode slices and the 2048-value K-blocks, row and token counts that are not multiples of the 16 x 16 tiles. And the properties
// the engine relies on: results do not depend on the thread count or on which other tokens share
// the call, and in a mixed call decode rows get exactly the decode kernels' result.
#include <gtest/gtest.h>

#include <vector>

#include "src/base/thread_pool.h"
#include "src/kernels/dispatch.h"
#include "src/kernels/matmul.h"
#include "src/kernels/ref/quants.h"
#include "src/kernels/x86/dequant_avx512.h"
#include "tests/kernels/simd_test_util.h"

// The x86 SIMD paths only (the ARM cross build has no x86 kernels to test).
#if defined(__x86_64__)

namespace osprey::kernels {
namespace {

using tensor::DType;
using test::gaussian;
using test::nmse;
using test::random_weights;

// Float weights: both operands keep 16 of their 24 significant bits (bf16 hi + lo) and the lo*lo
// product is dropped: ~2^-16 relative per product at worst, random in sign; measured NMSE at most
// 3e-10, so 1e-8 leaves room for cancellation in single outputs.
constexpr double kFloatTol = 1e-8;
// Quantized weights are rounded to one bf16 (relative error uniform within +-2^-9, rms 1.1e-3):
// NMSE ~1.3e-6 pooled over many outputs. 1e-5 is still 20x below what the int8 activations of the
// decode kernels are allowed (2e-4, simd_matmul_test) and is checked on pooled outputs, as there.
constexpr double kRoundedTol = 1e-5;

double tol(DType t) { return t == DType::kF32 || t == DType::kF16 || t == DType::kBF16 ? kFloatTol : kRoundedTol; }

#define OSP_REQUIRE_AMX()                                                         \
  do {                                                                            \
    if (best_isa() != Isa::kAmx) GTEST_SKIP() << "this CPU or OS lacks AMX-BF16"; \
  } while (0)

std::vector<int64_t> k_values(DType t) {
  const int64_t bs = tensor::info(t).block_size;
  if (bs == 1) return {1, 7, 33, 256, 600, 2600};
  if (bs == 32) return {32, 96, 544, 2080};
  return {256, 1280, 2304};
}

// The AMX path itself (matmul_amx), whatever the row count.
std::vector<float> run_amx(DType t, const std::vector<uint8_t>& w, const std::vector<float>& x, int64_t n_out,
                           int64_t n_tok, int64_t k, base::ThreadPool& pool) {
  std::vector<float> y(static_cast<size_t>(n_out * n_tok), -1.0f);
  matmul_amx(MatmulArgs{t, w.data(), x.data(), y.data(), n_out, k, n_tok, 0, 0}, pool);
  return y;
}

// The dispatching matmul_fast on this CPU, with optional per-row sequence counts.
std::vector<float> run(DType t, const std::vector<uint8_t>& w, const std::vector<float>& x, int64_t n_out,
                       int64_t n_tok, int64_t k, Isa isa, base::ThreadPool& pool, const uint16_t* seq_rows = nullptr) {
  std::vector<float> y(static_cast<size_t>(n_out * n_tok), -1.0f);
  MatmulArgs a{t, w.data(), x.data(), y.data(), n_out, k, n_tok, 0, 0};
  a.seq_rows = seq_rows;
  matmul_fast(a, pool, isa);
  return y;
}

TEST(AmxMatmul, EveryTypeMatchesTheOracle) {
  OSP_REQUIRE_AMX();
  base::ThreadPool pool(2);
  uint32_t seed = 900;
  for (DType t : test::kAllWeightTypes) {
    for (int64_t k : k_values(t)) {
      double num = 0, den = 0;  // pooled over the shapes: single outputs are too noisy
      for (int64_t n_out : {1, 13, 37, 70}) {
        for (int64_t n_tok : {2, 17, 40}) {
          SCOPED_TRACE(::testing::Message() << tensor::dtype_name(t) << " k=" << k << " n_out=" << n_out
                                            << " n_tok=" << n_tok);
          const auto w = random_weights(t, n_out, k, ++seed);
          const auto x = gaussian(n_tok * k, ++seed);
          const auto y = run_amx(t, w, x, n_out, n_tok, k, pool);
          std::vector<float> r(y.size());
          matmul_ref(MatmulArgs{t, w.data(), x.data(), r.data(), n_out, k, n_tok, 0, 0});
          for (size_t i = 0; i < y.size(); ++i) {
            num += (static_cast<double>(y[i]) - r[i]) * (static_cast<double>(y[i]) - r[i]);
            den += static_cast<double>(r[i]) * r[i];
          }
        }
      }
      EXPECT_LE(num / den, tol(t)) << tensor::dtype_name(t) << " k=" << k;
    }
  }
}

TEST(AmxMatmul, FastDecodersAreBitExact) {
  OSP_REQUIRE_AMX();
  for (DType t : test::kAllWeightTypes) {
    const int64_t k = 1024, k0 = 256, n = 512;
    const auto w = random_weights(t, 1, k, 31);
    std::vector<float> fast(static_cast<size_t>(n), -7.0f), ref(static_cast<size_t>(k));
    if (!x86::dequant_row_avx512(t, w.data(), k0, n, fast.data())) {
      EXPECT_EQ(fast[0], -7.0f) << tensor::dtype_name(t) << ": wrote although it declined";
      continue;
    }
    ref::dequantize_row(t, w.data(), ref.data(), k);
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(fast[i], ref[k0 + i]) << tensor::dtype_name(t) << " value " << k0 + i;
  }
}

TEST(AmxMatmul, StridedRowsAndFullTiles) {
  OSP_REQUIRE_AMX();
  base::ThreadPool pool(2);
  const DType t = DType::kQ4_K;
  const int64_t n_out = 64, n_tok = 32, k = 1024, xs = k + 8, ys = n_out + 3;
  const auto w = random_weights(t, n_out, k, 5);
  const auto xd = gaussian(n_tok * xs, 6);
  std::vector<float> y(static_cast<size_t>(n_tok * ys), 7.0f), r(static_cast<size_t>(n_tok * ys), 7.0f);
  matmul_amx(MatmulArgs{t, w.data(), xd.data(), y.data(), n_out, k, n_tok, xs, ys}, pool);
  matmul_ref(MatmulArgs{t, w.data(), xd.data(), r.data(), n_out, k, n_tok, xs, ys});
  EXPECT_LE(nmse(y, r), tol(t));
  for (int64_t tk = 0; tk < n_tok; ++tk)
    for (int64_t j = n_out; j < ys; ++j) EXPECT_EQ(y[tk * ys + j], 7.0f) << "wrote past a row's end";
}

TEST(AmxMatmul, IndependentOfThreadsAndOfTheOtherTokens) {
  OSP_REQUIRE_AMX();
  base::ThreadPool one(1), two(2);
  for (DType t : {DType::kF16, DType::kQ4_0, DType::kQ6_K}) {
    const int64_t n_out = 45, k = 768, n_tok = 35;
    const auto w = random_weights(t, n_out, k, 11);
    const auto x = gaussian(n_tok * k, 12);
    const auto a = run_amx(t, w, x, n_out, n_tok, k, one);
    const auto b = run_amx(t, w, x, n_out, n_tok, k, two);
    EXPECT_EQ(a, b) << tensor::dtype_name(t);
    // Tokens 20..21 alone give bit for bit what they gave among 35.
    const std::vector<float> x2(x.begin() + 20 * k, x.begin() + 22 * k);
    const auto c = run_amx(t, w, x2, n_out, 2, k, two);
    EXPECT_EQ(c, std::vector<float>(a.begin() + 20 * n_out, a.begin() + 22 * n_out)) << tensor::dtype_name(t);
  }
}

TEST(AmxMatmul, EachRowsOwnSequenceCountPicksItsKernels) {
  OSP_REQUIRE_AMX();
  base::ThreadPool pool(2);
  for (DType t : {DType::kQ4_0, DType::kQ8_0, DType::kQ4_K, DType::kF16}) {
    const int64_t n_out = 40, k = 512, n_tok = 9, m = amx_min_rows(t);
    ASSERT_EQ(prompt_kernel_min_rows(t), m);
    const auto w = random_weights(t, n_out, k, 21);
    const auto x = gaussian(n_tok * k, 22);
    // Rows at or above the type's threshold are prompt rows; 0 and m - 1 are decode rows.
    const std::vector<uint16_t> rows = {static_cast<uint16_t>(m), 0, static_cast<uint16_t>(m + 7), 500, 1,
                                        static_cast<uint16_t>(m - 1), static_cast<uint16_t>(m), 600, 2};
    const auto y = run(t, w, x, n_out, n_tok, k, Isa::kAmx, pool, rows.data());
    for (int64_t tk = 0; tk < n_tok; ++tk) {
      const std::vector<float> xr(x.begin() + tk * k, x.begin() + (tk + 1) * k);
      const std::vector<float> got(y.begin() + tk * n_out, y.begin() + (tk + 1) * n_out);
      if (rows[tk] < m) {  // a decode row: exactly the single-token decode kernel's result
        EXPECT_EQ(got, run(t, w, xr, n_out, 1, k, Isa::kAmx, pool)) << tensor::dtype_name(t) << " row " << tk;
      } else {  // a prompt row: exactly the AMX result of the row alone
        EXPECT_EQ(got, run_amx(t, w, xr, n_out, 1, k, pool)) << tensor::dtype_name(t) << " row " << tk;
      }
    }
    // Without counts a call is one sequence: below the threshold it is all decode rows.
    const auto small = run(t, w, x, n_out, n_tok, k, Isa::kAmx, pool);
    const auto dec = run(t, w, x, n_out, n_tok, k, Isa::kAvx512, pool);
    if (n_tok < m) EXPECT_EQ(small, dec) << tensor::dtype_name(t);
  }
}

}  // namespace
}  // namespace osprey::kernels

#endif  // __x86_64__
