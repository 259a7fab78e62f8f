// AVX2 activation quantizers. They perform the scalar quantizers' float operations in the same
// order (max|x|, d = amax / 127, id = 1 / d, round-to-nearest-even of x * id), so the bytes match.
#include <cmath>
#include <cstring>

#include "src/kernels/act_quant.h"
#include "src/kernels/x86/avx2_common.h"
#include "src/kernels/x86/kernels_avx2.h"

namespace osprey::kernels::x86 {

namespace {

OSP_INLINE __m256 abs_ps(__m256 v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }

// The maximum of each aligned group of 4 floats, broadcast over the group.
OSP_INLINE __m256 group4_max(__m256 v) {
  v = _mm256_max_ps(v, _mm256_permute_ps(v, 0xB1));
  return _mm256_max_ps(v, _mm256_permute_ps(v, 0x4E));
}

// d = amax / 127 and id = 1 / d (0 where d is 0), as the scalar quantizer computes them.
OSP_INLINE void scales(__m256 amax, __m256& d, __m256& id) {
  d = _mm256_div_ps(amax, _mm256_set1_ps(127.0f));
  id = _mm256_and_ps(_mm256_cmp_ps(d, _mm256_setzero_ps(), _CMP_NEQ_OQ), _mm256_div_ps(_mm256_set1_ps(1.0f), d));
}

// Rounds the 32 floats of v[0..3] times id[0..3] to int8 (round to nearest even) in order.
OSP_INLINE void quantize32(const __m256 v[4], const __m256 id[4], int8_t* out) {
  const __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(v[0], id[0]));
  const __m256i i1 = _mm256_cvtps_epi32(_mm256_mul_ps(v[1], id[1]));
  const __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(v[2], id[2]));
  const __m256i i3 = _mm256_cvtps_epi32(_mm256_mul_ps(v[3], id[3]));
  // packs work per 128-bit lane; the final permute restores element order.
  __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
  p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), p);
}

OSP_INLINE void load4(const float* x, __m256 v[4]) {
  for (int i = 0; i < 4; ++i) v[i] = _mm256_loadu_ps(x + 8 * i);
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
      // Lanes 0, 1 hold values of v[0] and v[2]; lanes 2, 3 those of v[1] and v[3].
      __m256 v[4], d02, d13, id[4];
      load4(x + 32 * b, v);
      scales(group4_max(_mm256_max_ps(abs_ps(v[0]), abs_ps(v[2]))), d02, id[0]);
      scales(group4_max(_mm256_max_ps(abs_ps(v[1]), abs_ps(v[3]))), d13, id[1]);
      id[2] = id[0];  // id = {id02, id13, id02, id13}
      id[3] = id[1];
      alignas(32) int8_t q[32];
      alignas(32) float dv[16];
      quantize32(v, id, q);
      _mm256_store_ps(dv, d02);
      _mm256_store_ps(dv + 8, d13);
      std::memcpy(o.qa + 16 * h, q, 16);
      std::memcpy(o.qb + 16 * h, q + 16, 16);
      for (int l = 0; l < 4; ++l) {
        int sum = 0;
        for (int i = 0; i < 4; ++i) sum += q[4 * l + i] + q[16 + 4 * l + i];
        const float d = dv[4 * l];  // lanes 0, 1: d02 elements 0, 4; lanes 2, 3: d13 elements 0, 4
        o.d[4 * h + l] = d;
        o.s[4 * h + l] = d * static_cast<float>(sum);
        o.m8sum[4 * h + l] = -8 * sum;
      }
    }
  }
}

void quantize_act_q8k_avx2(const float* x, void* dst, int64_t k) {
  auto* out = static_cast<ActQ8K*>(dst);
  for (int64_t b = 0; b < k / tensor::kQK_K; ++b) {
    ActQ8K& o = out[b];
    for (int j = 0; j < 8; ++j) {  // register j: lanes 8j..8j+7, 4 contiguous values each
      __m256 v[4], d[4], id[4];
      load4(x + tensor::kQK_K * b + 32 * j, v);
      for (int i = 0; i < 4; ++i) scales(group4_max(abs_ps(v[i])), d[i], id[i]);
      quantize32(v, id, o.qs + 32 * j);
      alignas(32) float dv[8];
      for (int i = 0; i < 4; ++i) {
        _mm256_store_ps(dv, d[i]);
        o.d[8 * j + 2 * i] = dv[0];
        o.d[8 * j + 2 * i + 1] = dv[4];
      }
    }
    for (int g = 0; g < tensor::kQK_K / 16; ++g) {  // the scalar quantizer's order
      float s = 0.0f;
      for (int lane = 4 * g; lane < 4 * g + 4; ++lane) {
        int sum = 0;
        for (int i = 0; i < 4; ++i) sum += o.qs[4 * lane + i];
        s = std::fma(o.d[lane], static_cast<float>(sum), s);  // fused on every path
      }
      o.s[g] = s;
    }
  }
}

}  // namespace osprey::kernels::x86
