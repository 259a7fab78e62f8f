#include "src/kernels/attention.h"

#include <atomic>
#include <cmath>
#include <limits>
#include <vector>

#include "src/base/aligned.h"
#include "src/kernels/dispatch.h"
#include "src/kernels/x86/attention_tile_avx2.h"
#include "src/tensor/half.h"

namespace osprey::kernels {

namespace {

constexpr int64_t kMinParallelWork = 1 << 16;

inline const uint8_t* kv_row(const uint8_t* base, const PagedKv& kv, const int32_t* table, int p) {
  return base + static_cast<size_t>(table[p / kv.block_tokens]) * kv.block_stride +
         static_cast<size_t>(p % kv.block_tokens) * kv.row_stride;
}

inline void load_head(const uint8_t* row, int head, int head_dim, tensor::DType type, float* out) {
  if (type == tensor::DType::kF32) {
    const float* src = reinterpret_cast<const float*>(row) + static_cast<size_t>(head) * head_dim;
    for (int i = 0; i < head_dim; ++i) out[i] = src[i];
  } else {
    const uint16_t* src = reinterpret_cast<const uint16_t*>(row) + static_cast<size_t>(head) * head_dim;
    for (int i = 0; i < head_dim; ++i) out[i] = tensor::fp16_to_fp32(src[i]);
  }
}

// One query head over all its positions. scratch: 2 * head_dim floats.
void attend_one(const AttentionArgs& a, const AttentionQuery& query, int head, float* scratch) {
  const int d = a.head_dim;
  const int kv_head = head / (a.n_head / a.n_head_kv);
  const float* q = query.q + static_cast<size_t>(head) * d;
  float* out = query.out + static_cast<size_t>(head) * d;
  float* row = scratch;
  float* acc = scratch + d;
  for (int i = 0; i < d; ++i) acc[i] = 0.0f;
  float m = -std::numeric_limits<float>::infinity();
  double l = 0.0;  // running sum of exp(score - m)
  for (int p = 0; p < query.n_kv; ++p) {
    load_head(kv_row(a.kv.k, a.kv, query.block_table, p), kv_head, d, a.kv.type, row);
    float s = 0.0f;
    for (int i = 0; i < d; ++i) s += q[i] * row[i];
    s *= a.scale;
    float w;
    if (s > m) {  // a new maximum rescales what was accumulated so far
      const float c = std::exp(m - s);
      for (int i = 0; i < d; ++i) acc[i] *= c;
      l *= c;
      m = s;
      w = 1.0f;
    } else {
      w = std::exp(s - m);
    }
    l += w;
    load_head(kv_row(a.kv.v, a.kv, query.block_table, p), kv_head, d, a.kv.type, row);
    for (int i = 0; i < d; ++i) acc[i] += w * row[i];
  }
  const float inv = l > 0.0 ? static_cast<float>(1.0 / l) : 0.0f;
  for (int i = 0; i < d; ++i) out[i] = acc[i] * inv;
}

void oracle_items(const AttentionArgs& a, int64_t begin, int64_t end, float* scratch) {
  for (int64_t it = begin; it < end; ++it) attend_one(a, a.queries[it / a.n_head], static_cast<int>(it % a.n_head), scratch);
}

// One work item of the tiled path: queries [q0, q1) (one block table) x the heads of one KV head.
struct Item {
  int32_t q0, q1, kv_head;
};

bool use_tiled(const AttentionArgs& a) {
#if defined(__x86_64__)
  static const bool kSimd = best_isa() != Isa::kScalar;
  return kSimd && x86::attention_tile_supported(a.head_dim);
#else
  (void)a;
  return false;
#endif
}

// Queries per item: about 32 rows of 64 floats (16 of 128) share each K/V tile.
int chunk_queries(const AttentionArgs& a) {
  const int g = a.n_head / a.n_head_kv;
  const int rows = a.head_dim <= 64 ? 32 : 16;
  return rows / g > 1 ? rows / g : 1;
}

// Runs of consecutive queries with one block table, cut into chunks of up to cq queries from the
// run's start; each chunk once per KV head, the run's last chunk (longest causal rows) first.
// Writes the items (at most n_queries * n_head_kv) and returns their count.
int64_t plan_items(const AttentionArgs& a, int cq, Item* items) {
  int64_t n = 0;
  for (int b = 0; b < a.n_queries;) {
    int e = b + 1;
    while (e < a.n_queries && a.queries[e].block_table == a.queries[b].block_table) ++e;
    for (int c0 = b + (e - b - 1) / cq * cq; c0 >= b; c0 -= cq)
      for (int h = 0; h < a.n_head_kv; ++h) items[n++] = Item{c0, c0 + cq < e ? c0 + cq : e, h};
    b = e;
  }
  return n;
}

// Floats of tile scratch per thread (a multiple of 16: 64-byte aligned slices).
size_t tile_floats(const AttentionArgs& a) {
#if defined(__x86_64__)
  return (x86::attention_tile_scratch_floats(chunk_queries(a) * (a.n_head / a.n_head_kv), a.head_dim) + 15) / 16 * 16;
#else
  (void)a;
  return 0;
#endif
}

void run_item(const AttentionArgs& a, const Item& it, float* scratch) {
#if defined(__x86_64__)
  x86::attend_group_avx2(a, it.q0, it.q1, it.kv_head, scratch);
#else
  (void)a, (void)it, (void)scratch;
#endif
}

int64_t total_work(const AttentionArgs& a) {  // multiply-adds
  int64_t work = 0;
  for (int qi = 0; qi < a.n_queries; ++qi) work += static_cast<int64_t>(a.queries[qi].n_kv) * a.n_head * a.head_dim * 2;
  return work;
}

// Bytes of the arena attention_tiled needs: the item list, then one tile scratch per thread.
size_t item_list_bytes(const AttentionArgs& a) {
  return (static_cast<size_t>(a.n_queries) * a.n_head_kv * sizeof(Item) + 63) / 64 * 64;
}
size_t tiled_arena_bytes(const AttentionArgs& a, int n_threads) {
  return item_list_bytes(a) + tile_floats(a) * sizeof(float) * static_cast<size_t>(n_threads);
}

// The tiled path over a 64-byte aligned arena of tiled_arena_bytes(a, threads) bytes, on the pool's
// threads (threads = pool->size()) or on the caller's (pool null, threads = 1). Items are claimed
// one at a time from a shared counter (causal items differ in size); each output row belongs to
// exactly one item, so the thread count never changes results.
void attention_tiled(const AttentionArgs& a, uint8_t* arena, base::ThreadPool* pool) {
  Item* items = reinterpret_cast<Item*>(arena);
  const int64_t n_items = plan_items(a, chunk_queries(a), items);
  float* tiles = reinterpret_cast<float*>(arena + item_list_bytes(a));
  if (pool == nullptr) {
    for (int64_t i = 0; i < n_items; ++i) run_item(a, items[i], tiles);
    return;
  }
  const size_t per_thread = tile_floats(a);
  std::atomic<int64_t> next{0};
  pool->run([&](int ti, int) {
    float* scratch = tiles + per_thread * static_cast<size_t>(ti);
    for (int64_t i = next.fetch_add(1, std::memory_order_relaxed); i < n_items;
         i = next.fetch_add(1, std::memory_order_relaxed))
      run_item(a, items[i], scratch);
  });
}

}  // namespace

void attention(const AttentionArgs& a, base::ThreadPool& pool) {
  const bool parallel = total_work(a) >= kMinParallelWork && pool.size() > 1;  // else waking workers costs more
  const int n_threads = parallel ? pool.size() : 1;
  if (use_tiled(a)) {
    attention_tiled(a, pool.scratch(tiled_arena_bytes(a, n_threads)), parallel ? &pool : nullptr);
    return;
  }
  const size_t per_thread = 2 * static_cast<size_t>(a.head_dim);  // attend_one's scratch
  float* scratch = reinterpret_cast<float*>(pool.scratch(per_thread * sizeof(float) * static_cast<size_t>(n_threads)));
  const int64_t n_items = static_cast<int64_t>(a.n_queries) * a.n_head;
  if (!parallel) {
    oracle_items(a, 0, n_items, scratch);
    return;
  }
  pool.parallel_for(n_items, [&](int64_t begin, int64_t end, int ti) {
    oracle_items(a, begin, end, scratch + per_thread * static_cast<size_t>(ti));
  });
}

void attention_serial(const AttentionArgs& a) {
  if (use_tiled(a)) {
    auto arena = base::aligned_alloc_array<uint8_t>(tiled_arena_bytes(a, 1));
    attention_tiled(a, arena.get(), nullptr);
    return;
  }
  attention_oracle(a);
}

void attention_oracle(const AttentionArgs& a) {
  std::vector<float> scratch(2 * static_cast<size_t>(a.head_dim));
  oracle_items(a, 0, static_cast<int64_t>(a.n_queries) * a.n_head, scratch.data());
}

}  // namespace osprey::kernels
