// The 8-way transposed sum of the AVX2 attention kernels, plus (via vec_math.h) the vector e^x and
// horizontal max they share with the model ops (include only from src/kernels/x86/*.cpp, compiled
// with -mavx2 -mfma -mf16c). Internal linkage.
#pragma once

#include <immintrin.h>

#include "src/kernels/x86/avx2_common.h"
#include "src/kernels/x86/vec_math.h"

namespace osprey::kernels::x86 {
namespace {

// [sum(v0), sum(v1), ..., sum(v7)]; every lane is reduced in the same order.
OSP_INLINE __m256 transpose_sums(const __m256* v) {
  const __m256 t0 = _mm256_hadd_ps(v[0], v[1]), t1 = _mm256_hadd_ps(v[2], v[3]);
  const __m256 t2 = _mm256_hadd_ps(v[4], v[5]), t3 = _mm256_hadd_ps(v[6], v[7]);
  const __m256 u0 = _mm256_hadd_ps(t0, t1), u1 = _mm256_hadd_ps(t2, t3);
  return _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20), _mm256_permute2f128_ps(u0, u1, 0x31));
}

}  // namespace
}  // namespace osprey::kernels::x86
