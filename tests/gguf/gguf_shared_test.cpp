// Reads the real GGUF files in the shared folder. Expected facts come from the files themselves,
// read with an independent script that follows the GGUF specification.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "src/gguf/gguf_reader.h"
#include "tests/support/test_support.h"

namespace osprey::gguf {
namespace {

using tensor::DType;

GgufFile open_shared(const std::string& rel) {
  Result<GgufFile> f = GgufFile::open(test::shared_path(rel));
  EXPECT_TRUE(f.ok()) << f.status().to_string();
  return f.ok() ? std::move(f).value() : GgufFile();
}

TEST(GgufShared, Stories260K) {
  OSP_REQUIRE_SHARED("models/stories260K.gguf");
  GgufFile f = open_shared("models/stories260K.gguf");
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.alignment(), 32u);
  EXPECT_EQ(f.metadata().size(), 19u);
  EXPECT_EQ(f.data_offset(), 14176u);
  EXPECT_EQ(f.get_string("general.architecture").value(), "llama");
  EXPECT_EQ(f.get_u32("llama.context_length").value(), 2048u);
  EXPECT_EQ(f.get_u32("llama.embedding_length").value(), 64u);
  EXPECT_EQ(f.get_u32("llama.feed_forward_length").value(), 172u);
  EXPECT_EQ(f.get_u32("llama.attention.head_count").value(), 8u);
  EXPECT_EQ(f.get_u32("llama.attention.head_count_kv").value(), 4u);
  EXPECT_EQ(f.get_u32("llama.block_count").value(), 5u);
  EXPECT_EQ(f.get_u32("tokenizer.ggml.seperator_token_id").value(), 4294967295u);
  EXPECT_NEAR(f.get_float("llama.attention.layer_norm_rms_epsilon").value(), 1e-5f, 1e-9f);
  std::vector<std::string> tokens = f.get_string_array("tokenizer.ggml.tokens").value();
  ASSERT_EQ(tokens.size(), 512u);
  EXPECT_EQ(tokens[0], "<unk>");
  EXPECT_EQ(tokens[1], "<s>");
  EXPECT_EQ(tokens[3], "<0x00>");
  std::vector<int32_t> types = f.get_int_array("tokenizer.ggml.token_type").value();
  ASSERT_EQ(types.size(), 512u);
  EXPECT_EQ(types[0], 2);
  EXPECT_EQ(types[1], 3);
  EXPECT_EQ(types[3], 6);
  EXPECT_EQ(f.get_float_array("tokenizer.ggml.scores").value().size(), 512u);

  ASSERT_EQ(f.tensors().size(), 48u);
  const TensorInfo* emb = f.find_tensor("token_embd.weight");
  ASSERT_NE(emb, nullptr);
  EXPECT_EQ(emb->type, DType::kF32);
  EXPECT_EQ(emb->shape, std::vector<int64_t>({64, 512}));  // [n_embd, n_vocab]
  EXPECT_EQ(emb->offset, 0u);
  EXPECT_EQ(emb->n_elements, 64 * 512);
  EXPECT_EQ(emb->n_bytes, 131072u);
  float first[4];
  std::memcpy(first, f.tensor_data(*emb), sizeof(first));
  EXPECT_FLOAT_EQ(first[0], -0.29474878311157227f);
  EXPECT_FLOAT_EQ(first[1], 0.5618956089019775f);
  const TensorInfo* norm = f.find_tensor("output_norm.weight");
  ASSERT_NE(norm, nullptr);
  EXPECT_EQ(norm->shape, std::vector<int64_t>({64}));
  EXPECT_EQ(norm->offset, 131072u);
  const float* w = reinterpret_cast<const float*>(f.tensor_data(*norm));
  double sum = 0;
  for (int i = 0; i < 64; ++i) sum += w[i];
  EXPECT_NEAR(sum, 115.95276230573654, 1e-4);
  const TensorInfo* down = f.find_tensor("blk.0.ffn_down.weight");
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(down->shape, std::vector<int64_t>({172, 64}));
  EXPECT_EQ(down->offset, 355840u);
}

TEST(GgufShared, QuantizedQwen3) {
  OSP_REQUIRE_SHARED("models/tiny-qwen3-Q3_K_M.gguf");
  GgufFile f = open_shared("models/tiny-qwen3-Q3_K_M.gguf");
  EXPECT_EQ(f.get_string("general.architecture").value(), "qwen3");
  EXPECT_EQ(f.get_u32("general.file_type").value(), 12u);
  EXPECT_EQ(f.get_float("qwen3.rope.freq_base").value(), 10000.0f);
  ASSERT_EQ(f.tensors().size(), 47u);
  EXPECT_EQ(f.data_offset(), 14272u);
  const TensorInfo* out = f.find_tensor("output.weight");
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->type, DType::kQ6_K);
  EXPECT_EQ(out->shape, std::vector<int64_t>({256, 512}));
  EXPECT_EQ(out->n_bytes, 512u * 210u);
  const TensorInfo* emb = f.find_tensor("token_embd.weight");
  ASSERT_NE(emb, nullptr);
  EXPECT_EQ(emb->type, DType::kQ3_K);
  EXPECT_EQ(emb->offset, 108544u);
  EXPECT_EQ(emb->n_bytes, 512u * 110u);
  EXPECT_EQ(f.find_tensor("blk.0.attn_v.weight")->type, DType::kQ5_K);
}

TEST(GgufShared, VocabOnlyFiles) {
  OSP_REQUIRE_SHARED("vocab/ggml-vocab-gpt-2.gguf");
  GgufFile f = open_shared("vocab/ggml-vocab-gpt-2.gguf");
  EXPECT_EQ(f.get_string("general.architecture").value(), "gpt2");
  EXPECT_EQ(f.get_string("tokenizer.ggml.pre").value(), "gpt-2");
  EXPECT_TRUE(f.tensors().empty());
  std::vector<std::string> tokens = f.get_string_array("tokenizer.ggml.tokens").value();
  ASSERT_EQ(tokens.size(), 50257u);
  EXPECT_EQ(tokens[0], "!");
  std::vector<std::string> merges = f.get_string_array("tokenizer.ggml.merges").value();
  ASSERT_EQ(merges.size(), 50000u);
  EXPECT_EQ(merges[0], "\xC4\xA0 t");  // "Ġ t"
  EXPECT_EQ(f.get_u32("tokenizer.ggml.bos_token_id").value(), 50256u);
}

// Every shared GGUF parses; every tensor lies inside the file with the size its dtype implies.
TEST(GgufShared, EveryFileParses) {
  OSP_REQUIRE_SHARED("models");
  int count = 0;
  for (const char* dir : {"models", "vocab"}) {
    std::string path = test::shared_path(dir);
    if (path.empty()) continue;
    for (const auto& e : std::filesystem::directory_iterator(path)) {
      if (e.path().extension() != ".gguf") continue;
      SCOPED_TRACE(e.path().string());
      Result<GgufFile> r = GgufFile::open(e.path().string());
      ASSERT_TRUE(r.ok()) << r.status().to_string();
      const GgufFile& f = r.value();
      ++count;
      EXPECT_TRUE(f.has("general.architecture"));
      for (const TensorInfo& t : f.tensors()) {
        const tensor::DTypeInfo& info = tensor::info(t.type);
        EXPECT_EQ(t.n_bytes, static_cast<size_t>(t.n_elements / info.block_size) * info.type_size) << t.name;
        EXPECT_LE(f.data_offset() + t.offset + t.n_bytes, f.file_size()) << t.name;
      }
    }
  }
  EXPECT_GE(count, 20);
}

}  // namespace
}  // namespace osprey::gguf
