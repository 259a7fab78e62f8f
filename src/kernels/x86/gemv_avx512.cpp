// AVX-512 single-token GEMV (decode) for the K-quants against ActQ8K. Two weight rows share one
// 512-bit register (row r in the low 256 bits, row r + 1 in the high 256), against the activation
// broadcast to both halves, so each instruction does the work of two 256-bit KTile<P, 1, 1> rows.
// Every lane sees exactly the integer sums and the float operations (cvt, then FMA by the lane's
// activation scale per register; per super-block fma by d, then the two mins fnmadds) of the
// 256-bit kernel in qk_kernels.h, in the same order, and each row is reduced by the same hsum, so
// results are bitwise identical to the AVX2 path whatever rows a thread gets.
// The weights are read straight from their blocks: the quants of both rows are loaded as one
// register (two 256-bit halves) and unpacked once for both; Q4_K's and Q5_K's 6-bit scale tables
// are decoded for both rows with a few vector shuffles instead of scalar bit twiddling.
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni")
#include "src/kernels/x86/avx512_common.h"
#include "src/kernels/x86/qk_kernels.h"

namespace osprey::kernels::x86 {
namespace {

// Each weight row streams from memory once, prefetched kL2PrefetchBytes ahead into L2 (T1): the
// fastest of the distances (2-64 KiB) and hints (T0, T1, T2) tried with kernels_bench -t 1 on Q4_K
// and Q6_K (no prefetch: about half the read ceiling; 8 KiB into L1 as kStreamPrefetchBytes, the
// 256-bit kernels' policy: 60-78 % of it; this: 80-90 % in the same runs).

OSP_INLINE __m512i load2(const void* lo, const void* hi) { return join(loadu256(lo), loadu256(hi)); }
OSP_INLINE __m512i set2_epi8(int v) { return _mm512_set1_epi8(static_cast<char>(v)); }

// Two rows' super-block state: int16 group scales laid out per row as SbState's e and f, the
// mins as dmin * mn floats (groups 0..7 in mn_lo, 8..15 in mn_hi) and d, each [row r | row r + 1].
struct Sb2 {
  __m512i e, f;
  __m512 mn_lo, mn_hi;
  __m512 d;
};

// The generic state: each row's SbState from P::prepare, joined (Q2_K, Q3_K).
template <class P>
OSP_INLINE Sb2 prepare_joined(const typename P::Block& b0, const typename P::Block& b1) {
  const SbState s0 = P::prepare(b0), s1 = P::prepare(b1);
  __m256 l0, h0, l1, h1;
  min_floats(s0, l0, h0);
  min_floats(s1, l1, h1);
  return {join(s0.e, s1.e), join(s0.f, s1.f), join(l0, l1), join(h0, h1),
          join(_mm256_set1_ps(s0.d), _mm256_set1_ps(s1.d))};
}

// Q4_K / Q5_K: d, dmin and the 12 scale bytes of both rows, decoded together. Per row (bytes
// s0..s11): sc[j] = s[j] & 63, mn[j] = s[j+4] & 63 (j < 4); sc[j+4] = (s[j+8] & 15) | (s[j] >> 6) << 4,
// mn[j+4] = (s[j+8] >> 4) | (s[j+4] >> 6) << 4. The same integers k4_scales builds.
template <class Block>
OSP_INLINE Sb2 prepare_k4(const Block& b0, const Block& b1) {
  // Bytes 0..15 from the scales (the last 4 belong to the next field and are never used).
  const __m256i raw = load_2x128(b0.scales, b1.scales);
  const __m256i a = _mm256_shuffle_epi8(raw, _mm256_setr_epi8(0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 8, 9, 10, 11,
                                                              0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 8, 9, 10, 11));
  const __m256i hb = _mm256_shuffle_epi8(raw, _mm256_setr_epi8(-1, -1, -1, -1, 0, 1, 2, 3, -1, -1, -1, -1, 4, 5, 6, 7,
                                                               -1, -1, -1, -1, 0, 1, 2, 3, -1, -1, -1, -1, 4, 5, 6, 7));
  // Bytes 12..15 (the mins' high nibbles) shifted down by 4; the bits that come in from the next
  // byte are masked off below.
  const __m256i as = _mm256_srlv_epi16(a, _mm256_setr_epi16(0, 0, 0, 0, 0, 0, 4, 4, 0, 0, 0, 0, 0, 0, 4, 4));
  const __m256i lo = _mm256_and_si256(as, _mm256_setr_epi8(63, 63, 63, 63, 15, 15, 15, 15, 63, 63, 63, 63, 15, 15, 15, 15,
                                                           63, 63, 63, 63, 15, 15, 15, 15, 63, 63, 63, 63, 15, 15, 15, 15));
  const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(hb, 2), _mm256_set1_epi8(0x30));
  const __m256i t = _mm256_or_si256(lo, hi);  // per row: [sc0..sc7, mn0..mn7]
  Sb2 st;
  // e = [sc0..7 | sc0..7] as int16, per row.
  const __m512i w16 = _mm512_cvtepu8_epi16(t);  // [r0 sc, r0 mn, r1 sc, r1 mn] int16
  st.e = st.f = _mm512_shuffle_i64x2(w16, w16, _MM_SHUFFLE(2, 2, 0, 0));
  // mins per group of 16: [m0 m0 m1 m1 m2 m2 m3 m3, m4 m4 .. m7 m7] per row.
  const __m256i md = _mm256_shuffle_epi8(t, _mm256_setr_epi8(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15,
                                                             8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15));
  const __m256i mq = _mm256_permute4x64_epi64(md, _MM_SHUFFLE(3, 1, 2, 0));  // [r0 lo, r1 lo, r0 hi, r1 hi]
  const __m128i dd = _mm_unpacklo_epi32(_mm_cvtsi32_si128(static_cast<int>(load_u32(&b0.d))),
                                        _mm_cvtsi32_si128(static_cast<int>(load_u32(&b1.d))));
  const __m512 f = _mm512_castps128_ps512(_mm_cvtph_ps(dd));  // [d0, dmin0, d1, dmin1]
  st.d = _mm512_permutexvar_ps(_mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2), f);
  const __m512 dmin = _mm512_permutexvar_ps(_mm512_setr_epi32(1, 1, 1, 1, 1, 1, 1, 1, 3, 3, 3, 3, 3, 3, 3, 3), f);
  st.mn_lo = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm256_castsi256_si128(mq))), dmin);
  st.mn_hi = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm256_extracti128_si256(mq, 1))), dmin);
  return st;
}

struct Q2 {
  __m512i lo, hi;
};

struct Q4_K2 {
  using P = Q4_KP;
  static OSP_INLINE Sb2 prepare(const BlockQ4_K& b0, const BlockQ4_K& b1) { return prepare_k4(b0, b1); }
  template <int J>
  static OSP_INLINE Q2 load(const BlockQ4_K& b0, const BlockQ4_K& b1) {
    const __m512i v = load2(b0.qs + 32 * J, b1.qs + 32 * J);
    const __m512i m = set2_epi8(0x0F);
    return {_mm512_and_si512(v, m), _mm512_and_si512(_mm512_srli_epi16(v, 4), m)};
  }
};

template <int kBit, int kTo>
OSP_INLINE __m512i bit_to512(__m512i v) {
  __m512i s;
  if constexpr (kBit > kTo)
    s = _mm512_srli_epi16(v, kBit - kTo);
  else if constexpr (kBit < kTo)
    s = _mm512_slli_epi16(v, kTo - kBit);
  else
    s = v;
  return _mm512_and_si512(s, set2_epi8(1 << kTo));
}

struct Q5_K2 {
  using P = Q5_KP;
  static OSP_INLINE Sb2 prepare(const BlockQ5_K& b0, const BlockQ5_K& b1) { return prepare_k4(b0, b1); }
  template <int J>
  static OSP_INLINE Q2 load(const BlockQ5_K& b0, const BlockQ5_K& b1) {
    const __m512i v = load2(b0.qs + 32 * J, b1.qs + 32 * J);
    const __m512i h = load2(b0.qh, b1.qh);
    const __m512i m = set2_epi8(0x0F);
    return {_mm512_or_si512(_mm512_and_si512(v, m), bit_to512<2 * J, 4>(h)),
            _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(v, 4), m), bit_to512<2 * J + 1, 4>(h))};
  }
};

struct Q6_K2 {
  using P = Q6_KP;
  // Both rows' 16 int8 scales in one register; the mins are 32 * sc (the offset of q), dmin = d.
  static OSP_INLINE Sb2 prepare(const BlockQ6_K& b0, const BlockQ6_K& b1) {
    const __m256i raw = load_2x128(b0.scales, b1.scales);
    const __m512i w16 = _mm512_cvtepi8_epi16(raw);  // [r0 g0..7, r0 g8..15, r1 g0..7, r1 g8..15]
    Sb2 st;
    st.e = _mm512_shuffle_i64x2(w16, w16, _MM_SHUFFLE(2, 2, 0, 0));
    st.f = _mm512_shuffle_i64x2(w16, w16, _MM_SHUFFLE(3, 3, 1, 1));
    const __m256i g = _mm256_permute4x64_epi64(raw, _MM_SHUFFLE(3, 1, 2, 0));  // [r0 lo, r1 lo, r0 hi, r1 hi]
    st.d = join(_mm256_set1_ps(fp16(b0.d)), _mm256_set1_ps(fp16(b1.d)));
    st.mn_lo = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_slli_epi32(_mm512_cvtepi8_epi32(_mm256_castsi256_si128(g)), 5)), st.d);
    st.mn_hi = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_slli_epi32(_mm512_cvtepi8_epi32(_mm256_extracti128_si256(g, 1)), 5)), st.d);
    return st;
  }
  template <int J>
  static OSP_INLINE Q2 load(const BlockQ6_K& b0, const BlockQ6_K& b1) {
    constexpr int kN = J / 2;
    const __m512i q0 = load2(b0.ql + 64 * kN, b1.ql + 64 * kN);
    const __m512i q1 = load2(b0.ql + 64 * kN + 32, b1.ql + 64 * kN + 32);
    const __m512i h = load2(b0.qh + 32 * kN, b1.qh + 32 * kN);
    const __m512i m4 = set2_epi8(0x0F), m30 = set2_epi8(0x30);
    if constexpr (J % 2 == 0) {
      return {_mm512_or_si512(_mm512_and_si512(q0, m4), _mm512_and_si512(_mm512_slli_epi16(h, 4), m30)),
              _mm512_or_si512(_mm512_and_si512(q1, m4), _mm512_and_si512(_mm512_slli_epi16(h, 2), m30))};
    } else {
      return {_mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(q0, 4), m4), _mm512_and_si512(h, m30)),
              _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(q1, 4), m4),
                              _mm512_and_si512(_mm512_srli_epi16(h, 2), m30))};
    }
  }
};

template <int kShift>
OSP_INLINE __m512i crumb512(__m512i v) {  // 2-bit field at kShift of each byte
  return _mm512_and_si512(kShift ? _mm512_srli_epi16(v, kShift) : v, set2_epi8(3));
}

struct Q2_K2 {
  using P = Q2_KP;
  static OSP_INLINE Sb2 prepare(const BlockQ2_K& b0, const BlockQ2_K& b1) { return prepare_joined<Q2_KP>(b0, b1); }
  template <int J>
  static OSP_INLINE Q2 load(const BlockQ2_K& b0, const BlockQ2_K& b1) {
    constexpr int kN = J / 2, kS = 2 * (J % 2);
    const __m512i q = load2(b0.qs + 32 * kN, b1.qs + 32 * kN);
    return {crumb512<2 * kS>(q), crumb512<2 * kS + 2>(q)};
  }
};

struct Q3_K2 {
  using P = Q3_KP;
  static OSP_INLINE Sb2 prepare(const BlockQ3_K& b0, const BlockQ3_K& b1) { return prepare_joined<Q3_KP>(b0, b1); }
  template <int J>
  static OSP_INLINE Q2 load(const BlockQ3_K& b0, const BlockQ3_K& b1) {
    constexpr int kN = J / 2, kS = 2 * (J % 2);
    const __m512i q = load2(b0.qs + 32 * kN, b1.qs + 32 * kN);
    const __m512i h = load2(b0.hmask, b1.hmask);
    return {_mm512_or_si512(crumb512<2 * kS>(q), bit_to512<4 * kN + kS, 2>(h)),
            _mm512_or_si512(crumb512<2 * kS + 2>(q), bit_to512<4 * kN + kS + 1, 2>(h))};
  }
};

// group_scales for both rows at once (the same per-128-bit-lane shuffle).
template <int V, bool kGroup32>
OSP_INLINE __m512i group_scales2(const Sb2& st) {
  if constexpr (kGroup32) {
    return _mm512_shuffle_epi8(st.e, _mm512_set1_epi16(static_cast<short>((2 * V) | ((2 * V + 1) << 8))));
  } else {
    constexpr int kLo = (2 * V) % 8, kHi = (2 * V + 1) % 8;
    constexpr short a = static_cast<short>((2 * kLo) | ((2 * kLo + 1) << 8));
    constexpr short b = static_cast<short>((2 * kHi) | ((2 * kHi + 1) << 8));
    const __m512i idx = _mm512_broadcast_i64x4(_mm256_setr_epi16(a, a, a, a, a, a, a, a, b, b, b, b, b, b, b, b));
    return _mm512_shuffle_epi8(V < 4 ? st.e : st.f, idx);
  }
}

// R rows x C tokens: R / 2 row pairs in 512-bit registers; an odd last row takes the 256-bit tile.
// The weights of a pair are decoded once (quants, scales) for all C tokens; each (row, token) still
// sees the one-token instruction sequence, so the bits do not depend on C.
template <class P2, int R, int C>
struct KGemv {
  using P = typename P2::P;
  using Block = typename P::Block;
  static constexpr int kNP = R / 2;
  static void run(const uint8_t* w, size_t wrb, const uint8_t* x, size_t xrb, float* y, int64_t ys, int64_t k) {
    if constexpr (kNP > 0) pairs(w, wrb, x, xrb, y, ys, k);
    if constexpr (R % 2 == 1) KTile<P, 1, C>::run(w + (R - 1) * wrb, wrb, x, xrb, y + (R - 1), ys, k);
  }
  static void pairs(const uint8_t* w, size_t wrb, const uint8_t* x, size_t xrb, float* y, int64_t ys, int64_t k) {
    const int64_t nsb = k / tensor::kQK_K;
    __m512 acc[kNP][C];
#pragma GCC unroll 8
    for (int p = 0; p < kNP; ++p)
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) acc[p][c] = _mm512_setzero_ps();
    for (int64_t sb = 0; sb < nsb; ++sb) {
      const Block* wb[2 * kNP];
#pragma GCC unroll 8
      for (int r = 0; r < 2 * kNP; ++r) {
        wb[r] = reinterpret_cast<const Block*>(w + r * wrb) + sb;
        const auto* next = reinterpret_cast<const char*>(wb[r]) + kL2PrefetchBytes;
        for (size_t off = 0; off < sizeof(Block); off += 64) prefetch_l2(next + off);
      }
      const ActQ8K* xb[C];
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) xb[c] = reinterpret_cast<const ActQ8K*>(x + c * xrb) + sb;
      Sb2 st[kNP];
      __m512 fsum[kNP][C];
#pragma GCC unroll 8
      for (int p = 0; p < kNP; ++p) {
        st[p] = P2::prepare(*wb[2 * p], *wb[2 * p + 1]);
#pragma GCC unroll 8
        for (int c = 0; c < C; ++c) fsum[p][c] = _mm512_setzero_ps();
      }
      auto step = [&]<int J>() {
        Q2 q[kNP];
        __m512i s0[kNP], s1[kNP];
#pragma GCC unroll 8
        for (int p = 0; p < kNP; ++p) {
          q[p] = P2::template load<J>(*wb[2 * p], *wb[2 * p + 1]);
          s0[p] = group_scales2<2 * J, P::kGroup32>(st[p]);
          s1[p] = group_scales2<2 * J + 1, P::kGroup32>(st[p]);
        }
#pragma GCC unroll 8
        for (int c = 0; c < C; ++c) {
          const __m512i x0 = bcast(xb[c]->qs + 64 * J), x1 = bcast(xb[c]->qs + 64 * J + 32);
          const __m512 d0 = bcast_ps(xb[c]->d + 8 * (2 * J)), d1 = bcast_ps(xb[c]->d + 8 * (2 * J + 1));
#pragma GCC unroll 8
          for (int p = 0; p < kNP; ++p) {
            const __m512i p0 = _mm512_madd_epi16(_mm512_maddubs_epi16(q[p].lo, x0), s0[p]);
            const __m512i p1 = _mm512_madd_epi16(_mm512_maddubs_epi16(q[p].hi, x1), s1[p]);
            fsum[p][c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(p0), d0, fsum[p][c]);
            fsum[p][c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(p1), d1, fsum[p][c]);
          }
        }
      };
      step.template operator()<0>();
      step.template operator()<1>();
      step.template operator()<2>();
      step.template operator()<3>();
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) {
        const __m512 s_lo = bcast_ps(xb[c]->s), s_hi = bcast_ps(xb[c]->s + 8);
#pragma GCC unroll 8
        for (int p = 0; p < kNP; ++p) {
          acc[p][c] = _mm512_fmadd_ps(fsum[p][c], st[p].d, acc[p][c]);
          acc[p][c] = _mm512_fnmadd_ps(st[p].mn_lo, s_lo, acc[p][c]);
          acc[p][c] = _mm512_fnmadd_ps(st[p].mn_hi, s_hi, acc[p][c]);
        }
      }
    }
#pragma GCC unroll 8
    for (int p = 0; p < kNP; ++p)
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) {
        y[c * ys + 2 * p] = hsum(_mm512_castps512_ps256(acc[p][c]));
        y[c * ys + 2 * p + 1] = hsum(_mm256_castsi256_ps(_mm512_extracti64x4_epi64(_mm512_castps_si512(acc[p][c]), 1)));
      }
  }
};

template <int R, int C> using Q2_KG = KGemv<Q2_K2, R, C>;
template <int R, int C> using Q3_KG = KGemv<Q3_K2, R, C>;
template <int R, int C> using Q4_KG = KGemv<Q4_K2, R, C>;
template <int R, int C> using Q5_KG = KGemv<Q5_K2, R, C>;
template <int R, int C> using Q6_KG = KGemv<Q6_K2, R, C>;

// Rows per one-token tile: two pairs give the core two independent accumulation chains (2, 6 and 8
// measured the same in cache; fewer rows mean fewer concurrent streams from memory). Small batches
// take one pair by kGemvTokens tokens (the registers hold 2 x 4 accumulators and sums).
constexpr int kGemvRows = 4;
constexpr int kGemvTokens = 4;

}  // namespace

// One token (decode) or a small batch: the weight blocks are read directly, once per kGemvTokens
// tokens.
#define OSP_GEMV_K(name, T)                                                                               \
  void name(const void* w, size_t wrb, const void* x, size_t xrb, float* y, int64_t ys, int64_t n_rows, \
            int64_t n_tok, int64_t k, uint8_t* /*scratch*/) {                                           \
    if (n_tok == 1)                                                                                     \
      mm_tiles<T, kGemvRows, 1>(w, wrb, x, xrb, y, ys, n_rows, n_tok, k);                               \
    else                                                                                                \
      mm_tiles<T, 2, kGemvTokens>(w, wrb, x, xrb, y, ys, n_rows, n_tok, k);                             \
  }

OSP_GEMV_K(gemv_q2_k_avx512, Q2_KG)
OSP_GEMV_K(gemv_q3_k_avx512, Q3_KG)
OSP_GEMV_K(gemv_q4_k_avx512, Q4_KG)
OSP_GEMV_K(gemv_q5_k_avx512, Q5_KG)
OSP_GEMV_K(gemv_q6_k_avx512, Q6_KG)

#undef OSP_GEMV_K

}  // namespace osprey::kernels::x86
