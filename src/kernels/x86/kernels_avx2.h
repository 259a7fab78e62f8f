// Entry points of the AVX2 + FMA + F16C kernels (call only when the CPU has them). Signatures are
// dispatch.h's MatmulTileFn and QuantizeActFn.
#pragma once

#include <cstddef>
#include <cstdint>

namespace osprey::kernels::x86 {

// Prompt batches of at least kUnpackMinTokens tokens unpack up to kUnpackRows weight rows at a time
// into `scratch` (gemm_scratch_bytes(k) per thread) and stream the tokens past them; smaller
// batches read the weight blocks directly. A null scratch always reads directly.
inline constexpr int kUnpackRows = 4;
inline constexpr int64_t kUnpackMinTokens = 8;
size_t pair_unpack_bytes(int64_t k);  // q32_avx2.cpp
size_t k_unpack_bytes(int64_t k);     // qk_avx2.cpp
inline size_t gemm_scratch_bytes(int64_t k) {
  const size_t a = pair_unpack_bytes(k), b = k_unpack_bytes(k);
  return (a > b ? a : b) + 64;
}

#define OSP_X86_MM(name)                                                                              \
  void name(const void* w, size_t w_row_bytes, const void* x, size_t x_row_bytes, float* y, int64_t y_stride, \
            int64_t n_rows, int64_t n_tok, int64_t k, uint8_t* scratch)

// float_avx2.cpp: activations are f32 rows.
OSP_X86_MM(mm_f32_avx2);
OSP_X86_MM(mm_f16_avx2);
OSP_X86_MM(mm_bf16_avx2);
// q32_avx2.cpp: activations are ActQ8Pair rows.
OSP_X86_MM(mm_q4_0_avx2);
OSP_X86_MM(mm_q4_1_avx2);
OSP_X86_MM(mm_q5_0_avx2);
OSP_X86_MM(mm_q5_1_avx2);
OSP_X86_MM(mm_q8_0_avx2);
// q32_vnni.cpp: the same with AVX-VNNI (only when the CPU reports it).
OSP_X86_MM(mm_q4_0_vnni);
OSP_X86_MM(mm_q4_1_vnni);
OSP_X86_MM(mm_q5_0_vnni);
OSP_X86_MM(mm_q5_1_vnni);
OSP_X86_MM(mm_q8_0_vnni);
// gemm_avx512.cpp: AVX-512 F/BW/VL/VNNI (only when the CPU reports them): two weight rows per
// 512-bit register for prompt batches; scratch is avx512_scratch_bytes(k) per thread.
OSP_X86_MM(mm_q4_0_avx512);
OSP_X86_MM(mm_q4_1_avx512);
OSP_X86_MM(mm_q5_0_avx512);
OSP_X86_MM(mm_q5_1_avx512);
OSP_X86_MM(mm_q8_0_avx512);
OSP_X86_MM(mm_q2_k_avx512);
OSP_X86_MM(mm_q3_k_avx512);
OSP_X86_MM(mm_q4_k_avx512);
OSP_X86_MM(mm_q5_k_avx512);
OSP_X86_MM(mm_q6_k_avx512);
OSP_X86_MM(mm_f32_avx512);
OSP_X86_MM(mm_f16_avx512);
OSP_X86_MM(mm_bf16_avx512);
size_t unpack512_bytes(int64_t k);
// gemv_avx512.cpp: single-token K-quant GEMV, two rows per 512-bit register (n_tok must be 1).
OSP_X86_MM(gemv_q2_k_avx512);
OSP_X86_MM(gemv_q3_k_avx512);
OSP_X86_MM(gemv_q4_k_avx512);
OSP_X86_MM(gemv_q5_k_avx512);
OSP_X86_MM(gemv_q6_k_avx512);
inline size_t avx512_scratch_bytes(int64_t k) {
  const size_t a = gemm_scratch_bytes(k), b = unpack512_bytes(k);
  return a > b ? a : b;
}
// qk_avx2.cpp: activations are ActQ8K rows.
OSP_X86_MM(mm_q2_k_avx2);
OSP_X86_MM(mm_q3_k_avx2);
OSP_X86_MM(mm_q4_k_avx2);
OSP_X86_MM(mm_q5_k_avx2);
OSP_X86_MM(mm_q6_k_avx2);

#undef OSP_X86_MM

// act_quant_avx2.cpp: byte-identical to the scalar quantizers in act_quant.h.
void quantize_act_pair_avx2(const float* x, void* dst, int64_t k);
void quantize_act_q8k_avx2(const float* x, void* dst, int64_t k);

}  // namespace osprey::kernels::x86
