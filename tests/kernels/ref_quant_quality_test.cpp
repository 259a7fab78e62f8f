// Quantizer quality against llama.cpp (issue 5, part 2): every F32 tensor of tiny-llama-F32.gguf is
// quantized with our quantize_row to the type llama.cpp gave it in each mix of
// reference/quant-rmse.json; the pooled relative RMSE of a mix must be <= 1.02x llama.cpp's and
// every tensor's <= 1.05x. Prints the comparison per mix and per block type.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>
#include <utility>

#include "tests/kernels/ref_shared_util.h"

namespace osprey::kernels::ref {
namespace {

using testing::load_quant_rmse;
using testing::open_shared_gguf;

struct ErrSum {
  double err = 0;  // sum of squared errors
  double ref = 0;  // sum of squares of the source
};

TEST(RefQuantQuality, AtLeastAsGoodAsLlamaCpp) {
  const std::string source_rel = "models/tiny-llama-F32.gguf";
  OSP_REQUIRE_SHARED(source_rel);
  OSP_REQUIRE_SHARED("reference/quant-rmse.json");
  const auto json = load_quant_rmse();
  const auto source = open_shared_gguf(source_rel);
  std::map<std::pair<std::string, std::string>, ErrSum> cache;  // (tensor, type) -> errors
  auto measure = [&](const std::string& name, tensor::DType type) -> ErrSum {
    auto key = std::make_pair(name, std::string(tensor::dtype_name(type)));
    if (auto it = cache.find(key); it != cache.end()) return it->second;
    const auto* t = source.find_tensor(name);
    EXPECT_NE(t, nullptr) << name;
    if (t == nullptr) return {};
    const auto x = testing::tensor_as_f32(source, *t);
    std::vector<uint8_t> q(tensor::row_size(type, t->n_elements));
    std::vector<float> y(x.size());
    const int64_t row = t->shape[0];
    const size_t rs = tensor::row_size(type, row);
    ErrSum s;
    for (int64_t r = 0; r < t->n_elements / row; ++r) {  // quantize row by row, as a file stores it
      quantize_row(type, x.data() + r * row, q.data() + r * rs, row);
      dequantize_row(type, q.data() + r * rs, y.data() + r * row, row);
    }
    for (size_t i = 0; i < x.size(); ++i) {
      const double d = static_cast<double>(y[i]) - x[i];
      s.err += d * d;
      s.ref += static_cast<double>(x[i]) * x[i];
    }
    cache[key] = s;
    return s;
  };
  std::map<std::string, std::pair<ErrSum, double>> by_type;  // block type -> ours, llama.cpp sum sq
  std::printf("%-8s %12s %12s %8s\n", "mix", "osprey", "llama.cpp", "ratio");
  for (const auto& [mix, v] : json.at("types").items()) {
    ErrSum total;
    for (const auto& [name, e] : v.at("tensors").items()) {
      const auto type_name = e.at("type").get<std::string>();
      const auto type = tensor::dtype_from_name(type_name);
      ASSERT_TRUE(type.has_value()) << type_name;
      const ErrSum s = measure(name, *type);
      const double ours = std::sqrt(s.err / s.ref), theirs = e.at("rel_rmse").get<double>();
      EXPECT_LE(ours, 1.05 * theirs) << mix << " " << name << " " << type_name;
      total.err += s.err;
      total.ref += s.ref;
      auto& bt = by_type[type_name];
      bt.first.err += s.err;
      bt.first.ref += s.ref;
      bt.second += theirs * theirs * s.ref;
    }
    const double ours = std::sqrt(total.err / total.ref), theirs = v.at("overall_rel_rmse").get<double>();
    std::printf("%-8s %12.6f %12.6f %8.4f\n", mix.c_str(), ours, theirs, ours / theirs);
    EXPECT_LE(ours, 1.02 * theirs) << mix;
  }
  std::printf("%-8s %12s %12s %8s   (per block type, pooled over all mixes)\n", "type", "osprey", "llama.cpp",
              "ratio");
  for (const auto& [type, p] : by_type) {
    const double ours = std::sqrt(p.first.err / p.first.ref), theirs = std::sqrt(p.second / p.first.ref);
    std::printf("%-8s %12.6f %12.6f %8.4f\n", type.c_str(), ours, theirs, ours / theirs);
  }
}

}  // namespace
}  // namespace osprey::kernels::ref
