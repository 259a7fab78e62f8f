// AVX2 RoPE over a table from rope_cos_sin ({cos, sin} per pair). kNormal: four adjacent pairs per
// register; cos and sin are spread over each pair and the partner is swapped in, one fmaddsub forms
// x0 c - x1 s (even lanes) and x1 c + x0 s (odd lanes). kNeox: eight pairs per step, the halves
// (j, j + n_rot/2) in two registers against de-interleaved cos and sin. FMA rounds once where the
// oracle rounds twice; pairs past the last full register take the oracle's scalar formula.
#include "src/kernels/x86/avx2_common.h"
#include "src/kernels/x86/model_ops_avx2.h"

namespace osprey::kernels::x86 {

namespace {

void rotate_scalar(float* v, int a, int b, const float* cs) {
  const float c = cs[0], s = cs[1];
  const float x0 = v[a], x1 = v[b];
  v[a] = x0 * c - x1 * s;
  v[b] = x0 * s + x1 * c;
}

void rope_normal(float* v, int n_pairs, const float* cs) {
  int j = 0;
  for (; j + 4 <= n_pairs; j += 4) {
    const __m256 t = _mm256_loadu_ps(cs + 2 * j);  // c0 s0 c1 s1 c2 s2 c3 s3
    const __m256 x = _mm256_loadu_ps(v + 2 * j);   // a0 b0 a1 b1 ...
    const __m256 xs = _mm256_permute_ps(x, 0xB1);  // b0 a0 b1 a1 ...
    const __m256 c = _mm256_moveldup_ps(t), s = _mm256_movehdup_ps(t);
    _mm256_storeu_ps(v + 2 * j, _mm256_fmaddsub_ps(x, c, _mm256_mul_ps(xs, s)));
  }
  for (; j < n_pairs; ++j) rotate_scalar(v, 2 * j, 2 * j + 1, cs + 2 * j);
}

void rope_neox(float* v, int n_pairs, const float* cs) {
  int j = 0;
  for (; j + 8 <= n_pairs; j += 8) {
    const __m256 t0 = _mm256_loadu_ps(cs + 2 * j), t1 = _mm256_loadu_ps(cs + 2 * j + 8);
    // shuffle gives c0 c1 c4 c5 | c2 c3 c6 c7; the 64-bit permute restores the order.
    const __m256 c = _mm256_castpd_ps(_mm256_permute4x64_pd(
        _mm256_castps_pd(_mm256_shuffle_ps(t0, t1, _MM_SHUFFLE(2, 0, 2, 0))), _MM_SHUFFLE(3, 1, 2, 0)));
    const __m256 s = _mm256_castpd_ps(_mm256_permute4x64_pd(
        _mm256_castps_pd(_mm256_shuffle_ps(t0, t1, _MM_SHUFFLE(3, 1, 3, 1))), _MM_SHUFFLE(3, 1, 2, 0)));
    const __m256 x0 = _mm256_loadu_ps(v + j), x1 = _mm256_loadu_ps(v + j + n_pairs);
    _mm256_storeu_ps(v + j, _mm256_fmsub_ps(x0, c, _mm256_mul_ps(x1, s)));
    _mm256_storeu_ps(v + j + n_pairs, _mm256_fmadd_ps(x0, s, _mm256_mul_ps(x1, c)));
  }
  for (; j < n_pairs; ++j) rotate_scalar(v, j, j + n_pairs, cs + 2 * j);
}

}  // namespace

void rope_apply_avx2(float* x, int n_heads, int head_dim, const RopeParams& p, const float* cos_sin) {
  const int n_pairs = p.n_rot / 2;
  for (int h = 0; h < n_heads; ++h) {
    float* v = x + static_cast<int64_t>(h) * head_dim;
    if (p.style == RopeStyle::kNormal) {
      rope_normal(v, n_pairs, cos_sin);
    } else {
      rope_neox(v, n_pairs, cos_sin);
    }
  }
}

}  // namespace osprey::kernels::x86
