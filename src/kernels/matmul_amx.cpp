// The AMX-BF16 prompt-batch matmul driver: activations split into bf16 hi/lo rows once (shared by
// every thread), output rows split over the pool in multiples of 32, each thread streaming its
// weight panels past the activations (x86/gemm_amx.h). When the token or row count is not a
// multiple of 16 the tiles write into a padded copy of y, copied out at the end.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "src/base/check.h"
#include "src/kernels/dispatch.h"
#if defined(__x86_64__)
#include "src/kernels/x86/gemm_amx.h"
#endif

namespace osprey::kernels {

#if defined(__x86_64__)

bool amx_usable(tensor::DType t) { return best_isa() == Isa::kAmx && x86::amx_supports(t); }

int64_t amx_min_rows(tensor::DType t) {
  using tensor::DType;
  switch (t) {
    case DType::kF32:
    case DType::kF16:
    case DType::kBF16:
      return 16;
    case DType::kQ2_K:
    case DType::kQ3_K:
    case DType::kQ4_K:
    case DType::kQ5_K:
    case DType::kQ6_K:
      return 32;
    default:
      return 64;
  }
}

void matmul_amx(const MatmulArgs& a, base::ThreadPool& pool) {
  OSP_CHECK(amx_usable(a.w_type));
  const int64_t k = a.k, n_tok = a.n_tokens, n_out = a.n_out;
  if (n_out == 0 || n_tok == 0) return;
  const int64_t xs = a.x_stride != 0 ? a.x_stride : k;
  const int64_t ys = a.y_stride != 0 ? a.y_stride : n_out;
  const int64_t n_pad = x86::amx_tokens_padded(n_tok), rows_pad = (n_out + 15) / 16 * 16;
  const bool direct = n_pad == n_tok && rows_pad == n_out;
  const size_t act = (x86::amx_act_bytes(n_tok, k) + 63) / 64 * 64;
  const size_t ytmp = direct ? 0 : (static_cast<size_t>(n_pad * rows_pad) * sizeof(float) + 63) / 64 * 64;
  const size_t per_thread = (x86::amx_scratch_bytes() + 63) / 64 * 64;
  uint8_t* arena = pool.scratch(act + ytmp + per_thread * static_cast<size_t>(pool.size()));
  pool.parallel_for(n_tok, [&](int64_t t0, int64_t t1, int) {
    x86::amx_prepare_act(a.x, xs, n_tok, k, arena, t0, t1);
  });
  float* y = direct ? a.y : reinterpret_cast<float*>(arena + act);
  const int64_t yts = direct ? ys : rows_pad;
  const size_t wrb = tensor::row_size(a.w_type, k);
  const auto* w = static_cast<const uint8_t*>(a.w);
  pool.run([&](int ti, int nt) {
    int64_t chunk = (rows_pad + nt - 1) / nt;
    chunk = (chunk + 31) / 32 * 32;
    const int64_t r0 = std::min(rows_pad, chunk * ti), r1 = std::min(rows_pad, r0 + chunk);
    if (r0 >= r1) return;
    x86::amx_gemm(a.w_type, w + r0 * wrb, wrb, r1 - r0, n_out - r0, arena, n_tok, k, y + r0, yts,
                  arena + act + ytmp + per_thread * static_cast<size_t>(ti));
  });
  if (!direct) {
    for (int64_t t = 0; t < n_tok; ++t)
      std::memcpy(a.y + t * ys, y + t * yts, static_cast<size_t>(n_out) * sizeof(float));
  }
}

#else

bool amx_usable(tensor::DType) { return false; }
int64_t amx_min_rows(tensor::DType) { return INT64_MAX; }
void matmul_amx(const MatmulArgs&, base::ThreadPool&) { OSP_CHECK(false); }

#endif

}  // namespace osprey::kernels
