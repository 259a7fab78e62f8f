#include "src/kernels/rmsnorm.h"

#include <cmath>

#if defined(__x86_64__)
#include "src/kernels/dispatch.h"
#include "src/kernels/x86/model_ops_avx2.h"
#endif

namespace osprey::kernels {

void rmsnorm_scalar(const float* x, const float* w, float* y, int64_t n, float eps) {
  double sum = 0.0;  // double keeps the mean exact enough for long rows
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]) * x[i];
  const float scale = static_cast<float>(1.0 / std::sqrt(sum / static_cast<double>(n) + eps));
  if (w != nullptr) {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale * w[i];
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale;
  }
}

void rmsnorm(const float* x, const float* w, float* y, int64_t n, float eps) {
#if defined(__x86_64__)
  if (best_isa() != Isa::kScalar) return x86::rmsnorm_avx2(x, w, y, n, eps);
#endif
  rmsnorm_scalar(x, w, y, n, eps);
}

void rmsnorm_rows(float* x, const float* w, int64_t n, int64_t n_rows, int64_t stride, float eps) {
  if (stride == 0) stride = n;
  for (int64_t r = 0; r < n_rows; ++r) rmsnorm(x + r * stride, w, x + r * stride, n, eps);
}

}  // namespace osprey::kernels
