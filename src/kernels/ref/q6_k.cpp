// Q6_K: superblocks of 256 = 16 sub-blocks of 16; x = (d * sc_j) * (u - 32) with u in [0, 63],
// int8 sc_j, d in fp16. Element e = 128h + 32g + l (g in 0..3, l < 32): the low 4 bits of u are the
// low (g = 0, 1) or high (g = 2, 3) nibble of ql[64h + l + 32 * (g % 2)], the top 2 bits are bits
// 2g, 2g + 1 of qh[32h + l]. Sub-block = e / 16.
//
// Quantizer: search_kquant_sym (kquant_search.h) with q in [-32, 31], codes in [-128, 127], radius 1.
#include "src/kernels/ref/kquant_search.h"
#include "src/kernels/ref/ref_types.h"
#include "src/tensor/half.h"

namespace osprey::kernels::ref {

using tensor::BlockQ6_K;
using tensor::kQK_K;

namespace {
inline int ql_index(int e) { return 64 * (e / 128) + e % 32 + 32 * ((e % 128) / 32 % 2); }
inline int ql_shift(int e) { return 4 * ((e % 128) / 64); }
inline int qh_index(int e) { return 32 * (e / 128) + e % 32; }
inline int qh_shift(int e) { return 2 * ((e % 128) / 32); }
}  // namespace

void dequantize_q6_k(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ6_K*>(src);
  for (int64_t ib = 0; ib < n / kQK_K; ++ib, dst += kQK_K) {
    const float d = tensor::fp16_to_fp32(b[ib].d);
    for (int e = 0; e < kQK_K; ++e) {
      const int low = (b[ib].ql[ql_index(e)] >> ql_shift(e)) & 0x0f;
      const int high = (b[ib].qh[qh_index(e)] >> qh_shift(e)) & 3;
      const float ds = d * static_cast<float>(b[ib].scales[e / 16]);
      dst[e] = ds * static_cast<float>((low | (high << 4)) - 32);
    }
  }
}

void quantize_q6_k(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ6_K*>(dst);
  const KSymSpec spec{16, 16, -32, 31, -128, 127, 1, 0.85f, 1.1f};
  KSymBlock r;
  for (int64_t ib = 0; ib < n / kQK_K; ++ib, src += kQK_K) {
    search_kquant_sym(src, spec, &r);
    b[ib].d = r.d;
    for (int j = 0; j < 16; ++j) b[ib].scales[j] = r.sc[j];
    for (uint8_t& v : b[ib].ql) v = 0;
    for (uint8_t& v : b[ib].qh) v = 0;
    for (int e = 0; e < kQK_K; ++e) {
      const int u = r.q[e] + 32;
      b[ib].ql[ql_index(e)] |= static_cast<uint8_t>((u & 0x0f) << ql_shift(e));
      b[ib].qh[qh_index(e)] |= static_cast<uint8_t>((u >> 4) << qh_shift(e));
    }
  }
}

}  // namespace osprey::kernels::ref
