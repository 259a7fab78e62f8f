// Helpers for the SIMD kernel tests: random weight rows of every type (random bytes with sane fp16
// scales, so every bit pattern of the quants is exercised), NMSE, and the AVX2 skip macro.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "src/kernels/dispatch.h"
#include "src/tensor/dtype.h"
#include "src/tensor/half.h"

namespace osprey::kernels::test {

#define OSP_REQUIRE_AVX2()                                                        \
  do {                                                                            \
    if (::osprey::kernels::best_isa() == ::osprey::kernels::Isa::kScalar)         \
      GTEST_SKIP() << "this CPU lacks AVX2 + FMA + F16C; SIMD path not tested";    \
  } while (0)

inline const tensor::DType kAllWeightTypes[] = {
    tensor::DType::kF32,  tensor::DType::kF16,  tensor::DType::kBF16, tensor::DType::kQ4_0, tensor::DType::kQ4_1,
    tensor::DType::kQ5_0, tensor::DType::kQ5_1, tensor::DType::kQ8_0, tensor::DType::kQ2_K, tensor::DType::kQ3_K,
    tensor::DType::kQ4_K, tensor::DType::kQ5_K, tensor::DType::kQ6_K};

inline std::vector<float> gaussian(int64_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

// Byte offsets of the fp16 scale fields inside one block of t (empty for float types).
inline std::vector<size_t> fp16_fields(tensor::DType t) {
  using tensor::DType;
  switch (t) {
    case DType::kQ4_0:
    case DType::kQ5_0:
    case DType::kQ8_0:
      return {0};
    case DType::kQ4_1:
    case DType::kQ5_1:
    case DType::kQ4_K:
    case DType::kQ5_K:
      return {0, 2};
    case DType::kQ2_K:
      return {80, 82};
    case DType::kQ3_K:
      return {108};
    case DType::kQ6_K:
      return {208};
    default:
      return {};
  }
}

// n_rows rows of k values of type t: random quant bits, fp16 scales of magnitude ~0.01..0.1
// (signed for the symmetric types), float types drawn from N(0, 1).
inline std::vector<uint8_t> random_weights(tensor::DType t, int64_t n_rows, int64_t k, uint32_t seed) {
  using tensor::DType;
  std::mt19937 rng(seed);
  const size_t rs = tensor::row_size(t, k);
  std::vector<uint8_t> w(rs * static_cast<size_t>(n_rows));
  if (t == DType::kF32 || t == DType::kF16 || t == DType::kBF16) {
    std::normal_distribution<float> dist(0.0f, 1.0f);
    for (int64_t i = 0; i < n_rows * k; ++i) {
      const float v = dist(rng);
      if (t == DType::kF32) std::memcpy(w.data() + 4 * i, &v, 4);
      uint16_t h = t == DType::kF16 ? tensor::fp32_to_fp16(v) : tensor::fp32_to_bf16(v);
      if (t != DType::kF32) std::memcpy(w.data() + 2 * i, &h, 2);
    }
    return w;
  }
  for (auto& b : w) b = static_cast<uint8_t>(rng());
  const tensor::DTypeInfo& info = tensor::info(t);
  std::uniform_real_distribution<float> mag(0.01f, 0.1f);
  const bool symmetric = t == DType::kQ4_0 || t == DType::kQ5_0 || t == DType::kQ8_0 || t == DType::kQ3_K ||
                         t == DType::kQ6_K;
  for (size_t off = 0; off < w.size(); off += info.type_size) {
    for (size_t f : fp16_fields(t)) {
      float v = mag(rng);
      if (symmetric && (rng() & 1)) v = -v;
      if (t == DType::kQ4_1 || t == DType::kQ5_1) v = f == 0 ? v : -8.0f * v * ((rng() & 1) ? 1.0f : -1.0f);
      const uint16_t h = tensor::fp32_to_fp16(v);
      std::memcpy(w.data() + off + f, &h, 2);
    }
  }
  return w;
}

// sum (a - b)^2 / sum b^2
inline double nmse(const std::vector<float>& a, const std::vector<float>& b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = static_cast<double>(a[i]) - static_cast<double>(b[i]);
    num += d * d;
    den += static_cast<double>(b[i]) * static_cast<double>(b[i]);
  }
  return den > 0 ? num / den : num;
}

}  // namespace osprey::kernels::test
