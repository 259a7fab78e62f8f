// The paged KV cache: a pool of fixed-size blocks shared by every sequence.
//
// Each block holds `block_tokens` token rows of K and of V for every layer. A sequence owns a block
// table; position p of sequence s lives in block table(s)[p / block_tokens], row p % block_tokens.
// Blocks are reference-counted: fork() lets a sequence share another's blocks (prefix reuse), and a
// write into a shared block first copies it (copy-on-write), so sharing never changes what either
// sequence sees. Not thread-safe: one owner (the engine's step thread) mutates it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "src/base/status.h"
#include "src/kernels/attention.h"
#include "src/tensor/dtype.h"

namespace osprey::model {

struct KvCacheParams {
  int n_layer = 0;
  int n_head_kv = 0;
  int head_dim = 0;
  int n_ctx_total = 0;    // tokens over all sequences; the pool holds ceil(n_ctx_total / block_tokens) blocks
  int block_tokens = 16;
  tensor::DType type = tensor::DType::kF16;  // kF16 or kF32
};

class KvCache {
 public:
  static Result<std::unique_ptr<KvCache>> create(const KvCacheParams& p);

  const KvCacheParams& params() const { return params_; }
  int seq_len(int seq) const;  // 0 for an unknown sequence
  std::vector<int> sequences() const;
  void remove_sequence(int seq);
  void clear();
  // Keeps the first n_tokens of `seq` (0 <= n_tokens <= seq_len); frees blocks no longer needed.
  Status truncate(int seq, int n_tokens);
  // Makes dst a copy of src that shares src's blocks; dst's previous contents are dropped.
  Status fork(int src, int dst);

  int free_blocks() const { return static_cast<int>(free_list_.size()); }
  int total_blocks() const { return n_blocks_; }
  int block_tokens() const { return params_.block_tokens; }
  // Whether n_new more tokens for `seq` fit in the free blocks (copy-on-write included).
  bool can_append(int seq, int n_new) const;
  // Blocks that n_new more tokens for `seq` would take from the pool.
  int blocks_needed(int seq, int n_new) const;
  size_t bytes() const { return storage_bytes_; }

  // --- used by the forward pass ---
  // Grows `seq` by n_new positions, allocating blocks and un-sharing a shared last block.
  // Returns resource_exhausted (and changes nothing) when the pool is too small.
  Status append(int seq, int n_new);
  // Writes one token row of K and V ([n_head_kv * head_dim] f32 each) at `pos` (< seq_len).
  void write(int layer, int seq, int pos, const float* k, const float* v);
  const std::vector<int32_t>& block_table(int seq) const;
  kernels::PagedKv layer_view(int layer) const;
  // Reference count of a block (for tests).
  int block_refs(int32_t block) const { return refs_[block]; }

 private:
  struct Sequence {
    std::vector<int32_t> blocks;
    int len = 0;
  };
  explicit KvCache(const KvCacheParams& p);
  int32_t take_block();
  void release_block(int32_t b);
  void copy_block(int32_t from, int32_t to);
  uint8_t* k_row(int layer, int32_t block, int row);
  uint8_t* v_row(int layer, int32_t block, int row);

  KvCacheParams params_;
  int n_blocks_ = 0;
  size_t row_bytes_ = 0;    // one token row of one layer: n_head_kv * head_dim elements
  size_t block_bytes_ = 0;  // block_tokens rows
  size_t layer_bytes_ = 0;  // n_blocks_ blocks
  size_t storage_bytes_ = 0;
  std::unique_ptr<uint8_t[], void (*)(void*)> storage_;  // [n_layer][K, V][n_blocks][block_tokens][row]
  std::vector<int> refs_;                                // per block
  std::vector<int32_t> free_list_;
  std::unordered_map<int, Sequence> seqs_;
};

}  // namespace osprey::model
