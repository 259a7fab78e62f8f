// RMS normalization: y[i] = x[i] / sqrt(mean(x^2) + eps) * w[i].
#pragma once

#include <cstdint>

namespace osprey::kernels {

// One row of n floats. `w` may be null (no scale). `y` may alias `x`.
void rmsnorm(const float* x, const float* w, float* y, int64_t n, float eps);

// n_rows rows of n floats, `stride` floats apart (0: n), normalized in place.
void rmsnorm_rows(float* x, const float* w, int64_t n, int64_t n_rows, int64_t stride, float eps);

}  // namespace osprey::kernels
