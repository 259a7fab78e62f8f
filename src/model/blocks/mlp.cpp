#include "src/model/blocks/mlp.h"

#include "src/kernels/silu_mul.h"
#include "src/model/blocks/linear.h"

namespace osprey::model::blocks {

Status bind_gated_mlp(WeightBinder& w, const HParams& hp, const std::string& prefix, GatedMlpWeights* out) {
  OSP_ASSIGN_OR_RETURN(out->gate, w.matrix(prefix + "ffn_gate.weight", hp.n_embd, hp.n_ff));
  OSP_ASSIGN_OR_RETURN(out->up, w.matrix(prefix + "ffn_up.weight", hp.n_embd, hp.n_ff));
  OSP_ASSIGN_OR_RETURN(out->down, w.matrix(prefix + "ffn_down.weight", hp.n_ff, hp.n_embd));
  return base::ok_status();
}

void gated_mlp(ForwardState& st, const GatedMlpWeights& w, const float* x, float* y) {
  float* gate = st.s.gate.data();
  float* up = st.s.up.data();
  linear_group(st, x, {{&w.gate, gate}, {&w.up, up}});
  kernels::silu_mul(gate, up, gate, static_cast<int64_t>(st.n_tokens) * st.hp.n_ff);
  linear(st, w.down, gate, y);
}

}  // namespace osprey::model::blocks
