// The matmul seam: the scalar oracle (dequantizes each weight row once and accumulates every dot
// product in double) and the fast threaded version behind it.
#include "src/kernels/matmul.h"

#include <cstdint>
#include <vector>

#include "src/base/check.h"
#include "src/kernels/dispatch.h"
#include "src/kernels/ref/quants.h"

namespace osprey::kernels {

namespace {

// Rows [r0, r1) of W against every token; `row` is scratch of k floats.
void matmul_rows(const MatmulArgs& a, int64_t r0, int64_t r1, float* row) {
  const int64_t xs = a.x_stride != 0 ? a.x_stride : a.k;
  const int64_t ys = a.y_stride != 0 ? a.y_stride : a.n_out;
  const size_t rs = tensor::row_size(a.w_type, a.k);
  const auto* w = static_cast<const uint8_t*>(a.w);
  for (int64_t r = r0; r < r1; ++r) {
    ref::dequantize_row(a.w_type, w + static_cast<size_t>(r) * rs, row, a.k);  // [k]
    for (int64_t t = 0; t < a.n_tokens; ++t) {
      const float* x = a.x + t * xs;  // [k]
      double sum = 0.0;
      for (int64_t i = 0; i < a.k; ++i) sum += static_cast<double>(row[i]) * static_cast<double>(x[i]);
      a.y[t * ys + r] = static_cast<float>(sum);
    }
  }
}

void check_args(const MatmulArgs& a) {
  OSP_CHECK(ref::has_ref(a.w_type));
  OSP_CHECK_GE(a.n_out, 0);
  OSP_CHECK_GE(a.k, 0);
  OSP_CHECK_GE(a.n_tokens, 0);
  OSP_CHECK_EQ(a.k % tensor::info(a.w_type).block_size, 0);
}

}  // namespace

void matmul_ref(const MatmulArgs& args) {
  check_args(args);
  std::vector<float> row(static_cast<size_t>(args.k));
  matmul_rows(args, 0, args.n_out, row.data());
}

int64_t prompt_kernel_min_rows(tensor::DType t) { return amx_usable(t) ? amx_min_rows(t) : INT64_MAX; }

// The fast path (src/kernels/matmul_fast.cpp): SIMD kernels chosen once for this CPU, int8
// activations for quantized weights, rows split over the pool, tokens blocked for the cache.
void matmul(const MatmulArgs& args, base::ThreadPool& pool) {
  check_args(args);
  matmul_fast(args, pool, best_isa());
}

void matmul_group(const MatmulArgs* args, int n, base::ThreadPool& pool) {
  OSP_CHECK(n >= 1 && n <= kMaxMatmulGroup);
  for (int i = 0; i < n; ++i) check_args(args[i]);
  matmul_fast_group(args, n, pool, best_isa());  // checks that the group shares its input
}

}  // namespace osprey::kernels
