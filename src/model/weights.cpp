#include "src/model/weights.h"

#include <fmt/format.h>

#include "src/gguf/gguf_reader.h"
#include "src/tensor/half.h"

namespace osprey::model {

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

bool WeightBinder::has(const std::string& name) const { return file_.find_tensor(name) != nullptr; }

Result<const void*> WeightBinder::check(const std::string& name, const std::vector<int64_t>& shape) {
  const gguf::TensorInfo* t = file_.find_tensor(name);
  if (t == nullptr)
    return base::not_found(fmt::format("tensor '{}' (expected shape {}) is missing from the model",
                                       name, shape_string(shape)));
  const tensor::DTypeInfo& ti = tensor::info(t->type);
  if (!ti.supported)
    return base::unimplemented(fmt::format(
        "tensor '{}' has type {}, which osprey does not support", name, ti.name));
  if (t->shape != shape)
    return base::invalid_argument(fmt::format("tensor '{}': expected shape {}, got {} (type {})",
                                              name, shape_string(shape), shape_string(t->shape), ti.name));
  if (shape[0] % ti.block_size != 0)
    return base::invalid_argument(fmt::format(
        "tensor '{}': row length {} is not a multiple of the {} block size {}", name, shape[0],
        ti.name, ti.block_size));
  used_.insert(name);
  return static_cast<const void*>(file_.tensor_data(*t));
}

Result<Matrix> WeightBinder::matrix(const std::string& name, int64_t k, int64_t n_out) {
  OSP_ASSIGN_OR_RETURN(const void* data, check(name, {k, n_out}));
  Matrix m;
  m.data = data;
  m.type = file_.find_tensor(name)->type;
  m.n_out = n_out;
  m.k = k;
  return m;
}

Result<std::vector<float>> WeightBinder::vector(const std::string& name, int64_t n) {
  OSP_ASSIGN_OR_RETURN(const void* data, check(name, {n}));
  const tensor::DType type = file_.find_tensor(name)->type;
  std::vector<float> out(static_cast<size_t>(n));
  switch (type) {
    case tensor::DType::kF32: {
      const auto* p = static_cast<const uint8_t*>(data);
      for (int64_t i = 0; i < n; ++i) out[i] = tensor::fp32_from_bits(
          static_cast<uint32_t>(p[4 * i]) | static_cast<uint32_t>(p[4 * i + 1]) << 8 |
          static_cast<uint32_t>(p[4 * i + 2]) << 16 | static_cast<uint32_t>(p[4 * i + 3]) << 24);
      break;
    }
    case tensor::DType::kF16:
    case tensor::DType::kBF16: {
      const auto* p = static_cast<const uint8_t*>(data);
      for (int64_t i = 0; i < n; ++i) {
        const uint16_t h = static_cast<uint16_t>(p[2 * i] | p[2 * i + 1] << 8);
        out[i] = type == tensor::DType::kF16 ? tensor::fp16_to_fp32(h) : tensor::bf16_to_fp32(h);
      }
      break;
    }
    default:
      return base::invalid_argument(fmt::format(
          "tensor '{}': expected type F32, F16 or BF16 for a vector, got {}", name, tensor::dtype_name(type)));
  }
  return out;
}

std::vector<std::string> WeightBinder::unused() const {
  std::vector<std::string> out;
  for (const auto& t : file_.tensors())
    if (!used_.count(t.name)) out.push_back(t.name);
  return out;
}

}  // namespace osprey::model
