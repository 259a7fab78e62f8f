// Activation formats for the int8 dot products, and their scalar quantizers.
//
// Weights of the 32-block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0) meet activations in ActQ8Pair:
// two 32-blocks interleaved the way one 256-bit register holds two weight blocks (the low nibbles
// of two blocks side by side, then the high nibbles), with each block's scale already spread over
// the four 32-bit lanes its products land in. K-quant weights meet ActQ8K (256 values, sums of each
// 16, f32 scale; the Q8_K content laid out so every 32-value load is aligned). Every scale is
// max|x| / 127 and values round to nearest (ties to even), so no quant is -128.
#pragma once

#include <cstddef>
#include <cstdint>

#include "src/tensor/dtype.h"

namespace osprey::kernels {

enum class ActFormat {
  kF32,     // the float row itself
  kQ8Pair,  // ActQ8Pair per 64 values (a trailing odd 32-block pairs with zeros)
  kQ8K,     // ActQ8K per 256 values
};

struct alignas(32) ActQ8Pair {
  int8_t qa[32];     // [block b: 0..15 | block b+1: 0..15]
  int8_t qb[32];     // [block b: 16..31 | block b+1: 16..31]
  float d[8];        // [d_b x4 | d_b+1 x4]
  float s[8];        // [d_b * sum(q_b) / 4 x4 | d_b+1 * sum(q_b+1) / 4 x4]
  int32_t m8sum[8];  // [-8 * sum(q_b), 0, 0, 0 | -8 * sum(q_b+1), 0, 0, 0]
};
static_assert(sizeof(ActQ8Pair) == 160);

struct alignas(32) ActQ8K {
  int8_t qs[256];
  int16_t bsums[16];  // sum of quants 16g..16g+15
  float d;            // max|x| / 127
  float pad[7];
};
static_assert(sizeof(ActQ8K) == 320);

// Bytes of one quantized activation row of k values (k a multiple of 32 for kQ8Pair, 256 for
// kQ8K).
size_t act_row_bytes(ActFormat f, int64_t k);

// Scalar quantizers (the oracle for the SIMD ones, which produce identical bytes).
void quantize_act_pair_scalar(const float* x, ActQ8Pair* dst, int64_t k);
void quantize_act_q8k_scalar(const float* x, ActQ8K* dst, int64_t k);

// The values the quantized rows encode (for tests): y[0..k).
void dequantize_act_pair(const ActQ8Pair* src, float* y, int64_t k);
void dequantize_act_q8k(const ActQ8K* src, float* y, int64_t k);

}  // namespace osprey::kernels
