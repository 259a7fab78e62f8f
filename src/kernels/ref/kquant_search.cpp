#include "src/kernels/ref/kquant_search.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "src/base/check.h"
#include "src/kernels/ref/quant_search.h"

namespace osprey::kernels::ref {

namespace {

constexpr int kIters = 4;  // assign/refit rounds per starting point

// ---- affine sub-blocks: x ~= (d * sc) * q - (dmin * mc) ----

// Quants of one sub-block for codes (c, mc) and their squared error; also returns through `shift`
// the least-squares offset sum(ds q - x) / n for these quants (the min that would fit them best).
double try_asym_codes(const float* x, const KAsymSpec& s, float d, float dmin, int c, int mc, uint8_t* q,
                      double* best_min) {
  const float ds = d * static_cast<float>(c), dm = dmin * static_cast<float>(mc);
  const float ids = ds != 0.0f ? 1.0f / ds : 0.0f;
  float err = 0.0f, off = 0.0f;  // a sub-block's sums: float is exact enough to rank candidates
  for (int i = 0; i < s.sub_len; ++i) {
    q[i] = static_cast<uint8_t>(nearest_clamped((x[i] + dm) * ids, 0, s.qmax));
    const float v = ds * static_cast<float>(q[i]);
    const float diff = (v - dm) - x[i];
    err += diff * diff;
    off += v - x[i];
  }
  *best_min = off / s.sub_len;
  return err;
}

// Best codes and quants of one sub-block for fixed superblock scales; returns its squared error.
// Scale codes within +-radius of the continuous optimum are tried; for each, the min code starts
// at the continuous optimum and is then moved to the least-squares min of the resulting quants.
double assign_asym_sub(const float* x, const KAsymSpec& s, float d, float dmin, float scale, float min,
                       uint8_t* sc, uint8_t* mc, uint8_t* q) {
  const int c0 = d > 0 ? nearest_clamped(scale / d, 0, s.code_max) : 0;
  const int m0 = dmin > 0 ? nearest_clamped(min / dmin, 0, s.code_max) : 0;
  const float idmin = dmin > 0 ? 1.0f / dmin : 0.0f;
  double best = -1.0;
  uint8_t trial[64];
  auto keep = [&](double err, int c, int m) {
    if (best >= 0 && err >= best) return;
    best = err;
    *sc = static_cast<uint8_t>(c);
    *mc = static_cast<uint8_t>(m);
    std::memcpy(q, trial, static_cast<size_t>(s.sub_len));
  };
  for (int c = std::max(0, c0 - s.radius); c <= std::min(s.code_max, c0 + s.radius); ++c) {
    double fit_min = 0.0, unused = 0.0;
    keep(try_asym_codes(x, s, d, dmin, c, m0, trial, &fit_min), c, m0);
    const int m1 = nearest_clamped(static_cast<float>(fit_min) * idmin, 0, s.code_max);
    if (m1 != m0 && dmin > 0) keep(try_asym_codes(x, s, d, dmin, c, m1, trial, &unused), c, m1);
  }
  return best;
}

double assign_asym(const float* x, const KAsymSpec& s, const float* scales, const float* mins, KAsymBlock* b) {
  const float d = tensor::fp16_to_fp32(b->d), dmin = tensor::fp16_to_fp32(b->dmin);
  double err = 0.0;
  for (int j = 0; j < s.n_sub; ++j) {
    const int o = j * s.sub_len;
    err += assign_asym_sub(x + o, s, d, dmin, scales[j], mins[j], &b->sc[j], &b->mc[j], b->q + o);
  }
  return err;
}

// Least-squares (d, dmin) over the superblock for fixed codes and quants, with dmin >= 0.
void refit_asym(const float* x, const KAsymSpec& s, KAsymBlock* b) {
  double saa = 0, sab = 0, sbb = 0, sax = 0, sbx = 0;
  for (int j = 0; j < s.n_sub; ++j) {
    for (int i = 0; i < s.sub_len; ++i) {
      const int e = j * s.sub_len + i;
      const double a = static_cast<double>(b->sc[j]) * b->q[e], c = b->mc[j];
      saa += a * a;
      sab += a * c;
      sbb += c * c;
      sax += a * x[e];
      sbx += c * x[e];
    }
  }
  if (saa <= 0) return;
  // Minimise sum (x - u a + v c)^2:  u saa - v sab = sax,  u sab - v sbb = sbx.
  double u = sax / saa, v = 0.0;
  const double det = sab * sab - saa * sbb;
  if (sbb > 0 && det != 0.0) {
    const double u2 = (sab * sbx - sax * sbb) / det;
    const double v2 = (saa * sbx - sab * sax) / det;
    if (v2 >= 0 && u2 > 0) {
      u = u2;
      v = v2;
    }
  }
  b->d = tensor::fp32_to_fp16(static_cast<float>(u));
  b->dmin = tensor::fp32_to_fp16(static_cast<float>(v));
}

// ---- symmetric sub-blocks: x ~= (d * sc) * q ----

double assign_sym_sub(const float* x, const KSymSpec& s, float d, float scale, int8_t* sc, int8_t* q) {
  const int c0 = d != 0.0f ? nearest_clamped(scale / d, s.clo, s.chi) : 0;
  double best = -1.0;
  int8_t trial[64];
  for (int c = std::max(s.clo, c0 - s.radius); c <= std::min(s.chi, c0 + s.radius); ++c) {
    const float ds = d * static_cast<float>(c);
    const float ids = ds != 0.0f ? 1.0f / ds : 0.0f;
    float err = 0.0f;  // a sub-block's error: float is exact enough to rank candidates
    for (int i = 0; i < s.sub_len; ++i) {
      trial[i] = static_cast<int8_t>(nearest_clamped(x[i] * ids, s.qlo, s.qhi));
      const float diff = ds * static_cast<float>(trial[i]) - x[i];
      err += diff * diff;
    }
    if (best < 0 || err < best) {
      best = err;
      *sc = static_cast<int8_t>(c);
      std::memcpy(q, trial, static_cast<size_t>(s.sub_len));
    }
  }
  return best;
}

double assign_sym(const float* x, const KSymSpec& s, const float* scales, KSymBlock* b) {
  const float d = tensor::fp16_to_fp32(b->d);
  double err = 0.0;
  for (int j = 0; j < s.n_sub; ++j) {
    const int o = j * s.sub_len;
    err += assign_sym_sub(x + o, s, d, scales[j], &b->sc[j], b->q + o);
  }
  return err;
}

void refit_sym(const float* x, const KSymSpec& s, KSymBlock* b) {
  double saa = 0, sax = 0;
  for (int j = 0; j < s.n_sub; ++j) {
    for (int i = 0; i < s.sub_len; ++i) {
      const int e = j * s.sub_len + i;
      const double a = static_cast<double>(b->sc[j]) * b->q[e];
      saa += a * a;
      sax += a * x[e];
    }
  }
  if (saa > 0) b->d = tensor::fp32_to_fp16(static_cast<float>(sax / saa));
}

}  // namespace

void search_kquant_asym(const float* x, const KAsymSpec& s, KAsymBlock* out) {
  OSP_CHECK_LE(s.n_sub, 16);
  OSP_CHECK_LE(s.sub_len, 64);
  float scales[16], mins[16];
  uint8_t q[64];
  float max_scale = 0.0f, max_min = 0.0f;
  for (int j = 0; j < s.n_sub; ++j) {
    float d = 0.0f, m = 0.0f;
    fit_asymmetric(x + j * s.sub_len, s.sub_len, s.qmax, true, q, &d, &m);
    scales[j] = d;
    mins[j] = -m;
    max_scale = std::max(max_scale, scales[j]);
    max_min = std::max(max_min, mins[j]);
  }
  double best = -1.0;
  KAsymBlock cur;
  cur.d = tensor::fp32_to_fp16(max_scale / static_cast<float>(s.code_max));
  cur.dmin = tensor::fp32_to_fp16(max_min / static_cast<float>(s.code_max));
  for (int it = 0; it < kIters; ++it) {
    const double err = assign_asym(x, s, scales, mins, &cur);
    if (best >= 0 && err >= best) break;
    best = err;
    *out = cur;
    refit_asym(x, s, &cur);
  }
}

void search_kquant_sym(const float* x, const KSymSpec& s, KSymBlock* out) {
  OSP_CHECK_LE(s.n_sub, 16);
  OSP_CHECK_LE(s.sub_len, 64);
  float scales[16];
  int8_t q[64];
  float smax = 0.0f;  // the sub-scale of largest magnitude, with its sign
  for (int j = 0; j < s.n_sub; ++j) {
    scales[j] = fit_symmetric(x + j * s.sub_len, s.sub_len, s.qlo, s.qhi, s.s_lo_rel, s.s_hi_rel, q);
    if (std::fabs(scales[j]) > std::fabs(smax)) smax = scales[j];
  }
  double best = -1.0;
  // Start with smax on the top code, then on the bottom code (d of the other sign).
  const float starts[2] = {smax / static_cast<float>(s.chi), smax / static_cast<float>(s.clo)};
  for (float start : starts) {
    KSymBlock cur;
    cur.d = tensor::fp32_to_fp16(start);
    double prev = -1.0;
    for (int it = 0; it < kIters; ++it) {
      const double err = assign_sym(x, s, scales, &cur);
      if (prev >= 0 && err >= prev) break;
      prev = err;
      if (best < 0 || err < best) {
        best = err;
        *out = cur;
      }
      refit_sym(x, s, &cur);
    }
  }
}

}  // namespace osprey::kernels::ref
