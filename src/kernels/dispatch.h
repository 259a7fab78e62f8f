// Kernel dispatch: one traits row per weight dtype, for the instruction set chosen once at start-up
// (base::detect_cpu_features()). The scalar row always exists and is the oracle's twin.
//
// A matmul kernel computes a tile Y[n_tok, n_rows] = X[n_tok, k] * W[n_rows, k]^T where X is the
// activation rows already in the row's ActFormat (x_row_bytes apart) and W rows are w_row_bytes
// apart: y[t * y_stride + r].
#pragma once

#include <cstddef>
#include <cstdint>

#include "src/base/thread_pool.h"
#include "src/kernels/act_quant.h"
#include "src/kernels/matmul.h"
#include "src/tensor/dtype.h"

namespace osprey::kernels {

// kAvxVnni is kAvx2 plus AVX-VNNI (vpdpbusd) for the 32-block quant types; kAvx512 adds AVX-512
// (F, BW, VL, VNNI) prompt-batch kernels for every quantized type; kAmx is kAvx512 whose prompt
// rows go to AMX-BF16 tiles instead (x86/gemm_amx.h; decode rows keep the kAvx512 kernels).
// kNeon is AArch64's baseline NEON (arm/kernels_neon.h: F32, F16, BF16, Q4_0, Q8_0; the other
// weight types and the model ops take the scalar path there).
enum class Isa { kScalar, kAvx2, kAvxVnni, kAvx512, kAmx, kNeon };
const char* isa_name(Isa isa);

using QuantizeActFn = void (*)(const float* x, void* dst, int64_t k);
// `scratch` (scratch_bytes(k) bytes, 64-byte aligned, one per thread; may be null) holds unpacked
// weight tiles for prompt batches.
using MatmulTileFn = void (*)(const void* w, size_t w_row_bytes, const void* x, size_t x_row_bytes, float* y,
                              int64_t y_stride, int64_t n_rows, int64_t n_tok, int64_t k, uint8_t* scratch);

struct KernelTraits {
  tensor::DType w_type = tensor::DType::kF32;
  Isa isa = Isa::kScalar;
  ActFormat act = ActFormat::kF32;
  int64_t k_multiple = 1;              // k must be a multiple of this (the weight block size)
  QuantizeActFn quantize_act = nullptr;  // null for ActFormat::kF32
  MatmulTileFn gemv = nullptr;         // best for n_tok == 1
  MatmulTileFn gemm = nullptr;         // best for n_tok > 1
  size_t (*scratch_bytes)(int64_t k) = nullptr;  // per-thread scratch gemm wants (null: none)
};

// The best instruction set this CPU runs (detected once).
Isa best_isa();

// The row for (type, isa), or nullptr when that pair has no kernels (unsupported weight type, or an
// isa the CPU lacks).
const KernelTraits* kernel_traits(tensor::DType t, Isa isa);
inline const KernelTraits* kernel_traits(tensor::DType t) { return kernel_traits(t, best_isa()); }

// Prompt rows of a matmul on AMX-BF16 tiles (matmul_amx.cpp): every token of `args` is treated as a
// prompt row. Only when kernel_traits-style support holds: amx_usable(args.w_type).
bool amx_usable(tensor::DType t);
void matmul_amx(const MatmulArgs& args, base::ThreadPool& pool);
// Rows of one sequence from which AMX beats the decode kernels for this weight type (measured on
// TinyLlama-1.1B shapes, 2 threads: float weights 16, 32-block types 64, K-quants 32).
int64_t amx_min_rows(tensor::DType t);

// The fast matmul behind kernels::matmul: quantizes activations, splits rows over the pool,
// blocks tokens for the cache. Falls back to the scalar row when the type has no SIMD path.
void matmul_fast(const MatmulArgs& args, base::ThreadPool& pool, Isa isa);
// matmul_fast over n (1..kMaxMatmulGroup) matmuls that share x, k and n_tokens (kernels::matmul_group).
void matmul_fast_group(const MatmulArgs* args, int n, base::ThreadPool& pool, Isa isa);

}  // namespace osprey::kernels
