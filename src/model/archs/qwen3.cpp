// qwen3: Qwen3 dense models. The llama layer with an RMSNorm over each head of Q and of K
// (attn_q_norm / attn_k_norm, [head_dim]) before RoPE, NeoX-style rotation, and a head size
// (attention.key_length) that need not equal n_embd / n_head.
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "src/kernels/add.h"
#include "src/model/arch.h"
#include "src/model/blocks/attention.h"
#include "src/model/blocks/linear.h"
#include "src/model/blocks/mlp.h"
#include "src/model/blocks/norm.h"

namespace osprey::model {

namespace {

struct Qwen3Layer {
  std::vector<float> attn_norm;  // [n_embd]
  Matrix wq;                     // [n_head * head_dim, n_embd]
  Matrix wk;                     // [n_head_kv * head_dim, n_embd]
  Matrix wv;                     // [n_head_kv * head_dim, n_embd]
  std::vector<float> q_norm;     // [head_dim]
  std::vector<float> k_norm;     // [head_dim]
  Matrix wo;                     // [n_embd, n_head * head_dim]
  std::vector<float> ffn_norm;   // [n_embd]
  blocks::GatedMlpWeights mlp;
};

class Qwen3 final : public Architecture {
 public:
  Status configure(const gguf::GgufFile&, HParams* hp) override {
    hp->rope_style = kernels::RopeStyle::kNeox;
    return base::ok_status();
  }

  Status bind(WeightBinder& w, const HParams& hp) override {
    const int64_t q_dim = static_cast<int64_t>(hp.n_head) * hp.head_dim;
    const int64_t kv_dim = static_cast<int64_t>(hp.n_head_kv) * hp.head_dim;
    layers_.resize(hp.n_layer);
    for (int il = 0; il < hp.n_layer; ++il) {
      const std::string p = fmt::format("blk.{}.", il);
      Qwen3Layer& L = layers_[il];
      OSP_ASSIGN_OR_RETURN(L.attn_norm, w.vector(p + "attn_norm.weight", hp.n_embd));
      OSP_ASSIGN_OR_RETURN(L.wq, w.matrix(p + "attn_q.weight", hp.n_embd, q_dim));
      OSP_ASSIGN_OR_RETURN(L.wk, w.matrix(p + "attn_k.weight", hp.n_embd, kv_dim));
      OSP_ASSIGN_OR_RETURN(L.wv, w.matrix(p + "attn_v.weight", hp.n_embd, kv_dim));
      OSP_ASSIGN_OR_RETURN(L.q_norm, w.vector(p + "attn_q_norm.weight", hp.head_dim));
      OSP_ASSIGN_OR_RETURN(L.k_norm, w.vector(p + "attn_k_norm.weight", hp.head_dim));
      OSP_ASSIGN_OR_RETURN(L.wo, w.matrix(p + "attn_output.weight", q_dim, hp.n_embd));
      OSP_ASSIGN_OR_RETURN(L.ffn_norm, w.vector(p + "ffn_norm.weight", hp.n_embd));
      OSP_RETURN_IF_ERROR(blocks::bind_gated_mlp(w, hp, p, &L.mlp));
    }
    return base::ok_status();
  }

  void forward_layer(int il, ForwardState& st) const override {
    const Qwen3Layer& L = layers_[il];
    Scratch& s = st.s;
    const int64_t n = static_cast<int64_t>(st.n_tokens) * st.hp.n_embd;
    blocks::rms_norm(st, s.x.data(), L.attn_norm, s.xn.data());
    blocks::linear_group(st, s.xn.data(), {{&L.wq, s.q.data()}, {&L.wk, s.k.data()}, {&L.wv, s.v.data()}});
    blocks::rms_norm_heads(st, s.q.data(), st.hp.n_head, L.q_norm);
    blocks::rms_norm_heads(st, s.k.data(), st.hp.n_head_kv, L.k_norm);
    blocks::rope_qk(st, s.q.data(), s.k.data());
    blocks::paged_attention(st, il, s.q.data(), s.k.data(), s.v.data(), s.attn.data());
    blocks::linear(st, L.wo, s.attn.data(), s.out.data());
    kernels::add(s.x.data(), s.out.data(), s.x.data(), n);

    blocks::rms_norm(st, s.x.data(), L.ffn_norm, s.xn.data());
    blocks::gated_mlp(st, L.mlp, s.xn.data(), s.out.data());
    kernels::add(s.x.data(), s.out.data(), s.x.data(), n);
  }

 private:
  std::vector<Qwen3Layer> layers_;
};

}  // namespace

std::unique_ptr<Architecture> create_qwen3() { return std::make_unique<Qwen3>(); }

}  // namespace osprey::model
