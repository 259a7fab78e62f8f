// Activation quantization: the AVX2 quantizers write the same bytes as the scalar ones, and a
// round trip stays within half a quantization step of every value.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "src/kernels/act_quant.h"
#include "src/kernels/ref/quants.h"
#include "src/kernels/x86/kernels_avx2.h"
#include "tests/kernels/simd_test_util.h"

namespace osprey::kernels {
namespace {

using test::gaussian;

TEST(SimdActQuant, PairAvx2MatchesScalarBytes) {
  OSP_REQUIRE_AVX2();
  for (int64_t k : {32, 64, 96, 256, 352, 2048}) {
    auto x = gaussian(k, static_cast<uint32_t>(k), 3.0f);
    x[k / 3] = 40.0f;  // an outlier in one block
    if (k >= 64) std::fill(x.begin() + 32, x.begin() + 64, 0.0f);  // an all-zero block
    const size_t n = act_row_bytes(ActFormat::kQ8Pair, k) / sizeof(ActQ8Pair);
    std::vector<ActQ8Pair> a(n), b(n);
    std::memset(a.data(), 0x55, n * sizeof(ActQ8Pair));
    std::memset(b.data(), 0xAA, n * sizeof(ActQ8Pair));
    quantize_act_pair_scalar(x.data(), a.data(), k);
    x86::quantize_act_pair_avx2(x.data(), b.data(), k);
    EXPECT_EQ(std::memcmp(a.data(), b.data(), n * sizeof(ActQ8Pair)), 0) << "k=" << k;
  }
}

TEST(SimdActQuant, Q8KAvx2MatchesScalarBytes) {
  OSP_REQUIRE_AVX2();
  for (int64_t k : {256, 512, 1536}) {
    auto x = gaussian(k, static_cast<uint32_t>(k) + 7, 0.5f);
    x[5] = -9.0f;
    const size_t n = static_cast<size_t>(k / 256);
    std::vector<ActQ8K> a(n), b(n);
    std::memset(a.data(), 0x55, n * sizeof(ActQ8K));
    std::memset(b.data(), 0xAA, n * sizeof(ActQ8K));
    quantize_act_q8k_scalar(x.data(), a.data(), k);
    x86::quantize_act_q8k_avx2(x.data(), b.data(), k);
    EXPECT_EQ(std::memcmp(a.data(), b.data(), n * sizeof(ActQ8K)), 0) << "k=" << k;
  }
}

// Every value comes back within half a step (d / 2) of its block, and the stored sums match the
// quants. The scalar path is checked here; the byte tests above carry it to AVX2.
TEST(SimdActQuant, PairRoundTripWithinHalfStep) {
  const int64_t k = 32 * 7;  // an odd number of blocks: the last pair is half empty
  auto x = gaussian(k, 11, 2.0f);
  std::vector<ActQ8Pair> q(act_row_bytes(ActFormat::kQ8Pair, k) / sizeof(ActQ8Pair));
  quantize_act_pair_scalar(x.data(), q.data(), k);
  std::vector<float> y(k);
  dequantize_act_pair(q.data(), y.data(), k);
  for (int64_t b = 0; b < k / 32; ++b) {
    float amax = 0;
    for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(x[32 * b + i]));
    const float d = amax / 127.0f;
    for (int i = 0; i < 32; ++i) EXPECT_LE(std::fabs(y[32 * b + i] - x[32 * b + i]), 0.5f * d * 1.0001f);
    const ActQ8Pair& p = q[b / 2];
    const int h = static_cast<int>(b % 2);
    int sum = 0;
    for (int i = 0; i < 16; ++i) sum += p.qa[16 * h + i] + p.qb[16 * h + i];
    EXPECT_EQ(p.m8sum[4 * h], -8 * sum);
    EXPECT_FLOAT_EQ(p.s[4 * h] * 4.0f, p.d[4 * h] * static_cast<float>(sum));
  }
  const ActQ8Pair& last = q.back();  // the missing block contributes nothing
  for (int i = 16; i < 32; ++i) EXPECT_EQ(last.qa[i] | last.qb[i], 0);
  EXPECT_EQ(last.d[4], 0.0f);
}

TEST(SimdActQuant, Q8KRoundTripAndSumsMatchReference) {
  const int64_t k = 512;
  auto x = gaussian(k, 12, 1.0f);
  std::vector<ActQ8K> q(2);
  std::vector<tensor::BlockQ8_K> r(2);
  quantize_act_q8k_scalar(x.data(), q.data(), k);
  ref::quantize_row_activation(tensor::DType::kQ8_K, x.data(), r.data(), k);
  std::vector<float> y(k);
  dequantize_act_q8k(q.data(), y.data(), k);
  for (int b = 0; b < 2; ++b) {
    EXPECT_FLOAT_EQ(q[b].d, r[b].d);
    for (int g = 0; g < 16; ++g) {
      int s = 0;
      for (int i = 0; i < 16; ++i) s += q[b].qs[16 * g + i];
      EXPECT_EQ(q[b].bsums[g], s);
    }
    for (int i = 0; i < 256; ++i) {
      EXPECT_LE(std::abs(q[b].qs[i] - r[b].qs[i]), 1);  // the reference may round a tie differently
      EXPECT_LE(std::fabs(y[256 * b + i] - x[256 * b + i]), 0.5f * q[b].d * 1.0001f);
    }
  }
}

}  // namespace
}  // namespace osprey::kernels
