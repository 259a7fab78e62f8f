// AVX2 SwiGLU gate: out = gate / (1 + e^-gate) * up with the shared vector exp (about 1 ulp) and an
// exact division. The clamp inside exp256 is harmless here: for gate > 87 the oracle's e^-gate is
// below float epsilon too, and for gate < -88 both results are below 1e-36 in magnitude.
#include <cstring>

#include "src/kernels/x86/model_ops_avx2.h"
#include "src/kernels/x86/vec_math.h"

namespace osprey::kernels::x86 {

namespace {

OSP_INLINE __m256 silu_mul8(__m256 g, __m256 u) {
  const __m256 e = exp256(_mm256_sub_ps(_mm256_setzero_ps(), g));
  return _mm256_mul_ps(_mm256_div_ps(g, _mm256_add_ps(_mm256_set1_ps(1.0f), e)), u);
}

}  // namespace

void silu_mul_avx2(const float* gate, const float* up, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i, silu_mul8(_mm256_loadu_ps(gate + i), _mm256_loadu_ps(up + i)));
  if (i < n) {  // the tail through zero-padded copies (out may alias gate or up)
    const size_t r = static_cast<size_t>(n - i);
    float g[8] = {}, u[8] = {}, o[8];
    std::memcpy(g, gate + i, r * sizeof(float));
    std::memcpy(u, up + i, r * sizeof(float));
    _mm256_storeu_ps(o, silu_mul8(_mm256_loadu_ps(g), _mm256_loadu_ps(u)));
    std::memcpy(out + i, o, r * sizeof(float));
  }
}

}  // namespace osprey::kernels::x86
