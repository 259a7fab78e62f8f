// The AVX2 (tiled) attention kernel against a double-precision softmax(q K^T) V over the same paged
// K/V: several head sizes, position counts around the 8-position block, F16 and F32 caches, GQA,
// and score ranges wide enough that the running maximum moves many times.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "src/kernels/attention.h"
#include "src/kernels/x86/attention_tile_avx2.h"
#include "src/tensor/half.h"
#include "tests/kernels/simd_test_util.h"

// The x86 SIMD paths only (the ARM cross build has no x86 kernels to test).
#if defined(__x86_64__)

namespace osprey::kernels {
namespace {

struct Case {
  int d, n_pos, n_head, n_head_kv;
  float q_scale;  // larger: sharper, more varied scores
  tensor::DType type;
};

void run_case(const Case& c) {
  SCOPED_TRACE(::testing::Message() << "d=" << c.d << " n_pos=" << c.n_pos << " heads " << c.n_head << "/"
                                    << c.n_head_kv << " q_scale=" << c.q_scale << " " << tensor::dtype_name(c.type));
  const int bt = 16, n_table = (c.n_pos + bt - 1) / bt, n_blocks = n_table + 3;
  const size_t elt = c.type == tensor::DType::kF32 ? 4 : 2, row = static_cast<size_t>(c.n_head_kv) * c.d * elt;
  std::vector<int32_t> table(n_table);
  for (int i = 0; i < n_table; ++i) table[i] = (n_table - 1 - i + 2) % n_blocks;  // reversed, offset
  std::vector<uint8_t> kpool(n_blocks * bt * row), vpool(kpool.size());
  auto kf = test::gaussian(static_cast<int64_t>(c.n_pos) * c.n_head_kv * c.d, 41);
  auto vf = test::gaussian(static_cast<int64_t>(c.n_pos) * c.n_head_kv * c.d, 42);
  for (int p = 0; p < c.n_pos; ++p)
    for (int i = 0; i < c.n_head_kv * c.d; ++i) {
      const size_t at = (static_cast<size_t>(table[p / bt]) * bt + p % bt) * row + i * elt;
      float& k = kf[static_cast<size_t>(p) * c.n_head_kv * c.d + i];
      float& v = vf[static_cast<size_t>(p) * c.n_head_kv * c.d + i];
      if (c.type == tensor::DType::kF32) {
        std::memcpy(&kpool[at], &k, 4);
        std::memcpy(&vpool[at], &v, 4);
      } else {
        const uint16_t kh = tensor::fp32_to_fp16(k), vh = tensor::fp32_to_fp16(v);
        std::memcpy(&kpool[at], &kh, 2);
        std::memcpy(&vpool[at], &vh, 2);
        k = tensor::fp16_to_fp32(kh);
        v = tensor::fp16_to_fp32(vh);
      }
    }
  const auto q = test::gaussian(static_cast<int64_t>(c.n_head) * c.d, 43, c.q_scale);
  AttentionArgs a;
  a.kv = {kpool.data(), vpool.data(), bt * row, row, bt, c.type};
  a.n_queries = 1;
  a.n_head = c.n_head;
  a.n_head_kv = c.n_head_kv;
  a.head_dim = c.d;
  a.scale = 1.0f / std::sqrt(static_cast<float>(c.d));
  std::vector<float> out(static_cast<size_t>(c.n_head) * c.d, -1.0f);
  for (int n_kv : {1, std::min(7, c.n_pos), std::min(8, c.n_pos), std::min(9, c.n_pos), c.n_pos}) {
    AttentionQuery query{q.data(), out.data(), table.data(), n_kv};
    a.queries = &query;
    attention_serial(a);
    for (int h = 0; h < c.n_head; ++h) {
      const int kvh = h / (c.n_head / c.n_head_kv);
      std::vector<double> s(n_kv);
      double mx = -1e300;
      for (int p = 0; p < n_kv; ++p) {
        double dot = 0;
        for (int i = 0; i < c.d; ++i)
          dot += static_cast<double>(q[h * c.d + i]) * kf[(static_cast<size_t>(p) * c.n_head_kv + kvh) * c.d + i];
        s[p] = dot * a.scale;
        mx = std::max(mx, s[p]);
      }
      double l = 0;
      for (double& v : s) l += (v = std::exp(v - mx));
      double err = 0, ref_max = 0;
      for (int i = 0; i < c.d; ++i) {
        double o = 0;
        for (int p = 0; p < n_kv; ++p) o += s[p] * vf[(static_cast<size_t>(p) * c.n_head_kv + kvh) * c.d + i];
        o /= l;
        err = std::max(err, std::fabs(o - out[h * c.d + i]));
        ref_max = std::max(ref_max, std::fabs(o));
      }
      EXPECT_LE(err, 2e-6 * std::max(1.0, ref_max)) << "head " << h << " n_kv " << n_kv;
    }
  }
}

TEST(SimdAttention, TiledKernelMatchesDoubleSoftmax) {
  OSP_REQUIRE_AVX2();
  for (auto type : {tensor::DType::kF16, tensor::DType::kF32}) {
    run_case({64, 517, 4, 2, 0.5f, type});
    run_case({64, 100, 8, 1, 3.0f, type});   // MQA, sharp scores
    run_case({128, 33, 2, 2, 1.0f, type});
    run_case({8, 20, 4, 4, 8.0f, type});     // very sharp: the maximum moves often
    run_case({136, 9, 2, 1, 1.0f, type});
  }
}

TEST(SimdAttention, SupportedHeadSizes) {
  EXPECT_TRUE(x86::attention_tile_supported(64));
  EXPECT_TRUE(x86::attention_tile_supported(128));
  EXPECT_FALSE(x86::attention_tile_supported(60));
  EXPECT_FALSE(x86::attention_tile_supported(x86::kAttnTileMaxDim + 8));
}

}  // namespace
}  // namespace osprey::kernels

#endif  // __x86_64__
