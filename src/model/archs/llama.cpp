// llama: Llama 2/3/3.1/3.2, Mistral, TinyLlama and other models converted with the "llama" GGUF
// architecture. Pre-norm decoder: RMSNorm → attention (GQA/MQA/MHA, RoPE on adjacent pairs) →
// residual → RMSNorm → SwiGLU → residual. GGUF stores Q/K rows permuted for the adjacent-pair
// rotation, so RopeStyle::kNormal reproduces the original model. Llama 3.1+ frequency factors
// (rope_freqs.weight) are bound by the model and applied inside the RoPE table.
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "src/model/arch.h"
#include "src/model/blocks/attention.h"
#include "src/model/blocks/linear.h"
#include "src/model/blocks/mlp.h"
#include "src/model/blocks/norm.h"
#include "src/kernels/add.h"

namespace osprey::model {

namespace {

struct LlamaLayer {
  std::vector<float> attn_norm;  // [n_embd]
  Matrix wq;                     // [n_head * head_dim, n_embd]
  Matrix wk;                     // [n_head_kv * head_dim, n_embd]
  Matrix wv;                     // [n_head_kv * head_dim, n_embd]
  Matrix wo;                     // [n_embd, n_head * head_dim]
  std::vector<float> ffn_norm;   // [n_embd]
  blocks::GatedMlpWeights mlp;
};

class Llama final : public Architecture {
 public:
  Status configure(const gguf::GgufFile&, HParams* hp) override {
    hp->rope_style = kernels::RopeStyle::kNormal;
    return base::ok_status();
  }

  Status bind(WeightBinder& w, const HParams& hp) override {
    const int64_t q_dim = static_cast<int64_t>(hp.n_head) * hp.head_dim;
    const int64_t kv_dim = static_cast<int64_t>(hp.n_head_kv) * hp.head_dim;
    layers_.resize(hp.n_layer);
    for (int il = 0; il < hp.n_layer; ++il) {
      const std::string p = fmt::format("blk.{}.", il);
      LlamaLayer& L = layers_[il];
      OSP_ASSIGN_OR_RETURN(L.attn_norm, w.vector(p + "attn_norm.weight", hp.n_embd));
      OSP_ASSIGN_OR_RETURN(L.wq, w.matrix(p + "attn_q.weight", hp.n_embd, q_dim));
      OSP_ASSIGN_OR_RETURN(L.wk, w.matrix(p + "attn_k.weight", hp.n_embd, kv_dim));
      OSP_ASSIGN_OR_RETURN(L.wv, w.matrix(p + "attn_v.weight", hp.n_embd, kv_dim));
      OSP_ASSIGN_OR_RETURN(L.wo, w.matrix(p + "attn_output.weight", q_dim, hp.n_embd));
      OSP_ASSIGN_OR_RETURN(L.ffn_norm, w.vector(p + "ffn_norm.weight", hp.n_embd));
      OSP_RETURN_IF_ERROR(blocks::bind_gated_mlp(w, hp, p, &L.mlp));
    }
    return base::ok_status();
  }

  void forward_layer(int il, ForwardState& st) const override {
    const LlamaLayer& L = layers_[il];
    Scratch& s = st.s;
    const int64_t n = static_cast<int64_t>(st.n_tokens) * st.hp.n_embd;
    blocks::rms_norm(st, s.x.data(), L.attn_norm, s.xn.data());
    blocks::linear_group(st, s.xn.data(), {{&L.wq, s.q.data()}, {&L.wk, s.k.data()}, {&L.wv, s.v.data()}});
    blocks::rope_qk(st, s.q.data(), s.k.data());
    blocks::paged_attention(st, il, s.q.data(), s.k.data(), s.v.data(), s.attn.data());
    blocks::linear(st, L.wo, s.attn.data(), s.out.data());
    kernels::add(s.x.data(), s.out.data(), s.x.data(), n);

    blocks::rms_norm(st, s.x.data(), L.ffn_norm, s.xn.data());
    blocks::gated_mlp(st, L.mlp, s.xn.data(), s.out.data());
    kernels::add(s.x.data(), s.out.data(), s.x.data(), n);
  }

 private:
  std::vector<LlamaLayer> layers_;
};

}  // namespace

std::unique_ptr<Architecture> create_llama() { return std::make_unique<Llama>(); }

}  // namespace osprey::model
