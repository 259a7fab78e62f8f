// Byte-level BPE and the pre-tokenizer regexes on hand-built cases; expectations are derived by
// hand from the merge ranks and from the published regex semantics.
#include <gtest/gtest.h>

#include "src/tokenizer/byte_level.h"
#include "src/tokenizer/pretokenizer.h"
#include "src/tokenizer/tokenizer.h"

namespace osprey::tokenizer {
namespace {

// Tokens 0..255 are the byte-level characters of bytes 0..255 (so a lone byte b is token b).
struct BpeFixture {
  VocabData v;
  BpeFixture() {
    v.model = VocabModel::kBpe;
    v.pre = "none";
    for (int b = 0; b < 256; ++b) {
      std::string s;
      byte_level_encode(std::string(1, static_cast<char>(b)), s);
      v.tokens.push_back(s);
    }
  }
  int32_t add(const std::string& text, TokenType type = TokenType::kNormal) {
    v.tokens.push_back(text);
    if (!v.types.empty() || type != TokenType::kNormal) {
      v.types.resize(v.tokens.size() - 1, TokenType::kNormal);
      v.types.push_back(type);
    }
    return static_cast<int32_t>(v.tokens.size() - 1);
  }
  void merge(const std::string& a, const std::string& b) { v.merges.emplace_back(a, b); }
  std::unique_ptr<Tokenizer> build() {
    if (!v.types.empty()) v.types.resize(v.tokens.size(), TokenType::kNormal);
    auto t = Tokenizer::from_vocab(v);
    EXPECT_TRUE(t.ok()) << t.status().to_string();
    return t.ok() ? std::move(t).value() : nullptr;
  }
};

using Ids = std::vector<int32_t>;

TEST(Bpe, LowestRankMergesFirst) {
  BpeFixture f;
  const int32_t ab = f.add("ab"), abc = f.add("abc"), bc = f.add("bc");
  f.merge("a", "b");   // rank 0
  f.merge("ab", "c");  // rank 1
  f.merge("b", "c");   // rank 2
  auto tok = f.build();
  EXPECT_EQ(tok->encode("abc", false, false), (Ids{abc}));
  EXPECT_EQ(tok->encode("bcab", false, false), (Ids{bc, ab}));
}

TEST(Bpe, RankOrderDecidesTheSegmentation) {
  BpeFixture f;
  const int32_t bc = f.add("bc");
  f.add("ab");
  f.merge("b", "c");  // rank 0: wins over a+b, and no merge joins a with bc
  f.merge("a", "b");
  auto tok = f.build();
  EXPECT_EQ(tok->encode("abc", false, false), (Ids{'a', bc}));
}

TEST(Bpe, EqualRanksMergeLeftmostFirst) {
  BpeFixture f;
  const int32_t aa = f.add("aa");
  f.merge("a", "a");
  auto tok = f.build();
  EXPECT_EQ(tok->encode("aaa", false, false), (Ids{aa, 'a'}));
  EXPECT_EQ(tok->encode("aaaaa", false, false), (Ids{aa, aa, 'a'}));
}

TEST(Bpe, BytesAndSpacesUseTheByteLevelAlphabet) {
  BpeFixture f;
  f.v.pre = "gpt-2";
  const int32_t sp_a = f.add("\xC4\xA0" "a");  // "Ġa"
  f.merge("\xC4\xA0", "a");
  auto tok = f.build();
  // Words " a" and " b": only " a" has a merge; "é" is bytes C3 A9.
  EXPECT_EQ(tok->encode(" a b\xC3\xA9", false, false), (Ids{sp_a, ' ', 'b', 0xC3, 0xA9}));
  EXPECT_EQ(tok->decode(Ids{sp_a, ' ', 'b', 0xC3, 0xA9}), " a b\xC3\xA9");
  EXPECT_EQ(tok->token_to_piece(' '), " ");
}

TEST(Bpe, IgnoreMergesTakesWholeWordsFromTheVocab) {
  BpeFixture f;
  const int32_t xyz = f.add("xyz");
  f.v.ignore_merges = true;
  auto tok = f.build();
  EXPECT_EQ(tok->encode("xyz", false, false), (Ids{xyz}));
  f.v.ignore_merges = false;
  tok = f.build();
  EXPECT_EQ(tok->encode("xyz", false, false), (Ids{'x', 'y', 'z'}));
}

TEST(Bpe, MergesWithUnknownPartsAreIgnored) {
  BpeFixture f;
  const int32_t ab = f.add("ab");
  f.merge("q", "nope");  // "nope" is not a token
  f.merge("a", "b");
  auto tok = f.build();
  EXPECT_EQ(tok->encode("ab", false, false), (Ids{ab}));
}

std::vector<std::string> split(const std::string& preset, const std::string& text) {
  auto p = pre_tokenizer_preset(preset);
  EXPECT_TRUE(p.ok()) << p.status().to_string();
  auto pt = PreTokenizer::create(p->regexes);
  EXPECT_TRUE(pt.ok()) << pt.status().to_string();
  std::vector<std::string_view> pieces;
  pt->split(text, pieces);
  std::string joined;
  for (std::string_view s : pieces) joined += s;
  EXPECT_EQ(joined, text) << "pieces must cover the text";
  return {pieces.begin(), pieces.end()};
}

using Pieces = std::vector<std::string>;

TEST(PreTokenizer, Gpt2) {
  EXPECT_EQ(split("gpt-2", "Hello world's  end!!\n"), (Pieces{"Hello", " world", "'s", " ", " end", "!!", "\n"}));
  EXPECT_EQ(split("gpt-2", "I'm 12345 ok"), (Pieces{"I", "'m", " 12345", " ok"}));
  EXPECT_EQ(split("mpt", "a\tb"), (Pieces{"a", "\t", "b"}));  // an alias of gpt-2
}

TEST(PreTokenizer, Llama3) {
  EXPECT_EQ(split("llama-bpe", "1234567 abc"), (Pieces{"123", "456", "7", " abc"}));
  EXPECT_EQ(split("llama-bpe", "HELLO'S"), (Pieces{"HELLO", "'S"}));
  EXPECT_EQ(split("llama-bpe", "a  \n\nb"), (Pieces{"a", "  \n\n", "b"}));
  EXPECT_EQ(split("llama-bpe", "x.y"), (Pieces{"x", ".y"}));
}

TEST(PreTokenizer, Qwen2AndStarcoderSplitDigits) {
  EXPECT_EQ(split("qwen2", "ab1234"), (Pieces{"ab", "1", "2", "3", "4"}));
  EXPECT_EQ(split("starcoder", "abc123 x"), (Pieces{"abc", "1", "2", "3", " x"}));
  EXPECT_EQ(split("refact", "x12"), (Pieces{"x", "1", "2"}));
}

TEST(PreTokenizer, DefaultAndFalconGroupThreeDigits) {
  EXPECT_EQ(split("default", "12345"), (Pieces{"123", "45"}));
  EXPECT_EQ(split("falcon", "a,b 1234"), (Pieces{"a", ",", "b", " ", "123", "4"}));
}

TEST(PreTokenizer, EveryPresetCompiles) {
  for (const std::string& name : pre_tokenizer_preset_names()) {
    auto p = pre_tokenizer_preset(name);
    ASSERT_TRUE(p.ok()) << name << ": " << p.status().to_string();
    auto pt = PreTokenizer::create(p->regexes);
    EXPECT_TRUE(pt.ok()) << name << ": " << pt.status().to_string();
  }
}

TEST(PreTokenizer, DeepseekLlm) {
  EXPECT_EQ(split("deepseek-llm", "Hello\xE4\xB8\x96\xE7\x95\x8C 123\n"),
            (Pieces{"Hello", "\xE4\xB8\x96\xE7\x95\x8C", " ", "123", "\n"}));
  // The third regex's range ":-~" spans the ASCII letters, so it cuts "t" out of " été" (the sets
  // are applied one after the other to every piece, as HF's Sequence of Splits does).
  EXPECT_EQ(split("deepseek-llm", " \xC3\xA9t\xC3\xA9!!  "), (Pieces{" \xC3\xA9", "t", "\xC3\xA9", "!!", "  "}));
  // The letter class alone: Greek omega with oxia (U+1F7D) and with tonos (U+03CE) are letters
  // (the class lists code points that NFC would change, so they are written as \x{...}).
  auto preset = pre_tokenizer_preset("deepseek-llm");
  ASSERT_TRUE(preset.ok());
  auto letters = PreTokenizer::create({preset->regexes[1]});
  ASSERT_TRUE(letters.ok());
  std::vector<std::string_view> pieces;
  letters->split(" \xE1\xBD\xBD\xCF\x8E\xE2\x84\xAA!", pieces);  // " ώώK!" with U+212A KELVIN SIGN
  EXPECT_EQ(Pieces(pieces.begin(), pieces.end()), (Pieces{" \xE1\xBD\xBD\xCF\x8E\xE2\x84\xAA", "!"}));
  pieces.clear();
  letters->split("\xE2\x82\xAC", pieces);  // U+20AC EURO SIGN lies inside the wrong range K-U+212D only
  EXPECT_EQ(Pieces(pieces.begin(), pieces.end()), (Pieces{"\xE2\x82\xAC"}));
}

TEST(PreTokenizer, DeepseekCoderSeparatesCjkAndDigits) {
  EXPECT_EQ(split("deepseek-coder", "ab\n12"), (Pieces{"ab", "\n", "1", "2"}));
}

TEST(PreTokenizer, InvalidUtf8LandsInGapsAndNothingIsLost) {
  EXPECT_EQ(split("gpt-2", "ab\xFF" "cd"), (Pieces{"ab", "\xFF", "cd"}));
  EXPECT_EQ(split("llama-bpe", "\xE4\xB8 x\xC3"), (Pieces{"\xE4\xB8", " x", "\xC3"}));
}

TEST(PreTokenizer, EmptyMatchesDoNotLoop) {
  auto pt = PreTokenizer::create({"a*"});
  ASSERT_TRUE(pt.ok());
  std::vector<std::string_view> pieces;
  pt->split("bab", pieces);
  EXPECT_EQ(Pieces(pieces.begin(), pieces.end()), (Pieces{"b", "a", "b"}));
}

TEST(PreTokenizer, ErrorsNameTheProblem) {
  auto bad = PreTokenizer::create({"(unclosed"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("(unclosed"), std::string::npos);
  auto unknown = pre_tokenizer_preset("no-such-pre");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(unknown.status().message().find("no-such-pre"), std::string::npos);
}

TEST(PreTokenizer, LongWhitespaceRunsStayLinear) {
  // 1 MB of spaces then a letter: the GPT-2 regex gives one run and " x".
  const std::string text = std::string(1 << 20, ' ') + "x";
  const Pieces p = split("gpt-2", text);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[1], " x");
}

}  // namespace
}  // namespace osprey::tokenizer
