// Typed hyperparameters of a model, read from the GGUF `<arch>.*` metadata keys and then adjusted
// by the user's ModelParams overrides.
#pragma once

#include <cstdint>
#include <string>

#include "src/base/status.h"
#include "src/kernels/rope.h"

namespace osprey::gguf {
class GgufFile;
}

namespace osprey::model {

enum class RopeScaling { kNone, kLinear, kYarn };
const char* rope_scaling_name(RopeScaling s);

// What the user may override at load time. Zero (or kUnset) means "from the file".
struct ModelParams {
  int n_ctx = 0;                 // 0: the model's trained context
  float rope_freq_base = 0;      // 0: from the file
  float rope_freq_scale = 0;     // 0: from the file
  enum class Scaling { kUnset, kNone, kLinear, kYarn };
  Scaling rope_scaling = Scaling::kUnset;  // kUnset: from the file
  float yarn_ext_factor = -1.0f;   // < 0: 1 when YaRN is on, else 0
  float yarn_attn_factor = 0.0f;   // 0: from the file (default 1)
  float yarn_beta_fast = 0.0f;     // 0: 32
  float yarn_beta_slow = 0.0f;     // 0: 1
  int yarn_orig_ctx = 0;           // 0: from the file (rope.scaling.original_context_length, else n_ctx_train)
};

struct HParams {
  std::string arch;        // general.architecture, e.g. "llama"
  int n_vocab = 0;
  int n_ctx_train = 0;     // <arch>.context_length
  int n_ctx = 0;           // the context this load uses (ModelParams::n_ctx or n_ctx_train)
  int n_embd = 0;          // <arch>.embedding_length
  int n_layer = 0;         // <arch>.block_count
  int n_head = 0;          // <arch>.attention.head_count
  int n_head_kv = 0;       // <arch>.attention.head_count_kv (default n_head)
  int head_dim = 0;        // <arch>.attention.key_length (default n_embd / n_head)
  int n_ff = 0;            // <arch>.feed_forward_length
  int n_rot = 0;           // <arch>.rope.dimension_count (default head_dim)
  float rms_eps = 1e-5f;   // <arch>.attention.layer_norm_rms_epsilon
  kernels::RopeStyle rope_style = kernels::RopeStyle::kNormal;  // set by the architecture
  float rope_freq_base = 10000.0f;
  float rope_freq_scale = 1.0f;
  RopeScaling rope_scaling = RopeScaling::kNone;
  float yarn_ext_factor = 0.0f;
  float yarn_attn_factor = 1.0f;
  float yarn_beta_fast = 32.0f;
  float yarn_beta_slow = 1.0f;
  int yarn_orig_ctx = 0;

  // RoPE parameters for the kernels (freq_factors left null; the model binds rope_freqs).
  kernels::RopeParams rope() const;
};

// Reads the common `<arch>.*` keys and applies `params`. The architecture then sets what is its own
// (rope style, extra keys) and the caller validates with validate_hparams().
Result<HParams> read_hparams(const gguf::GgufFile& file, const std::string& arch,
                             const ModelParams& params);
Status validate_hparams(const HParams& hp);

}  // namespace osprey::model
