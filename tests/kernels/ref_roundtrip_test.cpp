// Round trips of the reference quantizers on synthetic data, vec_dot against dequantize, and the
// activation quantizers.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <thread>
#include <vector>

#include "src/kernels/ref/quants.h"
#include "src/tensor/dtype.h"
#include "src/tensor/half.h"

namespace osprey::kernels::ref {
namespace {

using tensor::DType;

struct TypeBound {
  DType type;
  // Upper bound on the relative RMSE of a Gaussian row: llama.cpp's own quantizer reaches about
  // these values on Gaussian weights (../shared/reference/quant-rmse.json), plus 5 %.
  double max_rel_rmse;
};

const TypeBound kWeightTypes[] = {
    {DType::kF32, 0.0},           {DType::kF16, 0.000208 * 1.05}, {DType::kBF16, 0.001668 * 1.05},
    {DType::kQ8_0, 0.005408 * 1.05}, {DType::kQ6_K, 0.017871 * 1.05}, {DType::kQ5_K, 0.036353 * 1.05},
    {DType::kQ5_1, 0.03819 * 1.05},  {DType::kQ5_0, 0.043135 * 1.05}, {DType::kQ4_K, 0.071846 * 1.05},
    {DType::kQ4_1, 0.078804 * 1.05}, {DType::kQ4_0, 0.086614 * 1.05}, {DType::kQ3_K, 0.151654 * 1.05},
    {DType::kQ2_K, 0.298416 * 1.05},
};

std::vector<float> gaussian(int64_t n, uint32_t seed, float sigma = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, sigma);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

std::vector<float> round_trip(DType t, const std::vector<float>& x) {
  const auto n = static_cast<int64_t>(x.size());
  std::vector<uint8_t> q(tensor::row_size(t, n));
  quantize_row(t, x.data(), q.data(), n);
  std::vector<float> y(x.size());
  dequantize_row(t, q.data(), y.data(), n);
  return y;
}

double rel_rmse(const std::vector<float>& x, const std::vector<float>& y) {
  double num = 0, den = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double d = static_cast<double>(y[i]) - x[i];
    num += d * d;
    den += static_cast<double>(x[i]) * x[i];
  }
  return den > 0 ? std::sqrt(num / den) : std::sqrt(num);
}

TEST(RefQuants, HasRefForEveryWeightTypeAndActivationFormat) {
  for (const TypeBound& tb : kWeightTypes) EXPECT_TRUE(has_ref(tb.type)) << tensor::dtype_name(tb.type);
  EXPECT_TRUE(has_ref(DType::kQ8_1));
  EXPECT_TRUE(has_ref(DType::kQ8_K));
  EXPECT_FALSE(has_ref(DType::kIQ2_XXS));
  EXPECT_FALSE(has_ref(DType::kI32));
}

TEST(RefQuants, GaussianRoundTripWithinBitsBound) {
  const int64_t n = 256 * 64;
  const auto x = gaussian(n, 7);
  for (const TypeBound& tb : kWeightTypes) {
    const double r = rel_rmse(x, round_trip(tb.type, x));
    EXPECT_LE(r, tb.max_rel_rmse) << tensor::dtype_name(tb.type);
  }
}

TEST(RefQuants, ScaleInvarianceAcrossMagnitudes) {
  // Weights of any ordinary magnitude quantize to the same relative error (fp16 scales have range).
  const int64_t n = 256 * 8;
  for (const TypeBound& tb : kWeightTypes) {
    if (!tensor::info(tb.type).is_quantized) continue;
    for (float sigma : {1e-3f, 0.02f, 30.0f}) {
      const auto x = gaussian(n, 11, sigma);
      EXPECT_LE(rel_rmse(x, round_trip(tb.type, x)), tb.max_rel_rmse * 1.1)
          << tensor::dtype_name(tb.type) << " sigma " << sigma;
    }
  }
}

TEST(RefQuants, ZeroRowStaysZero) {
  const std::vector<float> x(512, 0.0f);
  for (const TypeBound& tb : kWeightTypes) {
    const auto y = round_trip(tb.type, x);
    for (float v : y) ASSERT_EQ(v, 0.0f) << tensor::dtype_name(tb.type);
  }
}

TEST(RefQuants, ConstantAndOneHotBlocks) {
  // A constant block and a block with a single non-zero value: every type with an offset or with
  // a symmetric scale reproduces these closely (error well under the Gaussian bound).
  for (const TypeBound& tb : kWeightTypes) {
    std::vector<float> c(256, -0.75f);
    EXPECT_LE(rel_rmse(c, round_trip(tb.type, c)), 0.01) << tensor::dtype_name(tb.type);
    std::vector<float> h(256, 0.0f);
    h[77] = 3.0f;
    EXPECT_LE(rel_rmse(h, round_trip(tb.type, h)), 0.01) << tensor::dtype_name(tb.type);
  }
}

TEST(RefQuants, OutlierBlockKeepsOutlier) {
  auto x = gaussian(256, 3, 0.01f);
  x[10] = 5.0f;
  for (const TypeBound& tb : kWeightTypes) {
    const auto y = round_trip(tb.type, x);
    EXPECT_NEAR(y[10], 5.0f, 5.0f * 0.02) << tensor::dtype_name(tb.type);
  }
}

TEST(RefQuants, SymmetricSweepTypesAreIdempotent) {
  // Q4_0, Q5_0 and Q8_0 search the scale exactly, so values that are already representable come
  // back unchanged.
  const auto x = gaussian(1024, 5);
  for (DType t : {DType::kQ4_0, DType::kQ5_0, DType::kQ8_0}) {
    const auto once = round_trip(t, x);
    const auto twice = round_trip(t, once);
    for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(once[i], twice[i]) << tensor::dtype_name(t) << " at " << i;
  }
}

TEST(RefQuants, VecDotEqualsDoubleDotOfDequantized) {
  const int64_t n = 256 * 4;
  const auto w = gaussian(n, 21);
  const auto x = gaussian(n, 22);
  for (DType t : {DType::kF32, DType::kF16, DType::kBF16, DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1,
                  DType::kQ8_0, DType::kQ8_1, DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K,
                  DType::kQ8_K}) {
    std::vector<uint8_t> q(tensor::row_size(t, n));
    quantize_row(t, w.data(), q.data(), n);
    std::vector<float> deq(static_cast<size_t>(n));
    dequantize_row(t, q.data(), deq.data(), n);
    double expect = 0.0;
    for (int64_t i = 0; i < n; ++i) expect += static_cast<double>(deq[i]) * static_cast<double>(x[i]);
    EXPECT_EQ(vec_dot(t, q.data(), x.data(), n), expect) << tensor::dtype_name(t);
  }
}

TEST(RefQuants, ActivationQ8_0RoundsToNearestWithMaxScale) {
  const auto x = gaussian(64, 31);
  tensor::BlockQ8_0 b[2];
  quantize_row_activation(DType::kQ8_0, x.data(), b, 64);
  for (int ib = 0; ib < 2; ++ib) {
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[32 * ib + j]));
    EXPECT_EQ(b[ib].d, tensor::fp32_to_fp16(amax / 127.0f));
    const float d = amax / 127.0f;
    for (int j = 0; j < 32; ++j) {
      EXPECT_LE(std::abs(b[ib].qs[j] * d - x[32 * ib + j]), d * 0.5f * 1.0001f);
      EXPECT_GE(b[ib].qs[j], -127);
    }
  }
}

TEST(RefQuants, ActivationQ8_1StoresScaledSum) {
  const auto x = gaussian(96, 32);
  tensor::BlockQ8_1 b[3];
  quantize_row_activation(DType::kQ8_1, x.data(), b, 96);
  for (const auto& blk : b) {
    int sum = 0;
    for (int8_t q : blk.qs) sum += q;
    EXPECT_NEAR(tensor::fp16_to_fp32(blk.s), tensor::fp16_to_fp32(blk.d) * sum,
                std::fabs(tensor::fp16_to_fp32(blk.d) * sum) * 2e-3 + 1e-6);
  }
}

TEST(RefQuants, ActivationQ8_KStoresGroupSums) {
  const auto x = gaussian(512, 33);
  tensor::BlockQ8_K b[2];
  quantize_row_activation(DType::kQ8_K, x.data(), b, 512);
  for (int ib = 0; ib < 2; ++ib) {
    float amax = 0;
    for (int j = 0; j < 256; ++j) amax = std::max(amax, std::fabs(x[256 * ib + j]));
    EXPECT_FLOAT_EQ(b[ib].d, amax / 127.0f);
    for (int g = 0; g < 16; ++g) {
      int sum = 0;
      for (int j = 0; j < 16; ++j) sum += b[ib].qs[16 * g + j];
      EXPECT_EQ(b[ib].bsums[g], sum);
    }
    for (int j = 0; j < 256; ++j) EXPECT_LE(std::abs(b[ib].qs[j] * b[ib].d - x[256 * ib + j]), b[ib].d * 0.5001f);
  }
}

TEST(RefQuants, QuantizersAreDeterministicAcrossThreads) {
  // The quantize tool runs quantize_row on many threads at once: no shared state, same bytes.
  const int64_t n = 256 * 16;
  const auto x = gaussian(n, 51);
  for (const TypeBound& tb : kWeightTypes) {
    std::vector<uint8_t> a(tensor::row_size(tb.type, n)), b(a.size()), c(a.size());
    quantize_row(tb.type, x.data(), a.data(), n);
    std::thread t1([&] { quantize_row(tb.type, x.data(), b.data(), n); });
    std::thread t2([&] { quantize_row(tb.type, x.data(), c.data(), n); });
    t1.join();
    t2.join();
    EXPECT_EQ(a, b) << tensor::dtype_name(tb.type);
    EXPECT_EQ(a, c) << tensor::dtype_name(tb.type);
  }
}

TEST(RefQuants, NonFiniteAndExtremeInputDoesNotCrash) {
  auto x = gaussian(256, 41);
  x[3] = std::numeric_limits<float>::quiet_NaN();
  x[100] = std::numeric_limits<float>::infinity();
  x[130] = 1e-40f;  // subnormal
  x[140] = 3e38f;
  x[141] = -3e38f;
  x[200] = 1e-40f;
  for (int i = 224; i < 256; ++i) x[i] = (i % 2 ? 1e-41f : -2e-41f);  // a block of subnormals only
  for (const TypeBound& tb : kWeightTypes) {
    std::vector<uint8_t> q(tensor::row_size(tb.type, 256));
    quantize_row(tb.type, x.data(), q.data(), 256);
    std::vector<float> y(256);
    dequantize_row(tb.type, q.data(), y.data(), 256);
  }
}

}  // namespace
}  // namespace osprey::kernels::ref
