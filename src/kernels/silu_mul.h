// The SwiGLU gate: out[i] = silu(gate[i]) * up[i], silu(x) = x / (1 + exp(-x)).
#pragma once

#include <cstdint>

namespace osprey::kernels {

// `out` may alias `gate` or `up`.
void silu_mul(const float* gate, const float* up, float* out, int64_t n);

}  // namespace osprey::kernels
