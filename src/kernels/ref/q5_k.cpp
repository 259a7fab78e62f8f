// Q5_K: as Q4_K (8 sub-blocks of 32, 6-bit packed sc/mc, fp16 d and dmin) with q in [0, 31]: the low
// 4 bits are stored exactly as in Q4_K and bit 4 of element e is bit e / 32 of qh[e % 32].
//
// Quantizer: search_kquant_asym (kquant_search.h) with 6-bit codes, radius 2.
#include "src/kernels/ref/k_scales.h"
#include "src/kernels/ref/kquant_search.h"
#include "src/kernels/ref/ref_types.h"
#include "src/tensor/half.h"

namespace osprey::kernels::ref {

using tensor::BlockQ5_K;
using tensor::kQK_K;

namespace {
inline int qs_index(int e) { return 32 * (e / 64) + e % 32; }
inline int qs_shift(int e) { return 4 * ((e % 64) / 32); }
}  // namespace

void dequantize_q5_k(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ5_K*>(src);
  for (int64_t ib = 0; ib < n / kQK_K; ++ib, dst += kQK_K) {
    const float d = tensor::fp16_to_fp32(b[ib].d);
    const float dmin = tensor::fp16_to_fp32(b[ib].dmin);
    for (int j = 0; j < 8; ++j) {
      int sc = 0, mc = 0;
      unpack_scale_min_k4(b[ib].scales, j, &sc, &mc);
      const float d1 = d * static_cast<float>(sc), m1 = dmin * static_cast<float>(mc);
      for (int e = 32 * j; e < 32 * j + 32; ++e) {
        const int low = (b[ib].qs[qs_index(e)] >> qs_shift(e)) & 0x0f;
        const int high = (b[ib].qh[e % 32] >> (e / 32)) & 1;
        dst[e] = d1 * static_cast<float>(low | (high << 4)) - m1;
      }
    }
  }
}

void quantize_q5_k(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ5_K*>(dst);
  const KAsymSpec spec{8, 32, 31, 63, 2};
  KAsymBlock r;
  for (int64_t ib = 0; ib < n / kQK_K; ++ib, src += kQK_K) {
    search_kquant_asym(src, spec, &r);
    b[ib].d = r.d;
    b[ib].dmin = r.dmin;
    pack_scale_min_k4(r.sc, r.mc, b[ib].scales);
    for (uint8_t& v : b[ib].qs) v = 0;
    for (uint8_t& v : b[ib].qh) v = 0;
    for (int e = 0; e < kQK_K; ++e) {
      b[ib].qs[qs_index(e)] |= static_cast<uint8_t>((r.q[e] & 0x0f) << qs_shift(e));
      b[ib].qh[e % 32] |= static_cast<uint8_t>((r.q[e] >> 4) << (e / 32));
    }
  }
}

}  // namespace osprey::kernels::ref
