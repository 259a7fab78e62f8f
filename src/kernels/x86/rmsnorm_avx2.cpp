// AVX2 RMSNorm. The squares are summed in double like the scalar oracle (a float square is exact in
// double), in four accumulators of four lanes, so only the summation order differs; the output is
// then formed with the oracle's float operations, x * scale * w.
#include <cmath>

#include "src/kernels/x86/model_ops_avx2.h"
#include "src/kernels/x86/vec_math.h"

namespace osprey::kernels::x86 {

namespace {

OSP_INLINE __m256d lo_pd(__m256 v) { return _mm256_cvtps_pd(_mm256_castps256_ps128(v)); }
OSP_INLINE __m256d hi_pd(__m256 v) { return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)); }

double sum_squares(const float* x, int64_t n) {
  __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 u = _mm256_loadu_ps(x + i), v = _mm256_loadu_ps(x + i + 8);
    const __m256d u0 = lo_pd(u), u1 = hi_pd(u), v0 = lo_pd(v), v1 = hi_pd(v);
    a0 = _mm256_fmadd_pd(u0, u0, a0);
    a1 = _mm256_fmadd_pd(u1, u1, a1);
    a2 = _mm256_fmadd_pd(v0, v0, a2);
    a3 = _mm256_fmadd_pd(v1, v1, a3);
  }
  if (i + 8 <= n) {
    const __m256 u = _mm256_loadu_ps(x + i);
    const __m256d u0 = lo_pd(u), u1 = hi_pd(u);
    a0 = _mm256_fmadd_pd(u0, u0, a0);
    a1 = _mm256_fmadd_pd(u1, u1, a1);
    i += 8;
  }
  double sum = hsum_pd(_mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(a2, a3)));
  for (; i < n; ++i) sum += static_cast<double>(x[i]) * x[i];
  return sum;
}

}  // namespace

void rmsnorm_avx2(const float* x, const float* w, float* y, int64_t n, float eps) {
  const double sum = sum_squares(x, n);
  const float scale = static_cast<float>(1.0 / std::sqrt(sum / static_cast<double>(n) + eps));
  const __m256 s = _mm256_set1_ps(scale);
  int64_t i = 0;
  if (w != nullptr) {
    for (; i + 8 <= n; i += 8)
      _mm256_storeu_ps(y + i,
                       _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), s), _mm256_loadu_ps(w + i)));
    for (; i < n; ++i) y[i] = x[i] * scale * w[i];
  } else {
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), s));
    for (; i < n; ++i) y[i] = x[i] * scale;
  }
}

}  // namespace osprey::kernels::x86
