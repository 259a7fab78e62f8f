// AVX2 + FMA matmul kernels for float weights (F32, F16 via F16C, BF16 by shifting) against f32
// activations. Each tile keeps R x C accumulators of 8 lanes; a k that is not a multiple of 8 ends
// with a scalar tail added after the horizontal sum.
#include "src/kernels/x86/avx2_common.h"
#include "src/kernels/x86/kernels_avx2.h"
#include "src/kernels/x86/tile_grid.h"
#include "src/tensor/half.h"

namespace osprey::kernels::x86 {

namespace {

struct F32L {
  static OSP_INLINE __m256 load8(const uint8_t* row, int64_t i) {
    return _mm256_loadu_ps(reinterpret_cast<const float*>(row) + i);
  }
  static OSP_INLINE float load1(const uint8_t* row, int64_t i) { return reinterpret_cast<const float*>(row)[i]; }
};

struct F16L {
  static OSP_INLINE __m256 load8(const uint8_t* row, int64_t i) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * i)));
  }
  static OSP_INLINE float load1(const uint8_t* row, int64_t i) { return tensor::fp16_to_fp32(load_u16(row + 2 * i)); }
};

struct BF16L {
  static OSP_INLINE __m256 load8(const uint8_t* row, int64_t i) {
    const __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * i)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
  }
  static OSP_INLINE float load1(const uint8_t* row, int64_t i) { return tensor::bf16_to_fp32(load_u16(row + 2 * i)); }
};

template <class L, int R, int C>
struct FloatTile {
  static void run(const uint8_t* w, size_t wrb, const uint8_t* x, size_t xrb, float* y, int64_t ys, int64_t k) {
    __m256 acc[R][C];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) acc[r][c] = _mm256_setzero_ps();
    const int64_t k8 = k / 8 * 8;
    for (int64_t i = 0; i < k8; i += 8) {
      __m256 wv[R];
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) wv[r] = L::load8(w + r * wrb, i);
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) {
        const __m256 xv = _mm256_loadu_ps(reinterpret_cast<const float*>(x + c * xrb) + i);
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) acc[r][c] = _mm256_fmadd_ps(wv[r], xv, acc[r][c]);
      }
    }
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) {
        float s = hsum(acc[r][c]);
        const float* xr = reinterpret_cast<const float*>(x + c * xrb);
        for (int64_t i = k8; i < k; ++i) s += L::load1(w + r * wrb, i) * xr[i];
        y[c * ys + r] = s;
      }
  }
};

template <int R, int C> using F32T = FloatTile<F32L, R, C>;
template <int R, int C> using F16T = FloatTile<F16L, R, C>;
template <int R, int C> using BF16T = FloatTile<BF16L, R, C>;

}  // namespace

#define OSP_MM_FLOAT(name, T)                                                                           \
  void name(const void* w, size_t wrb, const void* x, size_t xrb, float* y, int64_t ys, int64_t n_rows, \
            int64_t n_tok, int64_t k, uint8_t*) {                                                       \
    if (n_tok == 1)                                                                                     \
      mm_tiles<T, 4, 1>(w, wrb, x, xrb, y, ys, n_rows, n_tok, k);                                       \
    else                                                                                                \
      mm_tiles<T, 3, 4>(w, wrb, x, xrb, y, ys, n_rows, n_tok, k);                                       \
  }

OSP_MM_FLOAT(mm_f32_avx2, F32T)
OSP_MM_FLOAT(mm_f16_avx2, F16T)
OSP_MM_FLOAT(mm_bf16_avx2, BF16T)

#undef OSP_MM_FLOAT

}  // namespace osprey::kernels::x86
