#include "src/kernels/softmax.h"

#include <cmath>
#include <limits>

namespace osprey::kernels {

double softmax(float* x, int64_t n) {
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

}  // namespace osprey::kernels
