// Element-wise addition: y[i] = a[i] + b[i], and a bias broadcast over rows.
#pragma once

#include <cstdint>

namespace osprey::kernels {

// `y` may alias `a` or `b`. Runs the AVX2 path (x86/add_avx2.cpp, bit-identical) when the CPU has
// it, else add_scalar.
void add(const float* a, const float* b, float* y, int64_t n);

// The scalar oracle.
void add_scalar(const float* a, const float* b, float* y, int64_t n);

// x[r, :] += bias[:] for n_rows rows of n floats, `stride` floats apart (0: n).
void add_bias_rows(float* x, const float* bias, int64_t n, int64_t n_rows, int64_t stride);

}  // namespace osprey::kernels
