#include "src/kernels/ref/quant_search.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "src/base/check.h"

namespace osprey::kernels::ref {

namespace {

constexpr int kMaxGroup = 64;  // longest group any caller fits at once

struct Event {
  float s;
  int index;
};

// The d > 0 half of fit_symmetric: x_i ~= q_i / s with q_i in [qlo, qhi]. Writes the best q found
// and returns its score sum(x q)^2 / sum(q q) (the error reduction), or -1 if every q is zero.
double sweep_positive(const float* x, int n, int qlo, int qhi, float s_lo, float s_hi, int8_t* best_q) {
  static thread_local std::vector<Event> events;
  events.clear();
  int8_t q[kMaxGroup];
  double sxq = 0.0, sqq = 0.0;
  for (int i = 0; i < n; ++i) {
    const float a = std::fabs(x[i]);
    if (!(a > 0.0f) || !std::isfinite(a)) {  // zero, NaN and inf stay at level 0
      q[i] = 0;
      continue;
    }
    const int lim = x[i] > 0 ? qhi : -qlo;
    const int c = nearest_clamped(a * s_lo, 0, lim);
    q[i] = static_cast<int8_t>(x[i] > 0 ? c : -c);
    sxq += static_cast<double>(x[i]) * q[i];
    sqq += static_cast<double>(q[i]) * q[i];
    for (int k = c; k < lim; ++k) {  // q_i grows in magnitude from k to k+1 at s = (k + 1/2) / |x_i|
      const float t = (static_cast<float>(k) + 0.5f) / a;
      if (t > s_hi) break;
      events.push_back({t, i});
    }
  }
  double best = -1.0;
  if (sqq > 0) {
    best = sxq * sxq / sqq;
    std::memcpy(best_q, q, static_cast<size_t>(n));
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.s < b.s; });
  const size_t ne = events.size();
  for (size_t e = 0; e < ne; ++e) {
    const int i = events[e].index;
    const int sign = x[i] > 0 ? 1 : -1;
    sxq += static_cast<double>(x[i]) * sign;
    sqq += 2.0 * q[i] * sign + 1.0;
    q[i] = static_cast<int8_t>(q[i] + sign);
    if (e + 1 < ne && events[e + 1].s == events[e].s) continue;  // score whole groups of ties
    const double score = sxq * sxq / sqq;
    if (score > best) {
      best = score;
      std::memcpy(best_q, q, static_cast<size_t>(n));
    }
  }
  return best;
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

// Least-squares (d, m) for x ~= d q + m; false when q is constant (d undetermined) or d <= 0.
bool lsq_affine(const float* x, int n, const uint8_t* q, bool offset_nonpositive, float* d, float* m) {
  double sq = 0, sqq = 0, sx = 0, sxq = 0;
  for (int i = 0; i < n; ++i) {
    sq += q[i];
    sqq += static_cast<double>(q[i]) * q[i];
    sx += x[i];
    sxq += static_cast<double>(x[i]) * q[i];
  }
  const double det = n * sqq - sq * sq;
  if (det <= 0) return false;
  double dd = (n * sxq - sq * sx) / det;
  double mm = (sx - dd * sq) / n;
  if (offset_nonpositive && mm > 0) {
    mm = 0;
    dd = sxq / sqq;
  }
  if (dd <= 0) return false;
  *d = static_cast<float>(dd);
  *m = static_cast<float>(mm);
  return true;
}

}  // namespace

float fit_symmetric(const float* x, int n, int qlo, int qhi, float s_lo_rel, float s_hi_rel, int8_t* q) {
  OSP_CHECK_LE(n, kMaxGroup);
  OSP_CHECK(qlo < 0 && qhi > 0);
  float amax = 0.0f;
  for (int i = 0; i < n; ++i)
    if (std::isfinite(x[i])) amax = std::max(amax, std::fabs(x[i]));
  if (amax == 0.0f) {
    std::memset(q, 0, static_cast<size_t>(n));
    return 0.0f;
  }
  const float lmax = static_cast<float>(std::max(qhi, -qlo));
  const float s_lo = s_lo_rel * lmax / amax, s_hi = s_hi_rel * lmax / amax;
  double best = sweep_positive(x, n, qlo, qhi, s_lo, s_hi, q);
  if (qlo != -qhi) {  // d < 0: x ~= |d| * p with p = -q in [-qhi, -qlo]
    int8_t p[kMaxGroup];
    const double score = sweep_positive(x, n, -qhi, -qlo, s_lo, s_hi, p);
    if (score > best) {
      best = score;
      for (int i = 0; i < n; ++i) q[i] = static_cast<int8_t>(-p[i]);
    }
  }
  if (best < 0) {
    std::memset(q, 0, static_cast<size_t>(n));
    return 0.0f;
  }
  return static_cast<float>(lsq_scale(x, n, q));
}

void fit_asymmetric(const float* x, int n, int qmax, bool offset_nonpositive, uint8_t* q, float* d, float* m) {
  OSP_CHECK_LE(n, kMaxGroup);
  float lo = x[0], hi = x[0];
  for (int i = 1; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  if (offset_nonpositive) lo = std::min(lo, 0.0f);
  if (hi <= lo) {  // constant group: the offset alone is exact
    std::memset(q, 0, static_cast<size_t>(n));
    *d = 0.0f;
    *m = lo;
    return;
  }
  double best = -1.0;
  uint8_t cand[kMaxGroup];
  for (int k = -10; k <= 15; ++k) {
    const float iscale = (static_cast<float>(qmax) + 0.1f * static_cast<float>(k)) / (hi - lo);
    float cd = 1.0f / iscale, cm = lo;
    for (int i = 0; i < n; ++i) cand[i] = 0;
    round_asym(x, n, qmax, cd, cm, cand);
    for (int it = 0; it < 8; ++it) {
      if (!lsq_affine(x, n, cand, offset_nonpositive, &cd, &cm)) break;
      if (!round_asym(x, n, qmax, cd, cm, cand)) break;
    }
    const double err = sq_error_asym(x, n, cd, cm, cand);
    if (best < 0 || err < best) {
      best = err;
      *d = cd;
      *m = cm;
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
