#include "src/model/blocks/norm.h"

#include "src/kernels/rmsnorm.h"

namespace osprey::model::blocks {

void rms_norm(const ForwardState& st, const float* x, const std::vector<float>& w, float* y) {
  const int64_t n = st.hp.n_embd;
  for (int t = 0; t < st.n_tokens; ++t) kernels::rmsnorm(x + t * n, w.data(), y + t * n, n, st.hp.rms_eps);
}

void rms_norm_heads(const ForwardState& st, float* x, int n_heads, const std::vector<float>& w) {
  kernels::rmsnorm_rows(x, w.data(), st.hp.head_dim, static_cast<int64_t>(st.n_tokens) * n_heads, 0,
                        st.hp.rms_eps);
}

}  // namespace osprey::model::blocks
