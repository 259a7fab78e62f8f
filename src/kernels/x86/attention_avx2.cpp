// AVX2 + FMA attention of one query head over a paged K/V store (see attention.h): positions in
// blocks of 8; the 8 scores come out of one transposed reduction, the softmax weights from one
// vector exp, and the running (online) softmax rescales the accumulator once per block.
#include <cmath>
#include <limits>

#include "src/kernels/attention.h"
#include "src/kernels/x86/avx2_common.h"
#include "src/kernels/x86/attention_simd.h"
#include "src/kernels/x86/kernels_avx2.h"

namespace osprey::kernels::x86 {

namespace {

constexpr int kBlock = 8;

OSP_INLINE __m256 load8(const uint8_t* row, int i, bool f16) {
  return f16 ? _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * i)))
             : _mm256_loadu_ps(reinterpret_cast<const float*>(row) + i);
}

}  // namespace

bool attention_head_supported(int head_dim) { return head_dim % 8 == 0 && head_dim <= kMaxAttnHeadDim; }

void attend_head_avx2(const AttentionArgs& a, const AttentionQuery& query, int head) {
  const int d = a.head_dim, nd = d / 8;
  const int kv_head = head / (a.n_head / a.n_head_kv);
  const bool f16 = a.kv.type == tensor::DType::kF16;
  const size_t head_off = static_cast<size_t>(kv_head) * d * (f16 ? 2 : 4);
  const float* q = query.q + static_cast<size_t>(head) * d;
  alignas(32) float acc[kMaxAttnHeadDim];
  for (int i = 0; i < d; ++i) acc[i] = 0.0f;
  float m = -std::numeric_limits<float>::infinity();
  float l = 0.0f;
  const __m256 scale = _mm256_set1_ps(a.scale);
  auto row = [&](const uint8_t* base, int p) {
    return base + static_cast<size_t>(query.block_table[p / a.kv.block_tokens]) * a.kv.block_stride +
           static_cast<size_t>(p % a.kv.block_tokens) * a.kv.row_stride + head_off;
  };
  for (int p0 = 0; p0 < query.n_kv; p0 += kBlock) {
    const int nb = query.n_kv - p0 < kBlock ? query.n_kv - p0 : kBlock;
    __m256 part[kBlock];
    for (int j = 0; j < kBlock; ++j) {
      part[j] = _mm256_setzero_ps();
      if (j >= nb) continue;
      const uint8_t* k = row(a.kv.k, p0 + j);
      for (int i = 0; i < nd; ++i) part[j] = _mm256_fmadd_ps(_mm256_loadu_ps(q + 8 * i), load8(k, 8 * i, f16), part[j]);
    }
    // Scores of the block; lanes past nb never win the max and get weight 0.
    const __m256 valid = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(nb), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
    const __m256 s = _mm256_blendv_ps(_mm256_set1_ps(-std::numeric_limits<float>::infinity()),
                                      _mm256_mul_ps(transpose_sums(part), scale), valid);
    const float m_new = std::fmax(m, hmax(s));
    const float c = _mm256_cvtss_f32(exp256(_mm256_set1_ps(m - m_new)));  // 0 on the first block
    alignas(32) float w[kBlock];
    const __m256 wv = _mm256_and_ps(exp256(_mm256_sub_ps(s, _mm256_set1_ps(m_new))), valid);
    _mm256_store_ps(w, wv);
    l = l * c + hsum(wv);
    m = m_new;
    const __m256 cv = _mm256_set1_ps(c);
    const uint8_t* v[kBlock];
    for (int j = 0; j < nb; ++j) v[j] = row(a.kv.v, p0 + j);
    for (int i = 0; i < nd; ++i) {
      __m256 o = _mm256_mul_ps(_mm256_load_ps(acc + 8 * i), cv);
      for (int j = 0; j < nb; ++j) o = _mm256_fmadd_ps(_mm256_set1_ps(w[j]), load8(v[j], 8 * i, f16), o);
      _mm256_store_ps(acc + 8 * i, o);
    }
  }
  const __m256 inv = _mm256_set1_ps(l > 0.0f ? 1.0f / l : 0.0f);
  float* out = query.out + static_cast<size_t>(head) * d;
  for (int i = 0; i < nd; ++i) _mm256_storeu_ps(out + 8 * i, _mm256_mul_ps(_mm256_load_ps(acc + 8 * i), inv));
}

}  // namespace osprey::kernels::x86
