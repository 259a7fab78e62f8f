// WordPiece on a hand-built vocabulary, special-token partitioning and EOG detection.
#include <gtest/gtest.h>

#include "src/tokenizer/byte_level.h"
#include "src/tokenizer/tokenizer.h"

namespace osprey::tokenizer {
namespace {

using Ids = std::vector<int32_t>;
const std::string kWs = "\xE2\x96\x81";  // "▁"

std::unique_ptr<Tokenizer> build(const VocabData& v) {
  auto t = Tokenizer::from_vocab(v);
  EXPECT_TRUE(t.ok()) << t.status().to_string();
  return t.ok() ? std::move(t).value() : nullptr;
}

VocabData wpm_vocab() {
  VocabData v;
  v.model = VocabModel::kWpm;
  v.tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", kWs + "hello", kWs + "un", "aff", "able", kWs + ",",
              kWs + "!", kWs + "\xE4\xB8\xAD", kWs + "\xE5\x9B\xBD", kWs + "cafe", kWs + "a", "b", "a"};
  v.types.assign(v.tokens.size(), TokenType::kNormal);
  for (int i = 0; i < 4; ++i) v.types[i] = TokenType::kControl;
  v.unk_id = 1;
  v.bos_id = v.cls_id = 2;
  v.eos_id = v.sep_id = 3;
  v.add_bos = v.add_eos = true;
  return v;
}

TEST(WordPiece, GreedyLongestMatchWithContinuations) {
  auto tok = build(wpm_vocab());
  EXPECT_EQ(tok->encode("Hello, unaffable!", false, false), (Ids{4, 8, 5, 6, 7, 9}));
  EXPECT_EQ(tok->encode("hello", true, false), (Ids{2, 4, 3}));
  EXPECT_EQ(tok->encode("ab", false, false), (Ids{13, 14}));
  EXPECT_EQ(tok->encode("aaaa", false, false), (Ids{13, 15, 15, 15}));
}

TEST(WordPiece, UncoverableWordsAreOneUnknown) {
  auto tok = build(wpm_vocab());
  EXPECT_EQ(tok->encode("xyz", false, false), (Ids{1}));
  EXPECT_EQ(tok->encode("hello abx", false, false), (Ids{4, 1}));  // not "a b [UNK]"
  EXPECT_EQ(tok->encode(std::string(101, 'a'), false, false), (Ids{1}));  // over 100 characters
  EXPECT_EQ(tok->encode(std::string(100, 'a'), false, false).size(), 100u);
}

TEST(WordPiece, NormalizesCaseAccentsControlsAndCjk) {
  auto tok = build(wpm_vocab());
  EXPECT_EQ(tok->encode("CAF\xC3\x89", false, false), (Ids{12}));        // "CAFÉ"
  EXPECT_EQ(tok->encode("hel\x01lo\xE2\x80\x8D", false, false), (Ids{4}));  // U+0001, U+200D dropped
  EXPECT_EQ(tok->encode("\xE4\xB8\xAD\xE5\x9B\xBD", false, false), (Ids{10, 11}));  // 中国: one word each
  EXPECT_EQ(tok->encode(" \t\n ", false, false), (Ids{}));
  EXPECT_EQ(tok->decode(Ids{2, 4, 8, 5, 6, 7, 9, 3}), "hello , unaffable !");
}

VocabData bpe_with_specials() {
  VocabData v;
  v.model = VocabModel::kBpe;
  v.pre = "none";
  for (int b = 0; b < 256; ++b) {
    std::string s;
    byte_level_encode(std::string(1, static_cast<char>(b)), s);
    v.tokens.push_back(s);
  }
  v.types.assign(256, TokenType::kNormal);
  auto add = [&](const std::string& t, TokenType type) {
    v.tokens.push_back(t);
    v.types.push_back(type);
  };
  add("<u>", TokenType::kUserDefined);    // 256
  add("<c>", TokenType::kControl);        // 257
  add("<cc>", TokenType::kControl);       // 258
  add("<m>", TokenType::kControl);        // 259
  add("<|im_end|>", TokenType::kControl);  // 260
  add("<|eot_id|>", TokenType::kNormal);   // 261: a normal token is never EOG by its text
  add("</s>", TokenType::kControl);        // 262
  v.eos_id = 262;
  v.added_flags.push_back({259, {true, false}});  // <m> swallows whitespace on its left
  return v;
}

TEST(SpecialTokens, UserDefinedAlwaysControlOnlyWhenParsing) {
  auto tok = build(bpe_with_specials());
  EXPECT_EQ(tok->encode("a<u>b", false, false), (Ids{'a', 256, 'b'}));
  EXPECT_EQ(tok->encode("a<c>b", false, false), (Ids{'a', '<', 'c', '>', 'b'}));
  EXPECT_EQ(tok->encode("a<c>b", false, true), (Ids{'a', 257, 'b'}));
  EXPECT_EQ(tok->decode(Ids{'a', 257, 'b'}), "ab");
  EXPECT_EQ(tok->decode(Ids{'a', 257, 'b'}, true), "a<c>b");
  EXPECT_EQ(tok->decode(Ids{'a', 256, 'b'}), "a<u>b");
}

TEST(SpecialTokens, LongestMatchAndStripping) {
  auto tok = build(bpe_with_specials());
  EXPECT_EQ(tok->encode("<cc><c>", false, true), (Ids{258, 257}));
  EXPECT_EQ(tok->encode("a  <m> b", false, true), (Ids{'a', 259, ' ', 'b'}));
}

TEST(SpecialTokens, EndOfGeneration) {
  auto tok = build(bpe_with_specials());
  EXPECT_TRUE(tok->is_eog(262));   // eos
  EXPECT_TRUE(tok->is_eog(260));   // <|im_end|> control
  EXPECT_FALSE(tok->is_eog(261));  // normal token with an EOG-like text
  EXPECT_FALSE(tok->is_eog(257));
  EXPECT_FALSE(tok->is_eog(-1));
  EXPECT_FALSE(tok->is_eog(100000));
  EXPECT_TRUE(tok->is_control(257));
  EXPECT_FALSE(tok->is_control(256));
  EXPECT_EQ(tok->find_token("<m>"), 259);
  EXPECT_EQ(tok->find_token("<nope>"), std::nullopt);
  EXPECT_EQ(tok->token_text(100000), "");
  EXPECT_EQ(tok->token_to_piece(-5), "");
  EXPECT_EQ(tok->decode(Ids{-1, 'a', 999999}), "a");  // invalid ids are skipped
}

TEST(Vocab, ValidationNamesExpectedAndActual) {
  VocabData v = bpe_with_specials();
  v.scores.assign(3, 0.0f);
  auto t = Tokenizer::from_vocab(v);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("expected 263 scores"), std::string::npos) << t.status().message();
  v = bpe_with_specials();
  v.bos_id = 263;
  t = Tokenizer::from_vocab(v);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kOutOfRange);
  EXPECT_FALSE(Tokenizer::from_vocab(VocabData{}).ok());
}

}  // namespace
}  // namespace osprey::tokenizer
