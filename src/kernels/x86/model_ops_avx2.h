// Entry points of the AVX2 + FMA model ops, one per file (x86/<op>_avx2.cpp). Same contracts as the
// scalar ops in ../<op>.h; the public ops call these when best_isa() is not kScalar, and tests
// compare them against the `<op>_scalar` oracles.
#pragma once

#include <cstdint>

#include "src/kernels/rope.h"

namespace osprey::kernels::x86 {

void rmsnorm_avx2(const float* x, const float* w, float* y, int64_t n, float eps);
void rope_apply_avx2(float* x, int n_heads, int head_dim, const RopeParams& p, const float* cos_sin);
void silu_mul_avx2(const float* gate, const float* up, float* out, int64_t n);
double softmax_avx2(float* x, int64_t n);
void add_avx2(const float* a, const float* b, float* y, int64_t n);

}  // namespace osprey::kernels::x86
