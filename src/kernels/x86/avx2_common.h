// Small AVX2 helpers shared by the x86 kernel files (include only from src/kernels/x86/*.cpp,
// which are compiled with -mavx2 -mfma -mf16c). Everything here has internal linkage.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#define OSP_INLINE inline __attribute__((always_inline))

namespace osprey::kernels::x86 {
namespace {

OSP_INLINE float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

OSP_INLINE int hsum_i32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

OSP_INLINE uint16_t load_u16(const void* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

OSP_INLINE uint32_t load_u32(const void* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

OSP_INLINE float fp16(uint16_t h) { return _cvtsh_ss(h); }

// [fp16(a) x4 | fp16(b) x4]
OSP_INLINE __m256 fp16_pair_spread(uint16_t a, uint16_t b) {
  const __m128 f = _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(a | (uint32_t{b} << 16))));
  return _mm256_permutevar8x32_ps(_mm256_castps128_ps256(f), _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1));
}

// Two unaligned 16-byte loads into the low and high halves of one register.
OSP_INLINE __m256i load_2x128(const void* lo, const void* hi) {
  return _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128(static_cast<const __m128i*>(lo))),
                                 _mm_loadu_si128(static_cast<const __m128i*>(hi)), 1);
}

// Decode streams each weight row once from memory; a software prefetch this many bytes ahead of
// the current block keeps more lines in flight than the hardware prefetcher alone.
constexpr int64_t kStreamPrefetchBytes = 8192;
OSP_INLINE void prefetch_stream(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0); }
// The AVX-512 single-token kernels (K-quant GEMV, float decode tiles) prefetch further ahead into
// L2 instead: 32 KiB with the T1 hint streamed fastest for them (kernels_bench -t 1/-t 2 and
// alternated `osprey bench` runs; bench/RESULTS.md). The 32-block types stay on the 8 KiB L1
// policy, which measured better for them.
constexpr int64_t kL2PrefetchBytes = 32768;
OSP_INLINE void prefetch_l2(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T1); }

OSP_INLINE __m256i loadu256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// u8 x s8 products summed in pairs then fours: 8 int32 lanes.
OSP_INLINE __m256i dot_u8s8(__m256i u, __m256i s) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

}  // namespace
}  // namespace osprey::kernels::x86
