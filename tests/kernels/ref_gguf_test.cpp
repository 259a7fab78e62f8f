// Dequantizes every tensor of llama.cpp-quantized tiny models and compares with the unquantized
// source: the error must match llama.cpp's own measurement of the same quantized data
// (reference/quant-rmse.json), which only holds if our decoding is exactly the format's.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/kernels/ref_shared_util.h"

namespace osprey::kernels::ref {
namespace {

using testing::load_quant_rmse;
using testing::open_shared_gguf;
using testing::rel_rmse;
using testing::tensor_as_f32;

// Every tensor of `quant` against `source`; those listed in quant-rmse.json under `mix` must have
// the listed type and a relative RMSE within 2 % of llama.cpp's; unlisted (unquantized) tensors must
// equal the source exactly.
void check_against_llama_cpp(const std::string& quant_rel, const std::string& mix) {
  const std::string source_rel = "models/tiny-llama-F32.gguf";
  OSP_REQUIRE_SHARED(quant_rel);
  OSP_REQUIRE_SHARED(source_rel);
  OSP_REQUIRE_SHARED("reference/quant-rmse.json");
  const auto ref = load_quant_rmse().at("types").at(mix).at("tensors");
  const auto quant = open_shared_gguf(quant_rel);
  const auto source = open_shared_gguf(source_rel);
  int compared = 0;
  for (const auto& t : quant.tensors()) {
    const auto* s = source.find_tensor(t.name);
    ASSERT_NE(s, nullptr) << t.name;
    ASSERT_EQ(s->n_elements, t.n_elements) << t.name;
    const auto x = tensor_as_f32(source, *s);
    const auto y = tensor_as_f32(quant, t);
    if (!ref.contains(t.name)) {
      EXPECT_EQ(t.type, tensor::DType::kF32) << t.name;
      EXPECT_EQ(x, y) << t.name;
      continue;
    }
    const auto& e = ref.at(t.name);
    EXPECT_EQ(e.at("type").get<std::string>(), tensor::dtype_name(t.type)) << t.name;
    const double expect = e.at("rel_rmse").get<double>();
    const double got = rel_rmse(x, y);
    EXPECT_NEAR(got, expect, 0.02 * expect) << mix << " " << t.name << " (" << tensor::dtype_name(t.type) << ")";
    ++compared;
  }
  EXPECT_EQ(compared, static_cast<int>(ref.size())) << mix;
}

TEST(RefGguf, TinyLlamaQ4_0MatchesLlamaCppError) { check_against_llama_cpp("models/tiny-llama-Q4_0.gguf", "Q4_0"); }
TEST(RefGguf, TinyLlamaQ8_0MatchesLlamaCppError) { check_against_llama_cpp("models/tiny-llama-Q8_0.gguf", "Q8_0"); }
TEST(RefGguf, TinyLlamaQ4_K_MMatchesLlamaCppError) {
  check_against_llama_cpp("models/tiny-llama-Q4_K_M.gguf", "Q4_K_M");
}
TEST(RefGguf, TinyLlamaQ6_KMatchesLlamaCppError) { check_against_llama_cpp("models/tiny-llama-Q6_K.gguf", "Q6_K"); }
TEST(RefGguf, TinyLlamaQ2_KMatchesLlamaCppError) { check_against_llama_cpp("models/tiny-llama-Q2_K.gguf", "Q2_K"); }
TEST(RefGguf, TinyLlamaF16MatchesLlamaCppError) { check_against_llama_cpp("models/tiny-llama-F16.gguf", "F16"); }
TEST(RefGguf, TinyLlamaBF16MatchesLlamaCppError) { check_against_llama_cpp("models/tiny-llama-BF16.gguf", "BF16"); }

// The qwen models have F16 sources and no llama.cpp table; their random weights have the same
// distribution as tiny-llama's, so each block type's error must sit in the band llama.cpp measured
// for that type on tiny-llama (over all mixes in quant-rmse.json), widened by 5 % each side.
void check_against_type_band(const std::string& quant_rel, const std::string& source_rel) {
  OSP_REQUIRE_SHARED(quant_rel);
  OSP_REQUIRE_SHARED(source_rel);
  OSP_REQUIRE_SHARED("reference/quant-rmse.json");
  std::map<std::string, std::pair<double, double>> band;  // type -> [min, max] rel_rmse
  const auto mixes = load_quant_rmse().at("types");
  for (const auto& mix : mixes) {
    for (const auto& e : mix.at("tensors")) {
      const auto type = e.at("type").get<std::string>();
      const double r = e.at("rel_rmse").get<double>();
      auto it = band.try_emplace(type, r, r).first;
      it->second.first = std::min(it->second.first, r);
      it->second.second = std::max(it->second.second, r);
    }
  }
  const auto quant = open_shared_gguf(quant_rel);
  const auto source = open_shared_gguf(source_rel);
  std::map<std::string, int> seen;
  for (const auto& t : quant.tensors()) {
    const auto* s = source.find_tensor(t.name);
    ASSERT_NE(s, nullptr) << t.name;
    const auto x = tensor_as_f32(source, *s);
    const auto y = tensor_as_f32(quant, t);
    if (t.type == s->type) {
      EXPECT_EQ(x, y) << t.name;
      continue;
    }
    const std::string type = tensor::dtype_name(t.type);
    ASSERT_TRUE(band.count(type)) << t.name << " has type " << type << " that the reference never measured";
    ++seen[type];
    const double got = rel_rmse(x, y);
    EXPECT_GE(got, band[type].first * 0.95) << t.name << " " << type;
    EXPECT_LE(got, band[type].second * 1.05) << t.name << " " << type;
  }
  EXPECT_FALSE(seen.empty()) << quant_rel << " has no quantized tensor";
  for (const auto& [type, count] : seen) std::cout << quant_rel << ": " << count << " tensors of " << type << "\n";
}

TEST(RefGguf, TinyQwen2Q4_1WithinTypeBand) {
  check_against_type_band("models/tiny-qwen2-Q4_1.gguf", "models/tiny-qwen2-F16.gguf");
}
TEST(RefGguf, TinyQwen2Q5_K_MWithinTypeBand) {
  check_against_type_band("models/tiny-qwen2-Q5_K_M.gguf", "models/tiny-qwen2-F16.gguf");
}
TEST(RefGguf, TinyQwen3Q3_K_MWithinTypeBand) {
  check_against_type_band("models/tiny-qwen3-Q3_K_M.gguf", "models/tiny-qwen3-F16.gguf");
}
TEST(RefGguf, TinyQwen3Q8_0WithinTypeBand) {
  check_against_type_band("models/tiny-qwen3-Q8_0.gguf", "models/tiny-qwen3-F16.gguf");
}

}  // namespace
}  // namespace osprey::kernels::ref
