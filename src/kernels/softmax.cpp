#include "src/kernels/softmax.h"

#include <cmath>
#include <limits>

#if defined(__x86_64__)
#include "src/kernels/dispatch.h"
#include "src/kernels/x86/model_ops_avx2.h"
#endif

namespace osprey::kernels {

double softmax_scalar(float* x, int64_t n) {
  float mx = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < n; ++i)
    if (x[i] > mx) mx = x[i];
  if (!(mx > -std::numeric_limits<float>::infinity())) {
    for (int64_t i = 0; i < n; ++i) x[i] = 0.0f;
    return -std::numeric_limits<double>::infinity();
  }
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const float e = std::exp(x[i] - mx);
    x[i] = e;
    sum += e;
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
  return static_cast<double>(mx) + std::log(sum);
}

double softmax(float* x, int64_t n) {
#if defined(__x86_64__)
  if (best_isa() != Isa::kScalar) return x86::softmax_avx2(x, n);
#endif
  return softmax_scalar(x, n);
}

}  // namespace osprey::kernels
