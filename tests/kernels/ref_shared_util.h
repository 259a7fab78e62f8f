// Helpers for the ref tests that read ../shared: tensors as floats, relative RMSE, the llama.cpp
// quantization reference (reference/quant-rmse.json).
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "src/gguf/gguf_reader.h"
#include "src/kernels/ref/quants.h"
#include "tests/support/test_support.h"

namespace osprey::kernels::ref::testing {

// The tensor's values (any type with a reference), dequantized row by row.
inline std::vector<float> tensor_as_f32(const gguf::GgufFile& f, const gguf::TensorInfo& t) {
  std::vector<float> out(static_cast<size_t>(t.n_elements));
  dequantize_row(t.type, f.tensor_data(t), out.data(), t.n_elements);
  return out;
}

// ||y - x|| / ||x||, accumulated in double.
inline double rel_rmse(const std::vector<float>& x, const std::vector<float>& y) {
  double num = 0, den = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double d = static_cast<double>(y[i]) - x[i];
    num += d * d;
    den += static_cast<double>(x[i]) * x[i];
  }
  return std::sqrt(num / den);
}

inline nlohmann::json load_quant_rmse() {
  std::ifstream in(::osprey::test::shared_path("reference/quant-rmse.json"));
  return nlohmann::json::parse(in);
}

inline gguf::GgufFile open_shared_gguf(const std::string& rel) {
  auto r = gguf::GgufFile::open(::osprey::test::shared_path(rel));
  EXPECT_TRUE(r.ok()) << rel << ": " << r.status().to_string();
  return std::move(r).value();
}

}  // namespace osprey::kernels::ref::testing
