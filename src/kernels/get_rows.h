// Embedding lookup: dequantizes selected rows of a weight matrix into f32 rows.
#pragma once

#include <cstdint>

#include "src/tensor/dtype.h"

namespace osprey::kernels {

// table: [n_rows_total, row_len] in `type`, rows contiguous. out: [n_ids, row_len] f32.
// Ids must be in range (the caller validates them).
void get_rows(tensor::DType type, const void* table, int64_t row_len, const int32_t* ids,
              int64_t n_ids, float* out);

}  // namespace osprey::kernels
