// Entry points of the AArch64 NEON kernels (dispatch.h's MatmulTileFn signature). Every output is
// one dot product computed the same way whatever tile, batch or thread it falls in, so results do
// not depend on the batch or on the thread count. Float weights meet f32 activations; Q4_0 and Q8_0
// meet ActQ8Pair rows (act_quant.h) with int8 x int8 products widened to int16 and summed into the
// format's 4-value lanes, then scaled per lane in f32. Other weight types take the scalar path.
#pragma once

#include <cstddef>
#include <cstdint>

namespace osprey::kernels::arm {

#define OSP_NEON_MM(name)                                                                                     \
  void name(const void* w, size_t w_row_bytes, const void* x, size_t x_row_bytes, float* y, int64_t y_stride, \
            int64_t n_rows, int64_t n_tok, int64_t k, uint8_t* scratch)

OSP_NEON_MM(mm_f32_neon);
OSP_NEON_MM(mm_f16_neon);
OSP_NEON_MM(mm_bf16_neon);
OSP_NEON_MM(mm_q4_0_neon);
OSP_NEON_MM(mm_q8_0_neon);

#undef OSP_NEON_MM

}  // namespace osprey::kernels::arm
