// The exact forward pass the shared reference logits describe (../shared/README.md): float64
// everywhere, over the dequantized weights of a GGUF file (kernels::ref::dequantize_row), no
// rounding of activations or of the KV cache. Llama (normal RoPE), qwen2 (QKV biases, NeoX RoPE) and
// qwen3 (per-head Q/K RMSNorm, NeoX RoPE). A test oracle only: slow, simple, single-threaded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/gguf/gguf_reader.h"

namespace osprey::test {

class ExactForward {
 public:
  // Reads hyperparameters and dequantizes every weight to double. On failure error() says why.
  explicit ExactForward(const gguf::GgufFile& file);
  const std::string& error() const { return error_; }
  int n_vocab() const { return n_vocab_; }

  // Logits of every position p >= first_logits of `tokens` (causal): [(n - first) * n_vocab].
  std::vector<double> logits(const std::vector<int32_t>& tokens, size_t first_logits) const;

 private:
  struct Layer {
    std::vector<double> attn_norm, wq, wk, wv, bq, bk, bv, q_norm, k_norm, wo, ffn_norm, wg, wu, wd;
  };
  bool load(const gguf::GgufFile& f);
  bool tensor(const gguf::GgufFile& f, const std::string& name, size_t n, std::vector<double>* out, bool optional);
  void rope(double* v, int n_heads, int pos) const;
  // Runs one layer on the token at `pos` (x: [n_embd]), appending its K and V rows to k/v.
  void layer(const Layer& L, int pos, std::vector<double>& x, std::vector<double>& k, std::vector<double>& v) const;

  std::string error_;
  std::string arch_;
  int n_vocab_ = 0, n_embd_ = 0, n_layer_ = 0, n_head_ = 0, n_head_kv_ = 0, head_dim_ = 0, n_ff_ = 0, n_rot_ = 0;
  double eps_ = 1e-5, rope_base_ = 10000.0;
  bool neox_ = false;
  std::vector<double> token_embd_, output_norm_, output_;  // output_ empty when tied
  std::vector<Layer> layers_;
};

// max |a - b| / spread etc.: the pass rule of ../shared/README.md for one step.
struct StepScore {
  double rel = 0;
  bool top1_agree = false;
};
// `ours` is a full logit row, `exact` the exact row (both n_vocab long).
StepScore score_step(const float* ours, const double* exact, int n_vocab, int top_n = 20);

}  // namespace osprey::test
