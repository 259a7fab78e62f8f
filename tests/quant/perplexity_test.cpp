// Perplexity and KL divergence (src/runtime/perplexity.h) on the real tiny model stories260K with a
// story written for these tests (tests/quant/data/story.txt).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "src/gguf/gguf_reader.h"
#include "src/model/model.h"
#include "src/model/quantize.h"
#include "src/runtime/kl_base.h"
#include "src/runtime/perplexity.h"
#include "src/tokenizer/tokenizer.h"
#include "tests/quant/exact_forward.h"
#include "tests/support/test_support.h"

namespace osprey::runtime {
namespace {

const char* kModel = "models/stories260K.gguf";

std::string story() {
  std::ifstream in(std::string(OSPREY_SOURCE_DIR) + "/tests/quant/data/story.txt");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::unique_ptr<model::Model> load(const std::string& path) {
  auto r = model::Model::load(path, {});
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? std::move(r).value() : nullptr;
}

PerplexityParams params(int n_ctx) {
  PerplexityParams p;
  p.n_ctx = n_ctx;
  p.n_batch = 48;  // several forward steps per window
  p.n_threads = 2;
  p.kv_type = tensor::DType::kF32;
  return p;
}

TEST(Perplexity, FiniteOnAStoryAndEqualToTheExactWindowedNll) {
  OSP_REQUIRE_SHARED(kModel);
  auto m = load(test::shared_path(kModel));
  ASSERT_NE(m, nullptr);
  const std::vector<int32_t> tokens = perplexity_tokens(*m, story());
  ASSERT_GT(tokens.size(), 600u);
  EXPECT_EQ(tokens[0], m->tokenizer().bos_id());
  int calls = 0;
  double last_running = 0;
  auto r = run_perplexity(*m, tokens, params(128), [&](const ChunkProgress& c) {
    ++calls;
    EXPECT_EQ(c.chunk, calls);
    EXPECT_TRUE(std::isfinite(c.ppl));
    last_running = c.ppl;
  });
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const PerplexityResult& res = r.value();
  const int n_chunks = static_cast<int>(tokens.size() / 128);
  EXPECT_EQ(res.n_chunks, n_chunks);
  EXPECT_EQ(calls, n_chunks);
  EXPECT_EQ(res.n_scored, static_cast<int64_t>(n_chunks) * (128 - 1 - 64));
  ASSERT_TRUE(std::isfinite(res.ppl.value));
  EXPECT_GT(res.ppl.value, 1.0);
  EXPECT_LT(res.ppl.value, 512.0);  // far better than uniform over the vocabulary on its own kind of text
  EXPECT_GT(res.ppl.err, 0.0);
  EXPECT_DOUBLE_EQ(last_running, res.ppl.value);

  // The same rule computed here with the float64 forward pass: windows of 128 from an empty cache,
  // BOS first, positions 64..126 predict the next token.
  auto file = gguf::GgufFile::open(test::shared_path(kModel));
  ASSERT_TRUE(file.ok());
  const test::ExactForward exact(file.value());
  ASSERT_EQ(exact.error(), "");
  const int V = exact.n_vocab();
  double nll = 0;
  int64_t n = 0;
  for (int c = 0; c < n_chunks; ++c) {
    std::vector<int32_t> w(tokens.begin() + c * 128, tokens.begin() + (c + 1) * 128);
    w[0] = m->tokenizer().bos_id();
    const std::vector<double> logits = exact.logits(w, 64);
    for (int j = 0; j < 63; ++j) {
      const double* row = &logits[static_cast<size_t>(j) * V];
      double mx = row[0], s = 0;
      for (int i = 1; i < V; ++i) mx = std::max(mx, row[i]);
      for (int i = 0; i < V; ++i) s += std::exp(row[i] - mx);
      nll += mx + std::log(s) - row[w[64 + j + 1]];
      ++n;
    }
  }
  const double want = std::exp(nll / n);
  std::printf("stories260K on the story: PPL %.6f +/- %.6f (exact float64: %.6f)\n", res.ppl.value, res.ppl.err, want);
  EXPECT_NEAR(res.ppl.value, want, 1e-4 * want);
}

TEST(Perplexity, KlDivergenceOfAModelAgainstItselfIsZero) {
  OSP_REQUIRE_SHARED(kModel);
  auto m = load(test::shared_path(kModel));
  ASSERT_NE(m, nullptr);
  const std::vector<int32_t> tokens = perplexity_tokens(*m, story());
  for (int top_k : {0, 16}) {
    const std::string base = test::temp_dir() + "/self-" + std::to_string(top_k) + ".kld";
    PerplexityParams save = params(96);
    save.kl_base_out = base;
    save.kl_top_k = top_k;
    auto b = run_perplexity(*m, tokens, save, {});
    ASSERT_TRUE(b.ok()) << b.status().to_string();
    EXPECT_FALSE(std::filesystem::exists(base + ".tmp"));
    PerplexityParams cmp = params(0);  // the window size comes from the base file
    cmp.kl_base_in = base;
    auto r = run_perplexity(*m, {}, cmp, {});
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    ASSERT_TRUE(r.value().kl.has_value());
    const KlResult& kl = *r.value().kl;
    EXPECT_EQ(r.value().n_ctx, 96);
    EXPECT_EQ(kl.kl.value, 0.0) << "top_k " << top_k;
    EXPECT_EQ(kl.kl_max, 0.0);
    EXPECT_EQ(kl.top1.value, 1.0);
    EXPECT_EQ(kl.delta_p.value, 0.0);
    EXPECT_EQ(kl.delta_p_min, 0.0);
    EXPECT_EQ(kl.delta_p_max, 0.0);
    EXPECT_EQ(kl.ln_ppl_ratio.value, 0.0);
    EXPECT_DOUBLE_EQ(kl.base_ppl.value, b.value().ppl.value);
    EXPECT_DOUBLE_EQ(r.value().ppl.value, b.value().ppl.value);
  }
}

TEST(Perplexity, KlDivergenceOfAQuantizedModelIsPositiveAndConsistent) {
  OSP_REQUIRE_SHARED(kModel);
  const std::string q4 = test::temp_dir() + "/stories-q4_0.gguf";
  model::QuantizeParams qp;
  qp.plan.mix = model::QuantMix::kQ4_0;
  qp.n_threads = 2;
  ASSERT_TRUE(model::quantize_file(test::shared_path(kModel), q4, qp).ok());
  auto base_model = load(test::shared_path(kModel));
  auto quant = load(q4);
  ASSERT_TRUE(base_model && quant);
  const std::string base = test::temp_dir() + "/stories-f32.kld";
  PerplexityParams save = params(128);
  save.kl_base_out = base;
  save.kl_top_k = 0;
  auto b = run_perplexity(*base_model, perplexity_tokens(*base_model, story()), save, {});
  ASSERT_TRUE(b.ok()) << b.status().to_string();
  PerplexityParams cmp = params(0);
  cmp.kl_base_in = base;
  auto r = run_perplexity(*quant, {}, cmp, {});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const KlResult& kl = *r.value().kl;
  EXPECT_GT(kl.kl.value, 0.0);
  EXPECT_GE(kl.kl_max, kl.kl_p99);
  EXPECT_GE(kl.kl_p99, kl.kl_median);
  EXPECT_LT(kl.top1.value, 1.0);
  EXPECT_GT(kl.top1.value, 0.5);
  EXPECT_NEAR(kl.ppl_ratio, r.value().ppl.value / b.value().ppl.value, 1e-9);
  EXPECT_NEAR(kl.base_ppl.value, b.value().ppl.value, 1e-9);
}

TEST(Perplexity, RefusesShortTextsAndBadBaseFiles) {
  OSP_REQUIRE_SHARED(kModel);
  auto m = load(test::shared_path(kModel));
  ASSERT_NE(m, nullptr);
  auto short_text = run_perplexity(*m, perplexity_tokens(*m, "Once upon a time."), params(128), {});
  ASSERT_FALSE(short_text.ok());
  EXPECT_NE(short_text.status().message().find("128"), std::string::npos) << short_text.status().message();

  const std::string base = test::temp_dir() + "/truncated.kld";
  PerplexityParams save = params(64);
  save.kl_base_out = base;
  ASSERT_TRUE(run_perplexity(*m, perplexity_tokens(*m, story()), save, {}).ok());
  std::filesystem::resize_file(base, std::filesystem::file_size(base) - 10);
  PerplexityParams cmp = params(0);
  cmp.kl_base_in = base;
  auto r = run_perplexity(*m, {}, cmp, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bytes"), std::string::npos) << r.status().message();

  std::ofstream(test::temp_dir() + "/not-a-base.kld") << "hello";
  cmp.kl_base_in = test::temp_dir() + "/not-a-base.kld";
  auto bad = run_perplexity(*m, {}, cmp, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("magic"), std::string::npos) << bad.status().message();
}

}  // namespace
}  // namespace osprey::runtime
