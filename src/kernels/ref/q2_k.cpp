// Q2_K: superblocks of 256 = 16 sub-blocks of 16; x = (d * sc_j) * q - (dmin * mc_j) with q in [0, 3],
// sc_j (low nibble of scales[j]) and mc_j (high nibble) in [0, 15], d and dmin in fp16.
// Element e's quant is bits 2*((e % 128) / 32) of qs[32 * (e / 128) + e % 32]; sub-block = e / 16.
//
// Quantizer: search_kquant_asym (kquant_search.h) with 4-bit codes, radius 2.
#include "src/kernels/ref/kquant_search.h"
#include "src/kernels/ref/ref_types.h"
#include "src/tensor/half.h"

namespace osprey::kernels::ref {

using tensor::BlockQ2_K;
using tensor::kQK_K;

namespace {
inline int qs_index(int e) { return 32 * (e / 128) + e % 32; }
inline int qs_shift(int e) { return 2 * ((e % 128) / 32); }
}  // namespace

void dequantize_q2_k(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ2_K*>(src);
  for (int64_t ib = 0; ib < n / kQK_K; ++ib, dst += kQK_K) {
    const float d = tensor::fp16_to_fp32(b[ib].d);
    const float dmin = tensor::fp16_to_fp32(b[ib].dmin);
    for (int j = 0; j < 16; ++j) {
      const float dl = d * static_cast<float>(b[ib].scales[j] & 0x0f);
      const float ml = dmin * static_cast<float>(b[ib].scales[j] >> 4);
      for (int e = 16 * j; e < 16 * j + 16; ++e) {
        const int q = (b[ib].qs[qs_index(e)] >> qs_shift(e)) & 3;
        dst[e] = dl * static_cast<float>(q) - ml;
      }
    }
  }
}

void quantize_q2_k(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ2_K*>(dst);
  const KAsymSpec spec{16, 16, 3, 15, 2};
  KAsymBlock r;
  for (int64_t ib = 0; ib < n / kQK_K; ++ib, src += kQK_K) {
    search_kquant_asym(src, spec, &r);
    b[ib].d = r.d;
    b[ib].dmin = r.dmin;
    for (int j = 0; j < 16; ++j) b[ib].scales[j] = static_cast<uint8_t>(r.sc[j] | (r.mc[j] << 4));
    for (uint8_t& v : b[ib].qs) v = 0;
    for (int e = 0; e < kQK_K; ++e) b[ib].qs[qs_index(e)] |= static_cast<uint8_t>(r.q[e] << qs_shift(e));
  }
}

}  // namespace osprey::kernels::ref
