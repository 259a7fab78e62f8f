// Acceptance for `osprey quantize` (issue 5): every mix quantizes the tiny shared models (llama F32,
// qwen2 F16, qwen3 F16). Each output
//  - gives every tensor the type llama.cpp's llama-quantize gave it (reference/quant-rmse.json for
//    tiny-llama-F32, and the llama.cpp-made shared models of the same mix), with the same
//    general.file_type and a file size within 3 % of llama.cpp's;
//  - has a pooled weight relative RMSE <= 1.02x llama.cpp's (quant-rmse.json);
//  - loads, and its logits (one batch and token by token, F32 KV cache) meet the budget of the shared
//    reference file of the same type against an exact float64 forward pass over the output's own
//    dequantized weights (tests/quant/exact_forward.h). Types without a reference file use the
//    budget of the nearest type, printed by the test.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "src/base/thread_pool.h"
#include "src/gguf/gguf_reader.h"
#include "src/kernels/ref/quants.h"
#include "src/model/model.h"
#include "src/model/quantize.h"
#include "tests/quant/exact_forward.h"
#include "tests/support/test_support.h"

namespace osprey::model {
namespace {

using nlohmann::json;

json read_json(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

bool shared_exists(const std::string& rel) {
  const std::string p = test::shared_path(rel);
  return !p.empty() && std::filesystem::exists(p);
}

// The reference file whose budget a (architecture, mix) is held to: the same architecture and mix,
// else tiny-llama of the same mix, else tiny-llama of the nearest mix with a file: same activation
// format in llama.cpp (32-blocks: Q4_0, Q8_0; K-quants: Q2_K, Q4_K_M, Q6_K), nearest bits of the
// main type.
std::string budget_file(const std::string& arch, const std::string& mix) {
  for (const std::string& m : {arch, std::string("llama")}) {
    const std::string rel = "reference/logits/tiny-" + m + "-" + mix + ".json";
    if (shared_exists(rel)) return rel;
  }
  static const std::map<std::string, std::string> kNearest = {
      {"Q4_1", "Q4_0"},   {"Q5_0", "Q4_0"},   {"Q5_1", "Q4_0"},   {"Q3_K_S", "Q2_K"},   {"Q3_K_M", "Q2_K"},
      {"Q3_K_L", "Q2_K"}, {"Q4_K_S", "Q4_K_M"}, {"Q5_K_S", "Q4_K_M"}, {"Q5_K_M", "Q4_K_M"}};
  auto it = kNearest.find(mix);
  return it == kNearest.end() ? "" : "reference/logits/tiny-llama-" + it->second + ".json";
}

struct Stats {
  double max_rel = 0, sum_rel = 0;
  int agree = 0, steps = 0;
};

// The exact logits of every case of `ref` (prompt + continuation[:-1]), from the last prompt token on.
std::vector<std::vector<double>> exact_logits(const std::string& path, const json& ref) {
  auto file = gguf::GgufFile::open(path);
  EXPECT_TRUE(file.ok()) << file.status().to_string();
  if (!file.ok()) return {};
  const test::ExactForward exact(file.value());
  EXPECT_EQ(exact.error(), "");
  std::vector<std::vector<double>> out;
  for (const json& c : ref["cases"]) {
    std::vector<int32_t> toks = c["prompt_tokens"].get<std::vector<int32_t>>();
    const auto cont = c["tokens"].get<std::vector<int32_t>>();
    const size_t n_prompt = toks.size();
    toks.insert(toks.end(), cont.begin(), cont.end() - 1);
    out.push_back(exact.logits(toks, n_prompt - 1));
  }
  return out;
}

// Scores osprey's logits for every step of every case against the exact ones.
void score_logits(const std::string& path, const json& ref, const std::vector<std::vector<double>>& exact,
                  bool one_batch, Stats* st) {
  auto loaded = Model::load(path, {});
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  Model& m = *loaded.value();
  base::ThreadPool pool(2);
  const int n_vocab = m.hparams().n_vocab;
  ASSERT_EQ(exact.size(), ref["cases"].size());
  for (size_t ci = 0; ci < exact.size(); ++ci) {
    const json& c = ref["cases"][ci];
    std::vector<int32_t> toks = c["prompt_tokens"].get<std::vector<int32_t>>();
    const auto cont = c["tokens"].get<std::vector<int32_t>>();
    const size_t n_prompt = toks.size();
    toks.insert(toks.end(), cont.begin(), cont.end() - 1);
    auto kv = KvCache::create(m.kv_params(static_cast<int>(toks.size()), tensor::DType::kF32)).value();
    std::vector<float> got, step;
    Batch b;
    for (size_t i = 0; i < toks.size(); ++i) {
      b.add(toks[i], static_cast<int32_t>(i), 0, i + 1 >= n_prompt);
      if (!one_batch || i + 1 == toks.size()) {
        Status s = m.forward(b, *kv, pool, &step);
        ASSERT_TRUE(s.ok()) << s.to_string();
        got.insert(got.end(), step.begin(), step.end());
        b.clear();
      }
    }
    ASSERT_EQ(got.size(), exact[ci].size());
    for (size_t r = 0; r < got.size() / n_vocab; ++r) {
      const test::StepScore s = test::score_step(&got[r * n_vocab], &exact[ci][r * n_vocab], n_vocab);
      st->max_rel = std::max(st->max_rel, s.rel);
      st->sum_rel += s.rel;
      st->agree += s.top1_agree;
      ++st->steps;
    }
  }
}

// Pooled relative RMSE of the converted tensors of `out` against `src` (tensors whose type is not F32).
double pooled_rel_rmse(const gguf::GgufFile& src, const gguf::GgufFile& out) {
  double err = 0, ref = 0;
  for (const gguf::TensorInfo& t : out.tensors()) {
    if (t.type == tensor::DType::kF32) continue;
    const gguf::TensorInfo* s = src.find_tensor(t.name);
    if (s == nullptr) continue;
    std::vector<float> x(static_cast<size_t>(t.n_elements)), y(x.size());
    kernels::ref::dequantize_row(s->type, src.tensor_data(*s), x.data(), s->n_elements);
    kernels::ref::dequantize_row(t.type, out.tensor_data(t), y.data(), t.n_elements);
    for (size_t i = 0; i < x.size(); ++i) {
      err += (static_cast<double>(y[i]) - x[i]) * (static_cast<double>(y[i]) - x[i]);
      ref += static_cast<double>(x[i]) * x[i];
    }
  }
  return std::sqrt(err / ref);
}

// Every tensor of `out` has the type llama.cpp gave it in `llama_file` (a shared model).
void expect_same_types(const gguf::GgufFile& out, const std::string& llama_rel) {
  auto lf = gguf::GgufFile::open(test::shared_path(llama_rel));
  ASSERT_TRUE(lf.ok()) << lf.status().to_string();
  ASSERT_EQ(out.tensors().size(), lf.value().tensors().size());
  for (const gguf::TensorInfo& t : lf.value().tensors()) {
    const gguf::TensorInfo* o = out.find_tensor(t.name);
    ASSERT_NE(o, nullptr) << t.name;
    EXPECT_EQ(tensor::dtype_name(o->type), std::string(tensor::dtype_name(t.type))) << llama_rel << " " << t.name;
  }
  EXPECT_EQ(out.get_int("general.file_type").value(), lf.value().get_int("general.file_type").value()) << llama_rel;
  const double ratio = static_cast<double>(out.file_size()) / static_cast<double>(lf.value().file_size());
  EXPECT_NEAR(ratio, 1.0, 0.03) << "file size vs " << llama_rel;
}

class QuantizeAcceptance : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(QuantizeAcceptance, MatchesEcosystemAndMeetsLogitBudget) {
  const auto& [source, mix_name] = GetParam();
  const std::string source_rel = "models/" + source + ".gguf";
  OSP_REQUIRE_SHARED(source_rel);
  const std::string arch = source.substr(5, source.find('-', 5) - 5);  // tiny-<arch>-<type>
  const auto mix = find_quant_mix(mix_name);
  ASSERT_TRUE(mix.has_value());
  const std::string out = test::temp_dir() + "/" + source + "-" + mix_name + ".gguf";
  QuantizeParams qp;
  qp.plan.mix = mix->mix;
  qp.n_threads = 2;
  auto r = quantize_file(test::shared_path(source_rel), out, qp);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_FALSE(std::filesystem::exists(out + ".tmp"));
  auto src = gguf::GgufFile::open(test::shared_path(source_rel)).value();
  auto q = gguf::GgufFile::open(out);
  ASSERT_TRUE(q.ok()) << q.status().to_string();
  EXPECT_EQ(q.value().get_int("general.file_type").value(), mix->file_type);
  EXPECT_EQ(q.value().file_size(), r.value().out_file_bytes);
  for (const gguf::TensorInfo& t : q.value().tensors()) {
    if (t.shape.size() == 1) EXPECT_EQ(t.type, src.find_tensor(t.name)->type) << t.name << " (1-D stays as it is)";
  }

  // The llama.cpp-made shared model of the same architecture and mix, when there is one.
  const std::string llama_rel = "models/tiny-" + arch + "-" + mix_name + ".gguf";
  if (shared_exists(llama_rel)) expect_same_types(q.value(), llama_rel);
  if (source == "tiny-llama-F32" && shared_exists("reference/quant-rmse.json")) {
    const json rmse = read_json(test::shared_path("reference/quant-rmse.json"));
    if (rmse["types"].contains(mix_name)) {
      const json& ref = rmse["types"][mix_name];
      for (const auto& [name, e] : ref["tensors"].items())
        EXPECT_EQ(tensor::dtype_name(q.value().find_tensor(name)->type), e["type"].get<std::string>()) << name;
      const double size_ratio = static_cast<double>(q.value().file_size()) / ref["file_bytes"].get<double>();
      EXPECT_NEAR(size_ratio, 1.0, 0.03);
      const double ours = pooled_rel_rmse(src, q.value()), theirs = ref["overall_rel_rmse"].get<double>();
      std::printf("%s: relative RMSE %.6f (llama.cpp %.6f, ratio %.4f), %llu bytes (llama.cpp %llu)\n",
                  mix_name.c_str(), ours, theirs, ours / theirs,
                  static_cast<unsigned long long>(q.value().file_size()),
                  static_cast<unsigned long long>(ref["file_bytes"].get<uint64_t>()));
      EXPECT_LE(ours, 1.02 * theirs);
    }
  }

  const std::string budget_rel = mix_name == "F32" ? "reference/logits/tiny-llama-F32.json"
                                                   : budget_file(arch, mix_name);
  ASSERT_FALSE(budget_rel.empty());
  OSP_REQUIRE_SHARED(budget_rel);
  const json ref = read_json(test::shared_path(budget_rel));
  const json& budget = ref["budget"];
  const auto exact = exact_logits(out, ref);
  ASSERT_FALSE(HasFailure());
  for (bool one_batch : {true, false}) {
    Stats st;
    score_logits(out, ref, exact, one_batch, &st);
    if (HasFatalFailure()) return;
    const double mean = st.sum_rel / st.steps;
    std::printf("%s %s (%s, budget of %s): max_rel %.4f (<= %.4f) mean_rel %.4f (<= %.4f) top1 %d/%d (>= %d)\n",
                source.c_str(), mix_name.c_str(), one_batch ? "one batch" : "token by token", budget_rel.c_str(),
                st.max_rel, budget["max_rel"].get<double>(), mean, budget["mean_rel"].get<double>(), st.agree,
                st.steps, budget["min_top1_agree"].get<int>());
    EXPECT_LE(st.max_rel, budget["max_rel"].get<double>());
    EXPECT_LE(mean, budget["mean_rel"].get<double>());
    EXPECT_GE(st.agree, budget["min_top1_agree"].get<int>());
  }
  std::filesystem::remove(out);
}

std::vector<std::tuple<std::string, std::string>> all_cases() {
  std::vector<std::tuple<std::string, std::string>> out;
  for (const char* src : {"tiny-llama-F32", "tiny-qwen2-F16", "tiny-qwen3-F16"})
    for (const QuantMixInfo& m : quant_mixes()) out.emplace_back(src, m.name);
  return out;
}

std::string case_name(const ::testing::TestParamInfo<std::tuple<std::string, std::string>>& info) {
  std::string s = std::get<0>(info.param) + "_" + std::get<1>(info.param);
  for (char& c : s)
    if (c == '-') c = '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(AllMixes, QuantizeAcceptance, ::testing::ValuesIn(all_cases()), case_name);

}  // namespace
}  // namespace osprey::model
