#include "src/model/blocks/attention.h"

#include <cmath>
#include <vector>

#include "src/kernels/attention.h"
#include "src/kernels/rope.h"

namespace osprey::model::blocks {

void rope_qk(ForwardState& st, float* q, float* k) {
  const HParams& hp = st.hp;
  const kernels::RopeParams rp = hp.rope();
  const int64_t q_row = static_cast<int64_t>(hp.n_head) * hp.head_dim;
  const int64_t k_row = static_cast<int64_t>(hp.n_head_kv) * hp.head_dim;
  for (int t = 0; t < st.n_tokens; ++t) {
    const float* cs = st.s.cos_sin.data() + static_cast<int64_t>(t) * hp.n_rot;
    kernels::rope_apply(q + t * q_row, hp.n_head, hp.head_dim, rp, cs);
    kernels::rope_apply(k + t * k_row, hp.n_head_kv, hp.head_dim, rp, cs);
  }
}

void paged_attention(ForwardState& st, int il, const float* q, const float* k, const float* v, float* out) {
  const HParams& hp = st.hp;
  const int64_t q_row = static_cast<int64_t>(hp.n_head) * hp.head_dim;
  const int64_t kv_row = static_cast<int64_t>(hp.n_head_kv) * hp.head_dim;
  for (int t = 0; t < st.n_tokens; ++t)
    st.kv.write(il, st.seq_ids[t], st.positions[t], k + t * kv_row, v + t * kv_row);
  std::vector<kernels::AttentionQuery> queries(static_cast<size_t>(st.n_tokens));
  for (int t = 0; t < st.n_tokens; ++t) {
    queries[t].q = q + t * q_row;
    queries[t].out = out + t * q_row;
    queries[t].block_table = st.kv.block_table(st.seq_ids[t]).data();
    queries[t].n_kv = st.positions[t] + 1;
  }
  kernels::AttentionArgs a;
  a.kv = st.kv.layer_view(il);
  a.queries = queries.data();
  a.n_queries = st.n_tokens;
  a.n_head = hp.n_head;
  a.n_head_kv = hp.n_head_kv;
  a.head_dim = hp.head_dim;
  a.scale = 1.0f / std::sqrt(static_cast<float>(hp.head_dim));
  kernels::attention(a, st.pool);
}

}  // namespace osprey::model::blocks
