#include "tests/quant/exact_forward.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "src/kernels/ref/quants.h"

namespace osprey::test {

namespace {

int meta_int(const gguf::GgufFile& f, const std::string& key, int fallback) {
  auto r = f.get_int(key);
  return r.ok() ? static_cast<int>(r.value()) : fallback;
}

double meta_float(const gguf::GgufFile& f, const std::string& key, double fallback) {
  auto r = f.get_float(key);
  return r.ok() ? static_cast<double>(r.value()) : fallback;
}

// y[n_out] = W x + b, W stored as n_out rows of k.
void matvec(const std::vector<double>& w, const std::vector<double>& b, const double* x, size_t k, size_t n_out,
            double* y) {
  for (size_t r = 0; r < n_out; ++r) {
    const double* row = w.data() + r * k;
    double s = 0;
    for (size_t j = 0; j < k; ++j) s += row[j] * x[j];
    y[r] = s + (b.empty() ? 0.0 : b[r]);
  }
}

void rms_norm(const double* x, const std::vector<double>& w, size_t n, double eps, double* y) {
  double ss = 0;
  for (size_t i = 0; i < n; ++i) ss += x[i] * x[i];
  const double scale = 1.0 / std::sqrt(ss / static_cast<double>(n) + eps);
  for (size_t i = 0; i < n; ++i) y[i] = x[i] * scale * w[i];
}

}  // namespace

ExactForward::ExactForward(const gguf::GgufFile& file) {
  if (!load(file) && error_.empty()) error_ = "cannot load the model";
}

bool ExactForward::tensor(const gguf::GgufFile& f, const std::string& name, size_t n, std::vector<double>* out,
                          bool optional) {
  const gguf::TensorInfo* t = f.find_tensor(name);
  if (t == nullptr) {
    if (!optional) error_ = fmt::format("tensor '{}' is missing", name);
    return optional;
  }
  if (static_cast<size_t>(t->n_elements) != n) {
    error_ = fmt::format("tensor '{}' has {} elements, expected {}", name, t->n_elements, n);
    return false;
  }
  std::vector<float> row(static_cast<size_t>(t->shape[0]));
  const size_t rs = tensor::row_size(t->type, t->shape[0]);
  out->resize(n);
  for (int64_t r = 0; r < t->n_elements / t->shape[0]; ++r) {
    kernels::ref::dequantize_row(t->type, f.tensor_data(*t) + r * rs, row.data(), t->shape[0]);
    std::copy(row.begin(), row.end(), out->begin() + r * t->shape[0]);
  }
  return true;
}

bool ExactForward::load(const gguf::GgufFile& f) {
  auto arch = f.get_string("general.architecture");
  if (!arch.ok()) return false;
  arch_ = arch.value();
  if (arch_ != "llama" && arch_ != "qwen2" && arch_ != "qwen3") {
    error_ = "unsupported architecture " + arch_;
    return false;
  }
  if (f.find_tensor("rope_freqs.weight") != nullptr) {
    error_ = "rope_freqs is not implemented in the exact forward";
    return false;
  }
  const std::string a = arch_ + ".";
  n_embd_ = meta_int(f, a + "embedding_length", 0);
  n_layer_ = meta_int(f, a + "block_count", 0);
  n_head_ = meta_int(f, a + "attention.head_count", 0);
  n_head_kv_ = meta_int(f, a + "attention.head_count_kv", n_head_);
  n_ff_ = meta_int(f, a + "feed_forward_length", 0);
  if (n_head_ <= 0 || n_embd_ <= 0) return false;
  head_dim_ = meta_int(f, a + "attention.key_length", n_embd_ / n_head_);
  n_rot_ = meta_int(f, a + "rope.dimension_count", head_dim_);
  eps_ = meta_float(f, a + "attention.layer_norm_rms_epsilon", 1e-5);
  rope_base_ = meta_float(f, a + "rope.freq_base", 10000.0);
  neox_ = arch_ != "llama";
  const gguf::TensorInfo* embd = f.find_tensor("token_embd.weight");
  if (embd == nullptr || embd->shape.size() != 2) return false;
  n_vocab_ = static_cast<int>(embd->shape[1]);
  const size_t E = n_embd_, V = n_vocab_, F = n_ff_;
  const size_t Q = static_cast<size_t>(n_head_) * head_dim_, KV = static_cast<size_t>(n_head_kv_) * head_dim_;
  if (!tensor(f, "token_embd.weight", V * E, &token_embd_, false)) return false;
  if (!tensor(f, "output_norm.weight", E, &output_norm_, false)) return false;
  if (!tensor(f, "output.weight", V * E, &output_, true)) return false;
  layers_.resize(static_cast<size_t>(n_layer_));
  for (int il = 0; il < n_layer_; ++il) {
    Layer& L = layers_[il];
    const std::string p = fmt::format("blk.{}.", il);
    const bool qwen2 = arch_ == "qwen2", qwen3 = arch_ == "qwen3";
    bool ok = tensor(f, p + "attn_norm.weight", E, &L.attn_norm, false) &&
              tensor(f, p + "attn_q.weight", Q * E, &L.wq, false) &&
              tensor(f, p + "attn_k.weight", KV * E, &L.wk, false) &&
              tensor(f, p + "attn_v.weight", KV * E, &L.wv, false) &&
              tensor(f, p + "attn_q.bias", Q, &L.bq, !qwen2) && tensor(f, p + "attn_k.bias", KV, &L.bk, !qwen2) &&
              tensor(f, p + "attn_v.bias", KV, &L.bv, !qwen2) &&
              tensor(f, p + "attn_q_norm.weight", head_dim_, &L.q_norm, !qwen3) &&
              tensor(f, p + "attn_k_norm.weight", head_dim_, &L.k_norm, !qwen3) &&
              tensor(f, p + "attn_output.weight", E * Q, &L.wo, false) &&
              tensor(f, p + "ffn_norm.weight", E, &L.ffn_norm, false) &&
              tensor(f, p + "ffn_gate.weight", F * E, &L.wg, false) &&
              tensor(f, p + "ffn_up.weight", F * E, &L.wu, false) &&
              tensor(f, p + "ffn_down.weight", E * F, &L.wd, false);
    if (!ok) return false;
  }
  return true;
}

void ExactForward::rope(double* v, int n_heads, int pos) const {
  const int half = n_rot_ / 2;
  for (int h = 0; h < n_heads; ++h) {
    double* x = v + static_cast<size_t>(h) * head_dim_;
    for (int i = 0; i < half; ++i) {
      const double theta = pos * std::pow(rope_base_, -2.0 * i / n_rot_);
      const double c = std::cos(theta), s = std::sin(theta);
      const int a = neox_ ? i : 2 * i, b = neox_ ? i + half : 2 * i + 1;
      const double x0 = x[a], x1 = x[b];
      x[a] = x0 * c - x1 * s;
      x[b] = x0 * s + x1 * c;
    }
  }
}

void ExactForward::layer(const Layer& L, int pos, std::vector<double>& x, std::vector<double>& kc,
                         std::vector<double>& vc) const {
  const size_t E = n_embd_, D = head_dim_, Q = n_head_ * D, KV = n_head_kv_ * D;
  std::vector<double> xn(E), q(Q), k(KV), v(KV), attn(Q, 0.0), o(E);
  rms_norm(x.data(), L.attn_norm, E, eps_, xn.data());
  matvec(L.wq, L.bq, xn.data(), E, Q, q.data());
  matvec(L.wk, L.bk, xn.data(), E, KV, k.data());
  matvec(L.wv, L.bv, xn.data(), E, KV, v.data());
  if (!L.q_norm.empty()) {
    for (int h = 0; h < n_head_; ++h) rms_norm(&q[h * D], L.q_norm, D, eps_, &q[h * D]);
    for (int h = 0; h < n_head_kv_; ++h) rms_norm(&k[h * D], L.k_norm, D, eps_, &k[h * D]);
  }
  rope(q.data(), n_head_, pos);
  rope(k.data(), n_head_kv_, pos);
  kc.insert(kc.end(), k.begin(), k.end());
  vc.insert(vc.end(), v.begin(), v.end());
  const int n_ctx = pos + 1, group = n_head_ / n_head_kv_;
  std::vector<double> w(static_cast<size_t>(n_ctx));
  for (int h = 0; h < n_head_; ++h) {
    const size_t kvh = static_cast<size_t>(h / group) * D;
    double mx = -INFINITY;
    for (int t = 0; t < n_ctx; ++t) {
      double s = 0;
      for (size_t d = 0; d < D; ++d) s += q[h * D + d] * kc[t * KV + kvh + d];
      w[t] = s / std::sqrt(static_cast<double>(D));
      mx = std::max(mx, w[t]);
    }
    double sum = 0;
    for (int t = 0; t < n_ctx; ++t) sum += (w[t] = std::exp(w[t] - mx));
    for (int t = 0; t < n_ctx; ++t)
      for (size_t d = 0; d < D; ++d) attn[h * D + d] += w[t] / sum * vc[t * KV + kvh + d];
  }
  matvec(L.wo, {}, attn.data(), Q, E, o.data());
  for (size_t i = 0; i < E; ++i) x[i] += o[i];
  const size_t F = n_ff_;
  std::vector<double> g(F), u(F);
  rms_norm(x.data(), L.ffn_norm, E, eps_, xn.data());
  matvec(L.wg, {}, xn.data(), E, F, g.data());
  matvec(L.wu, {}, xn.data(), E, F, u.data());
  for (size_t i = 0; i < F; ++i) g[i] = g[i] / (1.0 + std::exp(-g[i])) * u[i];
  matvec(L.wd, {}, g.data(), F, E, o.data());
  for (size_t i = 0; i < E; ++i) x[i] += o[i];
}

std::vector<double> ExactForward::logits(const std::vector<int32_t>& tokens, size_t first_logits) const {
  const size_t E = n_embd_, V = n_vocab_;
  std::vector<std::vector<double>> kc(layers_.size()), vc(layers_.size());
  std::vector<double> out, x(E), xn(E), row(V);
  for (size_t p = 0; p < tokens.size(); ++p) {
    std::copy_n(token_embd_.begin() + static_cast<size_t>(tokens[p]) * E, E, x.begin());
    for (size_t il = 0; il < layers_.size(); ++il) layer(layers_[il], static_cast<int>(p), x, kc[il], vc[il]);
    if (p < first_logits) continue;
    rms_norm(x.data(), output_norm_, E, eps_, xn.data());
    matvec(output_.empty() ? token_embd_ : output_, {}, xn.data(), E, V, row.data());
    out.insert(out.end(), row.begin(), row.end());
  }
  return out;
}

StepScore score_step(const float* ours, const double* exact, int n_vocab, int top_n) {
  std::vector<int> ids(static_cast<size_t>(n_vocab));
  std::iota(ids.begin(), ids.end(), 0);
  top_n = std::min(top_n, n_vocab);
  std::partial_sort(ids.begin(), ids.begin() + top_n, ids.end(), [&](int a, int b) {
    return exact[a] != exact[b] ? exact[a] > exact[b] : a < b;
  });
  const double spread = exact[ids[0]] - exact[ids[top_n - 1]];
  StepScore s;
  for (int i = 0; i < top_n; ++i) s.rel = std::max(s.rel, std::fabs(ours[ids[i]] - exact[ids[i]]) / spread);
  s.top1_agree = std::max_element(ours, ours + n_vocab) - ours == ids[0];
  return s;
}

}  // namespace osprey::test
