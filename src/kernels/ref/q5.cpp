// Q5_0 and Q5_1: blocks of 32 with 5-bit levels. The low 4 bits sit in qs like Q4_0 (byte j: element
// j low nibble, element j + 16 high nibble); bit 4 of element i is bit i of the little-endian
// 32-bit qh. Q5_0: x = d * (q - 16); Q5_1: x = d * q + m; d and m in fp16.
//
// Quantizers: as Q4_0 (exact symmetric sweep, both signs) and Q4_1 (affine search) with 32 levels.
#include <cstring>

#include "src/kernels/ref/quant_search.h"
#include "src/kernels/ref/ref_types.h"

namespace osprey::kernels::ref {

using tensor::BlockQ5_0;
using tensor::BlockQ5_1;

namespace {

// The 32 five-bit levels of a block, in element order.
void unpack_q5(const uint8_t* qs, const uint8_t* qh_bytes, int* q) {
  uint32_t qh;
  std::memcpy(&qh, qh_bytes, 4);
  for (int j = 0; j < 16; ++j) {
    q[j] = (qs[j] & 0x0f) | static_cast<int>(((qh >> j) & 1u) << 4);
    q[j + 16] = (qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
  }
}

void pack_q5(const int* q, uint8_t* qs, uint8_t* qh_bytes) {
  uint32_t qh = 0;
  for (int j = 0; j < 16; ++j) {
    qs[j] = static_cast<uint8_t>((q[j] & 0x0f) | ((q[j + 16] & 0x0f) << 4));
    qh |= static_cast<uint32_t>((q[j] >> 4) & 1) << j;
    qh |= static_cast<uint32_t>((q[j + 16] >> 4) & 1) << (j + 16);
  }
  std::memcpy(qh_bytes, &qh, 4);
}

}  // namespace

void dequantize_q5_0(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ5_0*>(src);
  int q[32];
  for (int64_t ib = 0; ib < n / tensor::kQK5_0; ++ib, dst += tensor::kQK5_0) {
    const float d = tensor::fp16_to_fp32(b[ib].d);
    unpack_q5(b[ib].qs, b[ib].qh, q);
    for (int j = 0; j < 32; ++j) dst[j] = static_cast<float>(q[j] - 16) * d;
  }
}

void quantize_q5_0(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ5_0*>(dst);
  int8_t q[32];
  int levels[32];
  for (int64_t ib = 0; ib < n / tensor::kQK5_0; ++ib, src += tensor::kQK5_0) {
    const float d = fit_symmetric(src, 32, -16, 15, 0.7f, 1.15f, q);
    b[ib].d = finalize_symmetric_fp16(src, 32, -16, 15, d, q);
    for (int j = 0; j < 32; ++j) levels[j] = q[j] + 16;
    pack_q5(levels, b[ib].qs, b[ib].qh);
  }
}

void dequantize_q5_1(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ5_1*>(src);
  int q[32];
  for (int64_t ib = 0; ib < n / tensor::kQK5_1; ++ib, dst += tensor::kQK5_1) {
    const float d = tensor::fp16_to_fp32(b[ib].d);
    const float m = tensor::fp16_to_fp32(b[ib].m);
    unpack_q5(b[ib].qs, b[ib].qh, q);
    for (int j = 0; j < 32; ++j) dst[j] = static_cast<float>(q[j]) * d + m;
  }
}

void quantize_q5_1(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ5_1*>(dst);
  uint8_t q[32];
  int levels[32];
  for (int64_t ib = 0; ib < n / tensor::kQK5_1; ++ib, src += tensor::kQK5_1) {
    float d = 0.0f, m = 0.0f;
    fit_asymmetric(src, 32, 31, false, q, &d, &m);
    finalize_asymmetric_fp16(src, 32, 31, d, m, q, &b[ib].d, &b[ib].m);
    for (int j = 0; j < 32; ++j) levels[j] = q[j];
    pack_q5(levels, b[ib].qs, b[ib].qh);
  }
}

}  // namespace osprey::kernels::ref
