// AVX2 softmax over one row, same contract as the scalar oracle: the maximum (NaN entries ignored,
// as the oracle's `>` does), e^(x - max) with the shared vector exp (about 1 ulp), the sum of those
// floats accumulated in double like the oracle, then one float scale. Differences below e^-87 are
// exact zeros, so -inf entries get probability 0; a NaN difference stays NaN and poisons the sum
// as it does in the oracle.
#include <cmath>
#include <cstring>
#include <limits>

#include "src/kernels/x86/model_ops_avx2.h"
#include "src/kernels/x86/vec_math.h"

namespace osprey::kernels::x86 {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

float row_max(const float* x, int64_t n) {
  __m256 m0 = _mm256_set1_ps(kNegInf), m1 = m0;
  int64_t i = 0;
  // max(v, m) returns m when v is NaN, so NaN entries are skipped.
  for (; i + 16 <= n; i += 16) {
    m0 = _mm256_max_ps(_mm256_loadu_ps(x + i), m0);
    m1 = _mm256_max_ps(_mm256_loadu_ps(x + i + 8), m1);
  }
  if (i + 8 <= n) {
    m0 = _mm256_max_ps(_mm256_loadu_ps(x + i), m0);
    i += 8;
  }
  float mx = hmax(_mm256_max_ps(m0, m1));
  for (; i < n; ++i)
    if (x[i] > mx) mx = x[i];
  return mx;
}

// e^(x - mx) of 8 values, adding them to the two double accumulators.
OSP_INLINE __m256 exp_shifted(__m256 x, __m256 mx, __m256d& s0, __m256d& s1) {
  const __m256 d = _mm256_sub_ps(x, mx);
  __m256 e = exp256(d);
  e = _mm256_andnot_ps(_mm256_cmp_ps(d, _mm256_set1_ps(-87.0f), _CMP_LT_OQ), e);
  e = _mm256_blendv_ps(e, d, _mm256_cmp_ps(d, d, _CMP_UNORD_Q));
  s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
  s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
  return e;
}

}  // namespace

double softmax_avx2(float* x, int64_t n) {
  const float mx = row_max(x, n);
  if (!(mx > kNegInf)) {
    std::memset(x, 0, static_cast<size_t>(n) * sizeof(float));
    return -std::numeric_limits<double>::infinity();
  }
  const __m256 vmx = _mm256_set1_ps(mx);
  __m256d s0 = _mm256_setzero_pd(), s1 = s0;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, exp_shifted(_mm256_loadu_ps(x + i), vmx, s0, s1));
  if (i < n) {  // the tail through a copy padded with -inf (e = 0 adds nothing)
    const size_t r = static_cast<size_t>(n - i);
    float t[8] = {kNegInf, kNegInf, kNegInf, kNegInf, kNegInf, kNegInf, kNegInf, kNegInf};
    std::memcpy(t, x + i, r * sizeof(float));
    _mm256_storeu_ps(t, exp_shifted(_mm256_loadu_ps(t), vmx, s0, s1));
    std::memcpy(x + i, t, r * sizeof(float));
  }
  const double sum = hsum_pd(_mm256_add_pd(s0, s1));
  const float inv = static_cast<float>(1.0 / sum);
  const __m256 vinv = _mm256_set1_ps(inv);
  for (i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), vinv));
  for (; i < n; ++i) x[i] *= inv;
  return static_cast<double>(mx) + std::log(sum);
}

}  // namespace osprey::kernels::x86
