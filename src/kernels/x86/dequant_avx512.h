// AVX-512 dequantization of weight-row slices to f32 (F16, Q4_0, Q8_0, Q4_K, Q6_K), bit for bit
// the reference decoders' values (ref::dequantize_row: the same float products, no FMA
// contraction), for the prompt kernels that feed AMX tiles. Call only when the CPU has AVX-512 F/BW.
#pragma once

#include <cstdint>

#include "src/tensor/dtype.h"

namespace osprey::kernels::x86 {

// dst[0..n) = values [k0, k0 + n) of the row (k0 and n multiples of the type's block size; any n
// for F16).
// Returns false, writing nothing, for types without a fast decoder here.
bool dequant_row_avx512(tensor::DType t, const uint8_t* row, int64_t k0, int64_t n, float* dst);

}  // namespace osprey::kernels::x86
