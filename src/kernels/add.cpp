#include "src/kernels/add.h"

#if defined(__x86_64__)
#include "src/kernels/dispatch.h"
#include "src/kernels/x86/model_ops_avx2.h"
#endif

namespace osprey::kernels {

void add_scalar(const float* a, const float* b, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
}

void add(const float* a, const float* b, float* y, int64_t n) {
#if defined(__x86_64__)
  if (best_isa() != Isa::kScalar) return x86::add_avx2(a, b, y, n);
#endif
  add_scalar(a, b, y, n);
}

void add_bias_rows(float* x, const float* bias, int64_t n, int64_t n_rows, int64_t stride) {
  if (stride == 0) stride = n;
  for (int64_t r = 0; r < n_rows; ++r) add(x + r * stride, bias, x + r * stride, n);
}

}  // namespace osprey::kernels
