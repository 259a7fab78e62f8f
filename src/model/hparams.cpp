#include "src/model/hparams.h"

#include <fmt/format.h>

#include "src/gguf/gguf_reader.h"

namespace osprey::model {

namespace {

constexpr int64_t kMaxDim = int64_t{1} << 24;  // sizes past this are a corrupt file, not a model

Status read_int(const gguf::GgufFile& f, const std::string& key, bool required, int* out) {
  if (!f.has(key)) {
    if (required) return base::not_found(fmt::format("model metadata lacks required key '{}'", key));
    return base::ok_status();
  }
  OSP_ASSIGN_OR_RETURN(int64_t v, f.get_int(key));
  if (v < 0 || v > kMaxDim)
    return base::out_of_range(fmt::format("metadata '{}' = {}: expected 0..{}", key, v, kMaxDim));
  *out = static_cast<int>(v);
  return base::ok_status();
}

Status read_float(const gguf::GgufFile& f, const std::string& key, float* out) {
  if (!f.has(key)) return base::ok_status();
  OSP_ASSIGN_OR_RETURN(float v, f.get_float(key));
  *out = v;
  return base::ok_status();
}

Status read_rope_scaling(const gguf::GgufFile& f, const std::string& a, HParams* hp) {
  const std::string type_key = a + ".rope.scaling.type";
  if (f.has(type_key)) {
    OSP_ASSIGN_OR_RETURN(std::string type, f.get_string(type_key));
    if (type == "none") hp->rope_scaling = RopeScaling::kNone;
    else if (type == "linear") hp->rope_scaling = RopeScaling::kLinear;
    else if (type == "yarn") hp->rope_scaling = RopeScaling::kYarn;
    else
      return base::unimplemented(fmt::format(
          "metadata '{}' = '{}': expected none, linear or yarn", type_key, type));
  }
  float factor = 0.0f;
  OSP_RETURN_IF_ERROR(read_float(f, a + ".rope.scaling.factor", &factor));
  if (factor == 0.0f) OSP_RETURN_IF_ERROR(read_float(f, a + ".rope.scale_linear", &factor));
  if (factor > 0.0f && hp->rope_scaling != RopeScaling::kNone) hp->rope_freq_scale = 1.0f / factor;
  if (factor > 0.0f && !f.has(type_key)) {  // old files: a bare linear factor
    hp->rope_scaling = RopeScaling::kLinear;
    hp->rope_freq_scale = 1.0f / factor;
  }
  OSP_RETURN_IF_ERROR(read_float(f, a + ".rope.scaling.attn_factor", &hp->yarn_attn_factor));
  OSP_RETURN_IF_ERROR(read_int(f, a + ".rope.scaling.original_context_length", false, &hp->yarn_orig_ctx));
  return base::ok_status();
}

void apply_overrides(const ModelParams& p, HParams* hp) {
  if (p.n_ctx > 0) hp->n_ctx = p.n_ctx;
  if (p.rope_freq_base > 0) hp->rope_freq_base = p.rope_freq_base;
  switch (p.rope_scaling) {
    case ModelParams::Scaling::kNone: hp->rope_scaling = RopeScaling::kNone; hp->rope_freq_scale = 1.0f; break;
    case ModelParams::Scaling::kLinear: hp->rope_scaling = RopeScaling::kLinear; break;
    case ModelParams::Scaling::kYarn: hp->rope_scaling = RopeScaling::kYarn; break;
    case ModelParams::Scaling::kUnset: break;
  }
  if (p.rope_freq_scale > 0) hp->rope_freq_scale = p.rope_freq_scale;
  hp->yarn_ext_factor = hp->rope_scaling == RopeScaling::kYarn ? 1.0f : 0.0f;
  if (p.yarn_ext_factor >= 0) hp->yarn_ext_factor = p.yarn_ext_factor;
  if (p.yarn_attn_factor > 0) hp->yarn_attn_factor = p.yarn_attn_factor;
  if (p.yarn_beta_fast > 0) hp->yarn_beta_fast = p.yarn_beta_fast;
  if (p.yarn_beta_slow > 0) hp->yarn_beta_slow = p.yarn_beta_slow;
  if (p.yarn_orig_ctx > 0) hp->yarn_orig_ctx = p.yarn_orig_ctx;
  if (hp->yarn_orig_ctx == 0) hp->yarn_orig_ctx = hp->n_ctx_train;
}

}  // namespace

const char* rope_scaling_name(RopeScaling s) {
  switch (s) {
    case RopeScaling::kNone: return "none";
    case RopeScaling::kLinear: return "linear";
    case RopeScaling::kYarn: return "yarn";
  }
  return "?";
}

kernels::RopeParams HParams::rope() const {
  kernels::RopeParams p;
  p.n_rot = n_rot;
  p.freq_base = rope_freq_base;
  p.freq_scale = rope_freq_scale;
  p.style = rope_style;
  p.ext_factor = yarn_ext_factor;
  p.attn_factor = yarn_attn_factor;
  p.beta_fast = yarn_beta_fast;
  p.beta_slow = yarn_beta_slow;
  p.n_ctx_orig = yarn_orig_ctx;
  return p;
}

Result<HParams> read_hparams(const gguf::GgufFile& f, const std::string& a, const ModelParams& params) {
  HParams hp;
  hp.arch = a;
  OSP_RETURN_IF_ERROR(read_int(f, a + ".context_length", true, &hp.n_ctx_train));
  OSP_RETURN_IF_ERROR(read_int(f, a + ".embedding_length", true, &hp.n_embd));
  OSP_RETURN_IF_ERROR(read_int(f, a + ".block_count", true, &hp.n_layer));
  OSP_RETURN_IF_ERROR(read_int(f, a + ".feed_forward_length", true, &hp.n_ff));
  OSP_RETURN_IF_ERROR(read_int(f, a + ".attention.head_count", true, &hp.n_head));
  hp.n_head_kv = hp.n_head;
  OSP_RETURN_IF_ERROR(read_int(f, a + ".attention.head_count_kv", false, &hp.n_head_kv));
  if (hp.n_head > 0) hp.head_dim = hp.n_embd / hp.n_head;
  OSP_RETURN_IF_ERROR(read_int(f, a + ".attention.key_length", false, &hp.head_dim));
  int head_dim_v = hp.head_dim;
  OSP_RETURN_IF_ERROR(read_int(f, a + ".attention.value_length", false, &head_dim_v));
  if (head_dim_v != hp.head_dim)
    return base::unimplemented(fmt::format(
        "attention.value_length {} differs from key_length {}: osprey expects them equal",
        head_dim_v, hp.head_dim));
  hp.n_rot = hp.head_dim;
  OSP_RETURN_IF_ERROR(read_int(f, a + ".rope.dimension_count", false, &hp.n_rot));
  OSP_RETURN_IF_ERROR(read_float(f, a + ".attention.layer_norm_rms_epsilon", &hp.rms_eps));
  OSP_RETURN_IF_ERROR(read_float(f, a + ".rope.freq_base", &hp.rope_freq_base));
  OSP_RETURN_IF_ERROR(read_rope_scaling(f, a, &hp));
  hp.n_ctx = hp.n_ctx_train;
  apply_overrides(params, &hp);
  return hp;
}

Status validate_hparams(const HParams& hp) {
  auto positive = [](const char* what, int v) -> Status {
    if (v <= 0) return base::invalid_argument(fmt::format("hyperparameter {} = {}: expected > 0", what, v));
    return base::ok_status();
  };
  OSP_RETURN_IF_ERROR(positive("n_vocab", hp.n_vocab));
  OSP_RETURN_IF_ERROR(positive("n_ctx", hp.n_ctx));
  OSP_RETURN_IF_ERROR(positive("n_embd", hp.n_embd));
  OSP_RETURN_IF_ERROR(positive("n_layer", hp.n_layer));
  OSP_RETURN_IF_ERROR(positive("n_head", hp.n_head));
  OSP_RETURN_IF_ERROR(positive("n_head_kv", hp.n_head_kv));
  OSP_RETURN_IF_ERROR(positive("head_dim", hp.head_dim));
  OSP_RETURN_IF_ERROR(positive("n_ff", hp.n_ff));
  if (hp.n_head % hp.n_head_kv != 0)
    return base::invalid_argument(fmt::format(
        "head_count {} is not a multiple of head_count_kv {}", hp.n_head, hp.n_head_kv));
  if (hp.n_rot <= 0 || hp.n_rot > hp.head_dim || hp.n_rot % 2 != 0)
    return base::invalid_argument(fmt::format(
        "rope.dimension_count {}: expected an even number in 2..{} (the head size)", hp.n_rot, hp.head_dim));
  if (!(hp.rms_eps > 0.0f && hp.rms_eps < 1.0f))
    return base::invalid_argument(fmt::format("layer_norm_rms_epsilon {}: expected in (0, 1)", hp.rms_eps));
  if (!(hp.rope_freq_base > 0.0f) || !(hp.rope_freq_scale > 0.0f))
    return base::invalid_argument(fmt::format("rope freq_base {} and freq_scale {}: expected > 0",
                                              hp.rope_freq_base, hp.rope_freq_scale));
  return base::ok_status();
}

}  // namespace osprey::model
