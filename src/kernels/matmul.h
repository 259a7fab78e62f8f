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
  // Optional, per token: 1 for a prompt row, 0 for a decode row (the model marks the rows of a
  // sequence with two or more tokens in the batch as prompt rows). Prompt rows may go to prompt-
  // batch kernels with other numerics (AMX); a decode row always gets the decode kernels, so its
  // result never depends on what else shares the batch. Null: every row of a call with more than
  // one token is a prompt row.
  const uint8_t* prompt_rows = nullptr;
};

// Splits the work over the pool's threads by output rows. Results do not depend on thread count.
void matmul(const MatmulArgs& args, base::ThreadPool& pool);

// The scalar oracle: dequantizes each weight row and accumulates in double. Single-threaded.
void matmul_ref(const MatmulArgs& args);

}  // namespace osprey::kernels
