#include "src/kernels/get_rows.h"

#include "src/kernels/ref/quants.h"

namespace osprey::kernels {

void get_rows(tensor::DType type, const void* table, int64_t row_len, const int32_t* ids,
              int64_t n_ids, float* out) {
  const size_t row_bytes = tensor::row_size(type, row_len);
  const auto* base = static_cast<const uint8_t*>(table);
  for (int64_t i = 0; i < n_ids; ++i) {
    ref::dequantize_row(type, base + static_cast<size_t>(ids[i]) * row_bytes, out + i * row_len,
                        row_len);
  }
}

}  // namespace osprey::kernels
