#include "src/kernels/ref/quant_search.h"

#include <algorithm>
#include <cstring>

#include "src/base/check.h"

namespace osprey::kernels::ref {

namespace {

constexpr int kMaxGroup = 64;  // longest group any caller fits at once

constexpr int kMaxEvents = 2048;  // events one sweep keeps (the callers' ranges need < 600)

// One sweep direction: levels of positive x_i go up to lim_pos, of negative x_i down to -lim_neg.
struct SweepState {
  int lim_pos, lim_neg;
  int mag[kMaxGroup];  // |q_i|
  double sxq = 0.0;    // sum x_i q_i (d > 0: sum |x_i| |q_i|)
  int64_t sqq = 0;     // sum q_i^2
  double best_num = -1.0, best_den = 1.0;  // best score sxq^2 / sqq as a fraction
  int best_e = -2;                         // after which event (-1: the start, -2: none)

  int lim(float x) const { return x > 0 ? lim_pos : lim_neg; }
  void start(const float* x, int n, const int* level0) {
    for (int i = 0; i < n; ++i) {
      mag[i] = std::min(level0[i], lim(x[i]));
      sxq += static_cast<double>(std::fabs(x[i])) * mag[i];
      sqq += static_cast<int64_t>(mag[i]) * mag[i];
    }
    consider(-1);
  }
  // Raises |q_i| by one unless it is at its limit: sum x q grows by |x_i|, sum q q by 2|q_i| + 1.
  void step(int i, float a, float x) {
    if (mag[i] >= lim(x)) return;
    sxq += a;
    sqq += 2 * mag[i] + 1;
    ++mag[i];
  }
  void consider(int e) {
    if (sqq == 0) return;
    const double num = sxq * sxq, den = static_cast<double>(sqq);
    if (num * best_den > best_num * den) {
      best_num = num;
      best_den = den;
      best_e = e;
    }
  }
};

// Sorts events by position: a counting sort into about one bucket per event over [s_lo, s_hi],
// then an insertion sort that only has to fix order inside buckets.
void sort_events(int ne, float s_lo, float s_hi, float* t, uint8_t* index) {
  static_assert(kMaxEvents <= 65535);
  float t2[kMaxEvents];
  uint8_t i2[kMaxEvents];
  uint16_t bucket[kMaxEvents];
  uint16_t start[kMaxEvents + 1];
  const int nb = std::max(ne, 1);
  const float scale = static_cast<float>(nb) / (s_hi - s_lo);
  std::fill(start, start + nb + 1, uint16_t{0});
  for (int e = 0; e < ne; ++e) {
    const float b = (t[e] - s_lo) * scale;
    bucket[e] = static_cast<uint16_t>(!(b > 0.0f) ? 0 : (b >= static_cast<float>(nb - 1) ? nb - 1 : static_cast<int>(b)));
    ++start[bucket[e] + 1];
  }
  for (int b = 0; b < nb; ++b) start[b + 1] = static_cast<uint16_t>(start[b + 1] + start[b]);
  for (int e = 0; e < ne; ++e) {
    const int pos = start[bucket[e]]++;
    t2[pos] = t[e];
    i2[pos] = index[e];
  }
  for (int e = 0; e < ne; ++e) {
    const float v = t2[e];
    const uint8_t iv = i2[e];
    int k = e;
    for (; k > 0 && t[k - 1] > v; --k) {
      t[k] = t[k - 1];
      index[k] = index[k - 1];
    }
    t[k] = v;
    index[k] = iv;
  }
}

double lsq_scale(const float* x, int n, const int8_t* q) {
  double sxq = 0.0, sqq = 0.0;
  for (int i = 0; i < n; ++i) {
    sxq += static_cast<double>(x[i]) * q[i];
    sqq += static_cast<double>(q[i]) * q[i];
  }
  return sqq > 0 ? sxq / sqq : 0.0;
}

double sq_error_asym(const float* x, int n, float d, float m, const uint8_t* q) {
  double err = 0.0;
  for (int i = 0; i < n; ++i) {
    const double diff = static_cast<double>(static_cast<float>(q[i]) * d + m) - x[i];
    err += diff * diff;
  }
  return err;
}

// q_i = nearest level of (x_i - m) / d in [0, qmax]; returns true if any q_i changed.
bool round_asym(const float* x, int n, int qmax, float d, float m, uint8_t* q) {
  bool changed = false;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  for (int i = 0; i < n; ++i) {
    const auto v = static_cast<uint8_t>(nearest_clamped((x[i] - m) * id, 0, qmax));
    changed |= v != q[i];
    q[i] = v;
  }
  return changed;
}

}  // namespace

float fit_symmetric(const float* x, int n, int qlo, int qhi, float s_lo_rel, float s_hi_rel, int8_t* q) {
  OSP_CHECK(n > 0 && n <= kMaxGroup);
  OSP_CHECK(qlo < 0 && qhi > 0);
  float amax = 0.0f;
  for (int i = 0; i < n; ++i)
    if (std::isfinite(x[i])) amax = std::max(amax, std::fabs(x[i]));
  std::memset(q, 0, static_cast<size_t>(n));
  if (amax == 0.0f) return 0.0f;
  const int lmax = std::max(qhi, -qlo);
  const float s_lo = s_lo_rel * static_cast<float>(lmax) / amax, s_hi = s_hi_rel * static_cast<float>(lmax) / amax;
  // Events: |q_i| goes from k to k + 1 at s = (k + 1/2) / |x_i|, for k from its level at s_lo up.
  float t[kMaxEvents];
  uint8_t index[kMaxEvents];
  int level0[kMaxGroup];
  int ne = 0;
  for (int i = 0; i < n; ++i) {
    const float a = std::fabs(x[i]);
    level0[i] = 0;
    if (!(a > 0.0f) || !std::isfinite(a)) continue;  // zero, NaN and inf stay at level 0
    level0[i] = nearest_clamped(a * s_lo, 0, lmax);
    const float inv = 1.0f / a;
    for (int k = level0[i]; k < lmax && ne < kMaxEvents; ++k) {
      const float tk = (static_cast<float>(k) + 0.5f) * inv;
      if (tk > s_hi) break;
      t[ne] = tk;
      index[ne++] = static_cast<uint8_t>(i);
    }
  }
  sort_events(ne, s_lo, s_hi, t, index);
  // Direction 0: d > 0 (positive x to [0, qhi]); direction 1: d < 0 (positive x to [qlo, 0]).
  const int n_dir = qlo == -qhi ? 1 : 2;
  SweepState dir[2] = {{qhi, -qlo, {}}, {-qlo, qhi, {}}};
  for (int k = 0; k < n_dir; ++k) dir[k].start(x, n, level0);
  for (int e = 0; e < ne; ++e) {
    const int i = index[e];
    const float a = std::fabs(x[i]);
    for (int k = 0; k < n_dir; ++k) dir[k].step(i, a, x[i]);
    if (e + 1 < ne && t[e + 1] == t[e]) continue;  // score whole groups of ties
    for (int k = 0; k < n_dir; ++k) dir[k].consider(e);
  }
  int best = 0;
  if (n_dir == 2 && dir[1].best_num * dir[0].best_den > dir[0].best_num * dir[1].best_den) best = 1;
  SweepState& w = dir[best];
  if (w.best_e == -2) return 0.0f;
  SweepState replay{w.lim_pos, w.lim_neg, {}};
  for (int i = 0; i < n; ++i) replay.mag[i] = std::min(level0[i], replay.lim(x[i]));
  for (int e = 0; e <= w.best_e; ++e) {
    const int i = index[e];
    if (replay.mag[i] < replay.lim(x[i])) ++replay.mag[i];
  }
  const int sign = best == 0 ? 1 : -1;  // d < 0 stores q = -(sign of x) |q|
  for (int i = 0; i < n; ++i) q[i] = static_cast<int8_t>(x[i] > 0 ? sign * replay.mag[i] : -sign * replay.mag[i]);
  return static_cast<float>(lsq_scale(x, n, q));
}

void fit_asymmetric(const float* x, int n, int qmax, bool offset_nonpositive, uint8_t* q, float* d, float* m) {
  OSP_CHECK(n > 0 && n <= kMaxGroup);
  float lo = x[0], hi = x[0];
  double sx = 0.0;
  for (int i = 0; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
    sx += x[i];
  }
  if (offset_nonpositive) lo = std::min(lo, 0.0f);
  std::memset(q, 0, static_cast<size_t>(n));
  *d = 0.0f;
  *m = lo;
  if (!(hi > lo) || !std::isfinite(hi - lo)) return;  // constant group: the offset alone is exact
  double best = -1.0;
  uint8_t cand[kMaxGroup];
  for (int k = -10; k <= 15; k += 5) {
    double cd = (hi - lo) / (static_cast<float>(qmax) + 0.1f * static_cast<float>(k)), cm = lo;
    std::memset(cand, 0xff, static_cast<size_t>(n));  // no level yet: the first pass "changes" all
    for (int it = 0; it < 6; ++it) {
      // One pass: re-round for (cd, cm) and gather the sums of the least-squares system.
      const float id = static_cast<float>(1.0 / cd), fm = static_cast<float>(cm);
      bool changed = false;
      int64_t sq = 0, sqq = 0;
      double sxq = 0.0;
      for (int i = 0; i < n; ++i) {
        const auto v = static_cast<uint8_t>(nearest_clamped((x[i] - fm) * id, 0, qmax));
        changed |= v != cand[i];
        cand[i] = v;
        sq += v;
        sqq += v * v;
        sxq += static_cast<double>(x[i]) * v;
      }
      if (!changed) break;
      const double det = static_cast<double>(n) * sqq - static_cast<double>(sq) * sq;
      if (det <= 0) break;
      double nd = (n * sxq - sq * sx) / det, nm = (sx - nd * sq) / n;
      if (offset_nonpositive && nm > 0) {
        nm = 0;
        nd = sxq / sqq;
      }
      if (!(nd > 0)) break;
      cd = nd;
      cm = nm;
    }
    const double err = sq_error_asym(x, n, static_cast<float>(cd), static_cast<float>(cm), cand);
    if (best < 0 || err < best) {
      best = err;
      *d = static_cast<float>(cd);
      *m = static_cast<float>(cm);
      std::memcpy(q, cand, static_cast<size_t>(n));
    }
  }
}

double sq_error_sym(const float* x, int n, float d, const int8_t* q) {
  double err = 0.0;
  for (int i = 0; i < n; ++i) {
    const double diff = static_cast<double>(static_cast<float>(q[i]) * d) - x[i];
    err += diff * diff;
  }
  return err;
}

int fp16_neighbours(float v, uint16_t out[3]) {
  const uint16_t h = tensor::fp32_to_fp16(v);
  int count = 0;
  auto add = [&](uint32_t c) {
    if (c > 0xffff || ((c >> 10) & 0x1f) == 0x1f) return;
    out[count++] = static_cast<uint16_t>(c);
  };
  add(h);
  const uint32_t mag = h & 0x7fff;
  if (mag > 0) add(h - 1u);
  add(h + 1u);
  return count;
}

uint16_t finalize_symmetric_fp16(const float* x, int n, int qlo, int qhi, float d, int8_t* q) {
  uint16_t cands[3];
  const int nc = fp16_neighbours(d, cands);
  uint16_t best_h = 0;
  double best = -1.0;
  int8_t trial[kMaxGroup];
  for (int c = 0; c < nc; ++c) {
    const float dc = tensor::fp16_to_fp32(cands[c]);
    const float id = dc != 0.0f ? 1.0f / dc : 0.0f;
    for (int i = 0; i < n; ++i) trial[i] = static_cast<int8_t>(nearest_clamped(x[i] * id, qlo, qhi));
    const double err = sq_error_sym(x, n, dc, trial);
    if (best < 0 || err < best) {
      best = err;
      best_h = cands[c];
      std::memcpy(q, trial, static_cast<size_t>(n));
    }
  }
  return best_h;
}

void finalize_asymmetric_fp16(const float* x, int n, int qmax, float d, float m, uint8_t* q, uint16_t* d16,
                              uint16_t* m16) {
  uint16_t dc[3], mc[3];
  const int nd = fp16_neighbours(d, dc), nm = fp16_neighbours(m, mc);
  double best = -1.0;
  uint8_t trial[kMaxGroup];
  for (int a = 0; a < nd; ++a) {
    for (int b = 0; b < nm; ++b) {
      const float df = tensor::fp16_to_fp32(dc[a]), mf = tensor::fp16_to_fp32(mc[b]);
      round_asym(x, n, qmax, df, mf, trial);
      const double err = sq_error_asym(x, n, df, mf, trial);
      if (best < 0 || err < best) {
        best = err;
        *d16 = dc[a];
        *m16 = mc[b];
        std::memcpy(q, trial, static_cast<size_t>(n));
      }
    }
  }
}

}  // namespace osprey::kernels::ref
