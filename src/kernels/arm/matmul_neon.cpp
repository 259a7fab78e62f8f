// AArch64 NEON matmul kernels (baseline Armv8-A: no dot-product or fp16-arithmetic extension).
// Each output y[t, r] is one dot product of weight row r with activation row t, walked in the same
// order wherever the output falls, so a token's results never depend on its batch or on the thread
// split. Float weights: four f32x4 FMA chains over 16 values per step, reduced once at the end, a
// scalar tail for k not a multiple of 16. Q4_0 / Q8_0 against ActQ8Pair: per 32-block, the int8
// products of each 4-value lane of the activation format (values 4l..4l+3 and 16+4l..16+4l+3 of
// the block) are widened to int16, summed exactly into int32, converted, scaled by the lane's
// activation scale and added with the block's weight scale into f32 lanes.
#include <arm_neon.h>

#include "src/kernels/act_quant.h"
#include "src/kernels/arm/kernels_neon.h"
#include "src/tensor/dtype.h"
#include "src/tensor/half.h"

namespace osprey::kernels::arm {

namespace {

inline uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  __builtin_memcpy(&v, p, 2);
  return v;
}

struct F32L {
  static float32x4_t load4(const uint8_t* row, int64_t i) { return vld1q_f32(reinterpret_cast<const float*>(row) + i); }
  static float load1(const uint8_t* row, int64_t i) { return reinterpret_cast<const float*>(row)[i]; }
};
struct F16L {
  static float32x4_t load4(const uint8_t* row, int64_t i) {
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(reinterpret_cast<const uint16_t*>(row) + i)));
  }
  static float load1(const uint8_t* row, int64_t i) { return tensor::fp16_to_fp32(load_u16(row + 2 * i)); }
};
struct BF16L {
  static float32x4_t load4(const uint8_t* row, int64_t i) {
    return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(reinterpret_cast<const uint16_t*>(row) + i), 16));
  }
  static float load1(const uint8_t* row, int64_t i) { return tensor::bf16_to_fp32(load_u16(row + 2 * i)); }
};

template <class L>
float dot_float(const uint8_t* w, const float* x, int64_t k) {
  float32x4_t a0 = vdupq_n_f32(0), a1 = a0, a2 = a0, a3 = a0;
  const int64_t k16 = k / 16 * 16;
  for (int64_t i = 0; i < k16; i += 16) {
    a0 = vfmaq_f32(a0, L::load4(w, i), vld1q_f32(x + i));
    a1 = vfmaq_f32(a1, L::load4(w, i + 4), vld1q_f32(x + i + 4));
    a2 = vfmaq_f32(a2, L::load4(w, i + 8), vld1q_f32(x + i + 8));
    a3 = vfmaq_f32(a3, L::load4(w, i + 12), vld1q_f32(x + i + 12));
  }
  float s = vaddvq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)));
  for (int64_t i = k16; i < k; ++i) s += L::load1(w, i) * x[i];
  return s;
}

// Lane sums of one 32-block: lo holds values 0..15, hi values 16..31 (int8 each); xa / xb the
// activation's values 0..15 / 16..31 of the same block. Lane l: values 4l..4l+3 and 16+4l..16+4l+3.
// Two products per int16 never overflow: |w| <= 128, |x| <= 127 (the quantizers never emit -128).
inline int32x4_t lane_sums(int8x16_t lo, int8x16_t hi, int8x16_t xa, int8x16_t xb) {
  int16x8_t p0 = vmull_s8(vget_low_s8(lo), vget_low_s8(xa));  // values 0..7
  int16x8_t p1 = vmull_high_s8(lo, xa);                       // values 8..15
  p0 = vmlal_s8(p0, vget_low_s8(hi), vget_low_s8(xb));        // + values 16..23
  p1 = vmlal_high_s8(p1, hi, xb);                             // + values 24..31
  return vpaddq_s32(vpaddlq_s16(p0), vpaddlq_s16(p1));
}

struct Q4_0N {
  using Block = tensor::BlockQ4_0;
  static constexpr bool kOffset = true;  // weights are q - 8: the activation's m8sum adds -8 * sum(x)
  static void quants(const Block& b, int8x16_t& lo, int8x16_t& hi) {
    const uint8x16_t q = vld1q_u8(b.qs);
    lo = vreinterpretq_s8_u8(vandq_u8(q, vdupq_n_u8(0x0F)));
    hi = vreinterpretq_s8_u8(vshrq_n_u8(q, 4));
  }
};
struct Q8_0N {
  using Block = tensor::BlockQ8_0;
  static constexpr bool kOffset = false;
  static void quants(const Block& b, int8x16_t& lo, int8x16_t& hi) {
    lo = vld1q_s8(b.qs);
    hi = vld1q_s8(b.qs + 16);
  }
};

template <class P>
float dot_q32(const uint8_t* w, const ActQ8Pair* xs, int64_t k) {
  const auto* blocks = reinterpret_cast<const typename P::Block*>(w);
  const int64_t nb = k / 32;
  float32x4_t acc = vdupq_n_f32(0);
  for (int64_t b = 0; b < nb; ++b) {
    const ActQ8Pair& xp = xs[b / 2];
    const int h = static_cast<int>(b % 2);
    int8x16_t lo, hi;
    P::quants(blocks[b], lo, hi);
    int32x4_t s = lane_sums(lo, hi, vld1q_s8(xp.qa + 16 * h), vld1q_s8(xp.qb + 16 * h));
    if constexpr (P::kOffset) s = vaddq_s32(s, vld1q_s32(xp.m8sum + 4 * h));
    const float32x4_t f = vmulq_f32(vcvtq_f32_s32(s), vld1q_f32(xp.d + 4 * h));
    acc = vfmaq_n_f32(acc, f, tensor::fp16_to_fp32(blocks[b].d));
  }
  return vaddvq_f32(acc);
}

template <class L>
float dot_float_row(const uint8_t* w, const uint8_t* x, int64_t k) {
  return dot_float<L>(w, reinterpret_cast<const float*>(x), k);
}
template <class P>
float dot_q32_row(const uint8_t* w, const uint8_t* x, int64_t k) {
  return dot_q32<P>(w, reinterpret_cast<const ActQ8Pair*>(x), k);
}

// Rows outer, tokens inner: a weight row stays in L1 while every token passes.
template <float (*kDot)(const uint8_t*, const uint8_t*, int64_t)>
void each_output(const void* w, size_t wrb, const void* x, size_t xrb, float* y, int64_t ys, int64_t n_rows,
                 int64_t n_tok, int64_t k, uint8_t*) {
  const auto* wb = static_cast<const uint8_t*>(w);
  const auto* xb = static_cast<const uint8_t*>(x);
  for (int64_t r = 0; r < n_rows; ++r)
    for (int64_t t = 0; t < n_tok; ++t) y[t * ys + r] = kDot(wb + r * wrb, xb + t * xrb, k);
}

}  // namespace

#define OSP_NEON_MM(name, DOT)                                                                           \
  void name(const void* w, size_t wrb, const void* x, size_t xrb, float* y, int64_t ys, int64_t n_rows, \
            int64_t n_tok, int64_t k, uint8_t* scratch) {                                               \
    each_output<DOT>(w, wrb, x, xrb, y, ys, n_rows, n_tok, k, scratch);                                 \
  }

OSP_NEON_MM(mm_f32_neon, &dot_float_row<F32L>)
OSP_NEON_MM(mm_f16_neon, &dot_float_row<F16L>)
OSP_NEON_MM(mm_bf16_neon, &dot_float_row<BF16L>)
OSP_NEON_MM(mm_q4_0_neon, &dot_q32_row<Q4_0N>)
OSP_NEON_MM(mm_q8_0_neon, &dot_q32_row<Q8_0N>)

#undef OSP_NEON_MM

}  // namespace osprey::kernels::arm
