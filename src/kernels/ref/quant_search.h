// Scale searches shared by the reference quantizers. They minimise the plain squared error
// sum_i (x_i - dequant_i)^2, which is what relative RMSE measures (no importance weights).
#pragma once

#include <cmath>
#include <cstdint>

#include "src/tensor/half.h"

namespace osprey::kernels::ref {

// Round to nearest, ties to even, for |v| < 2^22: adding 1.5 * 2^23 leaves the rounded integer in
// the low mantissa bits (no libm call, no errno).
inline int round_small(float v) {
  const float t = v + 12582912.0f;
  return static_cast<int>(tensor::fp32_to_bits(t) & 0x7fffff) - 0x400000;
}
inline int clamp_int(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }
// The nearest integer to v clamped to [lo, hi] (|lo|, |hi| < 2^22). Branch-free; NaN gives a value
// in [lo, hi] too.
inline int nearest_clamped(float v, int lo, int hi) {
  const float flo = static_cast<float>(lo), fhi = static_cast<float>(hi);
  v = v < flo ? flo : v;
  v = v > fhi ? fhi : v;
  return clamp_int(round_small(v), lo, hi);
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
// Starts from the candidate scales (max - min) / (qmax + k/10), k in {-10, -5, 0, 5, 10, 15}, with
// m = min, then alternates "round q for (d, m)" and "least-squares (d, m) for q" until q stops
// changing (at most 6 rounds); keeps the best result.
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
