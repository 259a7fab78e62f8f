// SPM on a small hand-built vocabulary; every expectation is worked out by hand from the
// algorithm: merge the adjacent pair whose concatenation has the highest score (leftmost on ties).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "src/tokenizer/tokenizer.h"

namespace osprey::tokenizer {
namespace {

constexpr int32_t kUnk = 0, kBos = 1, kEos = 2, kByte0 = 3;  // byte tokens <0x00>.. at 3..258

struct SpmFixture {
  VocabData v;
  int32_t add(const std::string& text, float score, TokenType type = TokenType::kNormal) {
    v.tokens.push_back(text);
    v.scores.push_back(score);
    v.types.push_back(type);
    return static_cast<int32_t>(v.tokens.size() - 1);
  }
  SpmFixture() {
    v.model = VocabModel::kSpm;
    add("<unk>", 0, TokenType::kUnknown);
    add("<s>", 0, TokenType::kControl);
    add("</s>", 0, TokenType::kControl);
    for (int b = 0; b < 256; ++b) add(fmt::format("<0x{:02X}>", b), 0, TokenType::kByte);
    v.unk_id = kUnk;
    v.bos_id = kBos;
    v.eos_id = kEos;
    v.add_bos = true;
    v.add_space_prefix = true;
  }
  std::unique_ptr<Tokenizer> build() {
    auto t = Tokenizer::from_vocab(v);
    EXPECT_TRUE(t.ok()) << t.status().to_string();
    return t.ok() ? std::move(t).value() : nullptr;
  }
};

const std::string kWs = "\xE2\x96\x81";  // "▁"

TEST(Spm, HigherScoreMergesFirst) {
  SpmFixture f;
  const int32_t ws = f.add(kWs, -1), a = f.add("a", -1), b = f.add("b", -1), c = f.add("c", -1);
  const int32_t bc = f.add("bc", -1.5f);
  f.add("ab", -2);
  f.add(kWs + "a", -3);
  const int32_t abc = f.add("abc", -2.5f);
  (void)b;
  (void)c;
  f.v.add_space_prefix = false;
  auto tok = f.build();
  // a b c: "bc" (-1.5) beats "ab" (-2); then a+bc = "abc" (-2.5).
  EXPECT_EQ(tok->encode("abc", false, false), (std::vector<int32_t>{abc}));
  // With the prefix: ▁ a b c -> ▁ a bc -> ▁ abc ("▁abc" is not in the vocab).
  f.v.add_space_prefix = true;
  tok = f.build();
  EXPECT_EQ(tok->encode("abc", false, false), (std::vector<int32_t>{ws, abc}));
  EXPECT_EQ(tok->encode("abc", true, false), (std::vector<int32_t>{kBos, ws, abc}));
  (void)a;
  (void)bc;
}

TEST(Spm, WithoutTheLongerPieceStopsEarly) {
  SpmFixture f;
  const int32_t a = f.add("a", -1);
  f.add("b", -1);
  f.add("c", -1);
  const int32_t bc = f.add("bc", -1.5f);
  f.add("ab", -2);
  f.v.add_space_prefix = false;
  auto tok = f.build();
  EXPECT_EQ(tok->encode("abc", false, false), (std::vector<int32_t>{a, bc}));
}

TEST(Spm, EqualScoresMergeLeftmostFirst) {
  SpmFixture f;
  const int32_t a = f.add("a", -1), aa = f.add("aa", -1);
  f.v.add_space_prefix = false;
  auto tok = f.build();
  EXPECT_EQ(tok->encode("aaa", false, false), (std::vector<int32_t>{aa, a}));
  EXPECT_EQ(tok->encode("aaaa", false, false), (std::vector<int32_t>{aa, aa}));
}

TEST(Spm, ByteFallbackAndUnknown) {
  SpmFixture f;
  const int32_t ws = f.add(kWs, -1);
  auto tok = f.build();
  // "é" = C3 A9 is not a piece: its bytes.
  EXPECT_EQ(tok->encode("\xC3\xA9", false, false), (std::vector<int32_t>{ws, kByte0 + 0xC3, kByte0 + 0xA9}));
  EXPECT_EQ(tok->decode(tok->encode("\xC3\xA9", false, false)), "\xC3\xA9");
  // Without byte tokens an unknown character is one <unk>.
  SpmFixture g;
  g.v.tokens.resize(3);
  g.v.scores.resize(3);
  g.v.types.resize(3);
  const int32_t x = g.add("x", -1);
  g.v.add_space_prefix = false;
  auto tok2 = g.build();
  EXPECT_EQ(tok2->encode("x\xC3\xA9x", false, false), (std::vector<int32_t>{x, kUnk, x}));
}

TEST(Spm, SpecialTokensAndSpacePrefix) {
  SpmFixture f;
  const int32_t ws = f.add(kWs, -1);
  f.add("a", -1);
  f.add("b", -1);
  const int32_t ab = f.add("ab", -2);
  f.add(kWs + "a", -3);
  auto tok = f.build();
  // The prefix space comes back after a special token.
  EXPECT_EQ(tok->encode("<s>ab", false, true), (std::vector<int32_t>{kBos, ws, ab}));
  // As plain text "<s>" is three bytes: < s >.
  EXPECT_EQ(tok->encode("<s>ab", false, false),
            (std::vector<int32_t>{ws, kByte0 + '<', kByte0 + 's', kByte0 + '>', ab}));
  // decode drops the space encode added at the start and after a special token.
  EXPECT_EQ(tok->decode(std::vector<int32_t>{kBos, ws, ab}), "ab");
  EXPECT_EQ(tok->decode(std::vector<int32_t>{kBos, ws, ab}, true), "<s>ab");
  EXPECT_EQ(tok->decode(std::vector<int32_t>{ws, ws, ab}), " ab");
  EXPECT_EQ(tok->decode(tok->encode("  ab", false, false)), "  ab");
  EXPECT_EQ(tok->token_to_piece(ws), " ");
  EXPECT_EQ(tok->token_to_piece(kBos), "<s>");
  EXPECT_EQ(tok->token_to_piece(kBos, false), "");
  EXPECT_EQ(tok->token_to_piece(kByte0 + 'A'), "A");
}

TEST(Spm, ControlTextsAreNeverMergedFromPlainText) {
  SpmFixture f;
  for (const char* c : {"<", "s", ">"}) f.add(c, -1);
  f.add("<s", -1);
  f.v.add_space_prefix = false;
  auto tok = f.build();
  // "<s>" exists only as a control token: plain text stops at "<s" + ">".
  const std::vector<int32_t> ids = tok->encode("<s>", false, false);
  EXPECT_EQ(ids, (std::vector<int32_t>{*tok->find_token("<s"), *tok->find_token(">")}));
}

TEST(Spm, LongInputIsFastEnoughAndExact) {
  SpmFixture f;
  const int32_t a = f.add("a", -1), aa = f.add("aa", -1), aaaa = f.add("aaaa", -0.5f);
  f.v.add_space_prefix = false;
  auto tok = f.build();
  // 200000 'a': "aa" pairs form leftmost, then "aaaa" pairs; the count is exact.
  const std::vector<int32_t> ids = tok->encode(std::string(200001, 'a'), false, false);
  ASSERT_EQ(ids.size(), 50001u);
  EXPECT_EQ(ids.front(), aaaa);
  EXPECT_EQ(ids.back(), a);
  (void)aa;
}

}  // namespace
}  // namespace osprey::tokenizer
