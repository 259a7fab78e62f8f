#include "src/kernels/silu_mul.h"

#include <cmath>

#if defined(__x86_64__)
#include "src/kernels/dispatch.h"
#include "src/kernels/x86/model_ops_avx2.h"
#endif

namespace osprey::kernels {

void silu_mul_scalar(const float* gate, const float* up, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    out[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

void silu_mul(const float* gate, const float* up, float* out, int64_t n) {
#if defined(__x86_64__)
  if (best_isa() != Isa::kScalar) return x86::silu_mul_avx2(gate, up, out, n);
#endif
  silu_mul_scalar(gate, up, out, n);
}

}  // namespace osprey::kernels
