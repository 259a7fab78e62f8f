// Rotary position embedding (RoPE) with linear scaling, per-frequency factors and YaRN.
//
// Pair j (0 <= j < n_rot/2) rotates by theta_j = pos * base^(-2j/n_rot) / factor_j.
// kNormal rotates adjacent elements (2j, 2j+1) (GGUF llama layout); kNeox rotates (j, j + n_rot/2)
// (qwen2, qwen3). Elements past n_rot are left unchanged.
#pragma once

#include <cstdint>

namespace osprey::kernels {

enum class RopeStyle { kNormal, kNeox };

struct RopeParams {
  int n_rot = 0;                    // rotated dims per head (even, <= head_dim)
  float freq_base = 10000.0f;
  float freq_scale = 1.0f;          // linear position interpolation (1 / scaling factor)
  RopeStyle style = RopeStyle::kNormal;
  const float* freq_factors = nullptr;  // [n_rot / 2] divisors of theta (Llama 3.1 rope_freqs), or null
  float ext_factor = 0.0f;          // YaRN extrapolation mix (0: off)
  float attn_factor = 1.0f;         // YaRN magnitude scale
  float beta_fast = 32.0f;          // YaRN ramp ends, in rotations over the original context
  float beta_slow = 1.0f;
  int n_ctx_orig = 0;               // YaRN original training context
};

// cos_sin: [n_rot / 2][2] = {cos, sin} of each pair's angle at `pos`, magnitude scale included.
void rope_cos_sin(int pos, const RopeParams& p, float* cos_sin);

// Rotates each of n_heads heads (head_dim floats apart) of one token with a table from rope_cos_sin.
// Runs the AVX2 path (x86/rope_avx2.cpp) when the CPU has it, else rope_apply_scalar.
void rope_apply(float* x, int n_heads, int head_dim, const RopeParams& p, const float* cos_sin);

// The scalar oracle of rope_apply.
void rope_apply_scalar(float* x, int n_heads, int head_dim, const RopeParams& p, const float* cos_sin);

}  // namespace osprey::kernels
