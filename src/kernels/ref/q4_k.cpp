// Q4_K: superblocks of 256 = 8 sub-blocks of 32; x = (d * sc_j) * q - (dmin * mc_j) with q in
// [0, 15], 6-bit sc/mc packed in scales[12] (k_scales.h), d and dmin in fp16. Each 64 elements
// share 32 bytes of qs: element 64c + l (l < 32) is the low nibble of qs[32c + l] (sub-block 2c),
// element 64c + 32 + l its high nibble (sub-block 2c + 1).
//
// Quantizer: search_kquant_asym (kquant_search.h) with 6-bit codes, radius 2.
#include "src/kernels/ref/k_scales.h"
#include "src/kernels/ref/kquant_search.h"
#include "src/kernels/ref/ref_types.h"
#include "src/tensor/half.h"

namespace osprey::kernels::ref {

using tensor::BlockQ4_K;
using tensor::kQK_K;

namespace {
inline int qs_index(int e) { return 32 * (e / 64) + e % 32; }
inline int qs_shift(int e) { return 4 * ((e % 64) / 32); }
}  // namespace

void dequantize_q4_k(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ4_K*>(src);
  for (int64_t ib = 0; ib < n / kQK_K; ++ib, dst += kQK_K) {
    const float d = tensor::fp16_to_fp32(b[ib].d);
    const float dmin = tensor::fp16_to_fp32(b[ib].dmin);
    for (int j = 0; j < 8; ++j) {
      int sc = 0, mc = 0;
      unpack_scale_min_k4(b[ib].scales, j, &sc, &mc);
      const float d1 = d * static_cast<float>(sc), m1 = dmin * static_cast<float>(mc);
      for (int e = 32 * j; e < 32 * j + 32; ++e) {
        const int q = (b[ib].qs[qs_index(e)] >> qs_shift(e)) & 0x0f;
        dst[e] = d1 * static_cast<float>(q) - m1;
      }
    }
  }
}

void quantize_q4_k(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ4_K*>(dst);
  const KAsymSpec spec{8, 32, 15, 63, 2};
  KAsymBlock r;
  for (int64_t ib = 0; ib < n / kQK_K; ++ib, src += kQK_K) {
    search_kquant_asym(src, spec, &r);
    b[ib].d = r.d;
    b[ib].dmin = r.dmin;
    pack_scale_min_k4(r.sc, r.mc, b[ib].scales);
    for (uint8_t& v : b[ib].qs) v = 0;
    for (int e = 0; e < kQK_K; ++e) b[ib].qs[qs_index(e)] |= static_cast<uint8_t>(r.q[e] << qs_shift(e));
  }
}

}  // namespace osprey::kernels::ref
