// The 8-bit formats. Q8_0: blocks of 32, x = d * q, d in fp16 (a weight and an activation format).
// Q8_1: as Q8_0 plus s = d * sum(q) in fp16 (activations). Q8_K: blocks of 256, d in f32, plus
// bsums[g] = sum of quants 16g..16g+15 (activations for the K-quants).
//
// The weight quantizer for Q8_0 sweeps the scale exactly (fit_symmetric, levels [-127, 127]) over
// s in [0.985, 1.02] * 127 / max|x| (where the optimum nearly always lies for 8 bits; a wider range
// gains ~2 % RMSE for twice the time), then picks the best neighbouring fp16 scale. The activation quantizers round to nearest with d = max|x| / 127.
#include <cmath>

#include "src/kernels/ref/quant_search.h"
#include "src/kernels/ref/ref_types.h"

namespace osprey::kernels::ref {

using tensor::BlockQ8_0;
using tensor::BlockQ8_1;
using tensor::BlockQ8_K;

namespace {

// Round-to-nearest with scale max|x| / 127: writes q and returns d.
float round_block_q8(const float* x, int n, int8_t* q) {
  float amax = 0.0f;
  for (int i = 0; i < n; ++i) amax = std::fmax(amax, std::fabs(x[i]));
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  for (int i = 0; i < n; ++i) q[i] = static_cast<int8_t>(nearest_clamped(x[i] * id, -127, 127));
  return d;
}

}  // namespace

void dequantize_q8_0(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ8_0*>(src);
  for (int64_t ib = 0; ib < n / tensor::kQK8_0; ++ib, dst += tensor::kQK8_0) {
    const float d = tensor::fp16_to_fp32(b[ib].d);
    for (int j = 0; j < tensor::kQK8_0; ++j) dst[j] = static_cast<float>(b[ib].qs[j]) * d;
  }
}

void quantize_q8_0(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ8_0*>(dst);
  for (int64_t ib = 0; ib < n / tensor::kQK8_0; ++ib, src += tensor::kQK8_0) {
    const float d = fit_symmetric(src, tensor::kQK8_0, -127, 127, 0.985f, 1.02f, b[ib].qs);
    b[ib].d = finalize_symmetric_fp16(src, tensor::kQK8_0, -127, 127, d, b[ib].qs);
  }
}

void quantize_q8_0_activation(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ8_0*>(dst);
  for (int64_t ib = 0; ib < n / tensor::kQK8_0; ++ib, src += tensor::kQK8_0)
    b[ib].d = tensor::fp32_to_fp16(round_block_q8(src, tensor::kQK8_0, b[ib].qs));
}

void dequantize_q8_1(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ8_1*>(src);
  for (int64_t ib = 0; ib < n / tensor::kQK8_1; ++ib, dst += tensor::kQK8_1) {
    const float d = tensor::fp16_to_fp32(b[ib].d);
    for (int j = 0; j < tensor::kQK8_1; ++j) dst[j] = static_cast<float>(b[ib].qs[j]) * d;
  }
}

void quantize_q8_1_activation(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ8_1*>(dst);
  for (int64_t ib = 0; ib < n / tensor::kQK8_1; ++ib, src += tensor::kQK8_1) {
    const float d = round_block_q8(src, tensor::kQK8_1, b[ib].qs);
    int sum = 0;
    for (int j = 0; j < tensor::kQK8_1; ++j) sum += b[ib].qs[j];
    b[ib].d = tensor::fp32_to_fp16(d);
    b[ib].s = tensor::fp32_to_fp16(d * static_cast<float>(sum));
  }
}

void dequantize_q8_k(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ8_K*>(src);
  for (int64_t ib = 0; ib < n / tensor::kQK_K; ++ib, dst += tensor::kQK_K)
    for (int j = 0; j < tensor::kQK_K; ++j) dst[j] = b[ib].d * static_cast<float>(b[ib].qs[j]);
}

void quantize_q8_k_activation(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ8_K*>(dst);
  for (int64_t ib = 0; ib < n / tensor::kQK_K; ++ib, src += tensor::kQK_K) {
    b[ib].d = round_block_q8(src, tensor::kQK_K, b[ib].qs);
    for (int g = 0; g < tensor::kQK_K / 16; ++g) {
      int sum = 0;
      for (int j = 0; j < 16; ++j) sum += b[ib].qs[16 * g + j];
      b[ib].bsums[g] = static_cast<int16_t>(sum);
    }
  }
}

}  // namespace osprey::kernels::ref
