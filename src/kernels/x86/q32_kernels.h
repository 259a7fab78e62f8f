// Matmul kernels for the 32-block weight types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0) against ActQ8Pair
// activations, included by q32_avx2.cpp, q32_vnni.cpp (OSP_X86_VNNI 1: AVX-VNNI) and
// gemm_avx512.cpp (OSP_X86_VNNI 2: AVX512-VNNI on 256-bit registers). Everything has internal
// linkage, so each file gets its own instantiations.
//
// One step handles two weight blocks: register `a` holds values 0..15 of both blocks (block b in
// the low 128 bits), register `b` values 16..31, the layout ActQ8Pair uses. Products are u8 x s8
// summed to int32 lanes (maddubs + madd, or one vpdpbusd with VNNI); each block's four lanes are
// scaled by d_w * d_x in float. Zero points (-8 / -16) enter in int32 from the activation sums;
// the Q4_1 / Q5_1 minimum adds m * d_x * sum(q_x) in float.
#pragma once

#ifndef OSP_X86_VNNI
#define OSP_X86_VNNI 0
#endif

#include "src/kernels/act_quant.h"
#include "src/kernels/x86/avx2_common.h"
#include "src/kernels/x86/kernels_avx2.h"
#include "src/kernels/x86/tile_grid.h"
#include "src/tensor/dtype.h"

namespace osprey::kernels::x86 {
namespace {

using tensor::BlockQ4_0;
using tensor::BlockQ4_1;
using tensor::BlockQ5_0;
using tensor::BlockQ5_1;
using tensor::BlockQ8_0;

// The 16 low nibbles of two blocks' qs in a, the 16 high nibbles in b.
template <bool kTwo>
OSP_INLINE void unpack_nibbles(const uint8_t* qs0, const uint8_t* qs1, __m256i& a, __m256i& b) {
  const __m256i v = kTwo ? load_2x128(qs0, qs1)
                         : _mm256_zextsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs0)));
  const __m256i m = _mm256_set1_epi8(0x0F);
  a = _mm256_and_si256(v, m);
  b = _mm256_and_si256(_mm256_srli_epi16(v, 4), m);
}

// Adds the fifth bit (0x10) of the Q5 types from the two blocks' 32-bit qh masks.
OSP_INLINE void add_high_bits(uint32_t qh0, uint32_t qh1, __m256i& a, __m256i& b) {
  const __m256i x10 = _mm256_set1_epi8(0x10);
#if OSP_X86_VNNI == 2  // AVX512-VL/BW: a bit mask becomes bytes in one instruction
  a = _mm256_or_si256(a, _mm256_maskz_mov_epi8(static_cast<__mmask32>((qh0 & 0xffffu) | (qh1 << 16)), x10));
  b = _mm256_or_si256(b, _mm256_maskz_mov_epi8(static_cast<__mmask32>((qh0 >> 16) | (qh1 & 0xffff0000u)), x10));
#else
  const __m256i h = _mm256_set1_epi64x(static_cast<int64_t>(qh0 | (uint64_t{qh1} << 32)));
  const __m256i bits = _mm256_set1_epi64x(static_cast<int64_t>(0x8040201008040201ull));
  const __m256i idx_a = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,  //
                                         4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5);
  const __m256i idx_b = _mm256_setr_epi8(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3,  //
                                         6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7);
  const __m256i ha = _mm256_cmpeq_epi8(_mm256_and_si256(_mm256_shuffle_epi8(h, idx_a), bits), bits);
  const __m256i hb = _mm256_cmpeq_epi8(_mm256_and_si256(_mm256_shuffle_epi8(h, idx_b), bits), bits);
  a = _mm256_or_si256(a, _mm256_and_si256(ha, x10));
  b = _mm256_or_si256(b, _mm256_and_si256(hb, x10));
#endif
}

OSP_INLINE __m256i xload(const int8_t* p) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(p)); }

// init + sum over both registers of u8 x s8 products, per int32 lane (4 products each).
OSP_INLINE __m256i pair_dot(__m256i init, __m256i wa, __m256i xa, __m256i wb, __m256i xb) {
#if OSP_X86_VNNI == 2
  return _mm256_dpbusd_epi32(_mm256_dpbusd_epi32(init, wa, xa), wb, xb);
#elif OSP_X86_VNNI == 1
  return _mm256_dpbusd_avx_epi32(_mm256_dpbusd_avx_epi32(init, wa, xa), wb, xb);
#else
  // Unsigned weights here are at most 31 (Q5), so two products of each int16 lane still fit.
  const __m256i p = _mm256_add_epi16(_mm256_maddubs_epi16(wa, xa), _mm256_maddubs_epi16(wb, xb));
  return _mm256_add_epi32(_mm256_madd_epi16(p, _mm256_set1_epi16(1)), init);
#endif
}

// [fp16 at base + off, + stride, + 2 stride, + 3 stride] as [f0 x4 | f1 x4] and [f2 x4 | f3 x4].
OSP_INLINE void fp16_quad_spread(const uint8_t* base, size_t stride, size_t off, __m256& lo, __m256& hi) {
  const uint64_t h = uint64_t{load_u16(base + off)} | (uint64_t{load_u16(base + stride + off)} << 16) |
                     (uint64_t{load_u16(base + 2 * stride + off)} << 32) |
                     (uint64_t{load_u16(base + 3 * stride + off)} << 48);
  const __m256 f = _mm256_castps128_ps256(_mm_cvtph_ps(_mm_cvtsi64_si128(static_cast<int64_t>(h))));
  lo = _mm256_permutevar8x32_ps(f, _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1));
  hi = _mm256_permutevar8x32_ps(f, _mm256_setr_epi32(2, 2, 2, 2, 3, 3, 3, 3));
}

// Policies. W is one row's unpacked pair of blocks. quants<kTwo>(p) fills its quants from blocks
// p[0] and p[1] (p[1] untouched unless kTwo); scales2 / scales4 fill the float scales of one pair
// (two blocks, or one and zeros) or of two pairs (four blocks). mac adds one pair times one
// activation pair to acc.
template <class B, size_t kD, size_t kM, bool kMin>
struct ScalesOf {
  template <class W, bool kTwo>
  static OSP_INLINE void scales2(const B* p, W& w) {
    w.d = fp16_pair_spread(load_u16(reinterpret_cast<const uint8_t*>(p) + kD),
                           kTwo ? load_u16(reinterpret_cast<const uint8_t*>(p + 1) + kD) : 0);
    if constexpr (kMin)
      w.m = fp16_pair_spread(load_u16(reinterpret_cast<const uint8_t*>(p) + kM),
                             kTwo ? load_u16(reinterpret_cast<const uint8_t*>(p + 1) + kM) : 0);
  }
  template <class W>
  static OSP_INLINE void scales4(const B* p, W& w0, W& w1) {
    fp16_quad_spread(reinterpret_cast<const uint8_t*>(p), sizeof(B), kD, w0.d, w1.d);
    if constexpr (kMin) fp16_quad_spread(reinterpret_cast<const uint8_t*>(p), sizeof(B), kM, w0.m, w1.m);
  }
};

struct Q4_0P : ScalesOf<BlockQ4_0, 0, 0, false> {
  using Block = BlockQ4_0;
  struct W {
    __m256i a, b;
    __m256 d;
  };
  template <bool kTwo>
  static OSP_INLINE void quants(const Block* p, W& w) {
    unpack_nibbles<kTwo>(p[0].qs, kTwo ? p[1].qs : nullptr, w.a, w.b);
  }
  static OSP_INLINE void mac(__m256& acc, const W& w, const ActQ8Pair& x) {
    const __m256i i = pair_dot(xload(reinterpret_cast<const int8_t*>(x.m8sum)), w.a, xload(x.qa), w.b, xload(x.qb));
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i), _mm256_mul_ps(w.d, _mm256_load_ps(x.d)), acc);
  }
};

struct Q4_1P : ScalesOf<BlockQ4_1, 0, 2, true> {
  using Block = BlockQ4_1;
  struct W {
    __m256i a, b;
    __m256 d, m;
  };
  template <bool kTwo>
  static OSP_INLINE void quants(const Block* p, W& w) {
    unpack_nibbles<kTwo>(p[0].qs, kTwo ? p[1].qs : nullptr, w.a, w.b);
  }
  static OSP_INLINE void mac(__m256& acc, const W& w, const ActQ8Pair& x) {
    const __m256i i = pair_dot(_mm256_setzero_si256(), w.a, xload(x.qa), w.b, xload(x.qb));
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i), _mm256_mul_ps(w.d, _mm256_load_ps(x.d)), acc);
    acc = _mm256_fmadd_ps(w.m, _mm256_load_ps(x.s), acc);
  }
};

struct Q5_0P : ScalesOf<BlockQ5_0, 0, 0, false> {
  using Block = BlockQ5_0;
  using W = Q4_0P::W;
  template <bool kTwo>
  static OSP_INLINE void quants(const Block* p, W& w) {
    unpack_nibbles<kTwo>(p[0].qs, kTwo ? p[1].qs : nullptr, w.a, w.b);
    add_high_bits(load_u32(p[0].qh), kTwo ? load_u32(p[1].qh) : 0, w.a, w.b);
  }
  static OSP_INLINE void mac(__m256& acc, const W& w, const ActQ8Pair& x) {
    const __m256i bias = _mm256_slli_epi32(xload(reinterpret_cast<const int8_t*>(x.m8sum)), 1);
    const __m256i i = pair_dot(bias, w.a, xload(x.qa), w.b, xload(x.qb));
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i), _mm256_mul_ps(w.d, _mm256_load_ps(x.d)), acc);
  }
};

struct Q5_1P : ScalesOf<BlockQ5_1, 0, 2, true> {
  using Block = BlockQ5_1;
  using W = Q4_1P::W;
  template <bool kTwo>
  static OSP_INLINE void quants(const Block* p, W& w) {
    unpack_nibbles<kTwo>(p[0].qs, kTwo ? p[1].qs : nullptr, w.a, w.b);
    add_high_bits(load_u32(p[0].qh), kTwo ? load_u32(p[1].qh) : 0, w.a, w.b);
  }
  static OSP_INLINE void mac(__m256& acc, const W& w, const ActQ8Pair& x) { Q4_1P::mac(acc, w, x); }
};

// Q8_0 is signed x signed: |w| (unsigned) times x carrying w's sign. |w| <= 128 and |x| <= 127
// keep each pair of products within int16 for maddubs.
struct Q8_0P : ScalesOf<BlockQ8_0, 0, 0, false> {
  using Block = BlockQ8_0;
  struct W {
    __m256i a, b, abs_a, abs_b;
    __m256 d;
  };
  template <bool kTwo>
  static OSP_INLINE void quants(const Block* p, W& w) {
    if constexpr (kTwo) {
      w.a = load_2x128(p[0].qs, p[1].qs);
      w.b = load_2x128(p[0].qs + 16, p[1].qs + 16);
    } else {
      w.a = _mm256_zextsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p[0].qs)));
      w.b = _mm256_zextsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p[0].qs + 16)));
    }
    w.abs_a = _mm256_abs_epi8(w.a);
    w.abs_b = _mm256_abs_epi8(w.b);
  }
  static OSP_INLINE void mac(__m256& acc, const W& w, const ActQ8Pair& x) {
    const __m256i sa = _mm256_sign_epi8(xload(x.qa), w.a);
    const __m256i sb = _mm256_sign_epi8(xload(x.qb), w.b);
#if OSP_X86_VNNI == 2
    const __m256i i = _mm256_dpbusd_epi32(_mm256_dpbusd_epi32(_mm256_setzero_si256(), w.abs_a, sa), w.abs_b, sb);
#elif OSP_X86_VNNI == 1
    const __m256i i = _mm256_dpbusd_avx_epi32(_mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), w.abs_a, sa), w.abs_b, sb);
#else
    const __m256i i = _mm256_add_epi32(dot_u8s8(w.abs_a, sa), dot_u8s8(w.abs_b, sb));
#endif
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i), _mm256_mul_ps(w.d, _mm256_load_ps(x.d)), acc);
  }
};

// W of blocks blk.. (a full pair, or a lone last block when !kTwo).
template <class P, bool kTwo>
OSP_INLINE typename P::W load_pair(const uint8_t* row, int64_t blk) {
  const auto* p = reinterpret_cast<const typename P::Block*>(row) + blk;
  typename P::W w;
  P::template quants<kTwo>(p, w);
  P::template scales2<typename P::W, kTwo>(p, w);
  return w;
}

// Two full pairs (blocks blk..blk+3) with one scale conversion.
template <class P>
OSP_INLINE void load_two_pairs(const uint8_t* row, int64_t blk, typename P::W& w0, typename P::W& w1) {
  const auto* p = reinterpret_cast<const typename P::Block*>(row) + blk;
  P::template quants<true>(p, w0);
  P::template quants<true>(p + 2, w1);
  P::scales4(p, w0, w1);
}

// R rows x C tokens reading the weight blocks directly.
template <class P, int R, int C>
struct PairTile {
  static void run(const uint8_t* w, size_t wrb, const uint8_t* x, size_t xrb, float* y, int64_t ys, int64_t k) {
    const int64_t nb = k / 32;
    __m256 acc[R][C];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) acc[r][c] = _mm256_setzero_ps();
    auto apply = [&](const typename P::W* wd, int64_t p) {
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) {
        const ActQ8Pair& xp = reinterpret_cast<const ActQ8Pair*>(x + c * xrb)[p];
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) P::mac(acc[r][c], wd[r], xp);
      }
    };
    int64_t p = 0;
    for (; p + 2 <= nb / 2; p += 2) {
      typename P::W w0[R], w1[R];
      if constexpr (C <= 4) {  // decode and small batches: the weights stream from memory
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {  // 4 blocks: 72 (Q4_0) to 136 (Q8_0) bytes
          const uint8_t* next = w + r * wrb + 2 * p * sizeof(typename P::Block) + kStreamPrefetchBytes;
          prefetch_stream(next);
          if constexpr (4 * sizeof(typename P::Block) > 64) prefetch_stream(next + 64);
          if constexpr (4 * sizeof(typename P::Block) > 128) prefetch_stream(next + 128);
        }
      }
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) load_two_pairs<P>(w + r * wrb, 2 * p, w0[r], w1[r]);
      apply(w0, p);
      apply(w1, p + 1);
    }
    if (p < nb / 2) {
      typename P::W w0[R];
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) w0[r] = load_pair<P, true>(w + r * wrb, 2 * p);
      apply(w0, p);
      ++p;
    }
    if (nb % 2) {
      typename P::W w0[R];
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) w0[r] = load_pair<P, false>(w + r * wrb, 2 * p);
      apply(w0, p);
    }
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) y[c * ys + r] = hsum(acc[r][c]);
  }
};

// The same tile over pre-unpacked weights: u[p * R + r] is row r's W for pair p.
template <class P, int R, int C>
struct PairTileU {
  static void run(const uint8_t* ub, const uint8_t* x, size_t xrb, float* y, int64_t ys, int64_t k) {
    const auto* u = reinterpret_cast<const typename P::W*>(ub);
    const int64_t np = (k / 32 + 1) / 2;
    __m256 acc[R][C];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) acc[r][c] = _mm256_setzero_ps();
    for (int64_t p = 0; p < np; ++p) {
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        const typename P::W wd = u[p * R + r];
#pragma GCC unroll 8
        for (int c = 0; c < C; ++c) P::mac(acc[r][c], wd, reinterpret_cast<const ActQ8Pair*>(x + c * xrb)[p]);
      }
    }
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) y[c * ys + r] = hsum(acc[r][c]);
  }
};

template <class P>
struct PairUnpack {
  static void unpack(const uint8_t* w, size_t wrb, int rows, int64_t k, uint8_t* dst) {
    auto* u = reinterpret_cast<typename P::W*>(dst);
    const int64_t nb = k / 32;
    int64_t p = 0;
    for (; p < nb / 2; ++p)
      for (int r = 0; r < rows; ++r) u[p * rows + r] = load_pair<P, true>(w + r * wrb, 2 * p);
    if (nb % 2)
      for (int r = 0; r < rows; ++r) u[p * rows + r] = load_pair<P, false>(w + r * wrb, 2 * p);
  }
};

template <int R, int C> using Q4_0T = PairTile<Q4_0P, R, C>;
template <int R, int C> using Q4_1T = PairTile<Q4_1P, R, C>;
template <int R, int C> using Q5_0T = PairTile<Q5_0P, R, C>;
template <int R, int C> using Q5_1T = PairTile<Q5_1P, R, C>;
template <int R, int C> using Q8_0T = PairTile<Q8_0P, R, C>;
template <int R, int C> using Q4_0U = PairTileU<Q4_0P, R, C>;
template <int R, int C> using Q4_1U = PairTileU<Q4_1P, R, C>;
template <int R, int C> using Q5_0U = PairTileU<Q5_0P, R, C>;
template <int R, int C> using Q5_1U = PairTileU<Q5_1P, R, C>;
template <int R, int C> using Q8_0U = PairTileU<Q8_0P, R, C>;

}  // namespace
}  // namespace osprey::kernels::x86

// Defines one MatmulTileFn entry point: GEMV tiles of RV rows, direct tiles of RD x CD for small
// batches, unpacked tiles of RU x CU for prompt batches.
#define OSP_MM_PAIR(name, P, T, U, RV, RD, CD, RU, CU)                                                   \
  void name(const void* w, size_t wrb, const void* x, size_t xrb, float* y, int64_t ys, int64_t n_rows, \
            int64_t n_tok, int64_t k, uint8_t* scratch) {                                               \
    static_assert(RU <= kUnpackRows);                                                                   \
    if (n_tok == 1)                                                                                     \
      mm_tiles<T, RV, 1>(w, wrb, x, xrb, y, ys, n_rows, n_tok, k);                                      \
    else if (n_tok < kUnpackMinTokens || scratch == nullptr)                                            \
      mm_tiles<T, RD, CD>(w, wrb, x, xrb, y, ys, n_rows, n_tok, k);                                     \
    else                                                                                                \
      mm_unpacked<PairUnpack<P>, U, RU, CU>(w, wrb, x, xrb, y, ys, n_rows, n_tok, k, scratch);          \
  }
