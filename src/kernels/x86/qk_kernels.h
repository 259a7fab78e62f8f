// Matmul kernels for the K-quants (Q2_K..Q6_K) against ActQ8K activations, included by
// qk_avx2.cpp and gemm_avx512.cpp (internal linkage: each file gets its own instantiations).
// Every type is written as value = d * sc[g] * q - dmin * mn[g] with q unsigned (0..63), and sc,
// mn small integers per group g of 16 values. A super-block of 256 is four steps of 64 values:
// maddubs(q, x) gives int16 pairs, madd with the group scales gives int32 lanes (lanes 0-3 hold
// group 2v of register v, lanes 4-7 group 2v + 1), which are converted and multiplied by the
// activation's per-group scale in float. Per super-block, d scales that float sum and the mins
// term subtracts dmin * mn[g] * (x scale * sum of x quants)[g]. Every path (AVX2 direct and
// unpacked, AVX-512 row pairs) performs these float operations per lane in the same order, so the
// results are bitwise identical.
#pragma once

#include "src/kernels/act_quant.h"
#include "src/kernels/x86/avx2_common.h"
#include "src/kernels/x86/kernels_avx2.h"
#include "src/kernels/x86/tile_grid.h"
#include "src/tensor/dtype.h"

namespace osprey::kernels::x86 {

namespace {

using tensor::BlockQ2_K;
using tensor::BlockQ3_K;
using tensor::BlockQ4_K;
using tensor::BlockQ5_K;
using tensor::BlockQ6_K;

// Per-row super-block state. The int16 group scales sit in e and f the way group_scales wants
// them: for 16-value groups e = [g0..g7 | g0..g7], f = [g8..g15 | g8..g15]; for 32-value groups
// (Q4_K, Q5_K) e = f = [s0..s7 | s0..s7]. mn16: the int16 mins per group of 16.
struct SbState {
  __m256i e, f;
  __m256i mn16;
  float d, dmin;
};

// dmin * mins as floats: groups 0..7 in lo, 8..15 in hi.
OSP_INLINE void min_floats(const SbState& st, __m256& lo, __m256& hi) {
  const __m256 dmin = _mm256_set1_ps(st.dmin);
  lo = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(_mm256_castsi256_si128(st.mn16))), dmin);
  hi = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(_mm256_extracti128_si256(st.mn16, 1))), dmin);
}

// The end of one super-block: acc += d * fsum - mins . s.
OSP_INLINE __m256 finish_sb(__m256 acc, __m256 fsum, __m256 d, __m256 mn_lo, __m256 mn_hi, const ActQ8K& xb) {
  acc = _mm256_fmadd_ps(fsum, d, acc);
  acc = _mm256_fnmadd_ps(mn_lo, _mm256_load_ps(xb.s), acc);
  return _mm256_fnmadd_ps(mn_hi, _mm256_load_ps(xb.s + 8), acc);
}

// fsum += products of one 32-value register (int32 lanes) times the activation's group scales.
OSP_INLINE __m256 add_scaled(__m256 fsum, __m256i p, const ActQ8K& xb, int v) {
  return _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_load_ps(xb.d + 8 * v), fsum);
}

// 64 unsigned quants of one step: values 64j..64j+31 in lo, 64j+32..64j+63 in hi.
struct Quants {
  __m256i lo, hi;
};

// Byte (bit b of each byte) moved to bit `to`, everything else cleared.
template <int kBit, int kTo>
OSP_INLINE __m256i bit_to(__m256i v) {
  __m256i s;
  if constexpr (kBit > kTo)
    s = _mm256_srli_epi16(v, kBit - kTo);
  else if constexpr (kBit < kTo)
    s = _mm256_slli_epi16(v, kTo - kBit);
  else
    s = v;
  return _mm256_and_si256(s, _mm256_set1_epi8(static_cast<char>(1 << kTo)));
}

template <int kShift>
OSP_INLINE __m256i crumb(__m256i v) {  // 2-bit field at kShift of each byte
  return _mm256_and_si256(kShift ? _mm256_srli_epi16(v, kShift) : v, _mm256_set1_epi8(3));
}

// e and f from 16 int8 scales, one per group of 16.
OSP_INLINE void set_group16(SbState& st, __m128i sc8) {
  const __m256i x = _mm256_cvtepi8_epi16(sc8);
  st.e = _mm256_permute2x128_si256(x, x, 0x00);
  st.f = _mm256_permute2x128_si256(x, x, 0x11);
}

// The two 6-bit scale / min tables of Q4_K and Q5_K (the mins duplicated per group of 16).
OSP_INLINE void k4_scales(const uint8_t* s, SbState& st) {
  const uint32_t u0 = load_u32(s), u1 = load_u32(s + 4), u2 = load_u32(s + 8);
  const uint32_t sc_lo = u0 & 0x3f3f3f3fu, m_lo = u1 & 0x3f3f3f3fu;
  const uint32_t sc_hi = (u2 & 0x0f0f0f0fu) | ((u0 >> 2) & 0x30303030u);
  const uint32_t m_hi = ((u2 >> 4) & 0x0f0f0f0fu) | ((u1 >> 2) & 0x30303030u);
  const __m128i dup = _mm_setr_epi8(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
  const __m128i sc = _mm_cvtsi64_si128(static_cast<int64_t>(sc_lo | (uint64_t{sc_hi} << 32)));
  const __m128i mn = _mm_cvtsi64_si128(static_cast<int64_t>(m_lo | (uint64_t{m_hi} << 32)));
  st.e = st.f = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(sc));
  st.mn16 = _mm256_cvtepu8_epi16(_mm_shuffle_epi8(mn, dup));
}

struct Q4_KP {
  using Block = BlockQ4_K;
  static constexpr bool kGroup32 = true;
  static OSP_INLINE SbState prepare(const Block& b) {
    SbState st;
    k4_scales(b.scales, st);
    st.d = fp16(b.d);
    st.dmin = fp16(b.dmin);
    return st;
  }
  template <int J>
  static OSP_INLINE Quants load(const Block& b) {
    const __m256i v = loadu256(b.qs + 32 * J);
    const __m256i m = _mm256_set1_epi8(0x0F);
    return {_mm256_and_si256(v, m), _mm256_and_si256(_mm256_srli_epi16(v, 4), m)};
  }
};

struct Q5_KP {
  using Block = BlockQ5_K;
  static constexpr bool kGroup32 = true;
  static OSP_INLINE SbState prepare(const Block& b) {
    SbState st;
    k4_scales(b.scales, st);
    st.d = fp16(b.d);
    st.dmin = fp16(b.dmin);
    return st;
  }
  template <int J>
  static OSP_INLINE Quants load(const Block& b) {
    const __m256i v = loadu256(b.qs + 32 * J);
    const __m256i h = loadu256(b.qh);
    const __m256i m = _mm256_set1_epi8(0x0F);
    return {_mm256_or_si256(_mm256_and_si256(v, m), bit_to<2 * J, 4>(h)),
            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(v, 4), m), bit_to<2 * J + 1, 4>(h))};
  }
};

struct Q6_KP {
  using Block = BlockQ6_K;
  static constexpr bool kGroup32 = false;
  static OSP_INLINE SbState prepare(const Block& b) {
    SbState st;
    const __m128i sc8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales));
    set_group16(st, sc8);
    st.mn16 = _mm256_slli_epi16(_mm256_cvtepi8_epi16(sc8), 5);  // 32 * sc: the offset of q
    st.d = st.dmin = fp16(b.d);
    return st;
  }
  template <int J>
  static OSP_INLINE Quants load(const Block& b) {
    constexpr int kN = J / 2;
    const __m256i q0 = loadu256(b.ql + 64 * kN);
    const __m256i q1 = loadu256(b.ql + 64 * kN + 32);
    const __m256i h = loadu256(b.qh + 32 * kN);
    const __m256i m4 = _mm256_set1_epi8(0x0F), m30 = _mm256_set1_epi8(0x30);
    if constexpr (J % 2 == 0) {
      return {_mm256_or_si256(_mm256_and_si256(q0, m4), _mm256_and_si256(_mm256_slli_epi16(h, 4), m30)),
              _mm256_or_si256(_mm256_and_si256(q1, m4), _mm256_and_si256(_mm256_slli_epi16(h, 2), m30))};
    } else {
      return {_mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q0, 4), m4), _mm256_and_si256(h, m30)),
              _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q1, 4), m4),
                              _mm256_and_si256(_mm256_srli_epi16(h, 2), m30))};
    }
  }
};

struct Q3_KP {
  using Block = BlockQ3_K;
  static constexpr bool kGroup32 = false;
  static OSP_INLINE SbState prepare(const Block& b) {
    const uint32_t a0 = load_u32(b.scales), a1 = load_u32(b.scales + 4), t = load_u32(b.scales + 8);
    const uint32_t r0 = (a0 & 0x0f0f0f0fu) | ((t & 0x03030303u) << 4);
    const uint32_t r1 = (a1 & 0x0f0f0f0fu) | (((t >> 2) & 0x03030303u) << 4);
    const uint32_t r2 = ((a0 >> 4) & 0x0f0f0f0fu) | (((t >> 4) & 0x03030303u) << 4);
    const uint32_t r3 = ((a1 >> 4) & 0x0f0f0f0fu) | (((t >> 6) & 0x03030303u) << 4);
    SbState st;
    const __m128i sc8 = _mm_sub_epi8(_mm_setr_epi32(static_cast<int>(r0), static_cast<int>(r1),
                                                    static_cast<int>(r2), static_cast<int>(r3)),
                                     _mm_set1_epi8(32));
    set_group16(st, sc8);
    st.mn16 = _mm256_slli_epi16(_mm256_cvtepi8_epi16(sc8), 2);  // 4 * sc: the offset of q
    st.d = st.dmin = fp16(b.d);
    return st;
  }
  template <int J>
  static OSP_INLINE Quants load(const Block& b) {
    constexpr int kN = J / 2, kS = 2 * (J % 2);
    const __m256i q = loadu256(b.qs + 32 * kN);
    const __m256i h = loadu256(b.hmask);
    return {_mm256_or_si256(crumb<2 * kS>(q), bit_to<4 * kN + kS, 2>(h)),
            _mm256_or_si256(crumb<2 * kS + 2>(q), bit_to<4 * kN + kS + 1, 2>(h))};
  }
};

struct Q2_KP {
  using Block = BlockQ2_K;
  static constexpr bool kGroup32 = false;
  static OSP_INLINE SbState prepare(const Block& b) {
    const __m128i s = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales));
    const __m128i m4 = _mm_set1_epi8(0x0F);
    SbState st;
    set_group16(st, _mm_and_si128(s, m4));
    st.mn16 = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(s, 4), m4));
    st.d = fp16(b.d);
    st.dmin = fp16(b.dmin);
    return st;
  }
  template <int J>
  static OSP_INLINE Quants load(const Block& b) {
    constexpr int kN = J / 2, kS = 2 * (J % 2);
    const __m256i q = loadu256(b.qs + 32 * kN);
    return {crumb<2 * kS>(q), crumb<2 * kS + 2>(q)};
  }
};

// int16 scales for register V (values 32V..32V+31): [group 2V x8 | group 2V+1 x8], one shuffle.
template <int V, bool kGroup32>
OSP_INLINE __m256i group_scales(const SbState& st) {
  if constexpr (kGroup32) {
    return _mm256_shuffle_epi8(st.e, _mm256_set1_epi16(static_cast<short>((2 * V) | ((2 * V + 1) << 8))));
  } else {
    constexpr int kLo = (2 * V) % 8, kHi = (2 * V + 1) % 8;
    const __m256i idx = _mm256_setr_epi16(
        static_cast<short>((2 * kLo) | ((2 * kLo + 1) << 8)), static_cast<short>((2 * kLo) | ((2 * kLo + 1) << 8)),
        static_cast<short>((2 * kLo) | ((2 * kLo + 1) << 8)), static_cast<short>((2 * kLo) | ((2 * kLo + 1) << 8)),
        static_cast<short>((2 * kLo) | ((2 * kLo + 1) << 8)), static_cast<short>((2 * kLo) | ((2 * kLo + 1) << 8)),
        static_cast<short>((2 * kLo) | ((2 * kLo + 1) << 8)), static_cast<short>((2 * kLo) | ((2 * kLo + 1) << 8)),
        static_cast<short>((2 * kHi) | ((2 * kHi + 1) << 8)), static_cast<short>((2 * kHi) | ((2 * kHi + 1) << 8)),
        static_cast<short>((2 * kHi) | ((2 * kHi + 1) << 8)), static_cast<short>((2 * kHi) | ((2 * kHi + 1) << 8)),
        static_cast<short>((2 * kHi) | ((2 * kHi + 1) << 8)), static_cast<short>((2 * kHi) | ((2 * kHi + 1) << 8)),
        static_cast<short>((2 * kHi) | ((2 * kHi + 1) << 8)), static_cast<short>((2 * kHi) | ((2 * kHi + 1) << 8)));
    return _mm256_shuffle_epi8(V < 4 ? st.e : st.f, idx);
  }
}

template <class P, int R, int C>
struct KTile {
  using Block = typename P::Block;
  static void run(const uint8_t* w, size_t wrb, const uint8_t* x, size_t xrb, float* y, int64_t ys, int64_t k) {
    const int64_t nsb = k / tensor::kQK_K;
    __m256 acc[R][C];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) acc[r][c] = _mm256_setzero_ps();
    for (int64_t sb = 0; sb < nsb; ++sb) {
      const Block* wb[R];
      SbState st[R];
      __m256 fsum[R][C];
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        wb[r] = reinterpret_cast<const Block*>(w + r * wrb) + sb;
        if constexpr (C <= 4) {  // decode and small batches: the weights stream from memory
          const auto* next = reinterpret_cast<const uint8_t*>(wb[r]) + kStreamPrefetchBytes;
          for (size_t off = 0; off < sizeof(Block); off += 64) prefetch_stream(next + off);
        }
        st[r] = P::prepare(*wb[r]);
#pragma GCC unroll 8
        for (int c = 0; c < C; ++c) fsum[r][c] = _mm256_setzero_ps();
      }
      auto step = [&]<int J>() {
        Quants q[R];
        __m256i sc_lo[R], sc_hi[R];
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
          q[r] = P::template load<J>(*wb[r]);
          sc_lo[r] = group_scales<2 * J, P::kGroup32>(st[r]);
          sc_hi[r] = group_scales<2 * J + 1, P::kGroup32>(st[r]);
        }
#pragma GCC unroll 8
        for (int c = 0; c < C; ++c) {
          const ActQ8K& xb = reinterpret_cast<const ActQ8K*>(x + c * xrb)[sb];
          const __m256i x0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(xb.qs + 64 * J)),
                        x1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(xb.qs + 64 * J + 32));
#pragma GCC unroll 8
          for (int r = 0; r < R; ++r) {
            const __m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(q[r].lo, x0), sc_lo[r]);
            const __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(q[r].hi, x1), sc_hi[r]);
            fsum[r][c] = add_scaled(add_scaled(fsum[r][c], p0, xb, 2 * J), p1, xb, 2 * J + 1);
          }
        }
      };
      step.template operator()<0>();
      step.template operator()<1>();
      step.template operator()<2>();
      step.template operator()<3>();
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        __m256 mn_lo, mn_hi;
        min_floats(st[r], mn_lo, mn_hi);
        const __m256 d = _mm256_set1_ps(st[r].d);
#pragma GCC unroll 8
        for (int c = 0; c < C; ++c)
          acc[r][c] = finish_sb(acc[r][c], fsum[r][c], d, mn_lo, mn_hi, reinterpret_cast<const ActQ8K*>(x + c * xrb)[sb]);
      }
    }
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) y[c * ys + r] = hsum(acc[r][c]);
  }
};

// One row's super-block, unpacked: quants as bytes, the int16 scales of each 32-value register,
// dmin * mins per group of 16 as floats, and d.
struct alignas(32) UnpackedK {
  __m256i q[8];
  __m256i sc[8];
  __m256 mn_lo, mn_hi;
  float d;
};

template <class P>
struct KUnpack {
  static void unpack(const uint8_t* w, size_t wrb, int rows, int64_t k, uint8_t* dst) {
    auto* u = reinterpret_cast<UnpackedK*>(dst);
    for (int64_t sb = 0; sb < k / tensor::kQK_K; ++sb)
      for (int r = 0; r < rows; ++r) {
        const typename P::Block& b = reinterpret_cast<const typename P::Block*>(w + r * wrb)[sb];
        UnpackedK& o = u[sb * rows + r];
        const SbState st = P::prepare(b);
        auto step = [&]<int J>() {
          const Quants q = P::template load<J>(b);
          o.q[2 * J] = q.lo;
          o.q[2 * J + 1] = q.hi;
          o.sc[2 * J] = group_scales<2 * J, P::kGroup32>(st);
          o.sc[2 * J + 1] = group_scales<2 * J + 1, P::kGroup32>(st);
        };
        step.template operator()<0>();
        step.template operator()<1>();
        step.template operator()<2>();
        step.template operator()<3>();
        min_floats(st, o.mn_lo, o.mn_hi);
        o.d = st.d;
      }
  }
};

// R x C tile over unpacked super-blocks: float sums live in registers for one super-block, the
// accumulators are updated once per super-block.
template <int R, int C>
struct KTileU {
  static void run(const uint8_t* ub, const uint8_t* x, size_t xrb, float* y, int64_t ys, int64_t k) {
    const auto* u = reinterpret_cast<const UnpackedK*>(ub);
    const int64_t nsb = k / tensor::kQK_K;
    alignas(32) float acc[R][C][8] = {};
    for (int64_t sb = 0; sb < nsb; ++sb) {
      __m256 fsum[R][C];
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
        for (int c = 0; c < C; ++c) fsum[r][c] = _mm256_setzero_ps();
      // Not unrolled: one register's products per iteration keeps the sums in registers.
#pragma GCC unroll 1
      for (int v = 0; v < 8; ++v) {
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
          const UnpackedK& o = u[sb * R + r];
          const __m256i q = _mm256_load_si256(&o.q[v]);
#pragma GCC unroll 8
          for (int c = 0; c < C; ++c) {
            const ActQ8K& xb = reinterpret_cast<const ActQ8K*>(x + c * xrb)[sb];
            const __m256i p = _mm256_maddubs_epi16(q, _mm256_load_si256(reinterpret_cast<const __m256i*>(xb.qs + 32 * v)));
            fsum[r][c] = add_scaled(fsum[r][c], _mm256_madd_epi16(p, _mm256_load_si256(&o.sc[v])), xb, v);
          }
        }
      }
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
        for (int c = 0; c < C; ++c) {
          const UnpackedK& o = u[sb * R + r];
          const ActQ8K& xb = reinterpret_cast<const ActQ8K*>(x + c * xrb)[sb];
          const __m256 a = finish_sb(_mm256_load_ps(acc[r][c]), fsum[r][c], _mm256_set1_ps(o.d), o.mn_lo, o.mn_hi, xb);
          _mm256_store_ps(acc[r][c], a);
        }
    }
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) y[c * ys + r] = hsum(_mm256_load_ps(acc[r][c]));
  }
};

template <int R, int C> using Q2_KT = KTile<Q2_KP, R, C>;
template <int R, int C> using Q3_KT = KTile<Q3_KP, R, C>;
template <int R, int C> using Q4_KT = KTile<Q4_KP, R, C>;
template <int R, int C> using Q5_KT = KTile<Q5_KP, R, C>;
template <int R, int C> using Q6_KT = KTile<Q6_KP, R, C>;

}  // namespace
}  // namespace osprey::kernels::x86

#define OSP_MM_K(name, P, T, RV, RD, CD, RU, CU)                                                         \
  void name(const void* w, size_t wrb, const void* x, size_t xrb, float* y, int64_t ys, int64_t n_rows, \
            int64_t n_tok, int64_t k, uint8_t* scratch) {                                               \
    static_assert(RU <= kUnpackRows);                                                                   \
    if (n_tok == 1)                                                                                     \
      mm_tiles<T, RV, 1>(w, wrb, x, xrb, y, ys, n_rows, n_tok, k);                                      \
    else if (n_tok < kUnpackMinTokens || scratch == nullptr)                                            \
      mm_tiles<T, RD, CD>(w, wrb, x, xrb, y, ys, n_rows, n_tok, k);                                     \
    else                                                                                                \
      mm_unpacked<KUnpack<P>, KTileU, RU, CU>(w, wrb, x, xrb, y, ys, n_rows, n_tok, k, scratch);        \
  }
