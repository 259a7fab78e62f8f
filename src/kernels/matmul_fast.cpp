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


// One matmul of a group on the vector kernels: its traits and sizes, and where its activations go.
struct Plan {
  const KernelTraits* tr = nullptr;
  size_t wrb = 0, xrb = 0;
  int64_t xs = 0, ys = 0;
  bool unpack = false;
  int act_slot = -1;  // index of the group's quantized copy of x (-1: the f32 rows themselves)
};

Plan make_plan(const MatmulArgs& a, Isa isa) {
  Plan p;
  p.tr = kernel_traits(a.w_type, isa);
  if (p.tr == nullptr) p.tr = kernel_traits(a.w_type, Isa::kScalar);
  OSP_CHECK(p.tr != nullptr);
  OSP_CHECK_GE(a.n_out, 0);
  OSP_CHECK_GE(a.k, 0);
  OSP_CHECK_GE(a.n_tokens, 0);
  OSP_CHECK_EQ(a.k % p.tr->k_multiple, 0);
  p.xs = a.x_stride != 0 ? a.x_stride : a.k;
  p.ys = a.y_stride != 0 ? a.y_stride : a.n_out;
  p.wrb = tensor::row_size(a.w_type, a.k);
  p.xrb = p.tr->act == ActFormat::kF32 ? static_cast<size_t>(p.xs) * sizeof(float) : act_row_bytes(p.tr->act, a.k);
  p.unpack = a.n_tokens > 1 && p.tr->scratch_bytes != nullptr;
  return p;
}

// Thread ti's share of a's rows, times every token block.
void run_share(const MatmulArgs& a, const Plan& p, const uint8_t* xq, uint8_t* scratch, int ti, int nt) {
  const int64_t k = a.k, n_tok = a.n_tokens, n_out = a.n_out;
  int64_t chunk = (n_out + nt - 1) / nt;
  chunk = (chunk + kRowAlign - 1) / kRowAlign * kRowAlign;
  const int64_t r0 = std::min(n_out, chunk * ti), r1 = std::min(n_out, r0 + chunk);
  if (r0 >= r1) return;
  const auto* w = static_cast<const uint8_t*>(a.w) + r0 * p.wrb;
  if (n_tok == 1) {
    p.tr->gemv(w, p.wrb, xq, p.xrb, a.y + r0, p.ys, r1 - r0, 1, k, nullptr);
    return;
  }
  const int64_t tb = token_block(n_tok, p.xrb);
  for (int64_t t0 = 0; t0 < n_tok; t0 += tb) {
    const int64_t n = std::min(tb, n_tok - t0);
    p.tr->gemm(w, p.wrb, xq + t0 * p.xrb, p.xrb, a.y + t0 * p.ys + r0, p.ys, r1 - r0, n, k, p.unpack ? scratch : nullptr);
  }
}

// The vector kernels for n matmuls sharing x (same k, n_tokens and x_stride): x is quantized once
// per activation format, then one pass over the pool runs every thread's share of each matrix, so
// the group pays one hand-off instead of n. Each output is computed by the same kernel calls as
// alone, so the results are the same bits.
void matmul_vector(const MatmulArgs* args, int n, base::ThreadPool& pool, Isa isa) {
  constexpr int kMaxGroup = kMaxMatmulGroup;
  Plan plans[kMaxGroup];
  const KernelTraits* formats[kMaxGroup];  // one row of traits per activation format: its quantizer
  int n_formats = 0;
  size_t per_thread = 0;
  const MatmulArgs& a0 = args[0];
  for (int i = 0; i < n; ++i) {
    plans[i] = make_plan(args[i], isa);
    const ActFormat f = plans[i].tr->act;
    if (f != ActFormat::kF32) {
      int slot = 0;
      while (slot < n_formats && formats[slot]->act != f) ++slot;
      if (slot == n_formats) formats[n_formats++] = plans[i].tr;
      plans[i].act_slot = slot;
    }
    if (plans[i].unpack) per_thread = std::max(per_thread, (plans[i].tr->scratch_bytes(a0.k) + 63) / 64 * 64);
  }
  if (a0.n_tokens == 0) return;
  const int64_t k = a0.k, n_tok = a0.n_tokens;
  const int64_t xs = a0.x_stride != 0 ? a0.x_stride : k;

  // One arena from the pool: each format's quantized activations, then one unpack scratch per thread.
  size_t act_off[kMaxGroup], act_bytes = 0, act_rb[kMaxGroup];
  for (int f = 0; f < n_formats; ++f) {
    act_rb[f] = act_row_bytes(formats[f]->act, k);
    act_off[f] = act_bytes;
    act_bytes += (act_rb[f] * static_cast<size_t>(n_tok) + 63) / 64 * 64;
  }
  uint8_t* arena = pool.scratch(act_bytes + per_thread * static_cast<size_t>(pool.size()));
  for (int f = 0; f < n_formats; ++f) {
    const KernelTraits* tr = formats[f];
    uint8_t* dst = arena + act_off[f];
    const size_t rb = act_rb[f];
    if (n_tok == 1) {
      tr->quantize_act(a0.x, dst, k);
    } else {
      pool.parallel_for(n_tok, [&](int64_t t0, int64_t t1, int) {
        for (int64_t t = t0; t < t1; ++t) tr->quantize_act(a0.x + t * xs, dst + t * rb, k);
      });
    }
  }
  pool.run([&](int ti, int nt) {
    uint8_t* scratch = per_thread > 0 ? arena + act_bytes + per_thread * static_cast<size_t>(ti) : nullptr;
    for (int i = 0; i < n; ++i) {
      if (args[i].n_out == 0) continue;
      const uint8_t* xq = plans[i].act_slot < 0 ? reinterpret_cast<const uint8_t*>(a0.x) : arena + act_off[plans[i].act_slot];
      run_share(args[i], plans[i], xq, scratch, ti, nt);
    }
  });
}

// A call with both kinds of rows (Route::kMixed): prompt rows (seq_rows[t] >= min_rows) to AMX, the
// others to the AVX-512 decode kernels, each group gathered into contiguous rows (pool scratch slot
// 1), computed, and scattered back.
void matmul_mixed(const MatmulArgs& a, int64_t min_rows, base::ThreadPool& pool) {
  const int64_t n_tok = a.n_tokens, k = a.k, n_out = a.n_out;
  auto prompt = [&](int64_t t) { return a.seq_rows[t] >= min_rows; };
  int64_t n_prompt = 0;
  for (int64_t t = 0; t < n_tok; ++t) n_prompt += prompt(t) ? 1 : 0;
  MatmulArgs sub = a;
  sub.seq_rows = nullptr;
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
  matmul_vector(&sub, 1, pool, Isa::kAvx512);
  ip = 0, id = n_prompt;
  for (int64_t t = 0; t < n_tok; ++t) {
    const int64_t g = prompt(t) ? ip++ : id++;
    std::memcpy(a.y + t * ys, yg + g * n_out, yb);
  }
}

// Where a matmul's rows go on this isa: every row to AMX, some (matmul_mixed), or none.
enum class Route { kAmx, kMixed, kVector };

Route route(const MatmulArgs& a, Isa isa) {
  if (isa != Isa::kAmx || !amx_usable(a.w_type)) return Route::kVector;
  const int64_t min_rows = amx_min_rows(a.w_type);
  if (a.seq_rows == nullptr) return a.n_tokens >= min_rows ? Route::kAmx : Route::kVector;
  int64_t n_prompt = 0;
  for (int64_t t = 0; t < a.n_tokens; ++t) n_prompt += a.seq_rows[t] >= min_rows ? 1 : 0;
  return n_prompt == 0 ? Route::kVector : n_prompt == a.n_tokens ? Route::kAmx : Route::kMixed;
}

}  // namespace

void matmul_fast(const MatmulArgs& a, base::ThreadPool& pool, Isa isa) { matmul_fast_group(&a, 1, pool, isa); }

void matmul_fast_group(const MatmulArgs* args, int n, base::ThreadPool& pool, Isa isa) {
  OSP_CHECK(n >= 1 && n <= kMaxMatmulGroup);
  Route routes[kMaxMatmulGroup];
  bool vector = true;
  for (int i = 0; i < n; ++i) {  // one input for all: the same x, k, tokens and sequence counts
    OSP_CHECK(args[i].x == args[0].x && args[i].x_stride == args[0].x_stride && args[i].seq_rows == args[0].seq_rows);
    OSP_CHECK_EQ(args[i].k, args[0].k);
    OSP_CHECK_EQ(args[i].n_tokens, args[0].n_tokens);
    routes[i] = route(args[i], isa);
    vector = vector && routes[i] == Route::kVector;
  }
  if (vector) return matmul_vector(args, n, pool, isa);
  for (int i = 0; i < n; ++i) {
    const MatmulArgs& a = args[i];
    switch (routes[i]) {
      case Route::kAmx: {
        MatmulArgs sub = a;
        sub.seq_rows = nullptr;
        matmul_amx(sub, pool);
        break;
      }
      case Route::kMixed: matmul_mixed(a, amx_min_rows(a.w_type), pool); break;
      case Route::kVector: matmul_vector(&a, 1, pool, isa); break;
    }
  }
}

}  // namespace osprey::kernels
