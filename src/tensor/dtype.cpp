#include "src/tensor/dtype.h"

#include <array>
#include <cctype>

namespace osprey::tensor {

namespace {
// {type, name, block_size, type_size, is_quantized, supported}
constexpr std::array<DTypeInfo, 31> kTable = {{
    {DType::kF32, "F32", 1, 4, false, true},
    {DType::kF16, "F16", 1, 2, false, true},
    {DType::kQ4_0, "Q4_0", 32, 18, true, true},
    {DType::kQ4_1, "Q4_1", 32, 20, true, true},
    {DType::kQ5_0, "Q5_0", 32, 22, true, true},
    {DType::kQ5_1, "Q5_1", 32, 24, true, true},
    {DType::kQ8_0, "Q8_0", 32, 34, true, true},
    {DType::kQ8_1, "Q8_1", 32, 36, true, false},
    {DType::kQ2_K, "Q2_K", 256, 84, true, true},
    {DType::kQ3_K, "Q3_K", 256, 110, true, true},
    {DType::kQ4_K, "Q4_K", 256, 144, true, true},
    {DType::kQ5_K, "Q5_K", 256, 176, true, true},
    {DType::kQ6_K, "Q6_K", 256, 210, true, true},
    {DType::kQ8_K, "Q8_K", 256, 292, true, false},
    {DType::kIQ2_XXS, "IQ2_XXS", 256, 66, true, false},
    {DType::kIQ2_XS, "IQ2_XS", 256, 74, true, false},
    {DType::kIQ3_XXS, "IQ3_XXS", 256, 98, true, false},
    {DType::kIQ1_S, "IQ1_S", 256, 50, true, false},
    {DType::kIQ4_NL, "IQ4_NL", 32, 18, true, false},
    {DType::kIQ3_S, "IQ3_S", 256, 110, true, false},
    {DType::kIQ2_S, "IQ2_S", 256, 82, true, false},
    {DType::kIQ4_XS, "IQ4_XS", 256, 136, true, false},
    {DType::kI8, "I8", 1, 1, false, false},
    {DType::kI16, "I16", 1, 2, false, false},
    {DType::kI32, "I32", 1, 4, false, false},
    {DType::kI64, "I64", 1, 8, false, false},
    {DType::kF64, "F64", 1, 8, false, false},
    {DType::kIQ1_M, "IQ1_M", 256, 56, true, false},
    {DType::kBF16, "BF16", 1, 2, false, true},
    {DType::kTQ1_0, "TQ1_0", 256, 54, true, false},
    {DType::kTQ2_0, "TQ2_0", 256, 66, true, false},
}};
constexpr DTypeInfo kMxfp4 = {DType::kMXFP4, "MXFP4", 32, 17, true, false};
}  // namespace

std::optional<DTypeInfo> dtype_info(uint32_t id) {
  if (id == static_cast<uint32_t>(DType::kMXFP4)) return kMxfp4;
  for (const auto& i : kTable)
    if (static_cast<uint32_t>(i.type) == id) return i;
  return std::nullopt;
}

const DTypeInfo& info(DType t) {
  if (t == DType::kMXFP4) return kMxfp4;
  for (const auto& i : kTable)
    if (i.type == t) return i;
  return kTable[0];  // unreachable for valid enum values
}

std::optional<DType> dtype_from_name(std::string_view name) {
  auto eq = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (std::toupper(static_cast<unsigned char>(a[i])) != std::toupper(static_cast<unsigned char>(b[i])))
        return false;
    return true;
  };
  for (const auto& i : kTable)
    if (eq(name, i.name)) return i.type;
  if (eq(name, kMxfp4.name)) return kMxfp4.type;
  return std::nullopt;
}

}  // namespace osprey::tensor
