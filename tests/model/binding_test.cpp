// Loading refuses models whose tensors do not match the architecture, naming the tensor and the
// expected and actual shape or type. The models are tiny GGUFs written here with GgufWriter.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "src/gguf/gguf_reader.h"
#include "src/gguf/gguf_writer.h"
#include "src/model/model.h"
#include "src/model/registry.h"
#include "src/tensor/half.h"
#include "tests/support/test_support.h"

namespace osprey::model {
namespace {

constexpr int kEmbd = 32, kHead = 2, kHeadKv = 1, kFf = 256, kVocab = 512;

struct TensorSpec {
  tensor::DType type = tensor::DType::kF32;
  std::vector<int64_t> shape;
};

// The tensors of a one-layer llama with the sizes above, by name.
std::map<std::string, TensorSpec> llama_tensors() {
  const int64_t hd = kEmbd / kHead;
  std::map<std::string, TensorSpec> t;
  t["token_embd.weight"] = {tensor::DType::kF32, {kEmbd, kVocab}};
  t["output_norm.weight"] = {tensor::DType::kF32, {kEmbd}};
  t["blk.0.attn_norm.weight"] = {tensor::DType::kF32, {kEmbd}};
  t["blk.0.attn_q.weight"] = {tensor::DType::kF16, {kEmbd, kHead * hd}};
  t["blk.0.attn_k.weight"] = {tensor::DType::kF16, {kEmbd, kHeadKv * hd}};
  t["blk.0.attn_v.weight"] = {tensor::DType::kF16, {kEmbd, kHeadKv * hd}};
  t["blk.0.attn_output.weight"] = {tensor::DType::kQ8_0, {kHead * hd, kEmbd}};
  t["blk.0.ffn_norm.weight"] = {tensor::DType::kF32, {kEmbd}};
  t["blk.0.ffn_gate.weight"] = {tensor::DType::kQ4_0, {kEmbd, kFf}};
  t["blk.0.ffn_up.weight"] = {tensor::DType::kQ4_0, {kEmbd, kFf}};
  t["blk.0.ffn_down.weight"] = {tensor::DType::kQ4_K, {kFf, kEmbd}};
  return t;
}

// Writes a model file; `edit` may change metadata after the defaults are set.
std::string write_model(const std::string& file, const std::map<std::string, TensorSpec>& tensors,
                        const std::function<void(gguf::GgufWriter&)>& edit = {}) {
  gguf::GgufWriter w;
  const std::string vocab = test::shared_path("models/stories260K.gguf");
  if (!vocab.empty()) {  // a real SentencePiece vocabulary of kVocab tokens
    auto f = gguf::GgufFile::open(vocab);
    EXPECT_TRUE(f.ok());
    for (const auto& [k, v] : f.value().metadata())
      if (k.rfind("tokenizer.", 0) == 0) w.set(k, v);
  }
  w.set_string("general.architecture", "llama");
  w.set_u32("llama.context_length", 64);
  w.set_u32("llama.embedding_length", kEmbd);
  w.set_u32("llama.block_count", 1);
  w.set_u32("llama.feed_forward_length", kFf);
  w.set_u32("llama.attention.head_count", kHead);
  w.set_u32("llama.attention.head_count_kv", kHeadKv);
  w.set_f32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  if (edit) edit(w);
  std::mt19937 rng(7);
  for (const auto& [name, spec] : tensors) {
    int64_t n = 1;
    for (int64_t d : spec.shape) n *= d;
    const int64_t rows = n / spec.shape[0];
    std::vector<uint8_t> bytes(tensor::row_size(spec.type, spec.shape[0]) * rows);
    std::normal_distribution<float> normal(0.0f, 0.5f);
    if (spec.type == tensor::DType::kF32) {
      for (size_t i = 0; i < bytes.size(); i += 4) {
        const float v = spec.shape.size() == 1 ? 1.0f + 0.1f * normal(rng) : normal(rng);  // norms near 1
        std::memcpy(&bytes[i], &v, 4);
      }
    } else if (spec.type == tensor::DType::kF16) {
      for (size_t i = 0; i < bytes.size(); i += 2) {
        const uint16_t h = tensor::fp32_to_fp16(normal(rng));
        std::memcpy(&bytes[i], &h, 2);
      }
    } else if (spec.type == tensor::DType::kQ4_0 || spec.type == tensor::DType::kQ8_0 ||
               spec.type == tensor::DType::kQ4_K) {
      for (auto& b : bytes) b = static_cast<uint8_t>(rng());
      const size_t block = tensor::info(spec.type).type_size;
      for (size_t off = 0; off < bytes.size(); off += block) {  // a small fp16 scale (0.01) per block
        bytes[off] = 0x1f;  // d (the first field of all three layouts)
        bytes[off + 1] = 0x21;
        if (spec.type == tensor::DType::kQ4_K) bytes[off + 2] = 0, bytes[off + 3] = 0;  // dmin = 0
      }
    }
    EXPECT_TRUE(w.add_tensor(name, spec.type, spec.shape, bytes).ok()) << name;
  }
  const std::string path = test::temp_dir() + "/" + file;
  Status s = w.write_file(path);
  EXPECT_TRUE(s.ok()) << s.to_string();
  return path;
}

Status load_error(const std::string& path) {
  auto m = Model::load(path, ModelParams{});
  return m.ok() ? base::ok_status() : m.status();
}

void expect_mentions(const Status& s, StatusCode code, const std::vector<std::string>& parts) {
  EXPECT_EQ(s.code(), code) << s.to_string();
  for (const auto& p : parts) EXPECT_NE(s.message().find(p), std::string::npos) << "'" << p << "' not in: " << s.message();
}

TEST(Binding, AWellFormedTinyModelLoadsAndRuns) {
  OSP_REQUIRE_SHARED("models/stories260K.gguf");
  auto m = Model::load(write_model("ok.gguf", llama_tensors()), ModelParams{});
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  Model& model = *m.value();
  EXPECT_EQ(model.hparams().n_vocab, kVocab);
  EXPECT_EQ(model.hparams().head_dim, kEmbd / kHead);
  EXPECT_EQ(model.description().rfind("llama ", 0), 0u) << model.description();
  auto kv = KvCache::create(model.kv_params(16)).value();
  base::ThreadPool pool(1);
  Batch b;
  b.add(1, 0, 0, false);
  b.add(42, 1, 0, true);
  std::vector<float> logits;
  ASSERT_TRUE(model.forward(b, *kv, pool, &logits).ok());
  ASSERT_EQ(logits.size(), static_cast<size_t>(kVocab));
  for (float x : logits) ASSERT_TRUE(std::isfinite(x));
}

TEST(Binding, UnsupportedTypeNamesTypeAndTensor) {
  auto t = llama_tensors();
  t["blk.0.ffn_down.weight"].type = tensor::DType::kIQ2_XXS;
  expect_mentions(load_error(write_model("iq2.gguf", t)), StatusCode::kUnimplemented,
                  {"blk.0.ffn_down.weight", "IQ2_XXS"});
}

TEST(Binding, WrongShapeNamesExpectedAndActual) {
  auto t = llama_tensors();
  t["blk.0.ffn_up.weight"].shape = {kEmbd, 128};
  expect_mentions(load_error(write_model("shape.gguf", t)), StatusCode::kInvalidArgument,
                  {"blk.0.ffn_up.weight", "expected shape [32, 256]", "got [32, 128]"});
  auto t2 = llama_tensors();
  t2["output_norm.weight"].shape = {kEmbd, 2};
  expect_mentions(load_error(write_model("shape2.gguf", t2)), StatusCode::kInvalidArgument,
                  {"output_norm.weight", "expected shape [32]", "got [32, 2]"});
}

TEST(Binding, MissingTensorIsNamed) {
  auto t = llama_tensors();
  t.erase("blk.0.attn_k.weight");
  expect_mentions(load_error(write_model("missing.gguf", t)), StatusCode::kNotFound,
                  {"blk.0.attn_k.weight", "[32, 16]"});
}

TEST(Binding, VectorOfAQuantizedTypeIsRefused) {
  auto t = llama_tensors();
  t["blk.0.ffn_norm.weight"].type = tensor::DType::kQ8_0;
  expect_mentions(load_error(write_model("qnorm.gguf", t)), StatusCode::kInvalidArgument,
                  {"blk.0.ffn_norm.weight", "Q8_0"});
}

TEST(Binding, UnknownArchitectureListsTheSupportedOnes) {
  auto path = write_model("arch.gguf", llama_tensors(),
                          [](gguf::GgufWriter& w) { w.set_string("general.architecture", "gpt9"); });
  expect_mentions(load_error(path), StatusCode::kUnimplemented, {"'gpt9'", architecture_names()});
}

TEST(Binding, BadHyperparametersAreNamed) {
  auto missing = write_model("nokey.gguf", llama_tensors(),
                             [](gguf::GgufWriter& w) { w.remove("llama.block_count"); });
  expect_mentions(load_error(missing), StatusCode::kNotFound, {"llama.block_count"});
  auto heads = write_model("heads.gguf", llama_tensors(),
                           [](gguf::GgufWriter& w) { w.set_u32("llama.attention.head_count_kv", 3); });
  expect_mentions(load_error(heads), StatusCode::kInvalidArgument, {"head_count 2", "head_count_kv 3"});
  auto absurd = write_model("absurd.gguf", llama_tensors(),
                            [](gguf::GgufWriter& w) { w.set_u32("llama.embedding_length", 4000000000u); });
  expect_mentions(load_error(absurd), StatusCode::kOutOfRange, {"llama.embedding_length", "4000000000"});
}

TEST(Binding, ModelParamsOverrideTheFile) {
  OSP_REQUIRE_SHARED("models/stories260K.gguf");
  const auto path = write_model("rope.gguf", llama_tensors(), [](gguf::GgufWriter& w) {
    w.set_f32("llama.rope.freq_base", 20000.0f);
    w.set_string("llama.rope.scaling.type", "linear");
    w.set_f32("llama.rope.scaling.factor", 4.0f);
  });
  auto file_only = Model::load(path, ModelParams{});
  ASSERT_TRUE(file_only.ok()) << file_only.status().to_string();
  const HParams& f = file_only.value()->hparams();
  EXPECT_EQ(f.n_ctx, 64);
  EXPECT_EQ(f.rope_freq_base, 20000.0f);
  EXPECT_EQ(f.rope_scaling, RopeScaling::kLinear);
  EXPECT_FLOAT_EQ(f.rope_freq_scale, 0.25f);
  EXPECT_EQ(f.yarn_ext_factor, 0.0f);
  ModelParams p;
  p.n_ctx = 128;
  p.rope_freq_base = 5000.0f;
  p.rope_freq_scale = 0.5f;
  p.rope_scaling = ModelParams::Scaling::kYarn;
  p.yarn_orig_ctx = 32;
  auto over = Model::load(path, p);
  ASSERT_TRUE(over.ok()) << over.status().to_string();
  const HParams& o = over.value()->hparams();
  EXPECT_EQ(o.n_ctx, 128);
  EXPECT_EQ(o.n_ctx_train, 64);
  EXPECT_EQ(o.rope_freq_base, 5000.0f);
  EXPECT_EQ(o.rope_freq_scale, 0.5f);
  EXPECT_EQ(o.rope_scaling, RopeScaling::kYarn);
  EXPECT_EQ(o.yarn_ext_factor, 1.0f);
  EXPECT_EQ(o.yarn_orig_ctx, 32);
}

// Llama 3.1 frequency factors: all ones change nothing; other factors change the logits.
TEST(Binding, RopeFreqsFactorsAreApplied) {
  OSP_REQUIRE_SHARED("models/stories260K.gguf");
  auto logits_of = [](const std::string& file, const std::vector<float>& factors) {
    std::vector<float> out;
    auto t = llama_tensors();
    std::string path;
    if (factors.empty()) {
      path = write_model(file, t);
    } else {
      path = write_model(file, t, [&](gguf::GgufWriter& w) {
        std::vector<uint8_t> bytes(factors.size() * 4);
        std::memcpy(bytes.data(), factors.data(), bytes.size());
        EXPECT_TRUE(w.add_tensor("rope_freqs.weight", tensor::DType::kF32, {static_cast<int64_t>(factors.size())}, bytes).ok());
      });
    }
    auto m = Model::load(path, ModelParams{});
    EXPECT_TRUE(m.ok()) << m.status().to_string();
    if (!m.ok()) return out;
    auto kv = KvCache::create(m.value()->kv_params(16, tensor::DType::kF32)).value();
    base::ThreadPool pool(1);
    Batch b;
    for (int i = 0; i < 6; ++i) b.add(10 + i * 31, i, 0, i == 5);
    EXPECT_TRUE(m.value()->forward(b, *kv, pool, &out).ok());
    return out;
  };
  const int half_rot = kEmbd / kHead / 2;
  const auto none = logits_of("nofreqs.gguf", {});
  const auto ones = logits_of("ones.gguf", std::vector<float>(half_rot, 1.0f));
  std::vector<float> f(half_rot, 1.0f);
  f[0] = 8.0f;
  const auto eight = logits_of("eight.gguf", f);
  ASSERT_EQ(none.size(), static_cast<size_t>(kVocab));
  EXPECT_EQ(none, ones);
  EXPECT_NE(none, eight);
  // The wrong length is refused with both sizes.
  auto bad = write_model("badfreqs.gguf", llama_tensors(), [](gguf::GgufWriter& w) {
    std::vector<uint8_t> bytes(12, 0);
    EXPECT_TRUE(w.add_tensor("rope_freqs.weight", tensor::DType::kF32, {3}, bytes).ok());
  });
  expect_mentions(load_error(bad), StatusCode::kInvalidArgument, {"rope_freqs.weight", "expected shape [8]", "got [3]"});
}

TEST(Binding, RegistryListsTheThreeArchitectures) {
  EXPECT_NE(find_architecture("llama"), nullptr);
  EXPECT_NE(find_architecture("qwen2"), nullptr);
  EXPECT_NE(find_architecture("qwen3"), nullptr);
  EXPECT_EQ(find_architecture("gpt2"), nullptr);
}

}  // namespace
}  // namespace osprey::model
