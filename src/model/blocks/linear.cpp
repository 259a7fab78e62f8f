#include "src/model/blocks/linear.h"

#include "src/kernels/add.h"
#include "src/kernels/matmul.h"

namespace osprey::model::blocks {

void linear(ForwardState& st, const Matrix& w, const float* x, float* y, const std::vector<float>& bias) {
  kernels::MatmulArgs a;
  a.w_type = w.type;
  a.w = w.data;
  a.x = x;
  a.y = y;
  a.n_out = w.n_out;
  a.k = w.k;
  a.n_tokens = st.n_tokens;
  a.seq_rows = st.seq_rows;
  kernels::matmul(a, st.pool);
  if (!bias.empty()) kernels::add_bias_rows(y, bias.data(), w.n_out, st.n_tokens, 0);
}

}  // namespace osprey::model::blocks
