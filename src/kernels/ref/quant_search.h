// Scale searches shared by the reference quantizers. They minimise the plain squared error
// sum_i (x_i - dequant_i)^2, which is what relative RMSE measures (no importance weights).
#pragma once

#include <cmath>
#include <cstdint>

#include "src/tensor/half.h"

namespace osprey::kernels::ref {

inline int round_to_int(float v) { return static_cast<int>(std::lrintf(v)); }
inline int clamp_int(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }
// The nearest integer to v clamped to [lo, hi]; safe for huge values (and NaN gives lo).
inline int nearest_clamped(float v, int lo, int hi) {
  if (v >= static_cast<float>(hi)) return hi;
  if (!(v > static_cast<float>(lo))) return lo;
  return round_to_int(v);
}

// Symmetric fit x_i ~= d * q_i, q_i in [qlo, qhi] (qlo < 0 < qhi), d of either sign.
// Exact over the continuous d: sweeps s = 1/d over the points where some q_i changes
// (s = (k - 1/2) / |x_i|), keeping sum(x q) and sum(q q) up to date, so every assignment reachable
// by rounding is scored in O(1) as err = sum(x x) - sum(x q)^2 / sum(q q). Only s in
// [s_lo_rel, s_hi_rel] * max(qhi, -qlo) / max|x| is visited (s_lo_rel may be 0).
// Writes q[0..n) and returns the least-squares d for it (0 when x is all zero).
float fit_symmetric(const float* x, int n, int qlo, int qhi, float s_lo_rel, float s_hi_rel, int8_t* q);

// Asymmetric fit x_i ~= d * q_i + m, q_i in [0, qmax], d >= 0. With offset_nonpositive, m <= 0
// (the K-quant convention: the offset is stored as a non-negative "min" that is subtracted).
// Starts from candidate scales (qmax + k/10) / (max - min) for k in [-10, 15], then alternates
// "round q for (d, m)" and "least-squares (d, m) for q" until q stops changing; keeps the best.
void fit_asymmetric(const float* x, int n, int qmax, bool offset_nonpositive, uint8_t* q, float* d, float* m);

// Squared error of x against d * q (float arithmetic, as dequantization does it).
double sq_error_sym(const float* x, int n, float d, const int8_t* q);

// fp16 candidates near v: the nearest fp16 and its two neighbours (finite values only).
// Returns the count written to out (1..3).
int fp16_neighbours(float v, uint16_t out[3]);

// The best fp16 scale near d for x ~= d * q with q re-rounded into [qlo, qhi]; rewrites q.
uint16_t finalize_symmetric_fp16(const float* x, int n, int qlo, int qhi, float d, int8_t* q);

// The best fp16 pair near (d, m) for x ~= d * q + m with q re-rounded into [0, qmax]; rewrites q.
void finalize_asymmetric_fp16(const float* x, int n, int qmax, float d, float m, uint8_t* q, uint16_t* d16,
                              uint16_t* m16);

}  // namespace osprey::kernels::ref
