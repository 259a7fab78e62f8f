#include "src/model/kv_cache.h"

#include <gtest/gtest.h>

#include <vector>

#include "src/tensor/half.h"

namespace osprey::model {
namespace {

KvCacheParams small_params(int n_ctx_total, tensor::DType type = tensor::DType::kF32) {
  KvCacheParams p;
  p.n_layer = 2;
  p.n_head_kv = 2;
  p.head_dim = 4;
  p.n_ctx_total = n_ctx_total;
  p.block_tokens = 4;
  p.type = type;
  return p;
}

// Row of 8 values that encodes (layer, seq-tag, pos) so reads can be checked.
std::vector<float> row(int layer, int tag, int pos, float sign) {
  std::vector<float> r(8);
  for (int i = 0; i < 8; ++i) r[i] = sign * (layer * 1000 + tag * 100 + pos + i * 0.125f);
  return r;
}

float read_k(const KvCache& kv, int layer, int seq, int pos, int i) {
  const kernels::PagedKv v = kv.layer_view(layer);
  const int32_t block = kv.block_table(seq)[pos / v.block_tokens];
  const uint8_t* p = v.k + block * v.block_stride + (pos % v.block_tokens) * v.row_stride;
  if (v.type == tensor::DType::kF32) return reinterpret_cast<const float*>(p)[i];
  return tensor::fp16_to_fp32(reinterpret_cast<const uint16_t*>(p)[i]);
}

float read_v(const KvCache& kv, int layer, int seq, int pos, int i) {
  const kernels::PagedKv v = kv.layer_view(layer);
  const int32_t block = kv.block_table(seq)[pos / v.block_tokens];
  const uint8_t* p = v.v + block * v.block_stride + (pos % v.block_tokens) * v.row_stride;
  return reinterpret_cast<const float*>(p)[i];
}

void fill(KvCache& kv, int seq, int tag, int from, int n) {
  ASSERT_TRUE(kv.append(seq, n).ok());
  for (int pos = from; pos < from + n; ++pos)
    for (int l = 0; l < 2; ++l) kv.write(l, seq, pos, row(l, tag, pos, 1).data(), row(l, tag, pos, -1).data());
}

TEST(KvCache, AllocatesAndFreesBlocks) {
  auto kv = KvCache::create(small_params(32)).value();
  EXPECT_EQ(kv->total_blocks(), 8);
  EXPECT_EQ(kv->free_blocks(), 8);
  EXPECT_EQ(kv->block_tokens(), 4);
  EXPECT_EQ(kv->bytes(), size_t{2} * 2 * 8 * 4 * 8 * sizeof(float));
  fill(*kv, 7, 1, 0, 5);  // 5 tokens → 2 blocks
  EXPECT_EQ(kv->seq_len(7), 5);
  EXPECT_EQ(kv->block_table(7).size(), 2u);
  EXPECT_EQ(kv->free_blocks(), 6);
  fill(*kv, 7, 1, 5, 3);  // fills block 2 exactly
  EXPECT_EQ(kv->free_blocks(), 6);
  fill(*kv, 7, 1, 8, 1);
  EXPECT_EQ(kv->free_blocks(), 5);
  EXPECT_EQ(kv->seq_len(3), 0);
  kv->remove_sequence(7);
  EXPECT_EQ(kv->seq_len(7), 0);
  EXPECT_EQ(kv->free_blocks(), 8);
  kv->remove_sequence(12345);  // unknown: no effect
  EXPECT_EQ(kv->free_blocks(), 8);
}

TEST(KvCache, StoresRowsWhereTheBlockTableSays) {
  auto kv = KvCache::create(small_params(32)).value();
  fill(*kv, 0, 1, 0, 6);
  fill(*kv, 1, 2, 0, 6);  // interleaved allocation: sequences own distinct blocks
  fill(*kv, 0, 1, 6, 3);
  for (int seq = 0; seq < 2; ++seq)
    for (int pos = 0; pos < kv->seq_len(seq); ++pos)
      for (int l = 0; l < 2; ++l) {
        EXPECT_EQ(read_k(*kv, l, seq, pos, 3), row(l, seq + 1, pos, 1)[3]);
        EXPECT_EQ(read_v(*kv, l, seq, pos, 7), row(l, seq + 1, pos, -1)[7]);
      }
}

TEST(KvCache, F16StorageRoundsToHalf) {
  auto kv = KvCache::create(small_params(8, tensor::DType::kF16)).value();
  EXPECT_EQ(kv->bytes(), size_t{2} * 2 * 2 * 4 * 8 * 2);
  fill(*kv, 0, 1, 0, 2);
  const float want = row(1, 1, 1, 1)[5];
  EXPECT_EQ(read_k(*kv, 1, 0, 1, 5), tensor::fp16_to_fp32(tensor::fp32_to_fp16(want)));
}

TEST(KvCache, TruncateKeepsPrefixAndFreesTail) {
  auto kv = KvCache::create(small_params(32)).value();
  fill(*kv, 0, 1, 0, 10);  // 3 blocks
  EXPECT_EQ(kv->free_blocks(), 5);
  ASSERT_TRUE(kv->truncate(0, 5).ok());
  EXPECT_EQ(kv->seq_len(0), 5);
  EXPECT_EQ(kv->free_blocks(), 6);
  EXPECT_EQ(read_k(*kv, 0, 0, 4, 0), row(0, 1, 4, 1)[0]);
  fill(*kv, 0, 9, 5, 2);  // re-growing overwrites the dropped positions
  EXPECT_EQ(read_k(*kv, 0, 0, 5, 0), row(0, 9, 5, 1)[0]);
  EXPECT_EQ(read_k(*kv, 0, 0, 4, 0), row(0, 1, 4, 1)[0]);
  EXPECT_FALSE(kv->truncate(0, 8).ok());  // longer than the sequence
  EXPECT_FALSE(kv->truncate(0, -1).ok());
  ASSERT_TRUE(kv->truncate(0, 0).ok());
  EXPECT_EQ(kv->free_blocks(), 8);
}

TEST(KvCache, ForkSharesBlocksAndCopiesOnWrite) {
  auto kv = KvCache::create(small_params(32)).value();
  fill(*kv, 0, 1, 0, 6);  // blocks: full + half-filled
  const std::vector<int32_t> src_blocks = kv->block_table(0);
  ASSERT_TRUE(kv->fork(0, 1).ok());
  EXPECT_EQ(kv->seq_len(1), 6);
  EXPECT_EQ(kv->block_table(1), src_blocks);
  EXPECT_EQ(kv->free_blocks(), 6);  // nothing copied yet
  EXPECT_EQ(kv->block_refs(src_blocks[0]), 2);
  // Appending to the fork un-shares the partially filled last block, never the full one.
  EXPECT_EQ(kv->blocks_needed(1, 1), 1);
  fill(*kv, 1, 2, 6, 1);
  EXPECT_EQ(kv->free_blocks(), 5);
  EXPECT_EQ(kv->block_table(1)[0], src_blocks[0]);
  EXPECT_NE(kv->block_table(1)[1], src_blocks[1]);
  EXPECT_EQ(kv->block_refs(src_blocks[1]), 1);
  // The fork sees the copied prefix and its own token; the source is unchanged.
  EXPECT_EQ(read_k(*kv, 1, 1, 5, 2), row(1, 1, 5, 1)[2]);
  EXPECT_EQ(read_k(*kv, 1, 1, 6, 2), row(1, 2, 6, 1)[2]);
  EXPECT_EQ(kv->seq_len(0), 6);
  fill(*kv, 0, 3, 6, 1);  // the source's last block is no longer shared: written in place
  EXPECT_EQ(kv->block_table(0), src_blocks);
  EXPECT_EQ(read_k(*kv, 0, 0, 6, 2), row(0, 3, 6, 1)[2]);
  EXPECT_EQ(read_k(*kv, 0, 1, 6, 2), row(0, 2, 6, 1)[2]);
  // Removing one owner keeps shared blocks alive for the other.
  kv->remove_sequence(0);
  EXPECT_EQ(kv->block_refs(src_blocks[0]), 1);
  EXPECT_EQ(read_k(*kv, 0, 1, 0, 0), row(0, 1, 0, 1)[0]);
  kv->remove_sequence(1);
  EXPECT_EQ(kv->free_blocks(), 8);
  EXPECT_FALSE(kv->fork(2, 2).ok());
}

TEST(KvCache, OutOfBlocksIsAStatusAndChangesNothing) {
  auto kv = KvCache::create(small_params(8)).value();  // 2 blocks
  fill(*kv, 0, 1, 0, 5);
  EXPECT_FALSE(kv->can_append(1, 4));
  EXPECT_TRUE(kv->can_append(0, 3));
  EXPECT_FALSE(kv->can_append(0, 4));
  Status s = kv->append(1, 4);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("0 of 2 are free"), std::string::npos) << s.message();
  EXPECT_EQ(kv->seq_len(1), 0);
  EXPECT_EQ(kv->free_blocks(), 0);
  EXPECT_EQ(kv->seq_len(0), 5);
}

TEST(KvCache, RejectsBadParams) {
  EXPECT_FALSE(KvCache::create(small_params(0)).ok());
  EXPECT_FALSE(KvCache::create(small_params(8, tensor::DType::kQ4_0)).ok());
  KvCacheParams huge = small_params(1 << 30);
  huge.n_layer = 1 << 20;
  EXPECT_EQ(KvCache::create(huge).status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace osprey::model
