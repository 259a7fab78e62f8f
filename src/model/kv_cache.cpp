#include "src/model/kv_cache.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>
#include "src/base/check.h"
#include "src/tensor/half.h"

namespace osprey::model {

namespace {
constexpr uint64_t kMaxCacheBytes = uint64_t{1} << 40;  // 1 TiB: anything larger is a bad request
const std::vector<int32_t> kNoBlocks;
}  // namespace

KvCache::KvCache(const KvCacheParams& p) : params_(p), storage_(nullptr, std::free) {}

Result<std::unique_ptr<KvCache>> KvCache::create(const KvCacheParams& p) {
  if (p.type != tensor::DType::kF16 && p.type != tensor::DType::kF32)
    return base::invalid_argument(fmt::format("KV cache type must be F16 or F32, got {}",
                                              tensor::dtype_name(p.type)));
  if (p.n_layer <= 0 || p.n_head_kv <= 0 || p.head_dim <= 0 || p.n_ctx_total <= 0 ||
      p.block_tokens <= 0)
    return base::invalid_argument(fmt::format(
        "KV cache sizes must be positive, got n_layer {} n_head_kv {} head_dim {} n_ctx_total {} "
        "block_tokens {}",
        p.n_layer, p.n_head_kv, p.head_dim, p.n_ctx_total, p.block_tokens));
  const uint64_t elt = p.type == tensor::DType::kF16 ? 2 : 4;
  const uint64_t n_blocks = (static_cast<uint64_t>(p.n_ctx_total) + p.block_tokens - 1) / p.block_tokens;
  const uint64_t row = static_cast<uint64_t>(p.n_head_kv) * p.head_dim * elt;
  const uint64_t total = row * p.block_tokens * n_blocks * 2 * p.n_layer;
  if (total > kMaxCacheBytes || n_blocks > INT32_MAX)
    return base::resource_exhausted(fmt::format(
        "KV cache of {} tokens needs {} bytes, more than the limit of {}", p.n_ctx_total, total,
        kMaxCacheBytes));
  std::unique_ptr<KvCache> kv(new KvCache(p));
  kv->n_blocks_ = static_cast<int>(n_blocks);
  kv->row_bytes_ = row;
  kv->block_bytes_ = row * p.block_tokens;
  kv->layer_bytes_ = kv->block_bytes_ * n_blocks;
  kv->storage_bytes_ = total;
  const size_t alloc = (total + 63) / 64 * 64;
  void* mem = std::aligned_alloc(64, alloc);
  if (mem == nullptr)
    return base::resource_exhausted(fmt::format("cannot allocate {} bytes for the KV cache", total));
  std::memset(mem, 0, alloc);
  kv->storage_.reset(static_cast<uint8_t*>(mem));
  kv->refs_.assign(n_blocks, 0);
  kv->free_list_.reserve(n_blocks);
  for (int64_t b = static_cast<int64_t>(n_blocks) - 1; b >= 0; --b)
    kv->free_list_.push_back(static_cast<int32_t>(b));  // block 0 is handed out first
  return kv;
}

int KvCache::seq_len(int seq) const {
  auto it = seqs_.find(seq);
  return it == seqs_.end() ? 0 : it->second.len;
}

std::vector<int> KvCache::sequences() const {
  std::vector<int> out;
  for (const auto& [id, s] : seqs_) out.push_back(id);
  std::sort(out.begin(), out.end());
  return out;
}

const std::vector<int32_t>& KvCache::block_table(int seq) const {
  auto it = seqs_.find(seq);
  return it == seqs_.end() ? kNoBlocks : it->second.blocks;
}

int32_t KvCache::take_block() {
  OSP_CHECK(!free_list_.empty());
  const int32_t b = free_list_.back();
  free_list_.pop_back();
  OSP_CHECK_EQ(refs_[b], 0);
  refs_[b] = 1;
  return b;
}

void KvCache::release_block(int32_t b) {
  OSP_CHECK_GT(refs_[b], 0);
  if (--refs_[b] == 0) free_list_.push_back(b);
}

uint8_t* KvCache::k_row(int layer, int32_t block, int row) {
  return storage_.get() + static_cast<size_t>(layer) * 2 * layer_bytes_ +
         static_cast<size_t>(block) * block_bytes_ + static_cast<size_t>(row) * row_bytes_;
}

uint8_t* KvCache::v_row(int layer, int32_t block, int row) {
  return k_row(layer, block, row) + layer_bytes_;
}

void KvCache::copy_block(int32_t from, int32_t to) {
  for (int l = 0; l < params_.n_layer; ++l) {
    std::memcpy(k_row(l, to, 0), k_row(l, from, 0), block_bytes_);
    std::memcpy(v_row(l, to, 0), v_row(l, from, 0), block_bytes_);
  }
}

void KvCache::remove_sequence(int seq) {
  auto it = seqs_.find(seq);
  if (it == seqs_.end()) return;
  for (int32_t b : it->second.blocks) release_block(b);
  seqs_.erase(it);
}

void KvCache::clear() {
  while (!seqs_.empty()) remove_sequence(seqs_.begin()->first);
}

Status KvCache::truncate(int seq, int n_tokens) {
  const int len = seq_len(seq);
  if (n_tokens < 0 || n_tokens > len)
    return base::out_of_range(fmt::format(
        "truncate of sequence {} to {} tokens: expected 0..{} (its length)", seq, n_tokens, len));
  if (n_tokens == 0) {
    remove_sequence(seq);
    return base::ok_status();
  }
  Sequence& s = seqs_[seq];
  const size_t keep = static_cast<size_t>((n_tokens + params_.block_tokens - 1) / params_.block_tokens);
  while (s.blocks.size() > keep) {
    release_block(s.blocks.back());
    s.blocks.pop_back();
  }
  s.len = n_tokens;
  return base::ok_status();
}

Status KvCache::fork(int src, int dst) {
  if (src == dst)
    return base::invalid_argument(fmt::format("fork of sequence {} onto itself", src));
  remove_sequence(dst);
  auto it = seqs_.find(src);
  if (it == seqs_.end()) return base::ok_status();  // an empty source gives an empty copy
  Sequence copy = it->second;
  for (int32_t b : copy.blocks) ++refs_[b];
  seqs_[dst] = std::move(copy);
  return base::ok_status();
}

int KvCache::blocks_needed(int seq, int n_new) const {
  if (n_new <= 0) return 0;
  const int bt = params_.block_tokens;
  auto it = seqs_.find(seq);
  const int len = it == seqs_.end() ? 0 : it->second.len;
  const int64_t have = it == seqs_.end() ? 0 : static_cast<int64_t>(it->second.blocks.size());
  const int64_t need = (static_cast<int64_t>(len) + n_new + bt - 1) / bt;
  int64_t extra = need - have;
  if (len % bt != 0 && refs_[it->second.blocks.back()] > 1) ++extra;  // copy-on-write
  return static_cast<int>(std::min<int64_t>(extra, INT32_MAX));
}

bool KvCache::can_append(int seq, int n_new) const {
  return blocks_needed(seq, n_new) <= free_blocks();
}

Status KvCache::append(int seq, int n_new) {
  if (n_new < 0)
    return base::invalid_argument(fmt::format("append of {} tokens: expected >= 0", n_new));
  const int need = blocks_needed(seq, n_new);
  if (need > free_blocks())
    return base::resource_exhausted(fmt::format(
        "KV cache full: sequence {} needs {} more blocks of {} tokens, {} of {} are free", seq,
        need, params_.block_tokens, free_blocks(), n_blocks_));
  if (n_new == 0) return base::ok_status();
  Sequence& s = seqs_[seq];
  const int bt = params_.block_tokens;
  if (s.len % bt != 0 && refs_[s.blocks.back()] > 1) {  // un-share the partially filled last block
    const int32_t fresh = take_block();
    copy_block(s.blocks.back(), fresh);
    release_block(s.blocks.back());
    s.blocks.back() = fresh;
  }
  s.len += n_new;
  while (static_cast<int64_t>(s.blocks.size()) * bt < s.len) s.blocks.push_back(take_block());
  return base::ok_status();
}

void KvCache::write(int layer, int seq, int pos, const float* k, const float* v) {
  auto it = seqs_.find(seq);
  OSP_CHECK(it != seqs_.end());
  OSP_CHECK_LT(pos, it->second.len);
  const int32_t block = it->second.blocks[pos / params_.block_tokens];
  OSP_CHECK_EQ(refs_[block], 1);  // writes never land in a shared block
  const int row = pos % params_.block_tokens;
  const size_t n = static_cast<size_t>(params_.n_head_kv) * params_.head_dim;
  uint8_t* kd = k_row(layer, block, row);
  uint8_t* vd = v_row(layer, block, row);
  if (params_.type == tensor::DType::kF32) {
    std::memcpy(kd, k, n * sizeof(float));
    std::memcpy(vd, v, n * sizeof(float));
  } else {
    auto* kh = reinterpret_cast<uint16_t*>(kd);
    auto* vh = reinterpret_cast<uint16_t*>(vd);
    for (size_t i = 0; i < n; ++i) {
      kh[i] = tensor::fp32_to_fp16(k[i]);
      vh[i] = tensor::fp32_to_fp16(v[i]);
    }
  }
}

kernels::PagedKv KvCache::layer_view(int layer) const {
  kernels::PagedKv view;
  view.k = storage_.get() + static_cast<size_t>(layer) * 2 * layer_bytes_;
  view.v = view.k + layer_bytes_;
  view.block_stride = block_bytes_;
  view.row_stride = row_bytes_;
  view.block_tokens = params_.block_tokens;
  view.type = params_.type;
  return view;
}

}  // namespace osprey::model
