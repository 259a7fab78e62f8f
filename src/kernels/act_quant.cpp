#include "src/kernels/act_quant.h"

#include <cmath>
#include <cstring>

namespace osprey::kernels {

namespace {

// Quantizes n values with d = max|x| / 127; returns d and the sum of the quants.
float quantize_block(const float* x, int n, int8_t* q, int* sum) {
  float amax = 0.0f;
  for (int i = 0; i < n; ++i) amax = std::fmax(amax, std::fabs(x[i]));
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  int s = 0;
  for (int i = 0; i < n; ++i) {
    const int v = static_cast<int>(std::nearbyint(x[i] * id));
    q[i] = static_cast<int8_t>(v);
    s += v;
  }
  *sum = s;
  return d;
}

}  // namespace

size_t act_row_bytes(ActFormat f, int64_t k) {
  switch (f) {
    case ActFormat::kF32:
      return static_cast<size_t>(k) * sizeof(float);
    case ActFormat::kQ8Pair:
      return static_cast<size_t>((k + 63) / 64) * sizeof(ActQ8Pair);
    case ActFormat::kQ8K:
      return static_cast<size_t>(k / tensor::kQK_K) * sizeof(ActQ8K);
  }
  return 0;
}

void quantize_act_pair_scalar(const float* x, ActQ8Pair* dst, int64_t k) {
  const int64_t nb = k / 32;
  for (int64_t p = 0; p < (nb + 1) / 2; ++p) {
    ActQ8Pair& o = dst[p];
    std::memset(&o, 0, sizeof(o));
    for (int h = 0; h < 2; ++h) {
      const int64_t b = 2 * p + h;
      if (b >= nb) break;
      for (int l = 0; l < 4; ++l) {  // lane l: values 4l..4l+3 and 16+4l..16+4l+3
        float v[8];
        for (int i = 0; i < 4; ++i) v[i] = x[32 * b + 4 * l + i], v[4 + i] = x[32 * b + 16 + 4 * l + i];
        int8_t q[8];
        int sum = 0;
        const float d = quantize_block(v, 8, q, &sum);
        std::memcpy(o.qa + 16 * h + 4 * l, q, 4);
        std::memcpy(o.qb + 16 * h + 4 * l, q + 4, 4);
        o.d[4 * h + l] = d;
        o.s[4 * h + l] = d * static_cast<float>(sum);
        o.m8sum[4 * h + l] = -8 * sum;
      }
    }
  }
}

void quantize_act_q8k_scalar(const float* x, ActQ8K* dst, int64_t k) {
  for (int64_t b = 0; b < k / tensor::kQK_K; ++b) {
    ActQ8K& o = dst[b];
    for (int g = 0; g < tensor::kQK_K / 16; ++g) {
      float s = 0.0f;
      for (int j = 0; j < 4; ++j) {  // the 4 lanes of group g
        const int lane = 4 * g + j;   // = 8 v + l
        int sum = 0;
        const float d = quantize_block(x + tensor::kQK_K * b + 4 * lane, 4, o.qs + 4 * lane, &sum);
        o.d[lane] = d;
        s = std::fma(d, static_cast<float>(sum), s);  // fused, as the SIMD quantizer does
      }
      o.s[g] = s;
    }
  }
}

void dequantize_act_pair(const ActQ8Pair* src, float* y, int64_t k) {
  const int64_t nb = k / 32;
  for (int64_t b = 0; b < nb; ++b) {
    const ActQ8Pair& p = src[b / 2];
    const int h = static_cast<int>(b % 2);
    for (int l = 0; l < 16; ++l) {
      const float d = p.d[4 * h + (l % 16) / 4];
      y[32 * b + l] = d * static_cast<float>(p.qa[16 * h + l]);
      y[32 * b + 16 + l] = d * static_cast<float>(p.qb[16 * h + l]);
    }
  }
}

void dequantize_act_q8k(const ActQ8K* src, float* y, int64_t k) {
  for (int64_t b = 0; b < k / tensor::kQK_K; ++b)
    for (int l = 0; l < tensor::kQK_K; ++l)
      y[tensor::kQK_K * b + l] = src[b].d[l / 4] * static_cast<float>(src[b].qs[l]);
}

}  // namespace osprey::kernels
