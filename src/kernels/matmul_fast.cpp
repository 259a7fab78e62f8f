// The fast matmul driver: activation quantization, the split of output rows over threads, and
// token blocking so that the quantized activations of one block stay in L2 while every weight row
// streams past them once.
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "src/base/check.h"
#include "src/kernels/dispatch.h"

namespace osprey::kernels {

namespace {

constexpr int64_t kRowAlign = 8;  // thread row ranges start at multiples of this

// Bytes of quantized activations one token block may take: half the L2 cache (at least 256 KiB),
// so the block stays in L2 while every weight row tile streams past it.
size_t act_block_bytes() {
  static const size_t kBytes = [] {
    long l2 = 0;
#ifdef _SC_LEVEL2_CACHE_SIZE
    l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
#endif
    return std::max<size_t>(size_t{256} << 10, l2 > 0 ? static_cast<size_t>(l2) / 2 : 0);
  }();
  return kBytes;
}

int64_t token_block(int64_t n_tok, size_t x_row_bytes) {
  int64_t tb = static_cast<int64_t>(act_block_bytes() / std::max<size_t>(x_row_bytes, 1));
  tb = std::max<int64_t>(16, tb / 16 * 16);
  return std::min(tb, n_tok);
}

// Prompt rows (seq_rows[t] >= min_rows) to AMX, the others to the AVX-512 decode kernels: each
// group gathered into contiguous rows (pool scratch slot 1), computed, and scattered back.
void matmul_mixed(const MatmulArgs& a, int64_t min_rows, base::ThreadPool& pool) {
  const int64_t n_tok = a.n_tokens, k = a.k, n_out = a.n_out;
  auto prompt = [&](int64_t t) { return a.seq_rows[t] >= min_rows; };
  int64_t n_prompt = 0;
  for (int64_t t = 0; t < n_tok; ++t) n_prompt += prompt(t) ? 1 : 0;
  MatmulArgs sub = a;
  sub.seq_rows = nullptr;
  if (n_prompt == n_tok) return matmul_amx(sub, pool);
  if (n_prompt == 0) return matmul_fast(sub, pool, Isa::kAvx512);
  const int64_t xs = a.x_stride != 0 ? a.x_stride : k;
  const int64_t ys = a.y_stride != 0 ? a.y_stride : n_out;
  const size_t xb = static_cast<size_t>(k) * sizeof(float), yb = static_cast<size_t>(n_out) * sizeof(float);
  auto* buf = reinterpret_cast<float*>(pool.scratch(static_cast<size_t>(n_tok) * (xb + yb), 1));
  float* xg = buf;                 // gathered rows: prompt rows first, then decode rows
  float* yg = buf + n_tok * k;
  int64_t ip = 0, id = n_prompt;
  for (int64_t t = 0; t < n_tok; ++t) {
    const int64_t g = prompt(t) ? ip++ : id++;
    std::memcpy(xg + g * k, a.x + t * xs, xb);
  }
  sub.x = xg;
  sub.x_stride = k;
  sub.y = yg;
  sub.y_stride = n_out;
  sub.n_tokens = n_prompt;
  matmul_amx(sub, pool);
  sub.x = xg + n_prompt * k;
  sub.y = yg + n_prompt * n_out;
  sub.n_tokens = n_tok - n_prompt;
  matmul_fast(sub, pool, Isa::kAvx512);
  ip = 0, id = n_prompt;
  for (int64_t t = 0; t < n_tok; ++t) {
    const int64_t g = prompt(t) ? ip++ : id++;
    std::memcpy(a.y + t * ys, yg + g * n_out, yb);
  }
}

}  // namespace

void matmul_fast(const MatmulArgs& a, base::ThreadPool& pool, Isa isa) {
  if (isa == Isa::kAmx && amx_usable(a.w_type)) {
    const int64_t min_rows = amx_min_rows(a.w_type);
    if (a.seq_rows != nullptr) return matmul_mixed(a, min_rows, pool);
    if (a.n_tokens >= min_rows) return matmul_amx(a, pool);
  }
  const KernelTraits* tr = kernel_traits(a.w_type, isa);
  if (tr == nullptr) tr = kernel_traits(a.w_type, Isa::kScalar);
  OSP_CHECK(tr != nullptr);
  OSP_CHECK_GE(a.n_out, 0);
  OSP_CHECK_GE(a.k, 0);
  OSP_CHECK_GE(a.n_tokens, 0);
  OSP_CHECK_EQ(a.k % tr->k_multiple, 0);
  if (a.n_out == 0 || a.n_tokens == 0) return;
  const int64_t k = a.k, n_tok = a.n_tokens, n_out = a.n_out;
  const int64_t xs = a.x_stride != 0 ? a.x_stride : k;
  const int64_t ys = a.y_stride != 0 ? a.y_stride : n_out;
  const size_t wrb = tensor::row_size(a.w_type, k);
  const auto* w = static_cast<const uint8_t*>(a.w);

  // One arena from the pool: quantized activations, then one unpack scratch per thread.
  const size_t xrb = tr->act == ActFormat::kF32 ? static_cast<size_t>(xs) * sizeof(float) : act_row_bytes(tr->act, k);
  const size_t act_bytes = tr->act == ActFormat::kF32 ? 0 : (xrb * static_cast<size_t>(n_tok) + 63) / 64 * 64;
  const bool unpack = n_tok > 1 && tr->scratch_bytes != nullptr;
  const size_t per_thread = unpack ? (tr->scratch_bytes(k) + 63) / 64 * 64 : 0;
  uint8_t* arena = pool.scratch(act_bytes + per_thread * static_cast<size_t>(pool.size()));
  const uint8_t* xq = reinterpret_cast<const uint8_t*>(a.x);
  if (tr->act != ActFormat::kF32) {
    if (n_tok == 1) {
      tr->quantize_act(a.x, arena, k);
    } else {
      pool.parallel_for(n_tok, [&](int64_t t0, int64_t t1, int) {
        for (int64_t t = t0; t < t1; ++t) tr->quantize_act(a.x + t * xs, arena + t * xrb, k);
      });
    }
    xq = arena;
  }

  const int64_t tb = token_block(n_tok, xrb);
  pool.run([&](int ti, int nt) {
    int64_t chunk = (n_out + nt - 1) / nt;
    chunk = (chunk + kRowAlign - 1) / kRowAlign * kRowAlign;
    const int64_t r0 = std::min(n_out, chunk * ti), r1 = std::min(n_out, r0 + chunk);
    if (r0 >= r1) return;
    if (n_tok == 1) {
      tr->gemv(w + r0 * wrb, wrb, xq, xrb, a.y + r0, ys, r1 - r0, 1, k, nullptr);
      return;
    }
    uint8_t* scratch = unpack ? arena + act_bytes + per_thread * static_cast<size_t>(ti) : nullptr;
    for (int64_t t0 = 0; t0 < n_tok; t0 += tb) {
      const int64_t n = std::min(tb, n_tok - t0);
      tr->gemm(w + r0 * wrb, wrb, xq + t0 * xrb, xrb, a.y + t0 * ys + r0, ys, r1 - r0, n, k, scratch);
    }
  });
}

}  // namespace osprey::kernels
