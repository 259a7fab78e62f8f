// Linear layers over the rows of a batch: every weight multiplication goes through kernels::matmul.
#pragma once

#include <vector>

#include "src/model/forward_state.h"
#include "src/model/weights.h"

namespace osprey::model::blocks {

// y[n_tokens, w.n_out] = x[n_tokens, w.k] * W^T (+ bias[w.n_out] when `bias` is non-empty).
void linear(ForwardState& st, const Matrix& w, const float* x, float* y,
            const std::vector<float>& bias = {});

}  // namespace osprey::model::blocks
