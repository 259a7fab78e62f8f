// StreamingDetokenizer: tokens pushed one by one give the same text as decoding them all at once,
// and every chunk is whole, valid UTF-8 (emoji, CJK, byte-fallback tokens, split multi-byte BPE
// tokens, invalid byte sequences).
#include <gtest/gtest.h>

#include <random>

#include "tests/support/test_support.h"
#include "tests/tokenizer/vector_util.h"

namespace osprey::tokenizer::test {
namespace {

const std::vector<std::string> kExtraTexts = {
    "🦙🦙 llamas 🚀 and 😶‍🌫️ fog",
    "中文分词测试：我想在苹果工作，天气很好。",
    "日本語のテキスト、カタカナとひらがな。한국어 문장도 있습니다.",
    "mixed: naïve café, Ελληνικά, русский, العربية, עברית, हिन्दी, ไทย",
    "code: for (int i = 0; i < n; ++i) { s += a[i] * 2; }  // done\n\treturn s;",
    "👨‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 1️⃣ keycap, 🇯🇵 flag",
};

// Streams ids and checks the chunk invariants; returns the concatenated text.
std::string stream(const Tokenizer& tok, const std::vector<int32_t>& ids, bool render_special,
                   size_t* held_back = nullptr) {
  StreamingDetokenizer sd(tok, render_special);
  std::string all;
  for (int32_t id : ids) {
    const std::string chunk = sd.push(id);
    EXPECT_TRUE(is_valid_utf8(chunk)) << "chunk '" << escaped(chunk) << "' after id " << id;
    if (chunk.empty() && held_back != nullptr) ++*held_back;
    all += chunk;
  }
  const std::string tail = sd.finish();
  EXPECT_TRUE(is_valid_utf8(tail));
  return all + tail;
}

void check_vocab(const Tokenizer& tok, const std::string& name) {
  std::vector<std::string> texts = kExtraTexts;
  const std::string inp = osprey::test::shared_path("vocab/ggml-vocab-gpt-2.gguf.inp");
  if (!inp.empty())
    for (const VectorCase& c : read_vectors(inp, inp.substr(0, inp.size() - 4) + ".out")) texts.push_back(c.text);
  size_t held_back = 0;
  for (const std::string& s : texts) {
    const std::vector<int32_t> ids = tok.encode(s, /*add_special=*/true, false);
    const std::string whole = tok.decode(ids);
    ASSERT_TRUE(is_valid_utf8(whole)) << name << ": '" << escaped(s) << "'";
    EXPECT_EQ(stream(tok, ids, false, &held_back), whole) << name << ": '" << escaped(s) << "'";
    EXPECT_EQ(stream(tok, ids, true), tok.decode(ids, true)) << name << ": '" << escaped(s) << "'";
  }
  // Emoji and CJK split across tokens, so some pushes must have held bytes back.
  if (tok.model() != VocabModel::kWpm) {
    EXPECT_GT(held_back, 0u) << name;
  }
}

class StreamingGguf : public ::testing::TestWithParam<std::string> {};

TEST_P(StreamingGguf, OneByOneEqualsWholeAndChunksAreValid) {
  OSP_REQUIRE_SHARED("vocab/ggml-vocab-" + GetParam() + ".gguf");
  auto tok = load_shared_vocab(GetParam());
  ASSERT_NE(tok, nullptr);
  check_vocab(*tok, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Shared, StreamingGguf, ::testing::Values("llama-spm", "gpt-2", "bert-bge", "refact"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(StreamingNpm, Llama3AndQwen3) {
  for (const char* pkg : {"llama3", "qwen3"}) {
    auto tok = load_npm_vocab(pkg);
    if (tok == nullptr) {
      if (!HasFailure()) GTEST_SKIP() << "npm tokenizers absent (OSPREY_NPM_DIR)";
      return;
    }
    check_vocab(*tok, pkg);
  }
}

TEST(Streaming, ByteFallbackEmojiIsHeldUntilComplete) {
  OSP_REQUIRE_SHARED("vocab/ggml-vocab-llama-spm.gguf");
  auto tok = load_shared_vocab("llama-spm");
  ASSERT_NE(tok, nullptr);
  const std::string llama = "\xF0\x9F\xA6\x99";  // U+1F999, not in the vocab: four byte tokens
  const std::vector<int32_t> ids = tok->encode(llama, false, false);
  ASSERT_EQ(ids.size(), 5u);  // "▁" then <0xF0> <0x9F> <0xA6> <0x99>
  for (size_t i = 1; i < 5; ++i) EXPECT_EQ(tok->token_type(ids[i]), TokenType::kByte);
  StreamingDetokenizer sd(*tok);
  EXPECT_EQ(sd.push(ids[0]), "");  // the prefix space is dropped at the start
  EXPECT_EQ(sd.push(ids[1]), "");
  EXPECT_EQ(sd.push(ids[2]), "");
  EXPECT_EQ(sd.push(ids[3]), "");
  EXPECT_EQ(sd.push(ids[4]), llama);
  EXPECT_EQ(sd.finish(), "");
}

TEST(Streaming, InvalidBytesBecomeReplacementCharacters) {
  OSP_REQUIRE_SHARED("vocab/ggml-vocab-llama-spm.gguf");
  auto tok = load_shared_vocab("llama-spm");
  ASSERT_NE(tok, nullptr);
  const int32_t e4 = *tok->find_token("<0xE4>"), b8 = *tok->find_token("<0xB8>"), a = *tok->find_token("<0x41>");
  {
    StreamingDetokenizer sd(*tok);
    EXPECT_EQ(sd.push(e4), "");
    EXPECT_EQ(sd.push(a), "\xEF\xBF\xBD" "A");  // E4 cannot be followed by 'A'
    EXPECT_EQ(sd.finish(), "");
  }
  {
    StreamingDetokenizer sd(*tok);
    EXPECT_EQ(sd.push(e4), "");
    EXPECT_EQ(sd.push(b8), "");
    EXPECT_EQ(sd.finish(), "\xEF\xBF\xBD");  // a truncated sequence is one U+FFFD
  }
}

TEST(Streaming, RandomIdsMatchSanitizedDecode) {
  for (const char* name : {"llama-spm", "gpt-2"}) {
    if (osprey::test::shared_path(std::string("vocab/ggml-vocab-") + name + ".gguf").empty())
      GTEST_SKIP() << "shared vocab missing";
    auto tok = load_shared_vocab(name);
    ASSERT_NE(tok, nullptr);
    std::mt19937 rng(1234);
    for (int round = 0; round < 200; ++round) {
      std::vector<int32_t> ids(1 + rng() % 40);
      for (int32_t& id : ids) id = static_cast<int32_t>(rng() % tok->n_vocab());
      EXPECT_EQ(stream(*tok, ids, round % 2 == 0), sanitize_utf8(tok->decode(ids, round % 2 == 0))) << name;
    }
  }
}

}  // namespace
}  // namespace osprey::tokenizer::test
