#include "src/model/gen_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>

#include "src/base/thread_pool.h"
#include "src/gguf/gguf_reader.h"
#include "src/gguf/gguf_writer.h"
#include "src/kernels/ref/quants.h"

namespace osprey::model {

namespace {

using tensor::DType;

constexpr float kWeightStd = 0.02f;
constexpr int64_t kPoolChunks = 2048;
constexpr int64_t kFloatChunk = 32;  // elements per pool chunk for F32/F16/BF16
constexpr int64_t kSliceElements = int64_t{1} << 22;

uint64_t splitmix64(uint64_t& s) {
  uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t mix_seed(uint64_t seed, uint64_t a, uint64_t b) {
  uint64_t s = seed ^ (a * 0xD6E8FEB86659FD93ull) ^ (b * 0xA0761D6478BD642Full);
  return splitmix64(s);
}

// n values ~ N(0, std) (Box-Muller).
void normal_fill(uint64_t state, float std, float* out, int64_t n) {
  for (int64_t i = 0; i < n; i += 2) {
    const double u1 = (static_cast<double>(splitmix64(state) >> 11) + 1.0) * 0x1.0p-53;  // (0, 1]
    const double u2 = static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53;
    const double r = std::sqrt(-2.0 * std::log(u1)) * std;
    out[i] = static_cast<float>(r * std::cos(6.283185307179586 * u2));
    if (i + 1 < n) out[i + 1] = static_cast<float>(r * std::sin(6.283185307179586 * u2));
  }
}

enum class Fill { kRandom, kOnes, kRopeFreqs };

struct GenTensor {
  TensorDesc desc;
  Fill fill = Fill::kRandom;
};

std::vector<GenTensor> preset_tensors(const ModelPreset& p, int n_layer, int n_vocab) {
  const int64_t E = p.n_embd, F = p.n_ff, Q = int64_t{p.n_head} * p.head_dim, KV = int64_t{p.n_head_kv} * p.head_dim;
  std::vector<GenTensor> t;
  auto add = [&t](std::string name, std::vector<int64_t> shape, Fill fill) {
    t.push_back({{std::move(name), DType::kF32, std::move(shape)}, fill});
  };
  add("token_embd.weight", {E, n_vocab}, Fill::kRandom);
  if (p.llama3_rope) add("rope_freqs.weight", {p.head_dim / 2}, Fill::kRopeFreqs);
  for (int i = 0; i < n_layer; ++i) {
    const std::string b = fmt::format("blk.{}.", i);
    add(b + "attn_norm.weight", {E}, Fill::kOnes);
    add(b + "attn_q.weight", {E, Q}, Fill::kRandom);
    if (p.qkv_bias) add(b + "attn_q.bias", {Q}, Fill::kRandom);
    add(b + "attn_k.weight", {E, KV}, Fill::kRandom);
    if (p.qkv_bias) add(b + "attn_k.bias", {KV}, Fill::kRandom);
    add(b + "attn_v.weight", {E, KV}, Fill::kRandom);
    if (p.qkv_bias) add(b + "attn_v.bias", {KV}, Fill::kRandom);
    if (p.qk_norm) {
      add(b + "attn_q_norm.weight", {p.head_dim}, Fill::kOnes);
      add(b + "attn_k_norm.weight", {p.head_dim}, Fill::kOnes);
    }
    add(b + "attn_output.weight", {Q, E}, Fill::kRandom);
    add(b + "ffn_norm.weight", {E}, Fill::kOnes);
    add(b + "ffn_gate.weight", {E, F}, Fill::kRandom);
    add(b + "ffn_up.weight", {E, F}, Fill::kRandom);
    add(b + "ffn_down.weight", {F, E}, Fill::kRandom);
  }
  add("output_norm.weight", {E}, Fill::kOnes);
  if (!p.tied) add("output.weight", {E, n_vocab}, Fill::kRandom);
  return t;
}

void set_hparams(gguf::GgufWriter& w, const ModelPreset& p, int n_layer, int n_vocab, const QuantMixInfo& mix) {
  const std::string a = std::string(p.arch) + ".";
  w.set_string("general.architecture", p.arch);
  w.set_string("general.name", fmt::format("{} (random weights)", p.name));
  w.set_u32("general.file_type", mix.file_type);
  w.set_u32("general.quantization_version", 2);
  w.set_u32(a + "context_length", static_cast<uint32_t>(p.n_ctx));
  w.set_u32(a + "embedding_length", static_cast<uint32_t>(p.n_embd));
  w.set_u32(a + "block_count", static_cast<uint32_t>(n_layer));
  w.set_u32(a + "feed_forward_length", static_cast<uint32_t>(p.n_ff));
  w.set_u32(a + "attention.head_count", static_cast<uint32_t>(p.n_head));
  w.set_u32(a + "attention.head_count_kv", static_cast<uint32_t>(p.n_head_kv));
  w.set_u32(a + "attention.key_length", static_cast<uint32_t>(p.head_dim));
  w.set_u32(a + "attention.value_length", static_cast<uint32_t>(p.head_dim));
  w.set_u32(a + "rope.dimension_count", static_cast<uint32_t>(p.head_dim));
  w.set_f32(a + "rope.freq_base", p.rope_base);
  w.set_f32(a + "attention.layer_norm_rms_epsilon", p.rms_eps);
  w.set_u32(a + "vocab_size", static_cast<uint32_t>(n_vocab));
}

// Tokenizer metadata: copied from a GGUF file, or the synthetic SPM vocabulary. Returns the token
// count.
Result<int> set_vocab(gguf::GgufWriter& w, const GenModelParams& params, int preset_vocab) {
  if (params.vocab_path.empty()) {
    SyntheticVocab v = synthetic_spm_vocab(preset_vocab);
    w.set_string("tokenizer.ggml.model", "llama");
    w.set_string_array("tokenizer.ggml.tokens", std::move(v.tokens));
    w.set_f32_array("tokenizer.ggml.scores", v.scores);
    w.set_i32_array("tokenizer.ggml.token_type", v.types);
    w.set_u32("tokenizer.ggml.unknown_token_id", 0);
    w.set_u32("tokenizer.ggml.bos_token_id", 1);
    w.set_u32("tokenizer.ggml.eos_token_id", 2);
    w.set_bool("tokenizer.ggml.add_bos_token", true);
    w.set_bool("tokenizer.ggml.add_eos_token", false);
    return preset_vocab;
  }
  OSP_ASSIGN_OR_RETURN(gguf::GgufFile f, gguf::GgufFile::open(params.vocab_path));
  OSP_ASSIGN_OR_RETURN(std::vector<std::string> tokens, f.get_string_array("tokenizer.ggml.tokens"));
  for (const auto& [key, value] : f.metadata())
    if (key.rfind("tokenizer.", 0) == 0) w.set(key, value);
  return static_cast<int>(tokens.size());
}

// Encoded chunks of N(0, std) values for one type: rows are assembled from them.
class ChunkPool {
 public:
  ChunkPool(DType type, uint64_t seed, base::ThreadPool& pool) : type_(type) {
    chunk_ = tensor::info(type).is_quantized ? tensor::info(type).block_size : kFloatChunk;
    chunk_bytes_ = tensor::row_size(type, chunk_);
    bytes_.resize(chunk_bytes_ * kPoolChunks);
    pool.parallel_for(kPoolChunks, [&](int64_t b, int64_t e, int) {
      std::vector<float> x(static_cast<size_t>(chunk_));
      for (int64_t c = b; c < e; ++c) {
        normal_fill(mix_seed(seed, static_cast<uint64_t>(type), static_cast<uint64_t>(c)), kWeightStd, x.data(), chunk_);
        kernels::ref::quantize_row(type, x.data(), bytes_.data() + c * chunk_bytes_, chunk_);
      }
    });
  }
  int64_t chunk() const { return chunk_; }
  // Fills one row of `row` elements (a multiple of chunk()) with chunks picked by `state`.
  void fill_row(uint64_t state, int64_t row, uint8_t* dst) const {
    for (int64_t c = 0; c < row / chunk_; ++c) {
      const uint64_t pick = (splitmix64(state) >> 32) % kPoolChunks;
      std::memcpy(dst + c * chunk_bytes_, bytes_.data() + pick * chunk_bytes_, chunk_bytes_);
    }
  }

 private:
  DType type_;
  int64_t chunk_ = 0;
  size_t chunk_bytes_ = 0;
  std::vector<uint8_t> bytes_;
};

class Generator {
 public:
  Generator(const GenModelParams& params, const ModelPreset& preset, base::ThreadPool& pool)
      : params_(params), preset_(preset), pool_(pool) {}

  Status fill(size_t index, const GenTensor& g, const TensorPlan& p, std::span<uint8_t> dst) {
    const int64_t row = p.shape[0];
    const int64_t rows = g.desc.shape.size() > 1 ? g.desc.shape[1] : 1;
    const size_t rs = tensor::row_size(p.to, row);
    if (g.fill != Fill::kRandom || row % chunk_pool(p.to).chunk() != 0) {
      // Small tensors and rows that fit no chunk: values computed directly.
      std::vector<float> x(static_cast<size_t>(row));
      for (int64_t r = 0; r < rows; ++r) {
        if (cancelled()) return base::cancelled("model generation interrupted");
        values(g, index, r, x.data(), row);
        kernels::ref::quantize_row(p.to, x.data(), dst.data() + r * rs, row);
      }
      return base::ok_status();
    }
    const ChunkPool& cp = chunk_pool(p.to);
    const int64_t slice = std::max<int64_t>(pool_.size(), kSliceElements / row);
    for (int64_t r0 = 0; r0 < rows; r0 += slice) {
      if (cancelled()) return base::cancelled("model generation interrupted");
      const int64_t r1 = std::min(rows, r0 + slice);
      pool_.parallel_for(r1 - r0, [&](int64_t b, int64_t e, int) {
        for (int64_t r = r0 + b; r < r0 + e; ++r)
          cp.fill_row(mix_seed(params_.seed, index, static_cast<uint64_t>(r)), row, dst.data() + r * rs);
      });
    }
    return base::ok_status();
  }

 private:
  bool cancelled() const { return params_.cancel != nullptr && params_.cancel->load(std::memory_order_relaxed); }

  void values(const GenTensor& g, size_t index, int64_t r, float* x, int64_t n) const {
    if (g.fill == Fill::kOnes) {
      std::fill(x, x + n, 1.0f);
    } else if (g.fill == Fill::kRopeFreqs) {
      const auto f = llama3_rope_factors(preset_.head_dim, preset_.rope_base, 32.0f, 1.0f, 4.0f, 8192);
      std::copy(f.begin(), f.end(), x);
    } else {
      normal_fill(mix_seed(params_.seed, index, static_cast<uint64_t>(r)), kWeightStd, x, n);
    }
  }

  const ChunkPool& chunk_pool(DType t) {
    auto it = pools_.find(t);
    if (it == pools_.end())
      it = pools_.emplace(t, std::make_unique<ChunkPool>(t, params_.seed, pool_)).first;
    return *it->second;
  }

  const GenModelParams& params_;
  const ModelPreset& preset_;
  base::ThreadPool& pool_;
  std::map<DType, std::unique_ptr<ChunkPool>> pools_;
};

}  // namespace

const std::vector<ModelPreset>& model_presets() {
  static const std::vector<ModelPreset> kPresets = {
      // name, arch, n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff, n_vocab, n_ctx, rope base, eps,
      // qkv_bias, qk_norm, tied, llama3_rope
      {"tinyllama-1.1b", "llama", 2048, 22, 32, 4, 64, 5632, 32000, 2048, 10000.0f, 1e-5f, false, false, false, false},
      {"llama-3.2-1b", "llama", 2048, 16, 32, 8, 64, 8192, 128256, 131072, 500000.0f, 1e-5f, false, false, true, true},
      {"qwen2.5-0.5b", "qwen2", 896, 24, 14, 2, 64, 4864, 151936, 32768, 1000000.0f, 1e-6f, true, false, true, false},
      {"qwen3-0.6b", "qwen3", 1024, 28, 16, 8, 128, 3072, 151936, 40960, 1000000.0f, 1e-6f, false, true, true, false},
  };
  return kPresets;
}

const ModelPreset* find_model_preset(std::string_view name) {
  for (const ModelPreset& p : model_presets())
    if (name == p.name) return &p;
  return nullptr;
}

std::string model_preset_names() {
  std::string out;
  for (const ModelPreset& p : model_presets()) out += (out.empty() ? "" : ", ") + std::string(p.name);
  return out;
}

SyntheticVocab synthetic_spm_vocab(int n_vocab) {
  SyntheticVocab v;
  auto add = [&v](std::string text, int32_t type) {
    v.scores.push_back(type == 1 ? -static_cast<float>(v.tokens.size()) : 0.0f);
    v.tokens.push_back(std::move(text));
    v.types.push_back(type);
  };
  add("<unk>", 2);
  add("<s>", 3);
  add("</s>", 3);
  for (int b = 0; b < 256; ++b) add(fmt::format("<0x{:02X}>", b), 6);
  const std::string space = "\xE2\x96\x81";  // U+2581, SentencePiece's word boundary
  static const char kLetters[] = "etaoinshrdlcumwfgypbvkjxqz";
  add(space, 1);
  std::vector<std::string> level = {""};
  while (static_cast<int>(v.tokens.size()) < n_vocab) {
    std::vector<std::string> next;
    for (const std::string& s : level)
      for (int c = 0; c < 26 && static_cast<int>(v.tokens.size()) < n_vocab; ++c) {
        next.push_back(s + kLetters[c]);
        add(next.back(), 1);
        if (static_cast<int>(v.tokens.size()) < n_vocab) add(space + next.back(), 1);
      }
    level = std::move(next);
  }
  v.tokens.resize(static_cast<size_t>(std::max(n_vocab, 0)));
  v.scores.resize(v.tokens.size());
  v.types.resize(v.tokens.size());
  return v;
}

std::vector<float> llama3_rope_factors(int head_dim, float rope_base, float factor, float low_freq_factor,
                                       float high_freq_factor, int original_ctx) {
  const double low_wavelen = original_ctx / low_freq_factor, high_wavelen = original_ctx / high_freq_factor;
  std::vector<float> out(static_cast<size_t>(head_dim / 2));
  for (int i = 0; i < head_dim / 2; ++i) {
    const double freq = std::pow(static_cast<double>(rope_base), -2.0 * i / head_dim);
    const double wavelen = 2.0 * M_PI / freq;
    double f = 1.0;
    if (wavelen > low_wavelen) {
      f = factor;
    } else if (wavelen >= high_wavelen) {
      const double smooth = (original_ctx / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor);
      f = 1.0 / ((1.0 - smooth) / factor + smooth);
    }
    out[static_cast<size_t>(i)] = static_cast<float>(f);
  }
  return out;
}

Result<GenModelSummary> generate_model(const GenModelParams& params, const std::string& out_path) {
  const ModelPreset* preset = find_model_preset(params.preset);
  if (preset == nullptr)
    return base::invalid_argument(
        fmt::format("unknown model '{}' (expected one of {})", params.preset, model_preset_names()));
  if (params.n_layer < 0 || params.n_layer > 1024)
    return base::invalid_argument(fmt::format("layers: expected 0..1024, got {}", params.n_layer));
  if (params.n_threads < 1)
    return base::invalid_argument(fmt::format("threads: expected >= 1, got {}", params.n_threads));
  const int n_layer = params.n_layer > 0 ? params.n_layer : preset->n_layer;
  gguf::GgufWriter w;
  GenModelSummary sum;
  OSP_ASSIGN_OR_RETURN(int vocab_tokens, set_vocab(w, params, preset->n_vocab));
  // Real models pad the embedding past the tokenizer (Qwen: 151936 rows, 151665 tokens); a larger
  // vocabulary file widens the model instead.
  sum.n_vocab = std::max(preset->n_vocab, vocab_tokens);
  const QuantMixInfo& mix = quant_mix_info(params.mix);
  set_hparams(w, *preset, n_layer, sum.n_vocab, mix);

  const std::vector<GenTensor> tensors = preset_tensors(*preset, n_layer, sum.n_vocab);
  std::vector<TensorDesc> descs;
  for (const GenTensor& g : tensors) descs.push_back(g.desc);
  QuantModelFacts facts{preset->arch, preset->n_head, preset->n_head_kv, 0, n_layer};
  QuantPlanOptions opt;
  opt.mix = params.mix;
  OSP_ASSIGN_OR_RETURN(sum.plan, plan_quantization(descs, facts, opt));

  base::ThreadPool pool(params.n_threads);
  Generator gen(params, *preset, pool);
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorPlan& p = sum.plan[i];
    int64_t n = 1;
    for (int64_t d : p.shape) n *= d;
    sum.n_params += n;
    auto produce = [&params, &gen, &tensors, &sum, i, n_tensors = tensors.size()](std::span<uint8_t> dst) -> Status {
      OSP_RETURN_IF_ERROR(gen.fill(i, tensors[i], sum.plan[i], dst));
      if (params.on_tensor) params.on_tensor(i, n_tensors, sum.plan[i]);
      return base::ok_status();
    };
    OSP_RETURN_IF_ERROR(w.add_tensor_lazy(p.name, p.to, p.shape, std::move(produce)));
  }
  OSP_ASSIGN_OR_RETURN(sum.file_bytes, w.file_size());
  OSP_RETURN_IF_ERROR(w.write_file(out_path));
  return sum;
}

}  // namespace osprey::model
