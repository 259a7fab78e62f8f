// Self-attention pieces shared by the llama family: RoPE on Q and K, and the paged-cache
// attention step (append this batch's K/V, then attend causally within each token's sequence).
#pragma once

#include "src/model/forward_state.h"

namespace osprey::model::blocks {

// Rotates q ([n_tokens, n_head * head_dim]) and k ([n_tokens, n_head_kv * head_dim]) in place with
// each token's table in st.s.cos_sin.
void rope_qk(ForwardState& st, float* q, float* k);

// Writes k and v of every batch token into layer `il` of the cache at its position, then
// out[t] = softmax(q[t] K^T / sqrt(head_dim)) V over positions [0, pos_t] of the token's sequence.
// out: [n_tokens, n_head * head_dim].
void paged_attention(ForwardState& st, int il, const float* q, const float* k, const float* v, float* out);

}  // namespace osprey::model::blocks
