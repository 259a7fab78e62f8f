// AVX2 activation quantizers. They perform the scalar quantizers' float operations in the same
// order (max|x|, d = amax / 127, id = 1 / d, round-to-nearest-even of x * id), so the bytes match.
#include <cstring>

#include "src/kernels/act_quant.h"
#include "src/kernels/x86/avx2_common.h"
#include "src/kernels/x86/kernels_avx2.h"

namespace osprey::kernels::x86 {

namespace {

OSP_INLINE float hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

// max|x| over n (a multiple of 8) floats.
OSP_INLINE float absmax(const float* x, int n) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 m = _mm256_setzero_ps();
  for (int i = 0; i < n; i += 8) m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + i)));
  return hmax(m);
}

// Rounds 32 floats times id to int8 (in order) and returns the four int32 partial vectors' sum.
OSP_INLINE __m256i quantize32(const float* x, __m256 id, int8_t* out) {
  __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x), id));
  __m256i i1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 8), id));
  __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 16), id));
  __m256i i3 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 24), id));
  const __m256i sum = _mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3));
  // packs work per 128-bit lane; the final permute restores element order.
  __m256i p01 = _mm256_packs_epi32(i0, i1);
  __m256i p23 = _mm256_packs_epi32(i2, i3);
  __m256i p = _mm256_packs_epi16(p01, p23);
  p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), p);
  return sum;
}

}  // namespace

void quantize_act_pair_avx2(const float* x, void* dst, int64_t k) {
  auto* out = static_cast<ActQ8Pair*>(dst);
  const int64_t nb = k / 32;
  for (int64_t p = 0; p < (nb + 1) / 2; ++p) {
    ActQ8Pair& o = out[p];
    for (int h = 0; h < 2; ++h) {
      const int64_t b = 2 * p + h;
      if (b >= nb) {
        std::memset(o.qa + 16, 0, 16);
        std::memset(o.qb + 16, 0, 16);
        for (int l = 4; l < 8; ++l) o.d[l] = o.s[l] = 0.0f, o.m8sum[l] = 0;
        break;
      }
      const float* xb = x + 32 * b;
      const float d = absmax(xb, 32) / 127.0f;
      const float id = d != 0.0f ? 1.0f / d : 0.0f;
      alignas(32) int8_t q[32];
      const int sum = hsum_i32(quantize32(xb, _mm256_set1_ps(id), q));
      std::memcpy(o.qa + 16 * h, q, 16);
      std::memcpy(o.qb + 16 * h, q + 16, 16);
      const float s = d * static_cast<float>(sum) * 0.25f;
      for (int l = 0; l < 4; ++l) {
        o.d[4 * h + l] = d;
        o.s[4 * h + l] = s;
        o.m8sum[4 * h + l] = l == 0 ? -8 * sum : 0;
      }
    }
  }
}

void quantize_act_q8k_avx2(const float* x, void* dst, int64_t k) {
  auto* out = static_cast<ActQ8K*>(dst);
  const __m256i ones8 = _mm256_set1_epi8(1), ones16 = _mm256_set1_epi16(1);
  for (int64_t b = 0; b < k / tensor::kQK_K; ++b) {
    const float* xb = x + tensor::kQK_K * b;
    const float d = absmax(xb, tensor::kQK_K) / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const __m256 idv = _mm256_set1_ps(id);
    out[b].d = d;
    std::memset(out[b].pad, 0, sizeof(out[b].pad));
    // Sums of each 4 quants per register (lane l: quants 4l..4l+3), then of each 16.
    __m256i s4[8];
    for (int j = 0; j < 8; ++j) {
      int8_t* q = out[b].qs + 32 * j;
      quantize32(xb + 32 * j, idv, q);
      const __m256i v = _mm256_load_si256(reinterpret_cast<const __m256i*>(q));
      // |q| <= 127, so maddubs(1, q) is exact; sign via the signed operand.
      s4[j] = _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, v), ones16);
    }
    __m256i g[2];
    for (int h = 0; h < 2; ++h) {
      // w lane i: register 4h + (i % 4), half i / 4: the sum of one group of 16.
      const __m256i u = _mm256_hadd_epi32(s4[4 * h], s4[4 * h + 1]);
      const __m256i v = _mm256_hadd_epi32(s4[4 * h + 2], s4[4 * h + 3]);
      g[h] = _mm256_permutevar8x32_epi32(_mm256_hadd_epi32(u, v), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    }
    const __m256i packed = _mm256_permute4x64_epi64(_mm256_packs_epi32(g[0], g[1]), 0xd8);
    _mm256_store_si256(reinterpret_cast<__m256i*>(out[b].bsums), packed);
  }
}

}  // namespace osprey::kernels::x86
