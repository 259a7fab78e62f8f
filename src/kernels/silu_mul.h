// The SwiGLU gate: out[i] = silu(gate[i]) * up[i], silu(x) = x / (1 + exp(-x)).
#pragma once

#include <cstdint>

namespace osprey::kernels {

// `out` may alias `gate` or `up`. Runs the AVX2 path (x86/silu_mul_avx2.cpp, vector exp) when the
// CPU has it, else silu_mul_scalar.
void silu_mul(const float* gate, const float* up, float* out, int64_t n);

// The scalar oracle (std::exp).
void silu_mul_scalar(const float* gate, const float* up, float* out, int64_t n);

}  // namespace osprey::kernels
