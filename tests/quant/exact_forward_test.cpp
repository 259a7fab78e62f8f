// The test oracle itself: ExactForward over each shared model reproduces the exact float64 logits
// that the shared reference files record (exact_top), computed by another program.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/quant/exact_forward.h"
#include "tests/support/test_support.h"

namespace osprey::test {
namespace {

class ExactForwardReference : public ::testing::TestWithParam<std::string> {};

TEST_P(ExactForwardReference, MatchesSharedExactLogits) {
  const std::string model_rel = "models/" + GetParam() + ".gguf";
  const std::string ref_rel = "reference/logits/" + GetParam() + ".json";
  OSP_REQUIRE_SHARED(model_rel);
  OSP_REQUIRE_SHARED(ref_rel);
  auto file = gguf::GgufFile::open(shared_path(model_rel));
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  const ExactForward exact(file.value());
  ASSERT_EQ(exact.error(), "");
  std::ifstream in(shared_path(ref_rel));
  const auto ref = nlohmann::json::parse(in);
  double worst = 0;
  for (const auto& c : ref["cases"]) {
    std::vector<int32_t> toks = c["prompt_tokens"].get<std::vector<int32_t>>();
    const auto cont = c["tokens"].get<std::vector<int32_t>>();
    const size_t n_prompt = toks.size();
    toks.insert(toks.end(), cont.begin(), cont.end() - 1);
    const std::vector<double> logits = exact.logits(toks, n_prompt - 1);
    ASSERT_EQ(logits.size(), c["steps"].size() * static_cast<size_t>(exact.n_vocab()));
    for (size_t i = 0; i < c["steps"].size(); ++i) {
      for (const auto& e : c["steps"][i]["exact_top"]) {
        const double want = e[1].get<double>();
        const double got = logits[i * exact.n_vocab() + e[0].get<int>()];
        worst = std::max(worst, std::fabs(got - want));
        ASSERT_NEAR(got, want, 1e-6 * std::max(1.0, std::fabs(want))) << "step " << i << " id " << e[0];
      }
    }
  }
  std::printf("%s: max |exact - reference| = %.3g\n", GetParam().c_str(), worst);
}

INSTANTIATE_TEST_SUITE_P(Shared, ExactForwardReference,
                         ::testing::Values("tiny-llama-F32", "tiny-llama-Q4_K_M", "tiny-llama-Q2_K", "tiny-qwen2-F16",
                                           "tiny-qwen2-Q4_1", "tiny-qwen3-F16", "tiny-qwen3-Q3_K_M"),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& c : s)
                             if (c == '-') c = '_';
                           return s;
                         });

}  // namespace
}  // namespace osprey::test
