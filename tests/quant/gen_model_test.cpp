// The model generator: a one-layer variant of every preset loads, has the preset's shapes and
// vocabulary, and gives finite logits for a forward step.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "src/base/thread_pool.h"
#include "src/gguf/gguf_reader.h"
#include "src/model/gen_model.h"
#include "src/model/model.h"
#include "src/tokenizer/tokenizer.h"
#include "tests/support/test_support.h"

namespace osprey::model {
namespace {

class GenModel : public ::testing::TestWithParam<std::string> {};

TEST_P(GenModel, OneLayerVariantLoadsAndGivesFiniteLogits) {
  const ModelPreset* preset = find_model_preset(GetParam());
  ASSERT_NE(preset, nullptr);
  const std::string out = test::temp_dir() + "/gen-" + GetParam() + ".gguf";
  GenModelParams p;
  p.preset = GetParam();
  p.mix = QuantMix::kF16;
  p.n_layer = 1;
  p.n_threads = 2;
  auto g = generate_model(p, out);
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  EXPECT_EQ(std::filesystem::file_size(out), g.value().file_bytes);
  {
    auto loaded = Model::load(out, {});
    ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
    Model& m = *loaded.value();
    const HParams& hp = m.hparams();
    EXPECT_EQ(hp.arch, preset->arch);
    EXPECT_EQ(hp.n_embd, preset->n_embd);
    EXPECT_EQ(hp.n_layer, 1);
    EXPECT_EQ(hp.n_head, preset->n_head);
    EXPECT_EQ(hp.n_head_kv, preset->n_head_kv);
    EXPECT_EQ(hp.head_dim, preset->head_dim);
    EXPECT_EQ(hp.n_ff, preset->n_ff);
    EXPECT_EQ(hp.n_vocab, preset->n_vocab);
    EXPECT_EQ(m.tokenizer().n_vocab(), preset->n_vocab);
    EXPECT_EQ(m.file().find_tensor("output.weight") == nullptr, preset->tied);
    EXPECT_EQ(m.file().find_tensor("rope_freqs.weight") != nullptr, preset->llama3_rope);
    const std::string text = "once upon a time the quick fox";
    const std::vector<int32_t> toks = m.tokenizer().encode(text, true, false);
    EXPECT_EQ(m.tokenizer().decode(toks), text);
    auto kv = KvCache::create(m.kv_params(64)).value();
    base::ThreadPool pool(2);
    Batch b;
    for (size_t i = 0; i < toks.size(); ++i) b.add(toks[i], static_cast<int32_t>(i), 0, i + 1 == toks.size());
    std::vector<float> logits;
    Status s = m.forward(b, *kv, pool, &logits);
    ASSERT_TRUE(s.ok()) << s.to_string();
    ASSERT_EQ(logits.size(), static_cast<size_t>(preset->n_vocab));
    float lo = logits[0], hi = logits[0];
    for (float x : logits) {
      ASSERT_TRUE(std::isfinite(x));
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
    EXPECT_LT(lo, hi) << "logits are not all equal";
  }
  std::filesystem::remove(out);
}

INSTANTIATE_TEST_SUITE_P(Presets, GenModel,
                         ::testing::Values("tinyllama-1.1b", "llama-3.2-1b", "qwen2.5-0.5b", "qwen3-0.6b"),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& c : s)
                             if (c == '-' || c == '.') c = '_';
                           return s;
                         });

TEST(GenModelMixes, QuantizedMixFollowsThePlanAndLoads) {
  // Qwen2.5-0.5B rows of 896 do not fit 256-blocks: Q4_K falls back to Q5_0, the tied head to Q8_0.
  const std::string out = test::temp_dir() + "/gen-qwen-q4km.gguf";
  GenModelParams p;
  p.preset = "qwen2.5-0.5b";
  p.mix = QuantMix::kQ4_K_M;
  p.n_layer = 1;
  p.n_threads = 2;
  auto g = generate_model(p, out);
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  auto f = gguf::GgufFile::open(out);
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  EXPECT_EQ(f.value().find_tensor("token_embd.weight")->type, tensor::DType::kQ8_0);
  EXPECT_EQ(f.value().find_tensor("blk.0.attn_q.weight")->type, tensor::DType::kQ5_0);
  EXPECT_EQ(f.value().find_tensor("blk.0.ffn_down.weight")->type, tensor::DType::kQ6_K);  // 4864 = 19 x 256
  EXPECT_EQ(f.value().find_tensor("blk.0.attn_q.bias")->type, tensor::DType::kF32);
  EXPECT_EQ(f.value().get_int("general.file_type").value(), 15);
  auto loaded = Model::load(out, {});
  EXPECT_TRUE(loaded.ok()) << loaded.status().to_string();
  std::filesystem::remove(out);
}

TEST(GenModelMixes, VocabularyCopiedFromAnotherFile) {
  OSP_REQUIRE_SHARED("models/stories260K.gguf");
  const std::string out = test::temp_dir() + "/gen-vocab.gguf";
  GenModelParams p;
  p.preset = "tinyllama-1.1b";
  p.vocab_path = test::shared_path("models/stories260K.gguf");
  p.n_layer = 1;
  p.n_threads = 2;
  auto g = generate_model(p, out);
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  EXPECT_EQ(g.value().n_vocab, 32000);  // the preset's embedding rows; the tokenizer has 512 tokens
  auto loaded = Model::load(out, {});
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  EXPECT_EQ(loaded.value()->tokenizer().n_vocab(), 512);
  std::filesystem::remove(out);
}

TEST(GenModelParts, SyntheticVocabularyIsUniqueAndOfTheRightSize) {
  const SyntheticVocab v = synthetic_spm_vocab(151936);
  ASSERT_EQ(v.tokens.size(), 151936u);
  ASSERT_EQ(v.scores.size(), v.tokens.size());
  ASSERT_EQ(v.types.size(), v.tokens.size());
  EXPECT_EQ(std::set<std::string>(v.tokens.begin(), v.tokens.end()).size(), v.tokens.size());
  EXPECT_EQ(v.tokens[3], "<0x00>");
  EXPECT_EQ(v.types[3], 6);
  EXPECT_EQ(v.tokens[258], "<0xFF>");
}

TEST(GenModelParts, Llama3RopeFactors) {
  // Llama 3.2: base 500000, factor 32, low 1, high 4, original context 8192. The fastest dimension
  // (wavelength 2 pi) is unscaled; the slowest (wavelength > 8192) is divided by 32; the ones in
  // between are interpolated monotonically.
  const auto f = llama3_rope_factors(64, 500000.0f, 32.0f, 1.0f, 4.0f, 8192);
  ASSERT_EQ(f.size(), 32u);
  EXPECT_FLOAT_EQ(f.front(), 1.0f);
  EXPECT_FLOAT_EQ(f.back(), 32.0f);
  for (size_t i = 1; i < f.size(); ++i) EXPECT_GE(f[i], f[i - 1]);
}

TEST(GenModelParts, UnknownPresetIsRefused) {
  GenModelParams p;
  p.preset = "gpt-5";
  auto g = generate_model(p, test::temp_dir() + "/never.gguf");
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("tinyllama-1.1b"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(test::temp_dir() + "/never.gguf"));
}

}  // namespace
}  // namespace osprey::model
