// The state one forward step shares between the model, the architecture and the blocks: the batch,
// the KV cache, the thread pool, the residual stream and scratch buffers sized for this batch.
#pragma once

#include <cstdint>
#include <vector>

#include "src/base/thread_pool.h"
#include "src/model/hparams.h"
#include "src/model/kv_cache.h"

namespace osprey::model {

// Reusable buffers; they grow to the largest batch seen and are kept between steps.
struct Scratch {
  std::vector<float> x;        // [n_tokens, n_embd] residual stream
  std::vector<float> xn;       // [n_tokens, n_embd] normalized input of a sub-layer
  std::vector<float> q;        // [n_tokens, n_head * head_dim]
  std::vector<float> k;        // [n_tokens, n_head_kv * head_dim]
  std::vector<float> v;        // [n_tokens, n_head_kv * head_dim]
  std::vector<float> attn;     // [n_tokens, n_head * head_dim]
  std::vector<float> gate;     // [n_tokens, n_ff]
  std::vector<float> up;       // [n_tokens, n_ff]
  std::vector<float> out;      // [n_tokens, n_embd] sub-layer output
  std::vector<float> cos_sin;  // [n_tokens, n_rot] RoPE table of each token's position
  void reserve(const HParams& hp, int n_tokens);
};

struct ForwardState {
  const HParams& hp;
  KvCache& kv;
  base::ThreadPool& pool;
  int n_tokens = 0;
  const int32_t* positions = nullptr;  // [n_tokens]
  const int32_t* seq_ids = nullptr;    // [n_tokens]
  Scratch& s;
  const uint16_t* seq_rows = nullptr;  // [n_tokens] see kernels::MatmulArgs::seq_rows
};

}  // namespace osprey::model
