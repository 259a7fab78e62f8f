// The tiled ("flash") AVX2 + FMA attention kernel: the query heads sharing one KV head, over a run of
// queries sharing one block table, walk the K/V positions in tiles of kAttnTile rows converted once
// to f32, so every tile serves all of those (query, head) rows while it is in L1.
#pragma once

#include <cstddef>

namespace osprey::kernels {
struct AttentionArgs;
}  // namespace osprey::kernels

namespace osprey::kernels::x86 {

inline constexpr int kAttnTile = 32;          // K/V positions per tile (a multiple of 8)
inline constexpr int kAttnTileMaxDim = 512;   // largest head_dim the kernel takes

// head_dim a multiple of 8, at most kAttnTileMaxDim.
bool attention_tile_supported(int head_dim);

// Floats of scratch attend_group_avx2 needs for `rows` = (q1 - q0) * (n_head / n_head_kv) rows.
size_t attention_tile_scratch_floats(int rows, int head_dim);

// Output rows of queries [q0, q1) of a.queries (all with the same block_table) for the query heads
// of KV head kv_head. scratch: attention_tile_scratch_floats floats, 32-byte aligned. Each row's
// result depends only on its own query, n_kv and the K/V (not on the other rows of the call).
void attend_group_avx2(const AttentionArgs& a, int q0, int q1, int kv_head, float* scratch);

}  // namespace osprey::kernels::x86
