#include "src/kernels/rmsnorm.h"

#include <cmath>

namespace osprey::kernels {

void rmsnorm(const float* x, const float* w, float* y, int64_t n, float eps) {
  double sum = 0.0;  // double keeps the mean exact enough for long rows
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]) * x[i];
  const float scale = static_cast<float>(1.0 / std::sqrt(sum / static_cast<double>(n) + eps));
  if (w != nullptr) {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale * w[i];
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale;
  }
}

void rmsnorm_rows(float* x, const float* w, int64_t n, int64_t n_rows, int64_t stride, float eps) {
  if (stride == 0) stride = n;
  for (int64_t r = 0; r < n_rows; ++r) rmsnorm(x + r * stride, w, x + r * stride, n, eps);
}

}  // namespace osprey::kernels
