// Acceptance: for every reference file in ../shared/reference/logits/, osprey's logits are at
// least as faithful to the exact (float64) forward pass as llama.cpp's, by the pass rule of
// ../shared/README.md, with the prompt and continuation in one batch and again token by token.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "src/model/model.h"
#include "tests/support/test_support.h"

namespace osprey::model {
namespace {

using nlohmann::json;

const std::vector<std::string>& reference_models() {
  static const std::vector<std::string> kModels = {
      "stories260K",        "tiny-llama-BF16",  "tiny-llama-F16",    "tiny-llama-F32",
      "tiny-llama-Q2_K",    "tiny-llama-Q4_0",  "tiny-llama-Q4_K_M", "tiny-llama-Q6_K",
      "tiny-llama-Q8_0",    "tiny-qwen2-F16",   "tiny-qwen2-Q4_1",   "tiny-qwen2-Q5_K_M",
      "tiny-qwen3-F16",     "tiny-qwen3-Q3_K_M", "tiny-qwen3-Q8_0"};
  return kModels;
}

struct Stats {
  double max_rel = 0.0;
  double sum_rel = 0.0;
  int agree = 0;
  int steps = 0;
  double mean() const { return steps ? sum_rel / steps : 0.0; }
};

// Adds one step: `ours` is the full logit row, `step` the reference step.
void score_step(const float* ours, int n_vocab, const json& step, Stats* st) {
  const json& top = step["exact_top"];
  const double spread = top[0][1].get<double>() - top[top.size() - 1][1].get<double>();
  double rel = 0.0;
  for (const auto& e : top) {
    const int id = e[0].get<int>();
    rel = std::max(rel, std::fabs(ours[id] - e[1].get<double>()) / spread);
  }
  const int argmax = static_cast<int>(std::max_element(ours, ours + n_vocab) - ours);
  st->max_rel = std::max(st->max_rel, rel);
  st->sum_rel += rel;
  st->agree += argmax == top[0][0].get<int>();
  ++st->steps;
}

// Logits for every step of `c`: prompt + continuation[:-1] in one batch, or one token per forward.
std::vector<float> case_logits(Model& m, const json& c, bool one_batch, base::ThreadPool& pool) {
  std::vector<int32_t> toks = c["prompt_tokens"].get<std::vector<int32_t>>();
  const auto cont = c["tokens"].get<std::vector<int32_t>>();
  const size_t n_prompt = toks.size();
  toks.insert(toks.end(), cont.begin(), cont.end() - 1);
  // An F32 cache, as llama.cpp's reference logits were computed (../shared/README.md).
  auto kv = KvCache::create(m.kv_params(static_cast<int>(toks.size()), tensor::DType::kF32)).value();
  std::vector<float> all, step;
  Batch b;
  for (size_t i = 0; i < toks.size(); ++i) {
    b.add(toks[i], static_cast<int32_t>(i), 0, i + 1 >= n_prompt);
    if (!one_batch || i + 1 == toks.size()) {
      Status s = m.forward(b, *kv, pool, &step);
      EXPECT_TRUE(s.ok()) << s.to_string();
      all.insert(all.end(), step.begin(), step.end());
      b.clear();
    }
  }
  return all;
}

class ReferenceLogits : public ::testing::TestWithParam<std::string> {};

TEST_P(ReferenceLogits, MeetsBudgetInOneBatchAndTokenByToken) {
  const std::string name = GetParam();
  OSP_REQUIRE_SHARED("reference/logits/" + name + ".json");
  OSP_REQUIRE_SHARED("models/" + name + ".gguf");
  std::ifstream in(test::shared_path("reference/logits/" + name + ".json"));
  const json ref = json::parse(in);
  auto loaded = Model::load(test::shared_path("models/" + name + ".gguf"), ModelParams{});
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  Model& m = *loaded.value();
  const int n_vocab = m.hparams().n_vocab;
  base::ThreadPool pool(2);
  const json& budget = ref["budget"];
  const json& llama = ref["llama_cpp_vs_exact"];
  for (bool one_batch : {true, false}) {
    Stats st;
    for (const json& c : ref["cases"]) {
      const std::vector<float> logits = case_logits(m, c, one_batch, pool);
      const json& steps = c["steps"];
      ASSERT_EQ(logits.size(), steps.size() * n_vocab);
      for (size_t i = 0; i < steps.size(); ++i) score_step(logits.data() + i * n_vocab, n_vocab, steps[i], &st);
    }
    const char* mode = one_batch ? "one batch" : "token by token";
    std::printf("%-18s %-15s osprey max_rel %.3g mean_rel %.3g top1 %d/%d | llama.cpp %.3g %.3g %d/%d\n",
                name.c_str(), mode, st.max_rel, st.mean(), st.agree, st.steps,
                llama["max_rel"].get<double>(), llama["mean_rel"].get<double>(),
                llama["top1_agree"].get<int>(), llama["steps"].get<int>());
    EXPECT_EQ(st.steps, llama["steps"].get<int>()) << mode;
    EXPECT_LE(st.max_rel, budget["max_rel"].get<double>()) << mode;
    EXPECT_LE(st.mean(), budget["mean_rel"].get<double>()) << mode;
    EXPECT_GE(st.agree, budget["min_top1_agree"].get<int>()) << mode;
  }
}

INSTANTIATE_TEST_SUITE_P(Shared, ReferenceLogits, ::testing::ValuesIn(reference_models()),
                         [](const auto& info) {
                           std::string s = info.param;
                           std::replace(s.begin(), s.end(), '-', '_');
                           return s;
                         });

// Every reference file is covered by the list above.
TEST(ReferenceLogitsList, CoversEveryReferenceFile) {
  OSP_REQUIRE_SHARED("reference/logits");
  const std::set<std::string> listed(reference_models().begin(), reference_models().end());
  for (const auto& e : std::filesystem::directory_iterator(test::shared_path("reference/logits"))) {
    if (e.path().extension() != ".json") continue;
    EXPECT_TRUE(listed.count(e.path().stem().string())) << e.path() << " has no test";
  }
}

}  // namespace
}  // namespace osprey::model
