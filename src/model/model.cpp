#include "src/model/model.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "src/kernels/get_rows.h"
#include "src/kernels/matmul.h"
#include "src/kernels/rmsnorm.h"
#include "src/kernels/rope.h"
#include "src/model/registry.h"
#include "src/tokenizer/tokenizer.h"

namespace osprey::model {

namespace {

// general.file_type (the converter's "mostly" type) → name; unknown values fall back to the type
// most of the weight bytes have.
const char* file_type_name(int64_t ft) {
  switch (ft) {
    case 0: return "F32";
    case 1: return "F16";
    case 2: return "Q4_0";
    case 3: return "Q4_1";
    case 7: return "Q8_0";
    case 8: return "Q5_0";
    case 9: return "Q5_1";
    case 10: return "Q2_K";
    case 11: return "Q3_K_S";
    case 12: return "Q3_K_M";
    case 13: return "Q3_K_L";
    case 14: return "Q4_K_S";
    case 15: return "Q4_K_M";
    case 16: return "Q5_K_S";
    case 17: return "Q5_K_M";
    case 18: return "Q6_K";
    case 32: return "BF16";
    default: return nullptr;
  }
}

std::string human_count(int64_t n) {
  if (n >= 1000000000) return fmt::format("{:.1f}B", n / 1e9);
  if (n >= 1000000) return fmt::format("{:.0f}M", n / 1e6);
  if (n >= 1000) return fmt::format("{:.0f}K", n / 1e3);
  return std::to_string(n);
}

}  // namespace

void Batch::add(int32_t token, int32_t pos, int32_t seq, bool logits) {
  tokens.push_back(token);
  positions.push_back(pos);
  seq_ids.push_back(seq);
  want_logits.push_back(logits ? 1 : 0);
}

void Batch::clear() {
  tokens.clear();
  positions.clear();
  seq_ids.clear();
  want_logits.clear();
}

size_t Batch::n_wanted() const {
  return static_cast<size_t>(std::count_if(want_logits.begin(), want_logits.end(),
                                           [](uint8_t w) { return w != 0; }));
}

void Scratch::reserve(const HParams& hp, int n_tokens) {
  const size_t t = static_cast<size_t>(n_tokens);
  const size_t q_dim = static_cast<size_t>(hp.n_head) * hp.head_dim;
  const size_t kv_dim = static_cast<size_t>(hp.n_head_kv) * hp.head_dim;
  auto grow = [](std::vector<float>& v, size_t n) {
    if (v.size() < n) v.resize(n);
  };
  grow(x, t * hp.n_embd);
  grow(xn, t * hp.n_embd);
  grow(q, t * q_dim);
  grow(k, t * kv_dim);
  grow(v, t * kv_dim);
  grow(attn, t * q_dim);
  grow(gate, t * hp.n_ff);
  grow(up, t * hp.n_ff);
  grow(out, t * hp.n_embd);
  grow(cos_sin, t * hp.n_rot);
}

Model::Model() = default;
Model::~Model() = default;

Result<std::unique_ptr<Model>> Model::load(const std::string& path, const ModelParams& params) {
  std::unique_ptr<Model> m(new Model());
  OSP_ASSIGN_OR_RETURN(m->file_, gguf::GgufFile::open(path));
  const gguf::GgufFile& f = m->file_;
  OSP_ASSIGN_OR_RETURN(std::string arch, f.get_string("general.architecture"));
  const ArchEntry* entry = find_architecture(arch);
  if (entry == nullptr)
    return base::unimplemented(fmt::format("architecture '{}' is not supported (supported: {})",
                                           arch, architecture_names()));
  m->arch_ = entry->create();
  OSP_ASSIGN_OR_RETURN(m->hp_, read_hparams(f, arch, params));
  OSP_RETURN_IF_ERROR(m->arch_->configure(f, &m->hp_));
  const gguf::TensorInfo* embd = f.find_tensor("token_embd.weight");
  if (embd == nullptr) return base::not_found("tensor 'token_embd.weight' is missing from the model");
  if (embd->shape.size() == 2 && embd->shape[1] > 0 && embd->shape[1] <= (int64_t{1} << 31) - 1)
    m->hp_.n_vocab = static_cast<int>(embd->shape[1]);
  OSP_RETURN_IF_ERROR(validate_hparams(m->hp_));
  WeightBinder w(f);
  OSP_RETURN_IF_ERROR(m->bind_common(w));
  OSP_RETURN_IF_ERROR(m->arch_->bind(w, m->hp_));
  for (const auto& t : f.tensors()) {
    m->n_params_ += t.n_elements;
    m->weight_bytes_ += t.n_bytes;
  }
  OSP_ASSIGN_OR_RETURN(m->tokenizer_, tokenizer::Tokenizer::from_gguf(f));
  if (m->tokenizer_->n_vocab() > m->hp_.n_vocab)
    return base::invalid_argument(fmt::format(
        "tokenizer has {} tokens but token_embd.weight has only {} rows", m->tokenizer_->n_vocab(),
        m->hp_.n_vocab));
  return m;
}

Status Model::bind_common(WeightBinder& w) {
  const HParams& hp = hp_;
  OSP_ASSIGN_OR_RETURN(token_embd_, w.matrix("token_embd.weight", hp.n_embd, hp.n_vocab));
  OSP_ASSIGN_OR_RETURN(output_norm_, w.vector("output_norm.weight", hp.n_embd));
  if (w.has("output.weight")) {
    OSP_ASSIGN_OR_RETURN(output_, w.matrix("output.weight", hp.n_embd, hp.n_vocab));
  } else {
    output_ = token_embd_;  // tied embeddings
  }
  if (w.has("rope_freqs.weight")) {
    OSP_ASSIGN_OR_RETURN(rope_freqs_, w.vector("rope_freqs.weight", hp.n_rot / 2));
  }
  return base::ok_status();
}

std::string Model::description() const {
  const char* ft = nullptr;
  if (file_.has("general.file_type")) {
    auto v = file_.get_int("general.file_type");
    if (v.ok()) ft = file_type_name(v.value());
  }
  return fmt::format("{} {} {}", hp_.arch, human_count(n_params_),
                     ft != nullptr ? ft : tensor::dtype_name(arch_ ? token_embd_.type : tensor::DType::kF32));
}

KvCacheParams Model::kv_params(int n_ctx_total, tensor::DType kv_type) const {
  KvCacheParams p;
  p.n_layer = hp_.n_layer;
  p.n_head_kv = hp_.n_head_kv;
  p.head_dim = hp_.head_dim;
  p.n_ctx_total = n_ctx_total;
  p.type = kv_type;
  return p;
}

Status Model::check_batch(const Batch& b, const KvCache& kv) const {
  const size_t n = b.tokens.size();
  if (b.positions.size() != n || b.seq_ids.size() != n || b.want_logits.size() != n)
    return base::invalid_argument(fmt::format(
        "batch arrays differ in size: tokens {}, positions {}, seq_ids {}, want_logits {}", n,
        b.positions.size(), b.seq_ids.size(), b.want_logits.size()));
  if (n == 0) return base::invalid_argument("empty batch: expected at least one token");
  if (n > (size_t{1} << 20))
    return base::out_of_range(fmt::format("batch of {} tokens: expected at most {}", n, 1 << 20));
  const KvCacheParams& kp = kv.params();
  if (kp.n_layer != hp_.n_layer || kp.n_head_kv != hp_.n_head_kv || kp.head_dim != hp_.head_dim)
    return base::invalid_argument(fmt::format(
        "KV cache shape (layers {}, kv heads {}, head dim {}) does not match the model ({}, {}, {})",
        kp.n_layer, kp.n_head_kv, kp.head_dim, hp_.n_layer, hp_.n_head_kv, hp_.head_dim));
  std::unordered_map<int32_t, int32_t> next;  // seq → expected next position
  for (size_t i = 0; i < n; ++i) {
    if (b.tokens[i] < 0 || b.tokens[i] >= hp_.n_vocab)
      return base::out_of_range(fmt::format("batch token {} has id {}: expected 0..{}", i,
                                            b.tokens[i], hp_.n_vocab - 1));
    const int32_t seq = b.seq_ids[i];
    if (seq < 0)
      return base::invalid_argument(fmt::format("batch token {} has sequence id {}: expected >= 0", i, seq));
    auto it = next.try_emplace(seq, kv.seq_len(seq)).first;
    if (b.positions[i] != it->second)
      return base::invalid_argument(fmt::format(
          "batch token {} of sequence {} is at position {}: expected {} (sequences continue "
          "where the cache ends, in order)", i, seq, b.positions[i], it->second));
    if (b.positions[i] >= hp_.n_ctx)
      return base::out_of_range(fmt::format("batch token {} at position {}: the context holds {} tokens",
                                            i, b.positions[i], hp_.n_ctx));
    ++it->second;
  }
  int64_t need = 0;
  for (const auto& [seq, end] : next) need += kv.blocks_needed(seq, end - kv.seq_len(seq));
  if (need > kv.free_blocks())
    return base::resource_exhausted(fmt::format(
        "KV cache full: the batch needs {} blocks of {} tokens, {} of {} are free", need,
        kv.block_tokens(), kv.free_blocks(), kv.total_blocks()));
  return base::ok_status();
}

Status Model::forward(const Batch& b, KvCache& kv, base::ThreadPool& pool, std::vector<float>* logits) {
  OSP_RETURN_IF_ERROR(check_batch(b, kv));
  {  // grow each sequence by its tokens in this batch (cannot fail after check_batch)
    std::unordered_map<int32_t, int> count;
    for (int32_t s : b.seq_ids) ++count[s];
    for (const auto& [seq, c] : count) OSP_RETURN_IF_ERROR(kv.append(seq, c));
    seq_rows_.resize(b.size());
    for (size_t i = 0; i < b.size(); ++i) seq_rows_[i] = static_cast<uint16_t>(std::min(count[b.seq_ids[i]], 65535));
  }
  logits->resize(b.n_wanted() * static_cast<size_t>(hp_.n_vocab));
  // Chunks in batch order give the same result as one pass: a token only attends to positions of
  // its sequence up to its own, and earlier chunks have already written theirs.
  size_t row = 0;
  for (size_t begin = 0; begin < b.size(); begin += kMaxChunkTokens) {
    const size_t end = std::min(b.size(), begin + kMaxChunkTokens);
    forward_chunk(b, begin, end, kv, pool, logits->data() + row * hp_.n_vocab);
    for (size_t t = begin; t < end; ++t) row += b.want_logits[t] ? 1 : 0;
  }
  return base::ok_status();
}

void Model::forward_chunk(const Batch& b, size_t begin, size_t end, KvCache& kv, base::ThreadPool& pool,
                          float* logits) {
  const HParams& hp = hp_;
  const int n_tokens = static_cast<int>(end - begin);
  scratch_.reserve(hp, n_tokens);
  ForwardState st{hp, kv, pool, n_tokens, b.positions.data() + begin, b.seq_ids.data() + begin, scratch_,
                  seq_rows_.data() + begin};

  kernels::get_rows(token_embd_.type, token_embd_.data, hp.n_embd, b.tokens.data() + begin, n_tokens,
                    scratch_.x.data());
  kernels::RopeParams rp = hp.rope();
  rp.freq_factors = rope_freqs_.empty() ? nullptr : rope_freqs_.data();
  for (int t = 0; t < n_tokens; ++t)
    kernels::rope_cos_sin(st.positions[t], rp, scratch_.cos_sin.data() + static_cast<size_t>(t) * hp.n_rot);

  for (int il = 0; il < hp.n_layer; ++il) arch_->forward_layer(il, st);

  // Output head over the rows that want logits: [n_wanted, n_embd] → [n_wanted, n_vocab].
  size_t n_wanted = 0;
  head_in_.resize(static_cast<size_t>(n_tokens) * hp.n_embd);
  // The head treats every row as a decode row: most steps want one row's logits per sequence, and a
  // single row is cheapest on the decode kernels; the same kernels for all keeps each row's logits
  // independent of the batch.
  head_rows_.assign(static_cast<size_t>(n_tokens), 0);
  for (int t = 0; t < n_tokens; ++t) {
    if (!b.want_logits[begin + t]) continue;
    kernels::rmsnorm(scratch_.x.data() + static_cast<size_t>(t) * hp.n_embd, output_norm_.data(),
                     head_in_.data() + n_wanted * hp.n_embd, hp.n_embd, hp.rms_eps);
    ++n_wanted;
  }
  if (n_wanted == 0) return;
  kernels::MatmulArgs a;
  a.w_type = output_.type;
  a.w = output_.data;
  a.x = head_in_.data();
  a.y = logits;
  a.n_out = hp.n_vocab;
  a.k = hp.n_embd;
  a.n_tokens = static_cast<int64_t>(n_wanted);
  a.seq_rows = head_rows_.data();
  kernels::matmul(a, pool);
}

}  // namespace osprey::model
