// Q3_K: superblocks of 256 = 16 sub-blocks of 16; x = (d * (code_j - 32)) * q with q in [-4, 3] and
// 6-bit codes packed in scales[12] (k_scales.h), d in fp16. Element e: low 2 bits are bits
// 2*((e % 128) / 32) of qs[32 * (e / 128) + e % 32]; bit e / 32 of hmask[e % 32] set means q = low,
// clear means q = low - 4. Sub-block = e / 16.
//
// Quantizer: search_kquant_sym (kquant_search.h) with codes in [-32, 31], radius 2.
#include "src/kernels/ref/k_scales.h"
#include "src/kernels/ref/kquant_search.h"
#include "src/kernels/ref/ref_types.h"
#include "src/tensor/half.h"

namespace osprey::kernels::ref {

using tensor::BlockQ3_K;
using tensor::kQK_K;

namespace {
inline int qs_index(int e) { return 32 * (e / 128) + e % 32; }
inline int qs_shift(int e) { return 2 * ((e % 128) / 32); }
}  // namespace

void dequantize_q3_k(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ3_K*>(src);
  for (int64_t ib = 0; ib < n / kQK_K; ++ib, dst += kQK_K) {
    const float d = tensor::fp16_to_fp32(b[ib].d);
    for (int j = 0; j < 16; ++j) {
      const float dl = d * static_cast<float>(unpack_scale_q3k(b[ib].scales, j) - 32);
      for (int e = 16 * j; e < 16 * j + 16; ++e) {
        const int low = (b[ib].qs[qs_index(e)] >> qs_shift(e)) & 3;
        const int high = (b[ib].hmask[e % 32] >> (e / 32)) & 1;
        dst[e] = dl * static_cast<float>(low - (high ? 0 : 4));
      }
    }
  }
}

void quantize_q3_k(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ3_K*>(dst);
  const KSymSpec spec{16, 16, -4, 3, -32, 31, 2, 0.6f, 1.3f};
  KSymBlock r;
  uint8_t codes[16];
  for (int64_t ib = 0; ib < n / kQK_K; ++ib, src += kQK_K) {
    search_kquant_sym(src, spec, &r);
    b[ib].d = r.d;
    for (int j = 0; j < 16; ++j) codes[j] = static_cast<uint8_t>(r.sc[j] + 32);
    pack_scales_q3k(codes, b[ib].scales);
    for (uint8_t& v : b[ib].qs) v = 0;
    for (uint8_t& v : b[ib].hmask) v = 0;
    for (int e = 0; e < kQK_K; ++e) {
      const int u = r.q[e] + 4;  // [0, 7]: low 2 bits and the "no -4" bit
      b[ib].qs[qs_index(e)] |= static_cast<uint8_t>((u & 3) << qs_shift(e));
      b[ib].hmask[e % 32] |= static_cast<uint8_t>((u >> 2) << (e / 32));
    }
  }
}

}  // namespace osprey::kernels::ref
