// RMS normalization: y[i] = x[i] / sqrt(mean(x^2) + eps) * w[i].
#pragma once

#include <cstdint>

namespace osprey::kernels {

// One row of n floats. `w` may be null (no scale). `y` may alias `x`. Runs the AVX2 path
// (x86/rmsnorm_avx2.cpp) when the CPU has it, else rmsnorm_scalar.
void rmsnorm(const float* x, const float* w, float* y, int64_t n, float eps);

// The scalar oracle: squares summed in double.
void rmsnorm_scalar(const float* x, const float* w, float* y, int64_t n, float eps);

// n_rows rows of n floats, `stride` floats apart (0: n), normalized in place.
void rmsnorm_rows(float* x, const float* w, int64_t n, int64_t n_rows, int64_t stride, float eps);

}  // namespace osprey::kernels
