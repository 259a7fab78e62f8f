// AVX-512 (F, BW, VL, VNNI) kernels for the quantized types. Prompt batches hold two weight rows
// in one 512-bit register (row r in the low half, r + 1 in the high half) against activations
// broadcast to both halves, so every instruction does twice the AVX2 work; the weights are
// unpacked as in the AVX2 path (the same policies) and then interleaved by row pairs. Each output
// sees the same integer sums and the same float operations as on AVX2, so results are identical.
// Decode and small batches: the K-quants take gemv_avx512.cpp's 512-bit direct tiles below
// kKDirectMaxTokens tokens, the 32-block types the 256-bit kernels with AVX512-VNNI dot products.
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni")
#define OSP_X86_VNNI 2
#include "src/kernels/x86/avx512_common.h"
#include "src/kernels/x86/q32_kernels.h"
#include "src/kernels/x86/qk_kernels.h"
#include "src/tensor/half.h"

namespace osprey::kernels::x86 {
namespace {

OSP_INLINE float hsum_lo(__m512 v) { return hsum(_mm512_castps512_ps256(v)); }
OSP_INLINE float hsum_hi(__m512 v) {
  return hsum(_mm256_castsi256_ps(_mm512_extracti64x4_epi64(_mm512_castps_si512(v), 1)));
}

// ---- 32-block types: two rows' W side by side ----

// One activation pair broadcast to both halves (each kernel reads the fields it needs; the
// compiler drops the other loads).
struct X512 {
  __m512i qa, qb, m8sum;
  __m512 d, s;
  static OSP_INLINE X512 load(const ActQ8Pair& x) {
    return {bcast(x.qa), bcast(x.qb), bcast(x.m8sum), bcast_ps(x.d), bcast_ps(x.s)};
  }
};

template <class P>
struct Pair2;

template <>
struct Pair2<Q4_0P> {
  __m512i a, b;
  __m512 d;
  static Pair2 make(const Q4_0P::W& r0, const Q4_0P::W& r1) { return {join(r0.a, r1.a), join(r0.b, r1.b), join(r0.d, r1.d)}; }
  OSP_INLINE void mac(__m512& acc, const X512& x) const {
    const __m512i i = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(x.m8sum, a, x.qa), b, x.qb);
    acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i), _mm512_mul_ps(d, x.d), acc);
  }
};

template <>
struct Pair2<Q5_0P> : Pair2<Q4_0P> {
  static Pair2 make(const Q5_0P::W& r0, const Q5_0P::W& r1) {
    Pair2 p;
    static_cast<Pair2<Q4_0P>&>(p) = Pair2<Q4_0P>::make(r0, r1);
    return p;
  }
  OSP_INLINE void mac(__m512& acc, const X512& x) const {
    const __m512i bias = _mm512_slli_epi32(x.m8sum, 1);
    const __m512i i = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(bias, a, x.qa), b, x.qb);
    acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i), _mm512_mul_ps(d, x.d), acc);
  }
};

template <>
struct Pair2<Q4_1P> {
  __m512i a, b;
  __m512 d, m;
  static Pair2 make(const Q4_1P::W& r0, const Q4_1P::W& r1) {
    return {join(r0.a, r1.a), join(r0.b, r1.b), join(r0.d, r1.d), join(r0.m, r1.m)};
  }
  OSP_INLINE void mac(__m512& acc, const X512& x) const {
    const __m512i i = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), a, x.qa), b, x.qb);
    acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i), _mm512_mul_ps(d, x.d), acc);
    acc = _mm512_fmadd_ps(m, x.s, acc);
  }
};

template <>
struct Pair2<Q5_1P> : Pair2<Q4_1P> {
  static Pair2 make(const Q5_1P::W& r0, const Q5_1P::W& r1) {
    Pair2 p;
    static_cast<Pair2<Q4_1P>&>(p) = Pair2<Q4_1P>::make(r0, r1);
    return p;
  }
};

// Q8_0: |w| times x negated where w < 0 (AVX-512 has no byte sign instruction; w = 0 needs no
// care since |w| = 0).
template <>
struct Pair2<Q8_0P> {
  __m512i abs_a, abs_b;
  __m512 d;
  __mmask64 neg_a, neg_b;
  static Pair2 make(const Q8_0P::W& r0, const Q8_0P::W& r1) {
    return {join(r0.abs_a, r1.abs_a), join(r0.abs_b, r1.abs_b), join(r0.d, r1.d),
            _mm512_movepi8_mask(join(r0.a, r1.a)), _mm512_movepi8_mask(join(r0.b, r1.b))};
  }
  OSP_INLINE void mac(__m512& acc, const X512& x) const {
    const __m512i xa = x.qa, xb = x.qb;
    const __m512i sa = _mm512_mask_sub_epi8(xa, neg_a, _mm512_setzero_si512(), xa);
    const __m512i sb = _mm512_mask_sub_epi8(xb, neg_b, _mm512_setzero_si512(), xb);
    const __m512i i = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), abs_a, sa), abs_b, sb);
    acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i), _mm512_mul_ps(d, x.d), acc);
  }
};

// Unpacks rows in pairs: u[p * RP + rp] for pair p, row pair rp (a missing last row is zeros).
template <class P>
struct PairUnpack512 {
  static void unpack(const uint8_t* w, size_t wrb, int rows, int64_t k, uint8_t* dst) {
    auto* u = reinterpret_cast<Pair2<P>*>(dst);
    const int rp_n = (rows + 1) / 2;
    const int64_t nb = k / 32;
    const typename P::W zero{};
    auto put = [&]<bool kTwo>(int64_t p) {
      for (int rp = 0; rp < rp_n; ++rp) {
        for (int i = 0; i < 2 && 2 * rp + i < rows; ++i) {  // the rows stream from memory once
          const uint8_t* next = w + (2 * rp + i) * wrb + 2 * p * sizeof(typename P::Block) + kStreamPrefetchBytes;
          prefetch_stream(next);
          if constexpr (2 * sizeof(typename P::Block) > 64) prefetch_stream(next + 64);
        }
        const typename P::W r0 = load_pair<P, kTwo>(w + (2 * rp) * wrb, 2 * p);
        const typename P::W r1 = 2 * rp + 1 < rows ? load_pair<P, kTwo>(w + (2 * rp + 1) * wrb, 2 * p) : zero;
        u[p * rp_n + rp] = Pair2<P>::make(r0, r1);
      }
    };
    int64_t p = 0;
    for (; p < nb / 2; ++p) put.template operator()<true>(p);
    if (nb % 2) put.template operator()<false>(p);
  }
};

template <class P, int R, int C>
struct PairTile512 {
  static constexpr int kRP = (R + 1) / 2;
  static void run(const uint8_t* ub, const uint8_t* x, size_t xrb, float* y, int64_t ys, int64_t k) {
    const auto* u = reinterpret_cast<const Pair2<P>*>(ub);
    const int64_t np = (k / 32 + 1) / 2;
    __m512 acc[kRP][C];
#pragma GCC unroll 8
    for (int r = 0; r < kRP; ++r)
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) acc[r][c] = _mm512_setzero_ps();
    for (int64_t p = 0; p < np; ++p) {
      Pair2<P> wd[kRP];
#pragma GCC unroll 8
      for (int r = 0; r < kRP; ++r) wd[r] = u[p * kRP + r];
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) {
        const X512 xv = X512::load(reinterpret_cast<const ActQ8Pair*>(x + c * xrb)[p]);
#pragma GCC unroll 8
        for (int r = 0; r < kRP; ++r) wd[r].mac(acc[r][c], xv);
      }
    }
#pragma GCC unroll 8
    for (int r = 0; r < kRP; ++r)
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) {
        y[c * ys + 2 * r] = hsum_lo(acc[r][c]);
        if (2 * r + 1 < R) y[c * ys + 2 * r + 1] = hsum_hi(acc[r][c]);
      }
  }
};

// ---- K-quants: two rows' unpacked super-blocks side by side ----

struct alignas(64) UnpackedK2 {
  __m512i q[8];
  __m512i sc[8];
  __m512 mn_lo, mn_hi;  // [row r | row r+1] of UnpackedK's
  __m512 d;             // [d_r x8 | d_r+1 x8]
};

template <class P>
struct KUnpack512 {
  static void unpack(const uint8_t* w, size_t wrb, int rows, int64_t k, uint8_t* dst) {
    auto* u = reinterpret_cast<UnpackedK2*>(dst);
    const int rp_n = (rows + 1) / 2;
    alignas(32) UnpackedK h[2];
    for (int64_t sb = 0; sb < k / tensor::kQK_K; ++sb)
      for (int rp = 0; rp < rp_n; ++rp) {
        for (int i = 0; i < 2; ++i) {
          const int r = 2 * rp + i;
          if (r < rows) {
            const uint8_t* blk = w + r * wrb + sb * sizeof(typename P::Block);
            for (size_t off = 0; off < sizeof(typename P::Block); off += 64) prefetch_stream(blk + kStreamPrefetchBytes + off);
            KUnpack<P>::unpack(blk, wrb, 1, tensor::kQK_K, reinterpret_cast<uint8_t*>(&h[i]));
          }
          else
            h[i] = UnpackedK{};
        }
        UnpackedK2& o = u[sb * rp_n + rp];
        for (int v = 0; v < 8; ++v) {
          o.q[v] = join(h[0].q[v], h[1].q[v]);
          o.sc[v] = join(h[0].sc[v], h[1].sc[v]);
        }
        o.mn_lo = join(h[0].mn_lo, h[1].mn_lo);
        o.mn_hi = join(h[0].mn_hi, h[1].mn_hi);
        o.d = join(_mm256_set1_ps(h[0].d), _mm256_set1_ps(h[1].d));
      }
  }
};

template <int R, int C>
struct KTile512 {
  static constexpr int kRP = (R + 1) / 2;
  static void run(const uint8_t* ub, const uint8_t* x, size_t xrb, float* y, int64_t ys, int64_t k) {
    const auto* u = reinterpret_cast<const UnpackedK2*>(ub);
    const int64_t nsb = k / tensor::kQK_K;
    __m512 acc[kRP][C];
#pragma GCC unroll 8
    for (int r = 0; r < kRP; ++r)
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) acc[r][c] = _mm512_setzero_ps();
    for (int64_t sb = 0; sb < nsb; ++sb) {
      __m512 fsum[kRP][C];
#pragma GCC unroll 8
      for (int r = 0; r < kRP; ++r)
#pragma GCC unroll 8
        for (int c = 0; c < C; ++c) fsum[r][c] = _mm512_setzero_ps();
#pragma GCC unroll 1
      for (int v = 0; v < 8; ++v) {
#pragma GCC unroll 8
        for (int r = 0; r < kRP; ++r) {
          const UnpackedK2& o = u[sb * kRP + r];
          const __m512i q = _mm512_load_si512(&o.q[v]);
#pragma GCC unroll 8
          for (int c = 0; c < C; ++c) {
            const ActQ8K& xb = reinterpret_cast<const ActQ8K*>(x + c * xrb)[sb];
            const __m512i p = _mm512_madd_epi16(_mm512_maddubs_epi16(q, bcast(xb.qs + 32 * v)), _mm512_load_si512(&o.sc[v]));
            fsum[r][c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(p), bcast_ps(xb.d + 8 * v), fsum[r][c]);
          }
        }
      }
#pragma GCC unroll 8
      for (int r = 0; r < kRP; ++r)
#pragma GCC unroll 8
        for (int c = 0; c < C; ++c) {
          const UnpackedK2& o = u[sb * kRP + r];
          const ActQ8K& xb = reinterpret_cast<const ActQ8K*>(x + c * xrb)[sb];
          acc[r][c] = _mm512_fmadd_ps(fsum[r][c], o.d, acc[r][c]);
          acc[r][c] = _mm512_fnmadd_ps(o.mn_lo, bcast_ps(xb.s), acc[r][c]);
          acc[r][c] = _mm512_fnmadd_ps(o.mn_hi, bcast_ps(xb.s + 8), acc[r][c]);
        }
    }
#pragma GCC unroll 8
    for (int r = 0; r < kRP; ++r)
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) {
        y[c * ys + 2 * r] = hsum_lo(acc[r][c]);
        if (2 * r + 1 < R) y[c * ys + 2 * r + 1] = hsum_hi(acc[r][c]);
      }
  }
};

// ---- float weights: k in chunks of kFloatChunk; one chunk of a 4-row weight tile (as f32) and of
// up to kPackTokens tokens (copied together, so rows far apart in memory do not fight over the
// same L1 sets) sit in L1 while every token tile passes; partial sums add into y ----

constexpr int64_t kFloatChunk = 1024;
constexpr int64_t kPackTokens = 12;

// rows x [k0, k0 + kc) of the weights as f32, rows kFloatChunk apart, zero from kc up to the next
// multiple of 16 (FloatChunkTile reads whole 16-lane groups; nothing reads past them).
template <tensor::DType kType>
void float_chunk(const uint8_t* w, size_t wrb, int rows, int64_t k0, int64_t kc, float* out) {
  const int64_t end = (kc + 15) / 16 * 16;
  for (int r = 0; r < rows; ++r) {
    const uint8_t* row = w + r * wrb;
    float* o = out + r * kFloatChunk;
    int64_t i = 0;
    for (; i + 16 <= kc; i += 16) {
      const int64_t e = k0 + i;
      __m512 v;
      if constexpr (kType == tensor::DType::kF32) {
        v = _mm512_loadu_ps(reinterpret_cast<const float*>(row) + e);
      } else if constexpr (kType == tensor::DType::kF16) {
        v = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + 2 * e)));
      } else {
        const __m512i h = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + 2 * e)));
        v = _mm512_castsi512_ps(_mm512_slli_epi32(h, 16));
      }
      _mm512_store_ps(o + i, v);
    }
    for (; i < end; ++i) {
      float v = 0.0f;
      if (i < kc) {
        const int64_t e = k0 + i;
        if constexpr (kType == tensor::DType::kF32) v = reinterpret_cast<const float*>(row)[e];
        else if constexpr (kType == tensor::DType::kF16) v = tensor::fp16_to_fp32(load_u16(row + 2 * e));
        else v = tensor::bf16_to_fp32(load_u16(row + 2 * e));
      }
      o[i] = v;
    }
  }
}

// R rows x C tokens over one chunk of kc values; the activation tail past kc is masked off.
// kAdd: add to y (later chunks) instead of storing (the first).
template <int R, int C, bool kAdd>
struct FloatChunkTile {
  static void run(const float* w, const uint8_t* x, size_t xrb, float* y, int64_t ys, int64_t kc) {
    __m512 acc[R][C];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) acc[r][c] = _mm512_setzero_ps();
    auto step = [&](int64_t i, __mmask16 m) {
      __m512 wv[R];
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) wv[r] = _mm512_load_ps(w + r * kFloatChunk + i);
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) {
        const __m512 xv = _mm512_maskz_loadu_ps(m, reinterpret_cast<const float*>(x + c * xrb) + i);
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) acc[r][c] = _mm512_fmadd_ps(wv[r], xv, acc[r][c]);
      }
    };
    int64_t i = 0;
    for (; i + 16 <= kc; i += 16) step(i, 0xffff);
    if (i < kc) step(i, static_cast<__mmask16>((1u << (kc - i)) - 1));
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) {
        const float v = _mm512_reduce_add_ps(acc[r][c]);
        y[c * ys + r] = kAdd ? y[c * ys + r] + v : v;
      }
  }
};

template <int R, int C>
struct FloatChunkTileStore : FloatChunkTile<R, C, false> {};
template <int R, int C>
struct FloatChunkTileAdd : FloatChunkTile<R, C, true> {};

// 16 weights from element e of a row as f32, lanes past `m` zero.
template <tensor::DType kType>
OSP_INLINE __m512 load_w16(const uint8_t* row, int64_t e, __mmask16 m) {
  if constexpr (kType == tensor::DType::kF32) {
    return _mm512_maskz_loadu_ps(m, reinterpret_cast<const float*>(row) + e);
  } else if constexpr (kType == tensor::DType::kF16) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, row + 2 * e));
  } else {
    const __m512i h = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, row + 2 * e));
    return _mm512_castsi512_ps(_mm512_slli_epi32(h, 16));
  }
}

// The same arithmetic per output as float_gemm512 (chunks of kFloatChunk, 16 lanes, one
// reduction per chunk added into y in order) reading the weight rows directly: decode and small
// batches, so that a token gets the same bits whatever batch it is in.
template <tensor::DType kType>
struct FloatDirect {
  template <int R, int C>
  struct Tile {
    static void run(const uint8_t* w, size_t wrb, const uint8_t* x, size_t xrb, float* y, int64_t ys, int64_t k) {
      for (int64_t k0 = 0; k0 < k; k0 += kFloatChunk) {
        const int64_t kc = k - k0 < kFloatChunk ? k - k0 : kFloatChunk;
        __m512 acc[R][C];
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
          for (int c = 0; c < C; ++c) acc[r][c] = _mm512_setzero_ps();
        auto step = [&](int64_t i, __mmask16 m) {
          constexpr int64_t kElem = kType == tensor::DType::kF32 ? 4 : 2;
          if constexpr (C == 1) {  // decode streams the rows from memory: prefetch, once per line
            if (((k0 + i) * kElem) % 64 == 0) {
#pragma GCC unroll 8
              for (int r = 0; r < R; ++r) prefetch_l2(w + r * wrb + (k0 + i) * kElem + kL2PrefetchBytes);
            }
          }
          __m512 wv[R];
#pragma GCC unroll 8
          for (int r = 0; r < R; ++r) wv[r] = load_w16<kType>(w + r * wrb, k0 + i, m);
#pragma GCC unroll 8
          for (int c = 0; c < C; ++c) {
            const __m512 xv = _mm512_maskz_loadu_ps(m, reinterpret_cast<const float*>(x + c * xrb) + k0 + i);
#pragma GCC unroll 8
            for (int r = 0; r < R; ++r) acc[r][c] = _mm512_fmadd_ps(wv[r], xv, acc[r][c]);
          }
        };
        int64_t i = 0;
        for (; i + 16 <= kc; i += 16) step(i, 0xffff);
        if (i < kc) step(i, static_cast<__mmask16>((1u << (kc - i)) - 1));
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
          for (int c = 0; c < C; ++c) {
            const float v = _mm512_reduce_add_ps(acc[r][c]);
            y[c * ys + r] = k0 > 0 ? y[c * ys + r] + v : v;
          }
      }
    }
  };
};

using FloatRunFn = void (*)(const float* w, const uint8_t* x, size_t xrb, float* y, int64_t ys, int64_t kc);

template <tensor::DType kType>
void float_gemm512(const void* w, size_t wrb, const void* x, size_t xrb, float* y, int64_t ys, int64_t n_rows,
                   int64_t n_tok, int64_t k, uint8_t* scratch) {
  constexpr int R = 4, C = 6;
  static constexpr std::array<FloatRunFn, R * C> kStore = make_grid<FloatRunFn, FloatChunkTileStore, R, C>();
  static constexpr std::array<FloatRunFn, R * C> kAdd = make_grid<FloatRunFn, FloatChunkTileAdd, R, C>();
  const auto* wb = static_cast<const uint8_t*>(w);
  const auto* xb = static_cast<const uint8_t*>(x);
  auto* tile = reinterpret_cast<float*>(scratch);           // [R, kFloatChunk]
  float* xp = tile + R * kFloatChunk;                       // [kPackTokens, kFloatChunk]
  constexpr size_t kXpRow = kFloatChunk * sizeof(float);
  for (int64_t tb = 0; tb < n_tok; tb += kPackTokens) {
    const int64_t nt = n_tok - tb < kPackTokens ? n_tok - tb : kPackTokens;
    for (int64_t k0 = 0; k0 < k; k0 += kFloatChunk) {
      const int64_t kc = k - k0 < kFloatChunk ? k - k0 : kFloatChunk;
      const auto& grid = k0 == 0 ? kStore : kAdd;
      for (int64_t t = 0; t < nt; ++t)
        std::memcpy(xp + t * kFloatChunk, xb + (tb + t) * xrb + k0 * sizeof(float), static_cast<size_t>(kc) * 4);
      for (int64_t r0 = 0; r0 < n_rows; r0 += R) {
        const int rr = static_cast<int>(n_rows - r0 < R ? n_rows - r0 : R);
        float_chunk<kType>(wb + r0 * wrb, wrb, rr, k0, kc, tile);
        for (int64_t t0 = 0; t0 < nt; t0 += C) {
          const int cc = static_cast<int>(nt - t0 < C ? nt - t0 : C);
          grid[(rr - 1) * C + (cc - 1)](tile, reinterpret_cast<const uint8_t*>(xp + t0 * kFloatChunk), kXpRow,
                                        y + (tb + t0) * ys + r0, ys, kc);
        }
      }
    }
  }
}

// Decode and small batches of the 32-block types: the 256-bit kernels read the blocks directly
// (two rows per one-token tile, RD rows x 4 tokens for batches).
template <template <int, int> class T, int RD>
void direct_q32(const void* w, size_t wrb, const void* x, size_t xrb, float* y, int64_t ys, int64_t n_rows,
                int64_t n_tok, int64_t k, uint8_t* /*scratch*/) {
  if (n_tok == 1)
    mm_tiles<T, 2, 1>(w, wrb, x, xrb, y, ys, n_rows, n_tok, k);
  else
    mm_tiles<T, RD, 4>(w, wrb, x, xrb, y, ys, n_rows, n_tok, k);
}

template <int R, int C> using Q4_0W = PairTile512<Q4_0P, R, C>;
template <int R, int C> using Q4_1W = PairTile512<Q4_1P, R, C>;
template <int R, int C> using Q5_0W = PairTile512<Q5_0P, R, C>;
template <int R, int C> using Q5_1W = PairTile512<Q5_1P, R, C>;
template <int R, int C> using Q8_0W = PairTile512<Q8_0P, R, C>;

// Batches below this many tokens read the K-quant blocks directly with the 512-bit GEMV tiles
// (gemv_avx512.cpp: each pair of rows decoded once per 4 tokens); from it on, rows are unpacked
// once for all tokens. At 8 tokens unpacking took twice the time of the multiplications after it.
constexpr int64_t kKDirectMaxTokens = 16;

}  // namespace

// Decode and small batches: DIRECT below DIRECT_MAX tokens (and without scratch); prompt batches:
// 4 rows x 4 tokens over unpacked weights.
#define OSP_MM_512(name, UNPACK, T512, DIRECT, DIRECT_MAX)                                               \
  void name(const void* w, size_t wrb, const void* x, size_t xrb, float* y, int64_t ys, int64_t n_rows, \
            int64_t n_tok, int64_t k, uint8_t* scratch) {                                               \
    if (n_tok < (DIRECT_MAX) || scratch == nullptr)                                                     \
      DIRECT(w, wrb, x, xrb, y, ys, n_rows, n_tok, k, scratch);                                         \
    else                                                                                                \
      mm_unpacked<UNPACK, T512, kUnpackRows, 4>(w, wrb, x, xrb, y, ys, n_rows, n_tok, k, scratch);      \
  }

OSP_MM_512(mm_q4_0_avx512, PairUnpack512<Q4_0P>, Q4_0W, (direct_q32<Q4_0T, 2>), kUnpackMinTokens)
OSP_MM_512(mm_q4_1_avx512, PairUnpack512<Q4_1P>, Q4_1W, (direct_q32<Q4_1T, 2>), kUnpackMinTokens)
OSP_MM_512(mm_q5_0_avx512, PairUnpack512<Q5_0P>, Q5_0W, (direct_q32<Q5_0T, 2>), kUnpackMinTokens)
OSP_MM_512(mm_q5_1_avx512, PairUnpack512<Q5_1P>, Q5_1W, (direct_q32<Q5_1T, 2>), kUnpackMinTokens)
OSP_MM_512(mm_q8_0_avx512, PairUnpack512<Q8_0P>, Q8_0W, (direct_q32<Q8_0T, 1>), kUnpackMinTokens)
OSP_MM_512(mm_q2_k_avx512, KUnpack512<Q2_KP>, KTile512, gemv_q2_k_avx512, kKDirectMaxTokens)
OSP_MM_512(mm_q3_k_avx512, KUnpack512<Q3_KP>, KTile512, gemv_q3_k_avx512, kKDirectMaxTokens)
OSP_MM_512(mm_q4_k_avx512, KUnpack512<Q4_KP>, KTile512, gemv_q4_k_avx512, kKDirectMaxTokens)
OSP_MM_512(mm_q5_k_avx512, KUnpack512<Q5_KP>, KTile512, gemv_q5_k_avx512, kKDirectMaxTokens)
OSP_MM_512(mm_q6_k_avx512, KUnpack512<Q6_KP>, KTile512, gemv_q6_k_avx512, kKDirectMaxTokens)

#undef OSP_MM_512

// Float weights: decode and small batches read the rows directly with the same chunked arithmetic.
#define OSP_MM_512F(name, TYPE)                                                                          \
  void name(const void* w, size_t wrb, const void* x, size_t xrb, float* y, int64_t ys, int64_t n_rows, \
            int64_t n_tok, int64_t k, uint8_t* scratch) {                                               \
    if (n_tok == 1)                                                                                     \
      mm_tiles<FloatDirect<TYPE>::Tile, 4, 1>(w, wrb, x, xrb, y, ys, n_rows, n_tok, k);                 \
    else if (n_tok < kUnpackMinTokens || scratch == nullptr)                                            \
      mm_tiles<FloatDirect<TYPE>::Tile, 4, 4>(w, wrb, x, xrb, y, ys, n_rows, n_tok, k);                 \
    else                                                                                                \
      float_gemm512<TYPE>(w, wrb, x, xrb, y, ys, n_rows, n_tok, k, scratch);                           \
  }

OSP_MM_512F(mm_f32_avx512, tensor::DType::kF32)
OSP_MM_512F(mm_f16_avx512, tensor::DType::kF16)
OSP_MM_512F(mm_bf16_avx512, tensor::DType::kBF16)

#undef OSP_MM_512F

size_t unpack512_bytes(int64_t k) {
  const size_t pairs = static_cast<size_t>((k / 32 + 1) / 2) * sizeof(Pair2<Q8_0P>);
  const size_t ks = static_cast<size_t>(k / tensor::kQK_K) * sizeof(UnpackedK2);
  const size_t fl = (kUnpackRows + kPackTokens) * static_cast<size_t>(kFloatChunk) * sizeof(float);
  const size_t q = (kUnpackRows / 2) * (pairs > ks ? pairs : ks);
  return (q > fl ? q : fl) + 64;
}

}  // namespace osprey::kernels::x86
