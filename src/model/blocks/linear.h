// Linear layers over the rows of a batch: every weight multiplication goes through kernels::matmul.
#pragma once

#include <initializer_list>
#include <vector>

#include "src/model/forward_state.h"
#include "src/model/weights.h"

namespace osprey::model::blocks {

// y[n_tokens, w.n_out] = x[n_tokens, w.k] * W^T (+ bias[w.n_out] when `bias` is non-empty).
void linear(ForwardState& st, const Matrix& w, const float* x, float* y,
            const std::vector<float>& bias = {});

// One output of linear_group: y = x * w^T (+ bias when non-empty).
struct LinearOut {
  const Matrix* w;
  float* y;
  const std::vector<float>* bias = nullptr;
};

// Several linears over the same x (Q, K, V; gate, up): the same results as linear on each, in one
// kernels::matmul_group call (one thread hand-off for all on the decode kernels).
void linear_group(ForwardState& st, const float* x, std::initializer_list<LinearOut> outs);

}  // namespace osprey::model::blocks
