// Random-weight GGUF models of real shapes (`osprey gen-model`), for benchmarks and tests where no
// real weights are available. The file is written directly in the requested mix, tensor by tensor
// (lazily: only one tensor's bytes are in memory), with a synthetic SentencePiece vocabulary of the
// model's size or the tokenizer metadata of another GGUF file.
//
// Weights: matrices and embeddings ~ N(0, 0.02), norms 1, biases ~ N(0, 0.02). To cost no
// quantization time, each tensor type draws its rows from a pool of pre-encoded chunks (one block
// for quantized types, 32 values for float types): a pool of 2048 chunks of N(0, 0.02) values is
// encoded once per type, and every row picks its chunks at random (seeded per tensor and row, so
// the output does not depend on the thread count).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/base/status.h"
#include "src/model/quant_plan.h"

namespace osprey::model {

struct ModelPreset {
  const char* name;      // "tinyllama-1.1b"
  const char* arch;      // general.architecture
  int n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff, n_vocab, n_ctx;
  float rope_base, rms_eps;
  bool qkv_bias;         // qwen2
  bool qk_norm;          // qwen3
  bool tied;             // no output.weight: the head reuses token_embd
  bool llama3_rope;      // rope_freqs.weight with Llama 3 frequency factors
};

const std::vector<ModelPreset>& model_presets();
const ModelPreset* find_model_preset(std::string_view name);
std::string model_preset_names();  // "tinyllama-1.1b, llama-3.2-1b, ..."

struct GenModelParams {
  std::string preset;
  QuantMix mix = QuantMix::kF16;
  std::string vocab_path;    // "": a synthetic SPM vocabulary of the preset's size
  uint64_t seed = 42;
  int n_layer = 0;           // 0: the preset's
  int n_threads = 1;
  const std::atomic<bool>* cancel = nullptr;  // checked between slices; set: kCancelled, no file
  // Called on the calling thread after each tensor is written.
  std::function<void(size_t index, size_t n_tensors, const TensorPlan& tensor)> on_tensor;
};

struct GenModelSummary {
  std::vector<TensorPlan> plan;
  int n_vocab = 0;
  int64_t n_params = 0;
  uint64_t file_bytes = 0;
};

Result<GenModelSummary> generate_model(const GenModelParams& params, const std::string& out_path);

// The synthetic vocabulary: <unk>, <s>, </s>, the 256 byte tokens <0x00>..<0xFF>, then "▁" and
// lowercase pieces with and without "▁" by increasing length, scores decreasing (SPM merge order).
struct SyntheticVocab {
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types;
};
SyntheticVocab synthetic_spm_vocab(int n_vocab);

// Llama 3 RoPE frequency divisors ([head_dim / 2]) for scaling `factor` over original_ctx.
std::vector<float> llama3_rope_factors(int head_dim, float rope_base, float factor, float low_freq_factor,
                                       float high_freq_factor, int original_ctx);

}  // namespace osprey::model
