// Long texts (>= 16 KiB) take the word-cache path; short ones do not. A long text made of copies of
// the vector strings separated by a control token (parsed as special) must encode to exactly the
// concatenation of the short, uncached encodings of each copy: the cache may never change ids.
#include <gtest/gtest.h>

#include "tests/support/test_support.h"
#include "tests/tokenizer/vector_util.h"

namespace osprey::tokenizer::test {
namespace {

void expect_cache_transparent(const Tokenizer& tok, const std::string& separator, const std::string& name) {
  const std::string inp = osprey::test::shared_path("vocab/ggml-vocab-gpt-2.gguf.inp");
  ASSERT_FALSE(inp.empty());
  std::string piece;
  for (const VectorCase& c : read_vectors(inp, inp.substr(0, inp.size() - 4) + ".out")) piece += c.text + "\n";
  ASSERT_LT(piece.size(), 16u * 1024) << "each copy must stay below the cache threshold";
  const std::optional<int32_t> sep = tok.find_token(separator);
  ASSERT_TRUE(sep.has_value()) << name;
  const std::vector<int32_t> one = tok.encode(piece, false, true);
  std::string text;
  std::vector<int32_t> expected;
  while (text.size() < 64 * 1024) {
    text += piece + separator;
    expected.insert(expected.end(), one.begin(), one.end());
    expected.push_back(*sep);
  }
  EXPECT_EQ(tok.encode(text, false, true), expected) << name;
}

TEST(LongText, CacheNeverChangesIdsGguf) {
  for (const auto& [name, sep] : std::vector<std::pair<std::string, std::string>>{
           {"llama-spm", "</s>"}, {"gpt-2", "<|endoftext|>"}, {"refact", "<|endoftext|>"}, {"bert-bge", "[SEP]"}}) {
    if (osprey::test::shared_path("vocab/ggml-vocab-" + name + ".gguf").empty()) GTEST_SKIP() << "shared vocab missing";
    auto tok = load_shared_vocab(name);
    ASSERT_NE(tok, nullptr);
    expect_cache_transparent(*tok, sep, name);
  }
}

TEST(LongText, CacheNeverChangesIdsNpm) {
  for (const auto& [pkg, sep] :
       std::vector<std::pair<std::string, std::string>>{{"llama3", "<|eot_id|>"}, {"qwen3", "<|im_end|>"}}) {
    auto tok = load_npm_vocab(pkg);
    if (tok == nullptr) {
      if (!HasFailure()) GTEST_SKIP() << "npm tokenizers absent (OSPREY_NPM_DIR)";
      return;
    }
    expect_cache_transparent(*tok, sep, pkg);
  }
}

}  // namespace
}  // namespace osprey::tokenizer::test
