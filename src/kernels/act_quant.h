// Activation formats for the int8 dot products, and their scalar quantizers.
//
// Activations are int8 with one float scale per 32-bit lane of the registers the int8 dot
// products fill (4 products per lane), so a scale costs the kernels nothing more than the block
// scale llama.cpp uses would, while a value far below its block's largest keeps its own 8 bits.
//
// Weights of the 32-block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0) meet activations in ActQ8Pair:
// two 32-blocks interleaved the way one 256-bit register holds two weight blocks (the low nibbles
// of two blocks side by side, then the high nibbles). Lane l (0..3) of block h sums values
// 4l..4l+3 and 16+4l..16+4l+3 of that block, so those 8 values share a scale.
// K-quant weights meet ActQ8K (256 values in 8 registers of 32; lane l of register v sums values
// 32v+4l..32v+4l+3, which share a scale), with scale * sum(q) per group of 16 for the weights'
// minimums. Every scale is max|x| / 127 over its values and values round to nearest (ties to
// even), so no quant is -128.
#pragma once

#include <cstddef>
#include <cstdint>

#include "src/tensor/dtype.h"

namespace osprey::kernels {

enum class ActFormat {
  kF32,     // the float row itself
  kQ8Pair,  // ActQ8Pair per 64 values (a trailing odd 32-block pairs with zeros)
  kQ8K,     // ActQ8K per 256 values (a scale per 16)
};

struct alignas(32) ActQ8Pair {
  int8_t qa[32];     // [block b: 0..15 | block b+1: 0..15]
  int8_t qb[32];     // [block b: 16..31 | block b+1: 16..31]
  float d[8];        // lane 4h + l: the scale of lane l of block b + h
  float s[8];        // lane: scale * sum of its 8 quants
  int32_t m8sum[8];  // lane: -8 * sum of its 8 quants
};
static_assert(sizeof(ActQ8Pair) == 160);

struct alignas(32) ActQ8K {
  int8_t qs[256];
  float d[64];  // 8 v + l: the scale of values 32v+4l..32v+4l+3
  float s[16];  // group g (values 16g..16g+15): sum over its 4 lanes of scale * sum of quants
};
static_assert(sizeof(ActQ8K) == 576);

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
