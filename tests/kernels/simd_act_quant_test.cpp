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

// The x86 SIMD paths only (the ARM cross build has no x86 kernels to test).
#if defined(__x86_64__)

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
    std::fill(x.begin() + 32, x.begin() + 48, 0.0f);  // an all-zero group
    const size_t n = static_cast<size_t>(k / 256);
    std::vector<ActQ8K> a(n), b(n);
    std::memset(a.data(), 0x55, n * sizeof(ActQ8K));
    std::memset(b.data(), 0xAA, n * sizeof(ActQ8K));
    quantize_act_q8k_scalar(x.data(), a.data(), k);
    x86::quantize_act_q8k_avx2(x.data(), b.data(), k);
    EXPECT_EQ(std::memcmp(a.data(), b.data(), n * sizeof(ActQ8K)), 0) << "k=" << k;
  }
}

// Every value comes back within half a step of its lane's scale (max|x| / 127 over the 8 values
// 4l..4l+3 and 16+4l..16+4l+3 of a block), and the stored sums match the quants. The scalar path
// is checked here; the byte tests above carry it to AVX2.
TEST(SimdActQuant, PairRoundTripWithinHalfStep) {
  const int64_t k = 32 * 7;  // an odd number of blocks: the last pair is half empty
  auto x = gaussian(k, 11, 2.0f);
  x[37] = 30.0f;  // an outlier in lane 1 of block 1
  std::vector<ActQ8Pair> q(act_row_bytes(ActFormat::kQ8Pair, k) / sizeof(ActQ8Pair));
  quantize_act_pair_scalar(x.data(), q.data(), k);
  std::vector<float> y(k);
  dequantize_act_pair(q.data(), y.data(), k);
  for (int64_t b = 0; b < k / 32; ++b) {
    const ActQ8Pair& p = q[b / 2];
    const int h = static_cast<int>(b % 2);
    for (int l = 0; l < 4; ++l) {
      float amax = 0;
      int sum = 0;
      for (int i = 0; i < 4; ++i) {
        amax = std::max({amax, std::fabs(x[32 * b + 4 * l + i]), std::fabs(x[32 * b + 16 + 4 * l + i])});
        sum += p.qa[16 * h + 4 * l + i] + p.qb[16 * h + 4 * l + i];
      }
      const float d = amax / 127.0f;
      EXPECT_EQ(p.d[4 * h + l], d) << "block " << b << " lane " << l;
      for (int i = 0; i < 4; ++i) {
        EXPECT_LE(std::fabs(y[32 * b + 4 * l + i] - x[32 * b + 4 * l + i]), 0.5f * d * 1.0001f);
        EXPECT_LE(std::fabs(y[32 * b + 16 + 4 * l + i] - x[32 * b + 16 + 4 * l + i]), 0.5f * d * 1.0001f);
      }
      EXPECT_EQ(p.m8sum[4 * h + l], -8 * sum);
      EXPECT_FLOAT_EQ(p.s[4 * h + l], d * static_cast<float>(sum));
    }
  }
  EXPECT_EQ(q[0].qa[16 + 5], 127);  // x[37]: block 1, value 5 (lane 1)
  EXPECT_LT(q[0].d[4], q[0].d[5] / 5.0f);  // lane 0 of block 1 keeps a scale far below the outlier's
  const ActQ8Pair& last = q.back();  // the missing block contributes nothing
  for (int i = 16; i < 32; ++i) EXPECT_EQ(last.qa[i] | last.qb[i], 0);
  EXPECT_EQ(last.d[4], 0.0f);
}

// Each lane of 4 values has its own scale max|x| / 127 (an outlier leaves its neighbours their 8
// bits), every value comes back within half a step, and each group of 16 stores the sum over its
// lanes of scale * sum of quants.
TEST(SimdActQuant, Q8KLaneScalesRoundTripAndSums) {
  const int64_t k = 512;
  auto x = gaussian(k, 12, 1.0f);
  x[21] = 50.0f;                                                // lane 5 of block 0
  std::fill(x.begin() + 256 + 48, x.begin() + 256 + 64, 0.0f);  // group 3 of block 1 is zero
  std::vector<ActQ8K> q(2);
  quantize_act_q8k_scalar(x.data(), q.data(), k);
  std::vector<float> y(k);
  dequantize_act_q8k(q.data(), y.data(), k);
  for (int b = 0; b < 2; ++b) {
    for (int g = 0; g < 16; ++g) {
      float s = 0.0f;
      for (int lane = 4 * g; lane < 4 * g + 4; ++lane) {
        const float* xl = x.data() + 256 * b + 4 * lane;
        float amax = 0;
        int sum = 0;
        for (int i = 0; i < 4; ++i) amax = std::max(amax, std::fabs(xl[i])), sum += q[b].qs[4 * lane + i];
        const float d = amax / 127.0f;
        EXPECT_EQ(q[b].d[lane], d) << "block " << b << " lane " << lane;
        for (int i = 0; i < 4; ++i) EXPECT_LE(std::fabs(y[256 * b + 4 * lane + i] - xl[i]), 0.5f * d * 1.0001f);
        s = std::fma(d, static_cast<float>(sum), s);
      }
      EXPECT_EQ(q[b].s[g], s) << "block " << b << " group " << g;
    }
  }
  EXPECT_EQ(q[1].s[3], 0.0f);
  EXPECT_EQ(q[0].qs[21], 127);
  EXPECT_LT(q[0].d[4], q[0].d[5] / 10.0f);
}

}  // namespace
}  // namespace osprey::kernels

#endif  // __x86_64__
