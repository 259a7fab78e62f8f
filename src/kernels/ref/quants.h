// The scalar oracle for every weight type: exact GGUF-ecosystem dequantization, the best-quality
// reference quantizers, and a dot product accumulated in double. Every fast path is tested
// against these functions.
//
// In every call, `n` is a count of elements and must be a multiple of the type's block size
// (info(t).block_size); callers guarantee it and a violation trips OSP_CHECK. Quantized data is
// the on-disk block layout (src/tensor/dtype.h), row_size(t, n) bytes.
#pragma once

#include <cstdint>

#include "src/tensor/dtype.h"

namespace osprey::kernels::ref {

// dst[0..n) = the values the blocks in `src` encode.
void dequantize_row(tensor::DType t, const void* src, float* dst, int64_t n);

// Encodes src[0..n) as type t with the best-quality reference quantizer (a scale search that
// minimises the squared error of the row; slow, meant for weights).
void quantize_row(tensor::DType t, const float* src, void* dst, int64_t n);

// Fast round-to-nearest quantizer for activation formats (Q8_0, Q8_1, Q8_K): the block scale is
// max|x| / 127 and every value is rounded to the nearest level (never -128). Q8_1 also stores
// s = d * sum(q); Q8_K stores the 16 sums of each group of 16 quants in bsums.
// For any other type it is the same as quantize_row.
void quantize_row_activation(tensor::DType t, const float* src, void* dst, int64_t n);

// dot(dequantize(w), x) over n elements, every product and sum in double.
double vec_dot(tensor::DType t, const void* w, const float* x, int64_t n);

// True for the 13 weight types (F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K..Q6_K) and the
// activation formats Q8_1 and Q8_K.
bool has_ref(tensor::DType t);

}  // namespace osprey::kernels::ref
