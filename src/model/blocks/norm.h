// RMSNorm blocks: of the residual stream, and per attention head (qwen3's Q/K norm).
#pragma once

#include <vector>

#include "src/model/forward_state.h"

namespace osprey::model::blocks {

// y[t, :] = rmsnorm(x[t, :]) * w for every token; rows of hp.n_embd.
void rms_norm(const ForwardState& st, const float* x, const std::vector<float>& w, float* y);

// Normalizes each head_dim-sized head of x ([n_tokens, n_heads * head_dim]) in place, scaled by w [head_dim].
void rms_norm_heads(const ForwardState& st, float* x, int n_heads, const std::vector<float>& w);

}  // namespace osprey::model::blocks
