// Tiled AVX2 + FMA attention (see attention_tile_avx2.h). One call owns `rows` = queries x grouped
// heads rows (row r: query q0 + r / g, head kv_head * g + r % g). Per tile of up to kT positions:
// K and V rows are converted to f32 once; then, two rows at a time, the scores come from 2 x 4
// (or 1 x 8) dot products reduced by one transposed sum, the online softmax turns them into
// weights (0 past the row's causal limit) and the V rows are accumulated into the rows' outputs.
// A row's arithmetic never depends on which row it is paired with: masked weights are exact zeros.
#include "src/kernels/x86/attention_tile_avx2.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "src/kernels/attention.h"
#include "src/kernels/x86/attention_simd.h"
#include "src/kernels/x86/avx2_common.h"

namespace osprey::kernels::x86 {

namespace {

constexpr int kT = kAttnTile;
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

inline size_t round8(size_t n) { return (n + 7) / 8 * 8; }

struct Buffers {
  float* k;    // [kT, d] the tile's K rows as f32; rows past the tile's end are zero
  float* v;    // [kT, d] the tile's V rows
  float* s;    // [2, kT] scores, then softmax weights, of the current row pair
  float* acc;  // [rows, d] unnormalized outputs
  float* m;    // [rows] running maxima
  float* l;    // [rows] running sums of exp(score - m)
};

Buffers carve(float* scratch, int rows, int d) {
  Buffers b;
  b.k = scratch;
  b.v = b.k + static_cast<size_t>(kT) * d;
  b.s = b.v + static_cast<size_t>(kT) * d;
  b.acc = b.s + 2 * kT;
  b.m = b.acc + round8(rows) * d;
  b.l = b.m + round8(rows);
  return b;
}

// Positions [p0, p0 + n) of KV head kv_head into dst as f32 rows; rows n .. round8(n) become zero.
void load_tile(const PagedKv& kv, const uint8_t* base, const int32_t* table, int p0, int n, int kv_head, int d,
               float* dst) {
  const bool f16 = kv.type == tensor::DType::kF16;
  const size_t head_off = static_cast<size_t>(kv_head) * d * (f16 ? 2 : 4);
  for (int j = 0; j < n; ++j) {
    const int p = p0 + j;
    const uint8_t* row = base + static_cast<size_t>(table[p / kv.block_tokens]) * kv.block_stride +
                         static_cast<size_t>(p % kv.block_tokens) * kv.row_stride + head_off;
    float* out = dst + static_cast<size_t>(j) * d;
    if (f16) {
      for (int i = 0; i < d; i += 8)
        _mm256_store_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * i))));
    } else {
      std::memcpy(out, row, static_cast<size_t>(d) * sizeof(float));
    }
  }
  std::memset(dst + static_cast<size_t>(n) * d, 0, (round8(n) - n) * d * sizeof(float));
}

// s_r[j] = scale * dot(q_r, k_j) for j < n (rounded up to the block: 8 / NR positions).
template <int NR>
void scores(const float* const* q, const float* k, int d, int n, __m256 scale, float* s) {
  constexpr int kP = 8 / NR;
  for (int j = 0; j < n; j += kP) {
    __m256 acc[8];
    #pragma GCC unroll 8
    for (__m256& x : acc) x = _mm256_setzero_ps();
    const float* kj = k + static_cast<size_t>(j) * d;
    for (int i = 0; i < d; i += 8) {
      __m256 qv[NR];
      #pragma GCC unroll 8
      for (int r = 0; r < NR; ++r) qv[r] = _mm256_loadu_ps(q[r] + i);
      #pragma GCC unroll 8
      for (int p = 0; p < kP; ++p) {
        const __m256 kv = _mm256_load_ps(kj + static_cast<size_t>(p) * d + i);
        #pragma GCC unroll 8
        for (int r = 0; r < NR; ++r) acc[r * kP + p] = _mm256_fmadd_ps(qv[r], kv, acc[r * kP + p]);
      }
    }
    const __m256 sum = _mm256_mul_ps(transpose_sums(acc), scale);
    if constexpr (NR == 1) {
      _mm256_storeu_ps(s + j, sum);
    } else {
      _mm_storeu_ps(s + j, _mm256_castps256_ps128(sum));
      _mm_storeu_ps(s + kT + j, _mm256_extractf128_ps(sum, 1));
    }
  }
}

// One online-softmax step of a row whose tile has `lim` valid positions: s[0, n8) becomes the
// weights exp(s - m_new) (exact 0 at and past lim), m and l move on; returns the factor that
// rescales the row's accumulator (1 when lim == 0: nothing changes).
float softmax_step(float* s, int lim, int n8, float& m, float& l) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  auto valid = [&](int j) { return _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(lim - j), lane)); };
  if (lim <= 0) {
    for (int j = 0; j < n8; j += 8) _mm256_storeu_ps(s + j, _mm256_setzero_ps());
    return 1.0f;
  }
  __m256 mx = _mm256_set1_ps(kNegInf);
  for (int j = 0; j < lim; j += 8)
    mx = _mm256_max_ps(mx, _mm256_blendv_ps(_mm256_set1_ps(kNegInf), _mm256_loadu_ps(s + j), valid(j)));
  const float m_new = std::max(m, hmax(mx));
  const float c = m == kNegInf ? 0.0f : _mm256_cvtss_f32(exp256(_mm256_set1_ps(m - m_new)));
  const __m256 mv = _mm256_set1_ps(m_new);
  __m256 sum = _mm256_setzero_ps();
  for (int j = 0; j < n8; j += 8) {
    const __m256 w = _mm256_and_ps(exp256(_mm256_sub_ps(_mm256_loadu_ps(s + j), mv)), valid(j));
    _mm256_storeu_ps(s + j, w);
    sum = _mm256_add_ps(sum, w);
  }
  l = l * c + hsum(sum);
  m = m_new;
  return c;
}

// acc_r = acc_r * c_r + sum_{j < n} w_r[j] * v_j, columns in groups of U vectors.
template <int NR, int U>
void accumulate_cols(const float* v, int d, int n, int i, const float* w, const float* c, float* const* acc) {
  __m256 o[NR][U];
  #pragma GCC unroll 8
  for (int r = 0; r < NR; ++r)
    #pragma GCC unroll 8
    for (int u = 0; u < U; ++u) o[r][u] = _mm256_mul_ps(_mm256_load_ps(acc[r] + i + 8 * u), _mm256_set1_ps(c[r]));
  for (int j = 0; j < n; ++j) {
    const float* vj = v + static_cast<size_t>(j) * d + i;
    __m256 x[NR];
    #pragma GCC unroll 8
    for (int r = 0; r < NR; ++r) x[r] = _mm256_broadcast_ss(w + r * kT + j);
    #pragma GCC unroll 8
    for (int u = 0; u < U; ++u) {
      const __m256 vv = _mm256_load_ps(vj + 8 * u);
      #pragma GCC unroll 8
      for (int r = 0; r < NR; ++r) o[r][u] = _mm256_fmadd_ps(x[r], vv, o[r][u]);
    }
  }
  #pragma GCC unroll 8
  for (int r = 0; r < NR; ++r)
    #pragma GCC unroll 8
    for (int u = 0; u < U; ++u) _mm256_store_ps(acc[r] + i + 8 * u, o[r][u]);
}

template <int NR>
void accumulate(const float* v, int d, int n, const float* w, const float* c, float* const* acc) {
  int i = 0;
  for (; i + 32 <= d; i += 32) accumulate_cols<NR, 4>(v, d, n, i, w, c, acc);
  for (; i < d; i += 8) accumulate_cols<NR, 1>(v, d, n, i, w, c, acc);
}

// Rows [r, r + NR) over the current tile (nt positions loaded in b.k / b.v, starting at p0).
template <int NR>
void rows_step(const AttentionArgs& a, int q0, int kv_head, int r, int p0, int nt, const Buffers& b) {
  const int d = a.head_dim, g = a.n_head / a.n_head_kv;
  const float* q[NR];
  float* acc[NR];
  int lim[NR], n = 0;
  for (int k = 0; k < NR; ++k) {
    const AttentionQuery& query = a.queries[q0 + (r + k) / g];
    q[k] = query.q + static_cast<size_t>(kv_head * g + (r + k) % g) * d;
    acc[k] = b.acc + static_cast<size_t>(r + k) * d;
    lim[k] = std::clamp(query.n_kv - p0, 0, nt);
    n = std::max(n, lim[k]);
  }
  if (n == 0) return;
  scores<NR>(q, b.k, d, n, _mm256_set1_ps(a.scale), b.s);
  float c[NR];
  const int n8 = static_cast<int>(round8(n));
  for (int k = 0; k < NR; ++k) c[k] = softmax_step(b.s + k * kT, lim[k], n8, b.m[r + k], b.l[r + k]);
  accumulate<NR>(b.v, d, n, b.s, c, acc);
}

}  // namespace

bool attention_tile_supported(int head_dim) {
  return head_dim > 0 && head_dim % 8 == 0 && head_dim <= kAttnTileMaxDim;
}

size_t attention_tile_scratch_floats(int rows, int head_dim) {
  const size_t d = static_cast<size_t>(head_dim), r8 = round8(static_cast<size_t>(rows));
  return 2 * kT * d + 2 * kT + r8 * d + 2 * r8;
}

void attend_group_avx2(const AttentionArgs& a, int q0, int q1, int kv_head, float* scratch) {
  const int d = a.head_dim, g = a.n_head / a.n_head_kv, rows = (q1 - q0) * g;
  const Buffers b = carve(scratch, rows, d);
  std::fill(b.acc, b.acc + static_cast<size_t>(rows) * d, 0.0f);
  std::fill(b.m, b.m + rows, kNegInf);
  std::fill(b.l, b.l + rows, 0.0f);
  int n_kv = 0;
  for (int qi = q0; qi < q1; ++qi) n_kv = std::max(n_kv, a.queries[qi].n_kv);
  const int32_t* table = a.queries[q0].block_table;
  for (int p0 = 0; p0 < n_kv; p0 += kT) {
    const int nt = std::min(kT, n_kv - p0);
    load_tile(a.kv, a.kv.k, table, p0, nt, kv_head, d, b.k);
    load_tile(a.kv, a.kv.v, table, p0, nt, kv_head, d, b.v);
    int r = 0;
    for (; r + 2 <= rows; r += 2) rows_step<2>(a, q0, kv_head, r, p0, nt, b);
    if (r < rows) rows_step<1>(a, q0, kv_head, r, p0, nt, b);
  }
  for (int r = 0; r < rows; ++r) {
    const __m256 inv = _mm256_set1_ps(b.l[r] > 0.0f ? 1.0f / b.l[r] : 0.0f);
    const float* acc = b.acc + static_cast<size_t>(r) * d;
    float* out = a.queries[q0 + r / g].out + static_cast<size_t>(kv_head * g + r % g) * d;
    for (int i = 0; i < d; i += 8) _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_load_ps(acc + i), inv));
  }
}

}  // namespace osprey::kernels::x86
