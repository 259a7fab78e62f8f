// Prompt-batch matmul on AMX tiles with BF16 dot products (Intel AMX-BF16 + AVX512-BF16; call
// only when base::CpuFeatures::amx_bf16 is set: the CPU has it and the OS granted the tile state).
//
// Precision: an activation x is split into two bf16 parts, hi = bf16(x) and lo = bf16(x - hi),
// which keep 16 of its 24 significant bits, and the tiles multiply both parts (f32 accumulation):
// activations are carried to ~2^-17. F16 and F32 weights are split the same way and the products
// are hi*hi + hi*lo + lo*hi (the lo*lo term, ~2^-16 relative, dropped): about fp32 accuracy, as
// their decode kernels have. BF16 weights are exact in one part. Quantized weights (the decoded
// d * q values) are rounded to one bf16 part, a relative change of at most 2^-9 per weight: the
// normalized squared error of a dot product is ~1e-6, against ~1e-4 for the int8 activations of
// their decode kernels.
//
// Layout: the activations are prepared once per matmul (amx_prepare_act) in tile order: for each
// group of 16 tokens and each 32 values of k, a 1 KiB hi tile (16 tokens x 32 bf16) then the lo
// tile, k padded to kp = amx_k_padded(k) values and the tokens to a multiple of 16 (zeros), so
// every tile load reads 1 KiB of consecutive memory. Weights are dequantized once per matmul, in
// K-blocks of kAmxKc values and panels of up to 512 KiB of tiles (the pair-interleaved B layout,
// per-thread scratch) that stay in L2 while the activation tiles of every token pair stream past;
// each C tile (16 tokens x 16 rows) is accumulated over a whole K-block in the tile registers.
#pragma once

#include <cstddef>
#include <cstdint>

#include "src/tensor/dtype.h"

namespace osprey::kernels::x86 {

inline constexpr int64_t kAmxKc = 2048;  // K-block: a multiple of every block size (256)

inline int64_t amx_k_padded(int64_t k) { return (k + 31) / 32 * 32; }
inline int64_t amx_tokens_padded(int64_t n) { return (n + 15) / 16 * 16; }
// Bytes of amx_prepare_act's output for n tokens of k values.
inline size_t amx_act_bytes(int64_t n_tok, int64_t k) {
  return static_cast<size_t>(amx_tokens_padded(n_tok)) * static_cast<size_t>(amx_k_padded(k)) * 4;
}
// Per-thread scratch amx_gemm needs.
size_t amx_scratch_bytes();

// Writes tokens [t0, t1) of x (rows xs floats apart, k values) into dst (amx_act_bytes(n_tok, k)
// bytes); tokens in [n_tok, padded) are zeroed by the call whose t1 == n_tok.
void amx_prepare_act(const float* x, int64_t xs, int64_t n_tok, int64_t k, uint8_t* dst, int64_t t0, int64_t t1);

// y[t * ys + r] = sum_i W[r][i] * X[t][i] for r < n_rows (multiple of 16; rows at or past n_valid
// are treated as zeros), t < amx_tokens_padded(n_tok): y must have room for all padded tokens and
// rows. `w` is row 0 of this range (rows wrb bytes apart, type t), `xact` the prepared activations.
// Configures the tiles of the calling thread and releases them before returning.
void amx_gemm(tensor::DType t, const uint8_t* w, size_t wrb, int64_t n_rows, int64_t n_valid, const uint8_t* xact,
              int64_t n_tok, int64_t k, float* y, int64_t ys, uint8_t* scratch);

// True for the weight types amx_gemm supports (every type ref::dequantize_row decodes).
bool amx_supports(tensor::DType t);

}  // namespace osprey::kernels::x86
