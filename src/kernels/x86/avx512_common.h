// Helpers of the AVX-512 kernels that hold two 256-bit halves in one register (gemm_avx512.cpp,
// gemv_avx512.cpp). Include after `#pragma GCC target("avx512f,avx512bw,avx512vl,...")`.
#pragma once

#include "src/kernels/x86/avx2_common.h"

namespace osprey::kernels::x86 {

OSP_INLINE __m512i join(__m256i lo, __m256i hi) { return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1); }
OSP_INLINE __m512 join(__m256 lo, __m256 hi) {
  return _mm512_castsi512_ps(join(_mm256_castps_si256(lo), _mm256_castps_si256(hi)));
}
// 32 bytes (32-byte aligned) in both halves.
OSP_INLINE __m512i bcast(const void* p) {
  return _mm512_broadcast_i64x4(_mm256_load_si256(static_cast<const __m256i*>(p)));
}
OSP_INLINE __m512 bcast_ps(const float* p) { return _mm512_castsi512_ps(bcast(p)); }

}  // namespace osprey::kernels::x86
