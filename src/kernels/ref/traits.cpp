// The reference traits table and the public entry points of quants.h.
#include <array>
#include <string>

#include "src/base/check.h"
#include "src/kernels/ref/quants.h"
#include "src/kernels/ref/ref_types.h"

namespace osprey::kernels::ref {

using tensor::DType;

const RefTraits* ref_traits(DType t) {
  static const std::array<RefTraits, 15> kTable = {{
      {DType::kF32, dequantize_f32, quantize_f32, quantize_f32},
      {DType::kF16, dequantize_f16, quantize_f16, quantize_f16},
      {DType::kBF16, dequantize_bf16, quantize_bf16, quantize_bf16},
      {DType::kQ4_0, dequantize_q4_0, quantize_q4_0, quantize_q4_0},
      {DType::kQ4_1, dequantize_q4_1, quantize_q4_1, quantize_q4_1},
      {DType::kQ5_0, dequantize_q5_0, quantize_q5_0, quantize_q5_0},
      {DType::kQ5_1, dequantize_q5_1, quantize_q5_1, quantize_q5_1},
      {DType::kQ8_0, dequantize_q8_0, quantize_q8_0, quantize_q8_0_activation},
      {DType::kQ8_1, dequantize_q8_1, quantize_q8_1_activation, quantize_q8_1_activation},
      {DType::kQ2_K, dequantize_q2_k, quantize_q2_k, quantize_q2_k},
      {DType::kQ3_K, dequantize_q3_k, quantize_q3_k, quantize_q3_k},
      {DType::kQ4_K, dequantize_q4_k, quantize_q4_k, quantize_q4_k},
      {DType::kQ5_K, dequantize_q5_k, quantize_q5_k, quantize_q5_k},
      {DType::kQ6_K, dequantize_q6_k, quantize_q6_k, quantize_q6_k},
      {DType::kQ8_K, dequantize_q8_k, quantize_q8_k_activation, quantize_q8_k_activation},
  }};
  for (const RefTraits& r : kTable)
    if (r.type == t) return &r;
  return nullptr;
}

namespace {
const RefTraits& checked_traits(DType t, int64_t n) {
  const RefTraits* r = ref_traits(t);
  if (r == nullptr) base::check_failed(__FILE__, __LINE__, std::string("no reference for ") + tensor::dtype_name(t));
  OSP_CHECK_GE(n, 0);
  OSP_CHECK_EQ(n % tensor::info(t).block_size, 0);
  return *r;
}
}  // namespace

bool has_ref(DType t) { return ref_traits(t) != nullptr; }

void dequantize_row(DType t, const void* src, float* dst, int64_t n) {
  checked_traits(t, n).dequantize(src, dst, n);
}

void quantize_row(DType t, const float* src, void* dst, int64_t n) {
  checked_traits(t, n).quantize(src, dst, n);
}

void quantize_row_activation(DType t, const float* src, void* dst, int64_t n) {
  checked_traits(t, n).quantize_activation(src, dst, n);
}

// Dequantizes one block at a time into a small buffer so the whole row never needs a copy.
double vec_dot(DType t, const void* w, const float* x, int64_t n) {
  const RefTraits& r = checked_traits(t, n);
  const tensor::DTypeInfo& ti = tensor::info(t);
  const int64_t chunk_blocks = ti.block_size == 1 ? 256 : 1;
  const int64_t chunk = ti.block_size * chunk_blocks;
  float buf[256];
  const auto* bytes = static_cast<const uint8_t*>(w);
  double sum = 0.0;
  for (int64_t i = 0; i < n; i += chunk) {
    const int64_t len = n - i < chunk ? n - i : chunk;
    r.dequantize(bytes + (i / ti.block_size) * ti.type_size, buf, len);
    for (int64_t j = 0; j < len; ++j) sum += static_cast<double>(buf[j]) * static_cast<double>(x[i + j]);
  }
  return sum;
}

}  // namespace osprey::kernels::ref
