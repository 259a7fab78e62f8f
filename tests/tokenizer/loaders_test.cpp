// Loading from GGUF metadata (files built in memory with GgufWriter) and from tokenizer.json files
// written to a temporary directory: what is read, which defaults apply, and how bad input fails.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "src/gguf/gguf_reader.h"
#include "src/gguf/gguf_writer.h"
#include "src/tokenizer/byte_level.h"
#include "src/tokenizer/tokenizer.h"
#include "tests/support/test_support.h"

namespace osprey::tokenizer {
namespace {

using Ids = std::vector<int32_t>;
using nlohmann::json;

// ---- GGUF ----

gguf::GgufWriter spm_writer() {
  gguf::GgufWriter w;
  w.set_string("tokenizer.ggml.model", "llama");
  w.set_string_array("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "\xE2\x96\x81", "a", "b", "\xE2\x96\x81" "ab", "ab"});
  const std::vector<float> scores = {0, 0, 0, -1, -1, -1, -0.5f, -0.7f};
  w.set_f32_array("tokenizer.ggml.scores", scores);
  const std::vector<int32_t> types = {2, 3, 3, 1, 1, 1, 1, 1};
  w.set_i32_array("tokenizer.ggml.token_type", types);
  return w;
}

Result<std::unique_ptr<Tokenizer>> load(const gguf::GgufWriter& w, std::vector<uint8_t>& buffer) {
  OSP_ASSIGN_OR_RETURN(buffer, w.write_to_buffer());
  OSP_ASSIGN_OR_RETURN(gguf::GgufFile f, gguf::GgufFile::parse(buffer));
  return Tokenizer::from_gguf(f);
}

TEST(GgufLoader, SpmDefaults) {
  std::vector<uint8_t> buf;
  auto tok = load(spm_writer(), buf);
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  EXPECT_EQ((*tok)->model(), VocabModel::kSpm);
  EXPECT_EQ((*tok)->bos_id(), 1);
  EXPECT_EQ((*tok)->eos_id(), 2);
  EXPECT_EQ((*tok)->unk_id(), 0);
  EXPECT_TRUE((*tok)->add_bos());
  EXPECT_FALSE((*tok)->add_eos());
  // Space prefix on by default: ▁ a b -> ▁ ab -> ▁ab.
  EXPECT_EQ((*tok)->encode("ab", true, false), (Ids{1, 6}));
}

TEST(GgufLoader, SpmKeysOverrideDefaults) {
  gguf::GgufWriter w = spm_writer();
  w.set_bool("tokenizer.ggml.add_space_prefix", false);
  w.set_bool("tokenizer.ggml.add_bos_token", false);
  w.set_bool("tokenizer.ggml.add_eos_token", true);
  w.set_u32("tokenizer.ggml.eos_token_id", 1);
  std::vector<uint8_t> buf;
  auto tok = load(w, buf);
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  EXPECT_EQ((*tok)->encode("ab", true, false), (Ids{7, 1}));
}

TEST(GgufLoader, BadMetadataIsRefusedWithAClearStatus) {
  struct Case {
    const char* what;
    std::function<void(gguf::GgufWriter&)> edit;
    StatusCode code;
    const char* message_part;
  };
  const std::vector<int32_t> bad_types = {2, 3, 3, 1, 1, 9, 1, 1};
  const std::vector<float> short_scores = {0, 0};
  const std::vector<Case> cases = {
      {"no model", [](gguf::GgufWriter& w) { w.remove("tokenizer.ggml.model"); }, StatusCode::kNotFound,
       "tokenizer.ggml.model"},
      {"unknown model", [](gguf::GgufWriter& w) { w.set_string("tokenizer.ggml.model", "t5"); },
       StatusCode::kUnimplemented, "'t5'"},
      {"no tokens", [](gguf::GgufWriter& w) { w.remove("tokenizer.ggml.tokens"); }, StatusCode::kNotFound,
       "tokenizer.ggml.tokens"},
      {"tokens not strings", [](gguf::GgufWriter& w) { w.set_u32("tokenizer.ggml.tokens", 3); },
       StatusCode::kInvalidArgument, "tokenizer.ggml.tokens"},
      {"bad type", [&](gguf::GgufWriter& w) { w.set_i32_array("tokenizer.ggml.token_type", bad_types); },
       StatusCode::kOutOfRange, "got 9"},
      {"short scores", [&](gguf::GgufWriter& w) { w.set_f32_array("tokenizer.ggml.scores", short_scores); },
       StatusCode::kInvalidArgument, "expected 8 scores"},
      {"bos out of range", [](gguf::GgufWriter& w) { w.set_u32("tokenizer.ggml.bos_token_id", 8); },
       StatusCode::kOutOfRange, "got 8"},
      {"gpt2 without merges", [](gguf::GgufWriter& w) { w.set_string("tokenizer.ggml.model", "gpt2"); },
       StatusCode::kNotFound, "tokenizer.ggml.merges"},
      {"bad merge",
       [](gguf::GgufWriter& w) {
         w.set_string("tokenizer.ggml.model", "gpt2");
         w.set_string_array("tokenizer.ggml.merges", {"ab"});
       },
       StatusCode::kInvalidArgument, "\"ab\""},
      {"unknown pre",
       [](gguf::GgufWriter& w) {
         w.set_string("tokenizer.ggml.model", "gpt2");
         w.set_string_array("tokenizer.ggml.merges", {"a b"});
         w.set_string("tokenizer.ggml.pre", "mystery");
       },
       StatusCode::kUnimplemented, "'mystery'"},
  };
  for (const Case& c : cases) {
    gguf::GgufWriter w = spm_writer();
    c.edit(w);
    std::vector<uint8_t> buf;
    auto tok = load(w, buf);
    ASSERT_FALSE(tok.ok()) << c.what;
    EXPECT_EQ(tok.status().code(), c.code) << c.what << ": " << tok.status().to_string();
    EXPECT_NE(tok.status().message().find(c.message_part), std::string::npos)
        << c.what << ": " << tok.status().to_string();
  }
}

TEST(GgufLoader, SharedVocabMetadata) {
  OSP_REQUIRE_SHARED("vocab/ggml-vocab-phi-3.gguf");
  auto f = gguf::GgufFile::open(osprey::test::shared_path("vocab/ggml-vocab-phi-3.gguf"));
  ASSERT_TRUE(f.ok());
  auto tok = Tokenizer::from_gguf(*f);
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  EXPECT_EQ((*tok)->n_vocab(), 32064);
  EXPECT_EQ((*tok)->eos_id(), 32000);
  EXPECT_TRUE((*tok)->is_eog(32000));                          // <|endoftext|>
  EXPECT_TRUE((*tok)->is_eog(*(*tok)->find_token("<|end|>")));  // Phi-3's end of turn
  EXPECT_FALSE((*tok)->is_eog(1));
}

// ---- tokenizer.json ----

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = (std::filesystem::path(osprey::test::temp_dir()) / name).string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

json byte_level_bpe(bool pair_merges) {
  json vocab = json::object();
  for (int b = 0; b < 256; ++b) {
    std::string s;
    byte_level_encode(std::string(1, static_cast<char>(b)), s);
    vocab[s] = b;
  }
  vocab["ab"] = 256;
  json merges = pair_merges ? json::array({json::array({"a", "b"})}) : json::array({"a b"});
  return json{{"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}},
              {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
              {"added_tokens",
               json::array({json{{"id", 258}, {"content", "<|end|>"}, {"special", true}},
                            json{{"id", 259}, {"content", "<think>"}, {"special", false}}})}};
}

TEST(HfLoader, ByteLevelBpeWithAddedTokens) {
  for (bool pairs : {false, true}) {
    const std::string path = write_file("bpe.json", byte_level_bpe(pairs).dump());
    const std::string cfg = write_file(
        "bpe_cfg.json", json{{"bos_token", {{"content", "<|end|>"}}}, {"add_bos_token", true}}.dump());
    auto tok = Tokenizer::from_hf_files(path, cfg);
    ASSERT_TRUE(tok.ok()) << tok.status().to_string();
    EXPECT_EQ((*tok)->n_vocab(), 260);
    EXPECT_EQ((*tok)->token_type(257), TokenType::kUnused);  // a hole in the ids
    EXPECT_EQ((*tok)->token_type(258), TokenType::kControl);
    EXPECT_EQ((*tok)->token_type(259), TokenType::kUserDefined);
    EXPECT_EQ((*tok)->pre(), "gpt-2");
    EXPECT_EQ((*tok)->bos_id(), 258);
    // " ab" is one word: Ġ a b with only the a+b merge -> [Ġ, ab].
    const int32_t space = *(*tok)->find_token("\xC4\xA0");
    EXPECT_EQ((*tok)->encode("ab<think> ab", true, false), (Ids{258, 256, 259, space, 256}));
    EXPECT_EQ((*tok)->decode(Ids{256, 259, space, 256}), "ab<think> ab");
  }
}

TEST(HfLoader, WordPieceVocabularyGetsWordStartMarkers) {
  json j = {{"model",
             {{"type", "WordPiece"},
              {"unk_token", "[UNK]"},
              {"continuing_subword_prefix", "##"},
              {"vocab", {{"[UNK]", 0}, {"[CLS]", 1}, {"[SEP]", 2}, {"hello", 3}, {"##lo", 4}, {"hel", 5}}}}},
            {"normalizer", {{"type", "BertNormalizer"}, {"lowercase", true}}},
            {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
            {"added_tokens", json::array({json{{"id", 0}, {"content", "[UNK]"}, {"special", true}},
                                          json{{"id", 1}, {"content", "[CLS]"}, {"special", true}},
                                          json{{"id", 2}, {"content", "[SEP]"}, {"special", true}}})}};
  auto tok = Tokenizer::from_hf_files(write_file("wp.json", j.dump()), "");
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  EXPECT_EQ((*tok)->encode("Hello hellolo", true, false), (Ids{1, 3, 3, 4, 2}));
  EXPECT_EQ((*tok)->encode("zzz", false, false), (Ids{0}));
}

TEST(HfLoader, BadFilesAreRefused) {
  auto missing = Tokenizer::from_hf_files("/nonexistent/tokenizer.json", "");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  auto not_json = Tokenizer::from_hf_files(write_file("bad.json", "{\"model\": [1, 2"), "");
  ASSERT_FALSE(not_json.ok());
  EXPECT_EQ(not_json.status().code(), StatusCode::kInvalidArgument);
  auto unigram = Tokenizer::from_hf_files(
      write_file("uni.json", json{{"model", {{"type", "Unigram"}, {"vocab", json::array()}}}}.dump()), "");
  ASSERT_FALSE(unigram.ok());
  EXPECT_EQ(unigram.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(unigram.status().message().find("Unigram"), std::string::npos);
  json wrong = byte_level_bpe(false);
  wrong["model"]["merges"] = json::array({42});
  auto bad_merge = Tokenizer::from_hf_files(write_file("merge.json", wrong.dump()), "");
  ASSERT_FALSE(bad_merge.ok());
  EXPECT_EQ(bad_merge.status().code(), StatusCode::kInvalidArgument);
  json wrong_type = byte_level_bpe(false);
  wrong_type["model"]["vocab"]["x"] = "not a number";
  auto bad_vocab = Tokenizer::from_hf_files(write_file("vocab.json", wrong_type.dump()), "");
  ASSERT_FALSE(bad_vocab.ok());
  EXPECT_EQ(bad_vocab.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace osprey::tokenizer
