#include "src/kernels/attention.h"

#include <cmath>
#include <limits>
#include <vector>

#include "src/kernels/dispatch.h"
#include "src/kernels/x86/kernels_avx2.h"
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

// The SIMD kernel (src/kernels/x86/attention_avx2.cpp) when the CPU and head size allow it.
void attend(const AttentionArgs& a, const AttentionQuery& query, int head, float* scratch) {
#if defined(__x86_64__)
  static const bool kSimd = best_isa() != Isa::kScalar;
  if (kSimd && x86::attention_head_supported(a.head_dim)) return x86::attend_head_avx2(a, query, head);
#endif
  attend_one(a, query, head, scratch);
}

}  // namespace

void attention(const AttentionArgs& a, base::ThreadPool& pool) {
  const int64_t n_items = static_cast<int64_t>(a.n_queries) * a.n_head;
  int64_t work = 0;  // multiply-adds
  for (int qi = 0; qi < a.n_queries; ++qi) work += static_cast<int64_t>(a.queries[qi].n_kv) * a.n_head * a.head_dim * 2;
  if (work < kMinParallelWork || pool.size() == 1) {  // waking workers costs more than it saves
    attention_serial(a);
    return;
  }
  pool.parallel_for(n_items, [&](int64_t begin, int64_t end, int) {
    std::vector<float> scratch(2 * static_cast<size_t>(a.head_dim));
    for (int64_t it = begin; it < end; ++it)
      attend(a, a.queries[it / a.n_head], static_cast<int>(it % a.n_head), scratch.data());
  });
}

void attention_serial(const AttentionArgs& a) {
  std::vector<float> scratch(2 * static_cast<size_t>(a.head_dim));
  for (int qi = 0; qi < a.n_queries; ++qi)
    for (int h = 0; h < a.n_head; ++h) attend(a, a.queries[qi], h, scratch.data());
}

}  // namespace osprey::kernels
