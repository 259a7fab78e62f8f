// Weight binding: finds a tensor by name and checks its type and shape against what the
// architecture expects, with errors that name the tensor and the expected and actual values.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "src/base/status.h"
#include "src/tensor/dtype.h"

namespace osprey::gguf {
class GgufFile;
}

namespace osprey::model {

// A 2-D weight for kernels::matmul: n_out rows of k elements, rows contiguous, in `type`.
struct Matrix {
  const void* data = nullptr;  // [n_out, k]
  tensor::DType type = tensor::DType::kF32;
  int64_t n_out = 0;
  int64_t k = 0;
  bool bound() const { return data != nullptr; }
};

// "[256, 512]" (GGUF order: the contiguous dimension first).
std::string shape_string(const std::vector<int64_t>& shape);

class WeightBinder {
 public:
  explicit WeightBinder(const gguf::GgufFile& file) : file_(file) {}

  bool has(const std::string& name) const;
  // A matrix stored as GGUF shape [k, n_out] in any supported weight type.
  Result<Matrix> matrix(const std::string& name, int64_t k, int64_t n_out);
  // A vector of n values (F32, F16 or BF16) converted to f32.
  Result<std::vector<float>> vector(const std::string& name, int64_t n);
  // Tensors that were never bound (the caller may warn about them).
  std::vector<std::string> unused() const;

 private:
  Result<const void*> check(const std::string& name, const std::vector<int64_t>& shape);

  const gguf::GgufFile& file_;
  std::set<std::string> used_;
};

}  // namespace osprey::model
