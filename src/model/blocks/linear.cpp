#include "src/model/blocks/linear.h"

#include <iterator>

#include "src/base/check.h"
#include "src/kernels/add.h"
#include "src/kernels/matmul.h"

namespace osprey::model::blocks {

namespace {

kernels::MatmulArgs linear_args(ForwardState& st, const Matrix& w, const float* x, float* y) {
  kernels::MatmulArgs a;
  a.w_type = w.type;
  a.w = w.data;
  a.x = x;
  a.y = y;
  a.n_out = w.n_out;
  a.k = w.k;
  a.n_tokens = st.n_tokens;
  a.seq_rows = st.seq_rows;
  return a;
}

}  // namespace

void linear(ForwardState& st, const Matrix& w, const float* x, float* y, const std::vector<float>& bias) {
  kernels::matmul(linear_args(st, w, x, y), st.pool);
  if (!bias.empty()) kernels::add_bias_rows(y, bias.data(), w.n_out, st.n_tokens, 0);
}

void linear_group(ForwardState& st, const float* x, std::initializer_list<LinearOut> outs) {
  kernels::MatmulArgs args[kernels::kMaxMatmulGroup];
  OSP_CHECK_LE(outs.size(), std::size(args));
  int n = 0;
  for (const LinearOut& o : outs) args[n++] = linear_args(st, *o.w, x, o.y);
  kernels::matmul_group(args, n, st.pool);
  for (const LinearOut& o : outs)
    if (o.bias != nullptr && !o.bias->empty()) kernels::add_bias_rows(o.y, o.bias->data(), o.w->n_out, st.n_tokens, 0);
}

}  // namespace osprey::model::blocks
