#include "src/kernels/rope.h"

#include <algorithm>
#include <cmath>

#if defined(__x86_64__)
#include "src/kernels/dispatch.h"
#include "src/kernels/x86/model_ops_avx2.h"
#endif

namespace osprey::kernels {

namespace {

// The dimension index (in pair units times two) at which a frequency completes `n_rotations` turns
// over the original context: the YaRN correction boundary.
double yarn_corr_dim(int n_rot, int n_ctx_orig, double n_rotations, double base) {
  const double two_pi = 6.283185307179586;
  return n_rot * std::log(n_ctx_orig / (n_rotations * two_pi)) / (2.0 * std::log(base));
}

// 1 below `low`, 0 above `high`, linear in between; i is the pair index.
double yarn_ramp(double low, double high, int i) {
  const double y = (i - low) / std::max(0.001, high - low);
  return 1.0 - std::min(1.0, std::max(0.0, y));
}

}  // namespace

void rope_cos_sin(int pos, const RopeParams& p, float* cos_sin) {
  const int n_pairs = p.n_rot / 2;
  double low = 0.0, high = 0.0, mscale = p.attn_factor;
  const bool yarn = p.ext_factor != 0.0f;
  if (yarn) {
    const int n_ctx = p.n_ctx_orig > 0 ? p.n_ctx_orig : 4096;
    low = std::max(0.0, std::floor(yarn_corr_dim(p.n_rot, n_ctx, p.beta_fast, p.freq_base)));
    high = std::min(static_cast<double>(p.n_rot - 1),
                    std::ceil(yarn_corr_dim(p.n_rot, n_ctx, p.beta_slow, p.freq_base)));
    if (p.freq_scale > 0.0f && p.freq_scale < 1.0f) mscale *= 1.0 + 0.1 * std::log(1.0 / p.freq_scale);
  }
  for (int j = 0; j < n_pairs; ++j) {
    double theta = pos * std::pow(static_cast<double>(p.freq_base), -2.0 * j / p.n_rot);
    if (p.freq_factors != nullptr) theta /= p.freq_factors[j];
    const double interp = theta * p.freq_scale;
    if (yarn) {
      const double mix = yarn_ramp(low, high, j) * p.ext_factor;
      theta = interp * (1.0 - mix) + theta * mix;
    } else {
      theta = interp;
    }
    cos_sin[2 * j] = static_cast<float>(std::cos(theta) * mscale);
    cos_sin[2 * j + 1] = static_cast<float>(std::sin(theta) * mscale);
  }
}

void rope_apply_scalar(float* x, int n_heads, int head_dim, const RopeParams& p, const float* cos_sin) {
  const int n_pairs = p.n_rot / 2;
  for (int h = 0; h < n_heads; ++h) {
    float* v = x + static_cast<int64_t>(h) * head_dim;
    for (int j = 0; j < n_pairs; ++j) {
      const int a = p.style == RopeStyle::kNormal ? 2 * j : j;
      const int b = p.style == RopeStyle::kNormal ? 2 * j + 1 : j + n_pairs;
      const float c = cos_sin[2 * j], s = cos_sin[2 * j + 1];
      const float x0 = v[a], x1 = v[b];
      v[a] = x0 * c - x1 * s;
      v[b] = x0 * s + x1 * c;
    }
  }
}

void rope_apply(float* x, int n_heads, int head_dim, const RopeParams& p, const float* cos_sin) {
#if defined(__x86_64__)
  if (best_isa() != Isa::kScalar) return x86::rope_apply_avx2(x, n_heads, head_dim, p, cos_sin);
#endif
  rope_apply_scalar(x, n_heads, head_dim, p, cos_sin);
}

}  // namespace osprey::kernels
