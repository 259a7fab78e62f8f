// The scalar model ops (rmsnorm, rope, softmax, silu_mul, attention over paged K/V) against direct
// formulas written out in double.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "src/kernels/attention.h"
#include "src/kernels/rmsnorm.h"
#include "src/kernels/rope.h"
#include "src/kernels/silu_mul.h"
#include "src/kernels/softmax.h"
#include "src/tensor/half.h"

namespace osprey::kernels {
namespace {

std::vector<float> random_vec(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

TEST(ModelOps, RmsNorm) {
  const auto x = random_vec(67, 1), w = random_vec(67, 2);
  std::vector<float> y(67);
  rmsnorm(x.data(), w.data(), y.data(), 67, 1e-5f);
  double ss = 0;
  for (float v : x) ss += double(v) * v;
  const double s = 1.0 / std::sqrt(ss / 67 + 1e-5);
  for (int i = 0; i < 67; ++i) EXPECT_NEAR(y[i], x[i] * s * w[i], 1e-5 * std::fabs(x[i] * s * w[i]) + 1e-7);
}

TEST(ModelOps, SiluMulAndSoftmax) {
  const std::vector<float> g = {-3.0f, 0.0f, 2.0f}, u = {1.0f, 5.0f, -0.5f};
  std::vector<float> out(3);
  silu_mul(g.data(), u.data(), out.data(), 3);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(out[i], g[i] / (1 + std::exp(-g[i])) * u[i], 1e-6);
  std::vector<float> x = {1.0f, 2.0f, -INFINITY, 3.0f};
  const double lse = softmax(x.data(), 4);
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(x[0], std::exp(1.0) / z, 1e-6);
  EXPECT_EQ(x[2], 0.0f);
  EXPECT_NEAR(lse, std::log(z), 1e-6);
}

// Angle of pair j at position pos with base b over n_rot dims: pos * b^(-2j/n_rot).
TEST(ModelOps, RopeNormalRotatesAdjacentPairsAndNeoxHalves) {
  RopeParams p;
  p.n_rot = 8;
  p.freq_base = 10000.0f;
  const int pos = 7, head_dim = 10;  // the last 2 dims of each head are not rotated
  std::vector<float> cs(p.n_rot);
  rope_cos_sin(pos, p, cs.data());
  const auto x = random_vec(2 * head_dim, 3);
  for (auto style : {RopeStyle::kNormal, RopeStyle::kNeox}) {
    p.style = style;
    std::vector<float> y = x;
    rope_apply(y.data(), 2, head_dim, p, cs.data());
    for (int h = 0; h < 2; ++h) {
      const float* a = x.data() + h * head_dim;
      const float* b = y.data() + h * head_dim;
      for (int j = 0; j < 4; ++j) {
        const double th = pos * std::pow(10000.0, -2.0 * j / 8);
        const int i0 = style == RopeStyle::kNormal ? 2 * j : j;
        const int i1 = style == RopeStyle::kNormal ? 2 * j + 1 : j + 4;
        EXPECT_NEAR(b[i0], a[i0] * std::cos(th) - a[i1] * std::sin(th), 1e-5);
        EXPECT_NEAR(b[i1], a[i0] * std::sin(th) + a[i1] * std::cos(th), 1e-5);
      }
      EXPECT_EQ(b[8], a[8]);
      EXPECT_EQ(b[9], a[9]);
    }
  }
}

TEST(ModelOps, RopeScalingFactorsAndYarn) {
  RopeParams p;
  p.n_rot = 4;
  p.freq_base = 100.0f;
  std::vector<float> plain(4), scaled(4);
  rope_cos_sin(10, p, plain.data());
  p.freq_scale = 0.5f;  // linear: position 10 at scale 0.5 is position 5
  rope_cos_sin(10, p, scaled.data());
  std::vector<float> at5(4);
  RopeParams q = p;
  q.freq_scale = 1.0f;
  rope_cos_sin(5, q, at5.data());
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(scaled[i], at5[i], 1e-6);
  const std::vector<float> factors = {1.0f, 4.0f};  // divides pair 1's angle by 4
  q.freq_factors = factors.data();
  std::vector<float> ff(4);
  rope_cos_sin(8, q, ff.data());
  EXPECT_NEAR(ff[0], std::cos(8.0), 1e-6);
  EXPECT_NEAR(ff[2], std::cos(8.0 * std::pow(100.0, -0.5) / 4), 1e-6);
  // YaRN with ext_factor 1: high-frequency pairs (below the ramp) keep the unscaled angle, and the
  // magnitude grows by 1 + 0.1 ln(1 / scale).
  RopeParams y;
  y.n_rot = 64;
  y.freq_base = 10000.0f;
  y.freq_scale = 0.25f;
  y.ext_factor = 1.0f;
  y.n_ctx_orig = 4096;
  std::vector<float> yc(64);
  rope_cos_sin(100, y, yc.data());
  const double m = 1.0 + 0.1 * std::log(4.0);
  EXPECT_NEAR(yc[0], std::cos(100.0) * m, 1e-5);
  EXPECT_NEAR(yc[1], std::sin(100.0) * m, 1e-5);
  const int last = 31;  // the lowest frequency is fully interpolated
  const double th = 100.0 * std::pow(10000.0, -2.0 * last / 64) * 0.25;
  EXPECT_NEAR(yc[2 * last], std::cos(th) * m, 1e-5);
}

// Naive causal attention over positions [0, n_kv) with GQA, K/V given as plain rows.
void naive_attention(const float* q, const std::vector<float>& k, const std::vector<float>& v, int n_kv,
                     int n_head, int n_head_kv, int d, float* out) {
  for (int h = 0; h < n_head; ++h) {
    const int kh = h / (n_head / n_head_kv);
    std::vector<double> s(n_kv);
    double mx = -1e300;
    for (int p = 0; p < n_kv; ++p) {
      double dot = 0;
      for (int i = 0; i < d; ++i) dot += double(q[h * d + i]) * k[(p * n_head_kv + kh) * d + i];
      s[p] = dot / std::sqrt(double(d));
      mx = std::max(mx, s[p]);
    }
    double z = 0;
    for (auto& e : s) z += (e = std::exp(e - mx));
    for (int i = 0; i < d; ++i) {
      double acc = 0;
      for (int p = 0; p < n_kv; ++p) acc += s[p] * v[(p * n_head_kv + kh) * d + i];
      out[h * d + i] = static_cast<float>(acc / z);
    }
  }
}

// n_pos positions in scattered blocks of 4; three queries see 1, n_pos / 2 and n_pos positions.
void check_paged_attention(int n_pos, int d) {
  const int n_head = 4, n_head_kv = 2, bt = 4;
  const int n_table = (n_pos + bt - 1) / bt, n_blocks = 2 * n_table;
  const auto k = random_vec(n_pos * n_head_kv * d, 4), v = random_vec(n_pos * n_head_kv * d, 5);
  std::vector<int32_t> table(n_table);
  for (int i = 0; i < n_table; ++i) table[i] = (i * 7 + 3) % n_blocks;  // distinct: 7 is coprime with n_blocks below
  for (auto type : {tensor::DType::kF32, tensor::DType::kF16}) {
    const size_t elt = type == tensor::DType::kF32 ? 4 : 2;
    const size_t row = n_head_kv * d * elt;
    std::vector<uint8_t> kpool(n_blocks * bt * row), vpool(n_blocks * bt * row);
    std::vector<float> kr = k, vr = v;  // what the pool holds, after rounding
    for (int p = 0; p < n_pos; ++p)
      for (int i = 0; i < n_head_kv * d; ++i) {
        const size_t at = (table[p / bt] * bt + p % bt) * row + i * elt;
        const size_t j = p * n_head_kv * d + i;
        if (type == tensor::DType::kF32) {
          std::memcpy(&kpool[at], &k[j], 4);
          std::memcpy(&vpool[at], &v[j], 4);
        } else {
          const uint16_t kh = tensor::fp32_to_fp16(k[j]), vh = tensor::fp32_to_fp16(v[j]);
          std::memcpy(&kpool[at], &kh, 2);
          std::memcpy(&vpool[at], &vh, 2);
          kr[j] = tensor::fp16_to_fp32(kh);
          vr[j] = tensor::fp16_to_fp32(vh);
        }
      }
    const auto q = random_vec(3 * n_head * d, 6, 0.5f);
    std::vector<float> out(3 * n_head * d);
    std::vector<AttentionQuery> queries(3);
    const int n_kv[3] = {1, n_pos / 2, n_pos};
    for (int i = 0; i < 3; ++i) queries[i] = {q.data() + i * n_head * d, out.data() + i * n_head * d, table.data(), n_kv[i]};
    AttentionArgs a;
    a.kv = {kpool.data(), vpool.data(), bt * row, row, bt, type};
    a.queries = queries.data();
    a.n_queries = 3;
    a.n_head = n_head;
    a.n_head_kv = n_head_kv;
    a.head_dim = d;
    a.scale = 1.0f / std::sqrt(float(d));
    base::ThreadPool pool(2);
    attention(a, pool);
    std::vector<float> serial(out.size());
    for (int i = 0; i < 3; ++i) queries[i].out = serial.data() + i * n_head * d;
    attention_serial(a);
    for (int i = 0; i < 3; ++i) {
      std::vector<float> want(n_head * d);
      naive_attention(q.data() + i * n_head * d, kr, vr, n_kv[i], n_head, n_head_kv, d, want.data());
      for (int j = 0; j < n_head * d; ++j) {
        ASSERT_NEAR(out[i * n_head * d + j], want[j], 2e-5) << "query " << i;
        ASSERT_EQ(out[i * n_head * d + j], serial[i * n_head * d + j]);
      }
    }
  }
}

TEST(ModelOps, PagedAttentionMatchesNaiveForF32AndF16) {
  check_paged_attention(11, 8);    // small: the serial path
  check_paged_attention(517, 64);  // large enough for the threaded path
}

}  // namespace
}  // namespace osprey::kernels
