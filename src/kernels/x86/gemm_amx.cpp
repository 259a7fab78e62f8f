// AMX-BF16 prompt-batch matmul: see gemm_amx.h for the precision argument and the layouts.
//
// Tiles (all 16 rows x 64 bytes): tmm0..3 accumulate C for 2 token groups x 2 weight-row groups
// (C[token][row], kept in y between K-blocks), tmm4/5 hold activation tiles (16 tokens x 32 k, hi
// or lo), tmm6/7 weight tiles (16 k-pairs x 16 rows, hi or lo). Per 32 values of k and 4 C tiles:
// quantized weights (one part) 6 tile loads and 8 products (hi(x)*w, lo(x)*w); float weights (two
// parts) 10 loads and 12 products (hi*hi, hi*lo, lo*hi).
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,amx-tile,amx-bf16")
#include "src/kernels/x86/gemm_amx.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "src/kernels/ref/quants.h"
#include "src/kernels/x86/dequant_avx512.h"

namespace osprey::kernels::x86 {
namespace {

using tensor::DType;

constexpr size_t kTileBytes = 1024;
constexpr int64_t kKcChunks = kAmxKc / 32;
// Weights are decoded to f32 16 rows x kStageK values at a time (16 KiB, stays in L1), then split
// into bf16 tiles. A multiple of every block size; k0 + s0 stays block-aligned.
constexpr int64_t kStageK = 256;
constexpr size_t kStageBytes = 16 * kStageK * sizeof(float);
constexpr int64_t kPrefetchSlices = 2;
// The weight panel of one K-block: as many 16-row groups as fit (at least 32 rows); it stays in L2
// while the activation tiles of every token pair stream past it.
constexpr size_t kPanelBytes = size_t{512} << 10;
static_assert(kPanelBytes >= 2 * kKcChunks * 2 * kTileBytes, "the panel must hold two row groups of hi + lo tiles");

struct alignas(64) TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};

void configure_tiles() {
  TileConfig c;
  for (int i = 0; i < 8; ++i) {
    c.colsb[i] = 64;
    c.rows[i] = 16;
  }
  _tile_loadconfig(&c);
}

// v (32 floats as v0, v1) -> hi = bf16(v), lo = bf16(v - hi), each 32 bf16 in k order.
inline void split_bf16(__m512 v0, __m512 v1, __m512i& hi, __m512i& lo) {
  hi = reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(v1, v0));
  const __m512 h0 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm512_castsi512_si256(hi)), 16));
  const __m512 h1 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(hi, 1)), 16));
  lo = reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(_mm512_sub_ps(v1, h1), _mm512_sub_ps(v0, h0)));
}

// In-register transpose of 16 x 16 32-bit elements by block swaps of 8, 4, 2, 1.
struct TransposeIdx {
  __m512i lo[4], hi[4];
  TransposeIdx() {
    for (int s = 0; s < 4; ++s) {
      const int h = 8 >> s;
      alignas(64) int32_t a[16], b[16];
      for (int j = 0; j < 16; ++j) {
        a[j] = (j & h) ? 16 + j - h : j;
        b[j] = (j & h) ? 16 + j : j + h;
      }
      lo[s] = _mm512_load_si512(a);
      hi[s] = _mm512_load_si512(b);
    }
  }
};

inline void transpose16(__m512i r[16], const TransposeIdx& ix) {
  for (int s = 0; s < 4; ++s) {
    const int h = 8 >> s;
    for (int i = 0; i < 16; ++i) {
      if (i & h) continue;
      const __m512i a = r[i], b = r[i + h];
      r[i] = _mm512_permutex2var_epi32(a, ix.lo[s], b);
      r[i + h] = _mm512_permutex2var_epi32(a, ix.hi[s], b);
    }
  }
}

// f32 values [k0, k0 + n) of one weight row into dst: the AVX-512 decoder where there is one.
void dequant_slice(DType t, const uint8_t* row, int64_t k0, int64_t n, float* dst) {
  if (!dequant_row_avx512(t, row, k0, n, dst)) ref::dequantize_row(t, row + tensor::row_size(t, k0), dst, n);
}

// One group of 16 weight rows (the first `valid` real, the rest zeros), values [k0, k0 + kn),
// into `chunks` tiles of the pair-interleaved layout: per chunk the hi tile, then for P == 2 the lo
// tile. `stage` holds 16 f32 rows of kStageK values.
template <int P>
void build_group(DType t, const uint8_t* w, size_t wrb, int64_t valid, int64_t k0, int64_t kn, int64_t chunks,
                 float* stage, uint8_t* tiles, const TransposeIdx& ix) {
  for (int64_t s0 = 0; s0 < chunks * 32; s0 += kStageK) {  // 16 x kStageK f32 staged in L1
    const int64_t width = std::min<int64_t>(kStageK, chunks * 32 - s0);
    const int64_t n = std::clamp<int64_t>(kn - s0, 0, width);  // real values in this slice
    for (int64_t m = 0; m < 16; ++m) {
      float* dst = stage + m * kStageK;
      int64_t done = 0;
      if (m < valid && n > 0) {
        // The rows are 16 interleaved streams of short reads, which the hardware prefetcher does
        // not follow: fetch this row's slice two visits ahead.
        const int64_t ahead = k0 + s0 + kPrefetchSlices * kStageK;
        if (ahead < k0 + kn) {
          const uint8_t* p = w + m * wrb + tensor::row_size(t, ahead);
          const size_t bytes = tensor::row_size(t, std::min<int64_t>(kStageK, k0 + kn - ahead));
          for (size_t b = 0; b < bytes; b += 64) _mm_prefetch(reinterpret_cast<const char*>(p + b), _MM_HINT_T0);
        }
        dequant_slice(t, w + m * wrb, k0 + s0, n, dst);
        done = n;
      }
      std::memset(dst + done, 0, static_cast<size_t>(width - done) * sizeof(float));
    }
    for (int64_t c = 0; c < width / 32; ++c) {
      __m512i hi[16], lo[16];
      for (int m = 0; m < 16; ++m) {
        const float* v = stage + m * kStageK + c * 32;
        split_bf16(_mm512_load_ps(v), _mm512_load_ps(v + 16), hi[m], lo[m]);
      }
      uint8_t* out = tiles + (s0 / 32 + c) * P * kTileBytes;
      transpose16(hi, ix);
      for (int p = 0; p < 16; ++p) _mm512_store_si512(out + p * 64, hi[p]);
      if constexpr (P == 2) {
        transpose16(lo, ix);
        for (int p = 0; p < 16; ++p) _mm512_store_si512(out + kTileBytes + p * 64, lo[p]);
      }
    }
  }
}

// C tiles for T token groups x G row groups over `chunks` k-chunks. x: the first token group's hi
// tile at this K-block (lo 1 KiB on, the next group xg bytes on); w: the first row group's tiles
// (P per chunk, the next group gs bytes on); y: C[0][0]. P == 2 adds the hi(x) * lo(w) products.
template <int P, int G, int T>
void tile_block(const uint8_t* w, int64_t gs, int64_t chunks, const uint8_t* x, int64_t xg, float* y,
                int64_t ys_bytes, bool first) {
  auto* yb = reinterpret_cast<uint8_t*>(y);
  const int64_t t1 = 16 * ys_bytes;  // bytes from token group 0 to 1 in y
  if (first) {
    _tile_zero(0);
    if constexpr (G == 2) _tile_zero(1);
    if constexpr (T == 2) _tile_zero(2);
    if constexpr (G == 2 && T == 2) _tile_zero(3);
  } else {
    _tile_loadd(0, yb, ys_bytes);
    if constexpr (G == 2) _tile_loadd(1, yb + 64, ys_bytes);
    if constexpr (T == 2) _tile_loadd(2, yb + t1, ys_bytes);
    if constexpr (G == 2 && T == 2) _tile_loadd(3, yb + t1 + 64, ys_bytes);
  }
  auto products = [] {
    _tile_dpbf16ps(0, 4, 6);
    if constexpr (G == 2) _tile_dpbf16ps(1, 4, 7);
    if constexpr (T == 2) _tile_dpbf16ps(2, 5, 6);
    if constexpr (G == 2 && T == 2) _tile_dpbf16ps(3, 5, 7);
  };
  for (int64_t c = 0; c < chunks; ++c) {
    const uint8_t* wt = w + c * P * kTileBytes;
    const uint8_t* ah = x + c * 2 * kTileBytes;
    const uint8_t* al = ah + kTileBytes;
    _tile_loadd(4, ah, 64);  // hi(x) * hi(w)
    if constexpr (T == 2) _tile_loadd(5, ah + xg, 64);
    _tile_loadd(6, wt, 64);
    if constexpr (G == 2) _tile_loadd(7, wt + gs, 64);
    products();
    if constexpr (P == 2) {  // hi(x) * lo(w)
      _tile_loadd(6, wt + kTileBytes, 64);
      if constexpr (G == 2) _tile_loadd(7, wt + gs + kTileBytes, 64);
      products();
      _tile_loadd(6, wt, 64);
      if constexpr (G == 2) _tile_loadd(7, wt + gs, 64);
    }
    _tile_loadd(4, al, 64);  // lo(x) * hi(w)
    if constexpr (T == 2) _tile_loadd(5, al + xg, 64);
    products();
  }
  _tile_stored(0, yb, ys_bytes);
  if constexpr (G == 2) _tile_stored(1, yb + 64, ys_bytes);
  if constexpr (T == 2) _tile_stored(2, yb + t1, ys_bytes);
  if constexpr (G == 2 && T == 2) _tile_stored(3, yb + t1 + 64, ys_bytes);
}

// Weights whose f32 values need two bf16 parts to stay exact (F16 has 11 significant bits, F32 24);
// BF16 is exact in one, and quantized weights are rounded to one (see gemm_amx.h).
int weight_parts(DType t) { return t == DType::kF32 || t == DType::kF16 ? 2 : 1; }

template <int P>
void gemm_parts(DType t, const uint8_t* w, size_t wrb, int64_t n_rows, int64_t n_valid, const uint8_t* xact,
                int64_t n_tok, int64_t k, float* y, int64_t ys, uint8_t* scratch) {
  static const TransposeIdx kIdx;
  const int64_t kp = amx_k_padded(k), n_pad = amx_tokens_padded(n_tok);
  const int64_t xg = kp / 32 * 2 * static_cast<int64_t>(kTileBytes);  // activation bytes per token group
  const int64_t ys_bytes = ys * static_cast<int64_t>(sizeof(float));
  auto* stage = reinterpret_cast<float*>(scratch);
  uint8_t* panel = scratch + kStageBytes;
  for (int64_t k0 = 0; k0 < kp; k0 += kAmxKc) {
    const int64_t chunks = std::min<int64_t>(kAmxKc, kp - k0) / 32;
    const int64_t kn = std::min<int64_t>(kAmxKc, k - k0);
    const int64_t gs = chunks * P * static_cast<int64_t>(kTileBytes);  // panel bytes per row group
    const int64_t panel_rows = std::max<int64_t>(32, static_cast<int64_t>(kPanelBytes) / gs * 16 / 32 * 32);
    for (int64_t p0 = 0; p0 < n_rows; p0 += panel_rows) {
      const int64_t p_rows = std::min(panel_rows, n_rows - p0);
      for (int64_t g = 0; g < p_rows / 16; ++g) {
        const int64_t valid = std::clamp<int64_t>(n_valid - p0 - 16 * g, 0, 16);
        build_group<P>(t, w + (p0 + 16 * g) * wrb, wrb, valid, k0, kn, chunks, stage, panel + g * gs, kIdx);
      }
      const bool first = k0 == 0;
      for (int64_t t0 = 0; t0 < n_pad; t0 += 32) {
        const bool two_t = n_pad - t0 >= 32;
        const uint8_t* xa = xact + t0 / 16 * xg + k0 / 32 * 2 * kTileBytes;
        for (int64_t r0 = 0; r0 < p_rows; r0 += 32) {
          const bool two_g = p_rows - r0 >= 32;
          const uint8_t* wp = panel + r0 / 16 * gs;
          float* yt = y + t0 * ys + p0 + r0;
          if (two_g && two_t) tile_block<P, 2, 2>(wp, gs, chunks, xa, xg, yt, ys_bytes, first);
          else if (two_g) tile_block<P, 2, 1>(wp, gs, chunks, xa, xg, yt, ys_bytes, first);
          else if (two_t) tile_block<P, 1, 2>(wp, gs, chunks, xa, xg, yt, ys_bytes, first);
          else tile_block<P, 1, 1>(wp, gs, chunks, xa, xg, yt, ys_bytes, first);
        }
      }
    }
  }
}

}  // namespace

size_t amx_scratch_bytes() { return kStageBytes + kPanelBytes + 64; }

bool amx_supports(DType t) {
  switch (t) {
    case DType::kF32:
    case DType::kF16:
    case DType::kBF16:
    case DType::kQ4_0:
    case DType::kQ4_1:
    case DType::kQ5_0:
    case DType::kQ5_1:
    case DType::kQ8_0:
    case DType::kQ2_K:
    case DType::kQ3_K:
    case DType::kQ4_K:
    case DType::kQ5_K:
    case DType::kQ6_K:
      return true;
    default:
      return false;
  }
}

void amx_prepare_act(const float* x, int64_t xs, int64_t n_tok, int64_t k, uint8_t* dst, int64_t t0, int64_t t1) {
  const int64_t kp = amx_k_padded(k), n_pad = amx_tokens_padded(n_tok), chunks = kp / 32;
  const size_t group_bytes = static_cast<size_t>(chunks) * 2 * kTileBytes;
  for (int64_t t = t0; t < t1; ++t) {
    const float* xr = x + t * xs;
    uint8_t* row = dst + static_cast<size_t>(t / 16) * group_bytes + static_cast<size_t>(t % 16) * 64;
    for (int64_t c = 0; c < chunks; ++c) {
      const int64_t i = c * 32, left = k - i;
      const __mmask16 m0 = left >= 16 ? 0xffff : left <= 0 ? 0 : static_cast<__mmask16>((1u << left) - 1);
      const __mmask16 m1 = left >= 32 ? 0xffff : left <= 16 ? 0 : static_cast<__mmask16>((1u << (left - 16)) - 1);
      __m512i vh, vl;
      split_bf16(_mm512_maskz_loadu_ps(m0, xr + i), _mm512_maskz_loadu_ps(m1, xr + i + 16), vh, vl);
      _mm512_store_si512(row + c * 2 * kTileBytes, vh);
      _mm512_store_si512(row + c * 2 * kTileBytes + kTileBytes, vl);
    }
  }
  if (t1 == n_tok && n_pad > n_tok) {  // the last group's missing tokens: zero rows in every tile
    uint8_t* g = dst + static_cast<size_t>(n_tok / 16) * group_bytes;
    for (int64_t c = 0; c < 2 * chunks; ++c)
      for (int64_t r = n_tok % 16; r < 16; ++r) std::memset(g + c * kTileBytes + r * 64, 0, 64);
  }
}

void amx_gemm(DType t, const uint8_t* w, size_t wrb, int64_t n_rows, int64_t n_valid, const uint8_t* xact,
              int64_t n_tok, int64_t k, float* y, int64_t ys, uint8_t* scratch) {
  configure_tiles();
  if (weight_parts(t) == 2) gemm_parts<2>(t, w, wrb, n_rows, n_valid, xact, n_tok, k, y, ys, scratch);
  else gemm_parts<1>(t, w, wrb, n_rows, n_valid, xact, n_tok, k, y, ys, scratch);
  _tile_release();
}

}  // namespace osprey::kernels::x86
