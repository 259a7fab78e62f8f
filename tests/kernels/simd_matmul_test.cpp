// Every matmul path against the scalar oracle (matmul_ref) by NMSE, on random data with odd sizes:
// n_out not a multiple of any tile, n_tokens 1..17, k several multiples of the block size.
//  - exact: the oracle multiplies by the activations the kernel actually saw (quantized then
//    dequantized), so only float rounding separates them;
//  - near: the oracle multiplies by the original activations; the gap is 8-bit activation rounding.
// Results must not depend on the thread count.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "src/base/thread_pool.h"
#include "src/kernels/dispatch.h"
#include "src/kernels/matmul.h"
#include "src/kernels/ref/quants.h"
#include "tests/kernels/simd_test_util.h"

namespace osprey::kernels {
namespace {

using tensor::DType;
using test::gaussian;
using test::nmse;
using test::random_weights;

constexpr double kExactTol = 1e-10;  // float rounding only
// K-quant kernels scale each group of 16 by its activation scale in float, so unlike the integer
// sums of the 32-block types they carry float rounding: relative to the unsigned-offset terms they
// subtract (Q6_K: d * sc * 32 * x), ~1e-7 each, which for a single output with cancellation shows up
// as an NMSE near 1e-8. That is still four orders below what 8-bit activations cost (kNearTol).
constexpr double kFloatGroupTol = 1e-7;
constexpr double kNearTol = 2e-4;    // 8-bit activations: (max|x| / 127)^2 / 12 relative to E[x^2]

std::vector<int64_t> k_values(DType t) {
  const int64_t bs = tensor::info(t).block_size;
  if (bs == 1) return {1, 7, 8, 33, 256};
  if (bs == 32) return {32, 96, 256, 352};
  return {256, 768, 1280};
}

// The activations a kernel row sees: x itself for float types, else quantize + dequantize.
std::vector<float> seen_activations(const KernelTraits& tr, const std::vector<float>& x, int64_t n_tok,
                                    int64_t k) {
  if (tr.act == ActFormat::kF32) return x;
  std::vector<float> out(x.size());
  const size_t rb = act_row_bytes(tr.act, k);
  std::vector<ActQ8Pair> buf(rb / sizeof(ActQ8Pair) + 1);  // 32-byte aligned storage
  for (int64_t t = 0; t < n_tok; ++t) {
    if (tr.act == ActFormat::kQ8Pair) {
      quantize_act_pair_scalar(x.data() + t * k, buf.data(), k);
      dequantize_act_pair(buf.data(), out.data() + t * k, k);
    } else {
      auto* q = reinterpret_cast<ActQ8K*>(buf.data());
      quantize_act_q8k_scalar(x.data() + t * k, q, k);
      dequantize_act_q8k(q, out.data() + t * k, k);
    }
  }
  return out;
}

std::vector<float> run_ref(DType t, const std::vector<uint8_t>& w, const std::vector<float>& x, int64_t n_out,
                           int64_t n_tok, int64_t k) {
  std::vector<float> y(static_cast<size_t>(n_out * n_tok));
  matmul_ref(MatmulArgs{t, w.data(), x.data(), y.data(), n_out, k, n_tok, 0, 0});
  return y;
}

std::vector<float> run_fast(DType t, const std::vector<uint8_t>& w, const std::vector<float>& x, int64_t n_out,
                            int64_t n_tok, int64_t k, Isa isa, base::ThreadPool& pool) {
  std::vector<float> y(static_cast<size_t>(n_out * n_tok), -1.0f);
  matmul_fast(MatmulArgs{t, w.data(), x.data(), y.data(), n_out, k, n_tok, 0, 0}, pool, isa);
  return y;
}

void check_type(DType t, Isa isa, base::ThreadPool& pool) {
  const KernelTraits* tr = kernel_traits(t, isa);
  ASSERT_NE(tr, nullptr) << tensor::dtype_name(t) << " has no " << isa_name(isa) << " kernels";
  uint32_t seed = 100;
  for (int64_t k : k_values(t)) {
    double num = 0, den = 0;  // the near comparison pools every shape: single outputs are too noisy
    for (int64_t n_out : {1, 5, 13, 37}) {
      for (int64_t n_tok = 1; n_tok <= 17; ++n_tok) {
        if (n_out != 13 && n_tok != 1 && n_tok != 4 && n_tok != 9) continue;  // full sweep on one shape
        SCOPED_TRACE(::testing::Message() << tensor::dtype_name(t) << " " << isa_name(isa) << " k=" << k
                                          << " n_out=" << n_out << " n_tok=" << n_tok);
        const auto w = random_weights(t, n_out, k, ++seed);
        const auto x = gaussian(n_tok * k, ++seed);
        const auto y = run_fast(t, w, x, n_out, n_tok, k, isa, pool);
        const double exact = nmse(y, run_ref(t, w, seen_activations(*tr, x, n_tok, k), n_out, n_tok, k));
        EXPECT_LE(exact, tr->act == ActFormat::kQ8K ? kFloatGroupTol : kExactTol);
        const auto near = run_ref(t, w, x, n_out, n_tok, k);
        for (size_t i = 0; i < y.size(); ++i) {
          num += (static_cast<double>(y[i]) - near[i]) * (static_cast<double>(y[i]) - near[i]);
          den += static_cast<double>(near[i]) * near[i];
        }
      }
    }
    EXPECT_LE(num / den, tr->act == ActFormat::kF32 ? kExactTol : kNearTol)
        << tensor::dtype_name(t) << " " << isa_name(isa) << " k=" << k;
  }
}

TEST(SimdMatmul, ScalarPathMatchesOracle) {
  base::ThreadPool pool(2);
  for (DType t : test::kAllWeightTypes) check_type(t, Isa::kScalar, pool);
}

TEST(SimdMatmul, Avx2FloatTypesMatchOracle) {
  OSP_REQUIRE_AVX2();
  base::ThreadPool pool(2);
  for (DType t : {DType::kF32, DType::kF16, DType::kBF16}) check_type(t, Isa::kAvx2, pool);
}

TEST(SimdMatmul, Avx2Quant32TypesMatchOracle) {
  OSP_REQUIRE_AVX2();
  base::ThreadPool pool(2);
  for (DType t : {DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1, DType::kQ8_0}) check_type(t, Isa::kAvx2, pool);
}

TEST(SimdMatmul, AvxVnniQuant32TypesMatchOracle) {
  if (kernel_traits(DType::kQ4_0, Isa::kAvxVnni) == nullptr) GTEST_SKIP() << "this CPU lacks AVX-VNNI";
  base::ThreadPool pool(2);
  for (DType t : {DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1, DType::kQ8_0}) check_type(t, Isa::kAvxVnni, pool);
}

TEST(SimdMatmul, Avx512TypesMatchOracle) {
  if (kernel_traits(DType::kQ4_0, Isa::kAvx512) == nullptr) GTEST_SKIP() << "this CPU lacks AVX-512 F/BW/VNNI";
  base::ThreadPool pool(2);
  for (DType t : {DType::kF32, DType::kF16, DType::kBF16, DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1, DType::kQ8_0, DType::kQ2_K, DType::kQ3_K,
                  DType::kQ4_K, DType::kQ5_K, DType::kQ6_K})
    check_type(t, Isa::kAvx512, pool);
}

// Wider registers change no result for quantized weights: every SIMD instruction set gives the
// same bits (integer sums, then the same float operations per block). Float weights sum in a
// different lane order on AVX-512; the oracle tests cover them.
#if defined(__aarch64__)
// The AArch64 build only (scripts/test.sh runs it under qemu-user). One thread: qemu-user cannot
// start threads on this CI's machines; the split of rows over threads is the same code on every
// ISA (tested on x86).
TEST(SimdMatmul, NeonTypesMatchOracle) {
  base::ThreadPool pool(1);
  int n = 0;
  for (DType t : test::kAllWeightTypes) {
    if (kernel_traits(t, Isa::kNeon) == nullptr) continue;
    check_type(t, Isa::kNeon, pool);
    ++n;
  }
  EXPECT_EQ(n, 5);  // F32, F16, BF16, Q4_0, Q8_0
}
#endif

TEST(SimdMatmul, InstructionSetsAgreeBitwise) {
  OSP_REQUIRE_AVX2();
  base::ThreadPool pool(2);
  for (DType t : test::kAllWeightTypes) {
    if (!tensor::info(t).is_quantized) continue;
    const int64_t k = tensor::info(t).block_size == 32 ? 352 : 512, n_out = 23;
    for (int64_t n_tok : {1, 5, 12}) {
      SCOPED_TRACE(::testing::Message() << tensor::dtype_name(t) << " n_tok=" << n_tok);
      const auto w = random_weights(t, n_out, k, 21);
      const auto x = gaussian(n_tok * k, 22);
      const auto ref = run_fast(t, w, x, n_out, n_tok, k, Isa::kAvx2, pool);
      for (Isa isa : {Isa::kAvxVnni, Isa::kAvx512}) {
        if (kernel_traits(t, isa) == nullptr) continue;
        const auto y = run_fast(t, w, x, n_out, n_tok, k, isa, pool);
        EXPECT_EQ(std::memcmp(y.data(), ref.data(), y.size() * 4), 0) << isa_name(isa);
      }
    }
  }
}

TEST(SimdMatmul, Avx2KQuantTypesMatchOracle) {
  OSP_REQUIRE_AVX2();
  base::ThreadPool pool(2);
  for (DType t : {DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K}) check_type(t, Isa::kAvx2, pool);
}

// Realistic weights (the reference quantizer on Gaussian rows) for the priority types.
TEST(SimdMatmul, Avx2QuantizedGaussianWeightsNearOracle) {
  OSP_REQUIRE_AVX2();
  base::ThreadPool pool(2);
  const int64_t n_out = 19, k = 512, n_tok = 6;
  const auto wf = gaussian(n_out * k, 5, 0.05f);
  const auto x = gaussian(n_tok * k, 6);
  for (DType t : test::kAllWeightTypes) {
    SCOPED_TRACE(tensor::dtype_name(t));
    const size_t rs = tensor::row_size(t, k);
    std::vector<uint8_t> w(rs * n_out);
    for (int64_t r = 0; r < n_out; ++r) ref::quantize_row(t, wf.data() + r * k, w.data() + r * rs, k);
    const auto ref = run_ref(t, w, x, n_out, n_tok, k);
    for (int64_t nt : {int64_t{1}, n_tok}) {
      std::vector<float> xs(x.begin(), x.begin() + nt * k);
      const auto y = run_fast(t, w, xs, n_out, nt, k, Isa::kAvx2, pool);
      std::vector<float> r(ref.begin(), ref.begin() + nt * n_out);
      EXPECT_LE(nmse(y, r), kernel_traits(t, Isa::kAvx2)->act == ActFormat::kF32 ? kExactTol : kNearTol);
    }
  }
}

TEST(SimdMatmul, ResultsIndependentOfThreadCount) {
  base::ThreadPool p1(1), p2(2), p3(3);
  for (DType t : test::kAllWeightTypes) {
    const int64_t k = tensor::info(t).block_size == 32 ? 352 : 512;
    for (int64_t n_tok : {1, 3, 17}) {
      SCOPED_TRACE(::testing::Message() << tensor::dtype_name(t) << " n_tok=" << n_tok);
      const int64_t n_out = 45;
      const auto w = random_weights(t, n_out, k, 7);
      const auto x = gaussian(n_tok * k, 8);
      const Isa isa = best_isa();
      const auto y1 = run_fast(t, w, x, n_out, n_tok, k, isa, p1);
      const auto y2 = run_fast(t, w, x, n_out, n_tok, k, isa, p2);
      const auto y3 = run_fast(t, w, x, n_out, n_tok, k, isa, p3);
      EXPECT_EQ(std::memcmp(y1.data(), y2.data(), y1.size() * 4), 0);
      EXPECT_EQ(std::memcmp(y1.data(), y3.data(), y1.size() * 4), 0);
    }
  }
}

// A token's outputs do not depend on which other tokens share its batch (decode, small batches and
// prompt batches take different paths; each output keeps the same arithmetic).
void check_batch_independence(Isa isa, base::ThreadPool& pool) {
  for (DType t : test::kAllWeightTypes) {
    if (kernel_traits(t, isa) == nullptr) continue;
    SCOPED_TRACE(::testing::Message() << tensor::dtype_name(t) << " " << isa_name(isa));
    const int64_t k = tensor::info(t).block_size == 32 ? 1056 : 1280, n_out = 9, n_tok = 20;
    const auto w = random_weights(t, n_out, k, 31);
    const auto x = gaussian(n_tok * k, 32);
    const auto all = run_fast(t, w, x, n_out, n_tok, k, isa, pool);
    for (int64_t nt : {1, 3}) {
      for (int64_t t0 = 0; t0 + nt <= n_tok; t0 += 7) {
        std::vector<float> xs(x.begin() + t0 * k, x.begin() + (t0 + nt) * k);
        const auto part = run_fast(t, w, xs, n_out, nt, k, isa, pool);
        EXPECT_EQ(std::memcmp(part.data(), all.data() + t0 * n_out, part.size() * 4), 0) << "tokens " << t0 << "+" << nt;
      }
    }
  }
}

TEST(SimdMatmul, TokenResultsIndependentOfBatch) {
  base::ThreadPool pool(2);
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvxVnni, Isa::kAvx512}) check_batch_independence(isa, pool);
}

#if defined(__aarch64__)
TEST(SimdMatmul, NeonTokenResultsIndependentOfBatch) {
  ASSERT_NE(kernel_traits(DType::kQ4_0, Isa::kNeon), nullptr);
  base::ThreadPool pool(1);  // see NeonTypesMatchOracle
  check_batch_independence(Isa::kNeon, pool);
}
#endif

TEST(SimdMatmul, StridedRowsLeavePaddingUntouched) {
  base::ThreadPool pool(2);
  const int64_t n_out = 11, k = 256, n_tok = 5, xs = k + 9, ys = n_out + 3;
  for (DType t : test::kAllWeightTypes) {
    SCOPED_TRACE(tensor::dtype_name(t));
    const auto w = random_weights(t, n_out, k, 9);
    const auto x = gaussian(n_tok * xs, 10);
    std::vector<float> y(static_cast<size_t>(n_tok * ys), -7.0f), yr(y);
    matmul_fast(MatmulArgs{t, w.data(), x.data(), y.data(), n_out, k, n_tok, xs, ys}, pool, best_isa());
    matmul_ref(MatmulArgs{t, w.data(), x.data(), yr.data(), n_out, k, n_tok, xs, ys});
    for (int64_t tk = 0; tk < n_tok; ++tk)
      for (int64_t c = n_out; c < ys; ++c) EXPECT_EQ(y[tk * ys + c], -7.0f);
    std::vector<float> a, b;
    for (int64_t tk = 0; tk < n_tok; ++tk)
      for (int64_t r = 0; r < n_out; ++r) a.push_back(y[tk * ys + r]), b.push_back(yr[tk * ys + r]);
    EXPECT_LE(nmse(a, b), kNearTol);
  }
}

}  // namespace
}  // namespace osprey::kernels
