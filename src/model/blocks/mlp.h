// The gated feed-forward block (SwiGLU): down(silu(gate(x)) * up(x)).
#pragma once

#include "src/model/forward_state.h"
#include "src/model/weights.h"

namespace osprey::model::blocks {

struct GatedMlpWeights {
  Matrix gate;  // [n_ff, n_embd]
  Matrix up;    // [n_ff, n_embd]
  Matrix down;  // [n_embd, n_ff]
};

Status bind_gated_mlp(WeightBinder& w, const HParams& hp, const std::string& prefix, GatedMlpWeights* out);

// y[n_tokens, n_embd] = down(silu(gate(x)) * up(x)); uses st.s.gate and st.s.up.
void gated_mlp(ForwardState& st, const GatedMlpWeights& w, const float* x, float* y);

}  // namespace osprey::model::blocks
