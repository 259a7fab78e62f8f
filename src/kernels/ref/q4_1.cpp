// Q4_1: blocks of 32, x = d * q + m with q in [0, 15] and d, m in fp16. Byte j of qs holds element j
// in its low nibble and element j + 16 in its high nibble.
//
// Quantizer: fit_asymmetric (candidate scales around (max - min) / 15, each refined by alternating
// least-squares (d, m) and re-rounding), then the best of the neighbouring fp16 (d, m) pairs.
#include "src/kernels/ref/quant_search.h"
#include "src/kernels/ref/ref_types.h"

namespace osprey::kernels::ref {

using tensor::BlockQ4_1;

void dequantize_q4_1(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ4_1*>(src);
  for (int64_t ib = 0; ib < n / tensor::kQK4_1; ++ib, dst += tensor::kQK4_1) {
    const float d = tensor::fp16_to_fp32(b[ib].d);
    const float m = tensor::fp16_to_fp32(b[ib].m);
    for (int j = 0; j < tensor::kQK4_1 / 2; ++j) {
      dst[j] = static_cast<float>(b[ib].qs[j] & 0x0f) * d + m;
      dst[j + 16] = static_cast<float>(b[ib].qs[j] >> 4) * d + m;
    }
  }
}

void quantize_q4_1(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ4_1*>(dst);
  uint8_t q[tensor::kQK4_1];
  for (int64_t ib = 0; ib < n / tensor::kQK4_1; ++ib, src += tensor::kQK4_1) {
    float d = 0.0f, m = 0.0f;
    fit_asymmetric(src, tensor::kQK4_1, 15, false, q, &d, &m);
    finalize_asymmetric_fp16(src, tensor::kQK4_1, 15, d, m, q, &b[ib].d, &b[ib].m);
    for (int j = 0; j < tensor::kQK4_1 / 2; ++j) b[ib].qs[j] = static_cast<uint8_t>(q[j] | (q[j + 16] << 4));
  }
}

}  // namespace osprey::kernels::ref
