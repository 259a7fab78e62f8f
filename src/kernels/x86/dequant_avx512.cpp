// AVX-512 weight decoders (see dequant_avx512.h). Block layouts: src/tensor/dtype.h; the value
// order inside each block follows the reference decoders in src/kernels/ref.
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,f16c")
#include "src/kernels/x86/dequant_avx512.h"

#include <immintrin.h>

#include "src/kernels/ref/k_scales.h"
#include "src/tensor/half.h"

namespace osprey::kernels::x86 {
namespace {

using tensor::DType;

// The F16C conversion: the same value as tensor::fp16_to_fp32 (exact for every non-NaN half).
inline float half(uint16_t h) { return _cvtsh_ss(h); }

// 16 signed bytes -> 16 floats times d.
inline void put_i8(const __m128i q, float d, float* dst) {
  _mm512_storeu_ps(dst, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q)), _mm512_set1_ps(d)));
}

void q4_0(const uint8_t* src, int64_t nb, float* dst) {
  const auto* b = reinterpret_cast<const tensor::BlockQ4_0*>(src);
  const __m128i mask = _mm_set1_epi8(0x0f), eight = _mm_set1_epi8(8);
  for (int64_t i = 0; i < nb; ++i, dst += 32) {
    const float d = half(b[i].d);
    const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b[i].qs));
    put_i8(_mm_sub_epi8(_mm_and_si128(q, mask), eight), d, dst);
    put_i8(_mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(q, 4), mask), eight), d, dst + 16);
  }
}

void q8_0(const uint8_t* src, int64_t nb, float* dst) {
  const auto* b = reinterpret_cast<const tensor::BlockQ8_0*>(src);
  for (int64_t i = 0; i < nb; ++i, dst += 32) {
    const float d = half(b[i].d);
    put_i8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b[i].qs)), d, dst);
    put_i8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b[i].qs + 16)), d, dst + 16);
  }
}

// 16 unsigned nibble values (as bytes) -> d1 * q - m1.
inline void put_q4k(const __m128i q, float d1, float m1, float* dst) {
  const __m512 v = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(q));
  _mm512_storeu_ps(dst, _mm512_sub_ps(_mm512_mul_ps(_mm512_set1_ps(d1), v), _mm512_set1_ps(m1)));
}

void q4_k(const uint8_t* src, int64_t nb, float* dst) {
  const auto* b = reinterpret_cast<const tensor::BlockQ4_K*>(src);
  const __m128i mask = _mm_set1_epi8(0x0f);
  for (int64_t i = 0; i < nb; ++i, dst += 256) {
    const float d = half(b[i].d), dmin = half(b[i].dmin);
    for (int j2 = 0; j2 < 4; ++j2) {  // 64 values: the low nibbles of 32 bytes, then the high ones
      int sc0 = 0, m0 = 0, sc1 = 0, m1 = 0;
      ref::unpack_scale_min_k4(b[i].scales, 2 * j2, &sc0, &m0);
      ref::unpack_scale_min_k4(b[i].scales, 2 * j2 + 1, &sc1, &m1);
      const float d0 = d * static_cast<float>(sc0), mm0 = dmin * static_cast<float>(m0);
      const float d1 = d * static_cast<float>(sc1), mm1 = dmin * static_cast<float>(m1);
      float* o = dst + 64 * j2;
      for (int h = 0; h < 2; ++h) {
        const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b[i].qs + 32 * j2 + 16 * h));
        put_q4k(_mm_and_si128(q, mask), d0, mm0, o + 16 * h);
        put_q4k(_mm_and_si128(_mm_srli_epi16(q, 4), mask), d1, mm1, o + 32 + 16 * h);
      }
    }
  }
}

void q6_k(const uint8_t* src, int64_t nb, float* dst) {
  const auto* b = reinterpret_cast<const tensor::BlockQ6_K*>(src);
  const __m512i m4 = _mm512_set1_epi32(0x0f), m2 = _mm512_set1_epi32(3), off = _mm512_set1_epi32(32);
  for (int64_t i = 0; i < nb; ++i, dst += 256) {
    const float d = half(b[i].d);
    for (int h = 0; h < 2; ++h) {      // 128 values each
      for (int qq = 0; qq < 4; ++qq) {  // 32 values: ql bytes 32 * (qq % 2), nibble qq / 2; qh bits 2 * qq
        for (int s = 0; s < 2; ++s) {   // 16 values
          const int e0 = 128 * h + 32 * qq + 16 * s;
          const __m512i ql = _mm512_cvtepu8_epi32(
              _mm_loadu_si128(reinterpret_cast<const __m128i*>(b[i].ql + 64 * h + 32 * (qq % 2) + 16 * s)));
          const __m512i qh =
              _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b[i].qh + 32 * h + 16 * s)));
          const __m512i low = _mm512_and_si512(_mm512_srli_epi32(ql, 4 * (qq / 2)), m4);
          const __m512i high = _mm512_and_si512(_mm512_srli_epi32(qh, 2 * qq), m2);
          const __m512i q = _mm512_sub_epi32(_mm512_or_si512(low, _mm512_slli_epi32(high, 4)), off);
          const float ds = d * static_cast<float>(b[i].scales[e0 / 16]);
          _mm512_storeu_ps(dst + e0, _mm512_mul_ps(_mm512_set1_ps(ds), _mm512_cvtepi32_ps(q)));
        }
      }
    }
  }
}

void f16(const uint8_t* src, int64_t n, float* dst) {
  const auto* h = reinterpret_cast<const uint16_t*>(src);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(dst + i, _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + i))));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(dst + i, m, _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, h + i)));
  }
}

}  // namespace

bool dequant_row_avx512(DType t, const uint8_t* row, int64_t k0, int64_t n, float* dst) {
  const uint8_t* src = row + tensor::row_size(t, k0);
  const int64_t nb = n / tensor::info(t).block_size;
  switch (t) {
    case DType::kF16:
      f16(src, n, dst);
      return true;
    case DType::kQ4_0:
      q4_0(src, nb, dst);
      return true;
    case DType::kQ8_0:
      q8_0(src, nb, dst);
      return true;
    case DType::kQ4_K:
      q4_k(src, nb, dst);
      return true;
    case DType::kQ6_K:
      q6_k(src, nb, dst);
      return true;
    default:
      return false;
  }
}

}  // namespace osprey::kernels::x86
