// Causal self-attention of query tokens over a paged K/V store, with grouped-query heads
// (GQA; MHA and MQA are the cases n_head_kv == n_head and n_head_kv == 1) and a streaming
// (online) softmax, so no score row is ever materialized.
//
// K/V layout of one layer: blocks of `block_tokens` token rows; a row holds n_head_kv heads of
// head_dim values (F16 or F32). A query sees positions [0, n_kv) of its own sequence, found through
// its block table: position p lives in block block_table[p / block_tokens], row p % block_tokens.
#pragma once

#include <cstddef>
#include <cstdint>

#include "src/base/thread_pool.h"
#include "src/tensor/dtype.h"

namespace osprey::kernels {

struct PagedKv {
  const uint8_t* k = nullptr;  // block 0 of the layer's K pool
  const uint8_t* v = nullptr;  // block 0 of the layer's V pool
  size_t block_stride = 0;     // bytes between consecutive blocks
  size_t row_stride = 0;       // bytes between token rows within a block
  int block_tokens = 16;
  tensor::DType type = tensor::DType::kF16;  // kF16 or kF32
};

struct AttentionQuery {
  const float* q = nullptr;           // [n_head, head_dim]
  float* out = nullptr;               // [n_head, head_dim]
  const int32_t* block_table = nullptr;
  int n_kv = 0;                       // attends to positions [0, n_kv); n_kv >= 1
};

struct AttentionArgs {
  PagedKv kv;
  const AttentionQuery* queries = nullptr;
  int n_queries = 0;
  int n_head = 0;
  int n_head_kv = 0;
  int head_dim = 0;
  float scale = 1.0f;  // usually 1 / sqrt(head_dim)
};

// On AVX2 CPUs (head_dim a multiple of 8, at most 512) a tiled kernel: consecutive queries with
// one block table and the query heads of one KV head share each K/V tile (see
// src/kernels/x86/attention_tile_avx2.h); work items (query chunk, KV head) are spread over the
// pool, each output row computed by exactly one item. Elsewhere the scalar oracle per (query, head).
// Results do not depend on the thread count, nor on which other queries share the call.
void attention(const AttentionArgs& args, base::ThreadPool& pool);

// Single-threaded; the same arithmetic.
void attention_serial(const AttentionArgs& args);

// The scalar oracle: one (query, head) at a time, positions in order. Single-threaded.
void attention_oracle(const AttentionArgs& args);

}  // namespace osprey::kernels
