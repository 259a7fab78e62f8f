// AVX2 matmul kernels for the 32-block weight types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0) against
// ActQ8Pair activations. One step handles two weight blocks: register `a` holds values 0..15 of
// both blocks (block b in the low 128 bits), register `b` values 16..31, the layout ActQ8Pair uses.
// Products are u8 x s8 (maddubs) then summed to int32 lanes; each block's four lanes are scaled
// by d_w * d_x in float. Offsets (the -8 / -16 zero points) are added in int32 from the
// activation sums; the Q4_1 / Q5_1 minimum adds m * d_x * sum(q_x) in float.
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
  const __m256i h = _mm256_set1_epi64x(static_cast<int64_t>(qh0 | (uint64_t{qh1} << 32)));
  const __m256i bits = _mm256_set1_epi64x(static_cast<int64_t>(0x8040201008040201ull));
  const __m256i idx_a = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,  //
                                         4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5);
  const __m256i idx_b = _mm256_setr_epi8(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3,  //
                                         6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7);
  const __m256i x10 = _mm256_set1_epi8(0x10);
  const __m256i ha = _mm256_cmpeq_epi8(_mm256_and_si256(_mm256_shuffle_epi8(h, idx_a), bits), bits);
  const __m256i hb = _mm256_cmpeq_epi8(_mm256_and_si256(_mm256_shuffle_epi8(h, idx_b), bits), bits);
  a = _mm256_or_si256(a, _mm256_and_si256(ha, x10));
  b = _mm256_or_si256(b, _mm256_and_si256(hb, x10));
}

OSP_INLINE __m256i pair_dot_unsigned(__m256i wa, __m256i wb, const ActQ8Pair& x) {
  const __m256i p = _mm256_add_epi16(_mm256_maddubs_epi16(wa, _mm256_load_si256(reinterpret_cast<const __m256i*>(x.qa))),
                                     _mm256_maddubs_epi16(wb, _mm256_load_si256(reinterpret_cast<const __m256i*>(x.qb))));
  return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
}

OSP_INLINE __m256i m8sum(const ActQ8Pair& x) {
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(x.m8sum));
}

// Policies: W is one row's unpacked pair of blocks; load<kTwo> reads blocks blk (and blk + 1);
// mac accumulates that pair against one activation pair.
struct Q4_0P {
  struct W {
    __m256i a, b;
    __m256 d;
  };
  template <bool kTwo>
  static OSP_INLINE W load(const uint8_t* row, int64_t blk) {
    const auto* p = reinterpret_cast<const BlockQ4_0*>(row) + blk;
    W w;
    unpack_nibbles<kTwo>(p[0].qs, kTwo ? p[1].qs : nullptr, w.a, w.b);
    w.d = fp16_pair_spread(p[0].d, kTwo ? p[1].d : 0);
    return w;
  }
  static OSP_INLINE void mac(__m256& acc, const W& w, const ActQ8Pair& x) {
    const __m256i i = _mm256_add_epi32(pair_dot_unsigned(w.a, w.b, x), m8sum(x));
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i), _mm256_mul_ps(w.d, _mm256_load_ps(x.d)), acc);
  }
};

struct Q4_1P {
  struct W {
    __m256i a, b;
    __m256 d, m;
  };
  template <bool kTwo>
  static OSP_INLINE W load(const uint8_t* row, int64_t blk) {
    const auto* p = reinterpret_cast<const BlockQ4_1*>(row) + blk;
    W w;
    unpack_nibbles<kTwo>(p[0].qs, kTwo ? p[1].qs : nullptr, w.a, w.b);
    w.d = fp16_pair_spread(p[0].d, kTwo ? p[1].d : 0);
    w.m = fp16_pair_spread(p[0].m, kTwo ? p[1].m : 0);
    return w;
  }
  static OSP_INLINE void mac(__m256& acc, const W& w, const ActQ8Pair& x) {
    const __m256i i = pair_dot_unsigned(w.a, w.b, x);
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i), _mm256_mul_ps(w.d, _mm256_load_ps(x.d)), acc);
    acc = _mm256_fmadd_ps(w.m, _mm256_load_ps(x.s), acc);
  }
};

struct Q5_0P {
  using W = Q4_0P::W;
  template <bool kTwo>
  static OSP_INLINE W load(const uint8_t* row, int64_t blk) {
    const auto* p = reinterpret_cast<const BlockQ5_0*>(row) + blk;
    W w;
    unpack_nibbles<kTwo>(p[0].qs, kTwo ? p[1].qs : nullptr, w.a, w.b);
    add_high_bits(load_u32(p[0].qh), kTwo ? load_u32(p[1].qh) : 0, w.a, w.b);
    w.d = fp16_pair_spread(p[0].d, kTwo ? p[1].d : 0);
    return w;
  }
  static OSP_INLINE void mac(__m256& acc, const W& w, const ActQ8Pair& x) {
    const __m256i i = _mm256_add_epi32(pair_dot_unsigned(w.a, w.b, x), _mm256_slli_epi32(m8sum(x), 1));
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i), _mm256_mul_ps(w.d, _mm256_load_ps(x.d)), acc);
  }
};

struct Q5_1P {
  using W = Q4_1P::W;
  template <bool kTwo>
  static OSP_INLINE W load(const uint8_t* row, int64_t blk) {
    const auto* p = reinterpret_cast<const BlockQ5_1*>(row) + blk;
    W w;
    unpack_nibbles<kTwo>(p[0].qs, kTwo ? p[1].qs : nullptr, w.a, w.b);
    add_high_bits(load_u32(p[0].qh), kTwo ? load_u32(p[1].qh) : 0, w.a, w.b);
    w.d = fp16_pair_spread(p[0].d, kTwo ? p[1].d : 0);
    w.m = fp16_pair_spread(p[0].m, kTwo ? p[1].m : 0);
    return w;
  }
  static OSP_INLINE void mac(__m256& acc, const W& w, const ActQ8Pair& x) { Q4_1P::mac(acc, w, x); }
};

// Q8_0 is signed x signed: |w| (unsigned) times x carrying w's sign. |w| <= 128 and |x| <= 127
// keep each pair of products within int16.
struct Q8_0P {
  struct W {
    __m256i a, b, abs_a, abs_b;
    __m256 d;
  };
  template <bool kTwo>
  static OSP_INLINE W load(const uint8_t* row, int64_t blk) {
    const auto* p = reinterpret_cast<const BlockQ8_0*>(row) + blk;
    W w;
    if constexpr (kTwo) {
      w.a = load_2x128(p[0].qs, p[1].qs);
      w.b = load_2x128(p[0].qs + 16, p[1].qs + 16);
    } else {
      w.a = _mm256_zextsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p[0].qs)));
      w.b = _mm256_zextsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p[0].qs + 16)));
    }
    w.abs_a = _mm256_abs_epi8(w.a);
    w.abs_b = _mm256_abs_epi8(w.b);
    w.d = fp16_pair_spread(p[0].d, kTwo ? p[1].d : 0);
    return w;
  }
  static OSP_INLINE void mac(__m256& acc, const W& w, const ActQ8Pair& x) {
    const __m256i sa = _mm256_sign_epi8(_mm256_load_si256(reinterpret_cast<const __m256i*>(x.qa)), w.a);
    const __m256i sb = _mm256_sign_epi8(_mm256_load_si256(reinterpret_cast<const __m256i*>(x.qb)), w.b);
    const __m256i i = _mm256_add_epi32(dot_u8s8(w.abs_a, sa), dot_u8s8(w.abs_b, sb));
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i), _mm256_mul_ps(w.d, _mm256_load_ps(x.d)), acc);
  }
};

template <class P, int R, int C>
struct PairTile {
  static void run(const uint8_t* w, size_t wrb, const uint8_t* x, size_t xrb, float* y, int64_t ys, int64_t k) {
    const int64_t nb = k / 32;
    __m256 acc[R][C];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) acc[r][c] = _mm256_setzero_ps();
    auto step = [&]<bool kTwo>(int64_t p) {
      typename P::W wd[R];
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) wd[r] = P::template load<kTwo>(w + r * wrb, 2 * p);
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) {
        const ActQ8Pair& xp = reinterpret_cast<const ActQ8Pair*>(x + c * xrb)[p];
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) P::mac(acc[r][c], wd[r], xp);
      }
    };
    int64_t p = 0;
    for (; p < nb / 2; ++p) step.template operator()<true>(p);
    if (nb % 2) step.template operator()<false>(p);
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
      for (int r = 0; r < rows; ++r) u[p * rows + r] = P::template load<true>(w + r * wrb, 2 * p);
    if (nb % 2)
      for (int r = 0; r < rows; ++r) u[p * rows + r] = P::template load<false>(w + r * wrb, 2 * p);
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

size_t pair_unpack_bytes(int64_t k) { return kUnpackRows * static_cast<size_t>((k / 32 + 1) / 2) * sizeof(Q8_0P::W); }

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

OSP_MM_PAIR(mm_q4_0_avx2, Q4_0P, Q4_0T, Q4_0U, 2, 2, 4, 2, 4)
OSP_MM_PAIR(mm_q4_1_avx2, Q4_1P, Q4_1T, Q4_1U, 2, 2, 4, 2, 4)
OSP_MM_PAIR(mm_q5_0_avx2, Q5_0P, Q5_0T, Q5_0U, 2, 2, 4, 2, 4)
OSP_MM_PAIR(mm_q5_1_avx2, Q5_1P, Q5_1T, Q5_1U, 2, 2, 4, 2, 4)
OSP_MM_PAIR(mm_q8_0_avx2, Q8_0P, Q8_0T, Q8_0U, 2, 1, 4, 2, 4)

#undef OSP_MM_PAIR

}  // namespace osprey::kernels::x86
