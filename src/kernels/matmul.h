// The matrix multiplication seam between the model and the kernels.
// Y[n_tokens, n_out] = X[n_tokens, k] * W[n_out, k]^T, with W in any supported weight dtype
// (rows contiguous, row r at w + r * row_size(type, k)) and X, Y in f32 row-major.
#pragma once

#include <cstdint>

#include "src/base/thread_pool.h"
#include "src/tensor/dtype.h"

namespace osprey::kernels {

struct MatmulArgs {
  tensor::DType w_type = tensor::DType::kF32;
  const void* w = nullptr;  // [n_out, k] in w_type
  const float* x = nullptr;  // [n_tokens, k]
  float* y = nullptr;        // [n_tokens, n_out]
  int64_t n_out = 0;
  int64_t k = 0;
  int64_t n_tokens = 0;
  int64_t x_stride = 0;  // floats between rows of x (0: k)
  int64_t y_stride = 0;  // floats between rows of y (0: n_out)
  // Optional, per token: how many rows its sequence has in the batch (the model's step; 0 for rows
  // that must take the decode kernels). A row whose count reaches the weight type's
  // prompt_kernel_min_rows() may go to the prompt-batch kernels (AMX, other numerics); any other row
  // gets the decode kernels. The choice depends only on the row's own sequence, so a sequence's
  // result never depends on what else shares the batch. Null: every row counts n_tokens.
  const uint16_t* seq_rows = nullptr;
};

// Splits the work over the pool's threads by output rows. Results do not depend on thread count.
void matmul(const MatmulArgs& args, base::ThreadPool& pool);

// n (1..kMaxMatmulGroup) matmuls over the same activations (same x, x_stride, k, n_tokens and
// seq_rows), such as a layer's Q, K and V or its gate and up projections. Every output gets the same bits as from
// matmul alone; rows on the decode kernels share one quantization of x per activation format and
// one pass over the pool, which saves a thread hand-off per extra matrix.
inline constexpr int kMaxMatmulGroup = 8;
void matmul_group(const MatmulArgs* args, int n, base::ThreadPool& pool);

// Rows of one sequence from which the prompt-batch kernels take over for weight type t (below it
// the decode kernels are faster: the prompt kernels decode every weight once per call). No
// prompt-batch kernels on this CPU: a count no batch reaches.
int64_t prompt_kernel_min_rows(tensor::DType t);

// The scalar oracle: dequantizes each weight row and accumulates in double. Single-threaded.
void matmul_ref(const MatmulArgs& args);

}  // namespace osprey::kernels
