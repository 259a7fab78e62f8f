// The AVX2 model ops (x86/<op>_avx2.cpp) against their scalar oracles (<op>_scalar) by normalized
// mean squared error, on random rows whose lengths hit every tail (n % 8, n % 16) and long rows.
// Tolerances per op (NMSE = sum (simd - oracle)^2 / sum oracle^2; measured maximum in brackets):
//   add: bit-identical; rmsnorm 1e-12 [0: double sums, only the order differs]; rope 1e-12 [5e-15:
//   FMA rounds once where the oracle rounds twice]; silu_mul, softmax 1e-12 [6e-15: vector exp].
// Also checks that the public ops run the SIMD path on an AVX2 CPU.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "src/kernels/add.h"
#include "src/kernels/rmsnorm.h"
#include "src/kernels/rope.h"
#include "src/kernels/silu_mul.h"
#include "src/kernels/softmax.h"
#include "src/kernels/x86/model_ops_avx2.h"
#include "tests/kernels/simd_test_util.h"

// The x86 SIMD paths only (the ARM cross build has no x86 kernels to test).
#if defined(__x86_64__)

namespace osprey::kernels {
namespace {

using test::gaussian;
using test::nmse;

constexpr double kRmsNormTol = 1e-12;
constexpr double kRopeTol = 1e-12;
constexpr double kExpOpTol = 1e-12;  // silu_mul, softmax
constexpr int64_t kSizes[] = {1, 2, 7, 8, 9, 15, 16, 17, 31, 67, 128, 2048 + 5, 4096, 11008 + 3};

bool bit_equal(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(SimdModelOps, RmsNormMatchesOracle) {
  OSP_REQUIRE_AVX2();
  for (const int64_t n : kSizes) {
    for (const bool weighted : {true, false}) {
      for (const float scale : {1.0f, 1e-3f, 300.0f}) {  // the eps term matters at small scales
        const auto x = gaussian(n, 100 + static_cast<uint32_t>(n), scale);
        const auto w = gaussian(n, 200 + static_cast<uint32_t>(n));
        const float* wp = weighted ? w.data() : nullptr;
        std::vector<float> want(static_cast<size_t>(n)), got(static_cast<size_t>(n));
        rmsnorm_scalar(x.data(), wp, want.data(), n, 1e-5f);
        x86::rmsnorm_avx2(x.data(), wp, got.data(), n, 1e-5f);
        EXPECT_LE(nmse(got, want), kRmsNormTol)
            << "n=" << n << " weighted=" << weighted << " scale=" << scale;
        std::vector<float> inplace = x;  // y aliasing x
        x86::rmsnorm_avx2(inplace.data(), wp, inplace.data(), n, 1e-5f);
        EXPECT_TRUE(bit_equal(inplace, got)) << "n=" << n;
        rmsnorm(x.data(), wp, inplace.data(), n, 1e-5f);
        EXPECT_TRUE(bit_equal(inplace, got)) << "public rmsnorm did not take the AVX2 path, n=" << n;
      }
    }
  }
}

TEST(SimdModelOps, RmsNormRowsUsesTheFastPathPerRow) {
  OSP_REQUIRE_AVX2();
  const int64_t n = 67, rows = 5, stride = 70;
  const auto x = gaussian(rows * stride, 7);
  const auto w = gaussian(n, 8);
  std::vector<float> got = x, want = x;
  rmsnorm_rows(got.data(), w.data(), n, rows, stride, 1e-6f);
  for (int64_t r = 0; r < rows; ++r)
    rmsnorm_scalar(want.data() + r * stride, w.data(), want.data() + r * stride, n, 1e-6f);
  EXPECT_LE(nmse(got, want), kRmsNormTol);
  for (int64_t r = 0; r < rows; ++r)  // the gap between rows is untouched
    for (int64_t i = n; i < stride; ++i) EXPECT_EQ(got[r * stride + i], x[r * stride + i]);
}

TEST(SimdModelOps, RopeMatchesOracle) {
  OSP_REQUIRE_AVX2();
  struct Shape {
    int n_rot, head_dim, n_heads;
  };
  // Full rotation, partial rotation (tail dims untouched), and pair counts with every remainder.
  const Shape shapes[] = {{2, 2, 3},   {6, 8, 2},    {8, 10, 2},   {14, 14, 5},   {30, 32, 3},
                          {34, 40, 4}, {64, 64, 32}, {96, 128, 4}, {128, 128, 8}, {126, 130, 3}};
  std::vector<float> freq_factors(64);
  for (size_t j = 0; j < freq_factors.size(); ++j) freq_factors[j] = 1.0f + 0.25f * static_cast<float>(j % 5);
  for (const Shape& sh : shapes) {
    for (const RopeStyle style : {RopeStyle::kNormal, RopeStyle::kNeox}) {
      for (const int variant : {0, 1, 2}) {  // plain, linear scaling + freq factors, YaRN
        RopeParams p;
        p.n_rot = sh.n_rot;
        p.style = style;
        if (variant == 1) {
          p.freq_scale = 0.25f;
          p.freq_factors = freq_factors.data();
        } else if (variant == 2) {
          p.freq_scale = 0.125f;
          p.ext_factor = 1.0f;
          p.n_ctx_orig = 2048;
        }
        for (const int pos : {0, 1, 37, 5000}) {
          std::vector<float> cs(static_cast<size_t>(sh.n_rot));
          rope_cos_sin(pos, p, cs.data());
          const auto x = gaussian(static_cast<int64_t>(sh.n_heads) * sh.head_dim, 300 + pos + sh.n_rot);
          std::vector<float> want = x, got = x, pub = x;
          rope_apply_scalar(want.data(), sh.n_heads, sh.head_dim, p, cs.data());
          x86::rope_apply_avx2(got.data(), sh.n_heads, sh.head_dim, p, cs.data());
          rope_apply(pub.data(), sh.n_heads, sh.head_dim, p, cs.data());
          const char* name = style == RopeStyle::kNormal ? "normal" : "neox";
          EXPECT_LE(nmse(got, want), kRopeTol) << name << " n_rot=" << sh.n_rot << " head_dim=" << sh.head_dim
                                               << " variant=" << variant << " pos=" << pos;
          EXPECT_TRUE(bit_equal(pub, got)) << "public rope_apply did not take the AVX2 path";
          for (int h = 0; h < sh.n_heads; ++h)  // dims past n_rot are left unchanged
            for (int i = sh.n_rot; i < sh.head_dim; ++i)
              ASSERT_EQ(got[h * sh.head_dim + i], x[h * sh.head_dim + i]) << name;
        }
      }
    }
  }
}

TEST(SimdModelOps, SiluMulMatchesOracle) {
  OSP_REQUIRE_AVX2();
  for (const int64_t n : kSizes) {
    for (const float scale : {1.0f, 8.0f, 40.0f}) {  // 40: gates far into both saturated ends
      const auto g = gaussian(n, 400 + static_cast<uint32_t>(n), scale);
      const auto u = gaussian(n, 500 + static_cast<uint32_t>(n));
      std::vector<float> want(static_cast<size_t>(n)), got(static_cast<size_t>(n));
      silu_mul_scalar(g.data(), u.data(), want.data(), n);
      x86::silu_mul_avx2(g.data(), u.data(), got.data(), n);
      EXPECT_LE(nmse(got, want), kExpOpTol) << "n=" << n << " scale=" << scale;
      std::vector<float> inplace = g;  // out aliasing gate, as the MLP block calls it
      x86::silu_mul_avx2(inplace.data(), u.data(), inplace.data(), n);
      EXPECT_TRUE(bit_equal(inplace, got)) << "n=" << n;
      silu_mul(g.data(), u.data(), inplace.data(), n);
      EXPECT_TRUE(bit_equal(inplace, got)) << "public silu_mul did not take the AVX2 path, n=" << n;
    }
  }
  // Saturation: silu(+100) = 100, silu(-100) ~ -4e-42 (both paths below 1e-30), silu(0) = 0.
  const std::vector<float> g = {100.0f, -100.0f, 0.0f, 88.5f, -88.5f}, u = {1.0f, 1.0f, 1.0f, 2.0f, 2.0f};
  std::vector<float> out(g.size());
  x86::silu_mul_avx2(g.data(), u.data(), out.data(), static_cast<int64_t>(g.size()));
  EXPECT_EQ(out[0], 100.0f);
  EXPECT_LT(std::fabs(out[1]), 1e-30f);
  EXPECT_EQ(out[2], 0.0f);
  EXPECT_EQ(out[3], 177.0f);
  EXPECT_LT(std::fabs(out[4]), 1e-30f);
}

TEST(SimdModelOps, SoftmaxMatchesOracle) {
  OSP_REQUIRE_AVX2();
  const float kNegInf = -std::numeric_limits<float>::infinity();
  for (const int64_t n : kSizes) {
    for (const int masked : {0, 1}) {  // 1: about a third of the entries are -inf
      for (const float scale : {1.0f, 30.0f}) {
        auto x = gaussian(n, 600 + static_cast<uint32_t>(n), scale);
        if (masked)
          for (int64_t i = 0; i < n; i += 3) x[static_cast<size_t>(i)] = kNegInf;
        std::vector<float> want = x, got = x, pub = x;
        const double lse_want = softmax_scalar(want.data(), n);
        const double lse_got = x86::softmax_avx2(got.data(), n);
        const double lse_pub = softmax(pub.data(), n);
        if (masked && n == 1) {  // the whole row is -inf
          EXPECT_EQ(lse_got, -std::numeric_limits<double>::infinity());
        } else {
          EXPECT_NEAR(lse_got, lse_want, 1e-6 * (1.0 + std::fabs(lse_want))) << "n=" << n;
        }
        EXPECT_LE(nmse(got, want), kExpOpTol) << "n=" << n << " masked=" << masked << " scale=" << scale;
        for (int64_t i = 0; i < n; ++i) {
          if (x[static_cast<size_t>(i)] == kNegInf) {
            ASSERT_EQ(got[static_cast<size_t>(i)], 0.0f) << "n=" << n;
          }
        }
        double sum = 0;
        for (float v : got) sum += v;
        if (!(masked && n == 1)) {
          EXPECT_NEAR(sum, 1.0, 1e-5) << "n=" << n;
        }
        EXPECT_TRUE(bit_equal(pub, got)) << "public softmax did not take the AVX2 path, n=" << n;
        EXPECT_EQ(lse_pub, lse_got);
      }
    }
  }
}

TEST(SimdModelOps, SoftmaxEdgeRowsMatchOracle) {
  OSP_REQUIRE_AVX2();
  const float kNegInf = -std::numeric_limits<float>::infinity();
  const float kNaN = std::numeric_limits<float>::quiet_NaN();
  for (const int64_t n : {int64_t{1}, int64_t{7}, int64_t{8}, int64_t{19}}) {
    std::vector<float> all_masked(static_cast<size_t>(n), kNegInf);  // all -inf: zeros, lse -inf
    std::vector<float> want = all_masked, got = all_masked;
    EXPECT_EQ(softmax_scalar(want.data(), n), x86::softmax_avx2(got.data(), n));
    EXPECT_TRUE(bit_equal(got, want));
    for (float v : got) EXPECT_EQ(v, 0.0f);
    // One NaN entry poisons the row in both paths.
    std::vector<float> nan_row = gaussian(n, 700);
    nan_row[static_cast<size_t>(n - 1)] = kNaN;
    want = nan_row;
    got = nan_row;
    const double a = softmax_scalar(want.data(), n), b = x86::softmax_avx2(got.data(), n);
    EXPECT_EQ(std::isnan(a), std::isnan(b)) << "n=" << n;
    for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(std::isnan(got[i]), std::isnan(want[i])) << "n=" << n;
  }
}

TEST(SimdModelOps, AddIsBitIdentical) {
  OSP_REQUIRE_AVX2();
  for (const int64_t n : kSizes) {
    const auto a = gaussian(n, 800 + static_cast<uint32_t>(n)),
               b = gaussian(n, 900 + static_cast<uint32_t>(n));
    std::vector<float> want(static_cast<size_t>(n)), got(static_cast<size_t>(n));
    add_scalar(a.data(), b.data(), want.data(), n);
    x86::add_avx2(a.data(), b.data(), got.data(), n);
    EXPECT_TRUE(bit_equal(got, want)) << "n=" << n;
    std::vector<float> inplace = a;  // y aliasing a, as the residual adds call it
    add(inplace.data(), b.data(), inplace.data(), n);
    EXPECT_TRUE(bit_equal(inplace, want)) << "n=" << n;
  }
  const int64_t n = 13, rows = 3, stride = 16;
  const auto x = gaussian(rows * stride, 10), bias = gaussian(n, 11);
  std::vector<float> got = x;
  add_bias_rows(got.data(), bias.data(), n, rows, stride);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < stride; ++i)
      EXPECT_EQ(got[r * stride + i], i < n ? x[r * stride + i] + bias[i] : x[r * stride + i]);
}

}  // namespace
}  // namespace osprey::kernels

#endif  // __x86_64__
