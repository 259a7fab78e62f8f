// Q4_0: blocks of 32, x = d * (q - 8) with q in [0, 15] and d in fp16. Byte j of qs holds element j
// in its low nibble and element j + 16 in its high nibble.
//
// Quantizer: the exact least-squares sweep over the scale (fit_symmetric over 1/d in
// [0.7, 1.15] * 8 / max|x|, both signs of d so the largest magnitude may take level -8), then the best of the neighbouring fp16 scales with the
// levels re-rounded for it.
#include "src/kernels/ref/quant_search.h"
#include "src/kernels/ref/ref_types.h"

namespace osprey::kernels::ref {

using tensor::BlockQ4_0;

void dequantize_q4_0(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ4_0*>(src);
  for (int64_t ib = 0; ib < n / tensor::kQK4_0; ++ib, dst += tensor::kQK4_0) {
    const float d = tensor::fp16_to_fp32(b[ib].d);
    for (int j = 0; j < tensor::kQK4_0 / 2; ++j) {
      dst[j] = static_cast<float>((b[ib].qs[j] & 0x0f) - 8) * d;
      dst[j + 16] = static_cast<float>((b[ib].qs[j] >> 4) - 8) * d;
    }
  }
}

void quantize_q4_0(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ4_0*>(dst);
  int8_t q[tensor::kQK4_0];
  for (int64_t ib = 0; ib < n / tensor::kQK4_0; ++ib, src += tensor::kQK4_0) {
    const float d = fit_symmetric(src, tensor::kQK4_0, -8, 7, 0.7f, 1.15f, q);
    b[ib].d = finalize_symmetric_fp16(src, tensor::kQK4_0, -8, 7, d, q);
    for (int j = 0; j < tensor::kQK4_0 / 2; ++j)
      b[ib].qs[j] = static_cast<uint8_t>((q[j] + 8) | ((q[j + 16] + 8) << 4));
  }
}

}  // namespace osprey::kernels::ref
