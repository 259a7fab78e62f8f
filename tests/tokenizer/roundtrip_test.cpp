// Round trips. Lossless vocabularies (SPM with byte fallback: llama-spm, phi-3; byte-level BPE:
// gpt-2, mpt, refact, Llama 3, Qwen 3) give decode(encode(s)) == s for every vector string: SPM's
// decode drops exactly the one space encode prepends. WordPiece (bert-bge) is lossy by design
// (lowercasing, accent stripping, whitespace collapsing, [UNK]) and is checked for stability:
// for vector strings without [UNK], encode(decode(encode(s))) == encode(s).
//
// Every single token t "re-tokenizes consistently" when, with s = decode([t]):
//   - control and unused tokens: s is empty (they render only with render_special), and the
//     token's own text with parse_special encodes back to exactly [t] (unless another id has the
//     same text);
//   - all other tokens: decode(encode(s)) == s, i.e. the text a token stands for survives a round
//     trip, though not necessarily as the same ids (BPE/SPM may segment it differently); for a
//     vocabulary that NFC-normalizes its input (Qwen) the text comes back in NFC.
//   - WordPiece: decode(encode(s)) is a fixed point (encoding it again gives the same text), and
//     equals s for tokens made only of lowercase ASCII letters and digits.
#include <gtest/gtest.h>

#include <cctype>

#include "tests/support/test_support.h"
#include "tests/tokenizer/vector_util.h"

namespace osprey::tokenizer::test {
namespace {

std::vector<std::string> vector_texts() {
  const std::string inp = osprey::test::shared_path("vocab/ggml-vocab-gpt-2.gguf.inp");
  const std::string out = inp.empty() ? "" : inp.substr(0, inp.size() - 4) + ".out";
  std::vector<std::string> texts;
  for (const VectorCase& c : read_vectors(inp, out)) texts.push_back(c.text);
  return texts;
}

std::string decode_one(const Tokenizer& tok, int32_t id) { return tok.decode(std::vector<int32_t>{id}); }

// What a lossless tokenizer gives back: the text itself, or its NFC form when the vocabulary
// normalizes to NFC first (Qwen's tokenizer.json).
std::string expected_back(const Tokenizer& tok, const std::string& s) {
  return tok.vocab().nfc ? nfc_normalize(s) : s;
}

void expect_lossless_strings(const Tokenizer& tok, const std::string& name) {
  const std::vector<std::string> texts = vector_texts();
  ASSERT_FALSE(texts.empty());
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::vector<int32_t> ids = tok.encode(texts[i], false, false);
    EXPECT_EQ(tok.decode(ids), expected_back(tok, texts[i])) << name << " case " << i << ": '" << escaped(texts[i]) << "'";
  }
}

void expect_tokens_consistent(const Tokenizer& tok, const std::string& name) {
  int checked = 0, same_ids = 0, bad = 0;
  for (int32_t t = 0; t < tok.n_vocab(); ++t) {
    const std::string s = decode_one(tok, t);
    const TokenType type = tok.token_type(t);
    if (type == TokenType::kControl || type == TokenType::kUnused) {
      EXPECT_EQ(s, "") << name << " token " << t;
      if (type == TokenType::kControl && tok.find_token(tok.token_text(t)) == t) {
        const std::vector<int32_t> ids = tok.encode(tok.token_text(t), false, true);
        EXPECT_EQ(ids, std::vector<int32_t>{t}) << name << " control token " << t << " '" << tok.token_text(t) << "'";
      }
      continue;
    }
    const std::vector<int32_t> ids = tok.encode(s, false, false);
    const std::string back = tok.decode(ids);
    ++checked;
    same_ids += ids == std::vector<int32_t>{t};
    if (back != expected_back(tok, s) && ++bad <= 20)
      ADD_FAILURE() << name << " token " << t << " '" << escaped(tok.token_text(t)) << "': decode gives '"
                    << escaped(s) << "', re-encoded and decoded '" << escaped(back) << "'";
  }
  EXPECT_EQ(bad, 0) << name << ": " << bad << " of " << checked << " tokens do not round-trip";
  std::printf("[ info ] %s: %d text tokens round-trip; %d of them re-encode to exactly their own id\n",
              name.c_str(), checked, same_ids);
}

const std::string kLosslessGguf[] = {"gpt-2", "llama-spm", "mpt", "phi-3", "refact"};

class LosslessGguf : public ::testing::TestWithParam<std::string> {};

TEST_P(LosslessGguf, VectorStringsRoundTrip) {
  OSP_REQUIRE_SHARED("vocab/ggml-vocab-" + GetParam() + ".gguf");
  auto tok = load_shared_vocab(GetParam());
  ASSERT_NE(tok, nullptr);
  expect_lossless_strings(*tok, GetParam());
}

TEST_P(LosslessGguf, EveryTokenRoundTrips) {
  OSP_REQUIRE_SHARED("vocab/ggml-vocab-" + GetParam() + ".gguf");
  auto tok = load_shared_vocab(GetParam());
  ASSERT_NE(tok, nullptr);
  expect_tokens_consistent(*tok, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Shared, LosslessGguf, ::testing::ValuesIn(kLosslessGguf), [](const auto& info) {
  std::string n = info.param;
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
});

class LosslessNpm : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<Tokenizer> load() {
    auto tok = load_npm_vocab(GetParam());
    return tok;
  }
};

TEST_P(LosslessNpm, VectorStringsRoundTrip) {
  OSP_REQUIRE_SHARED("vocab/ggml-vocab-gpt-2.gguf.inp");
  auto tok = load();
  if (tok == nullptr && !HasFailure()) GTEST_SKIP() << "npm tokenizer " << GetParam() << " absent (OSPREY_NPM_DIR)";
  ASSERT_NE(tok, nullptr);
  expect_lossless_strings(*tok, GetParam());
}

TEST_P(LosslessNpm, EveryTokenRoundTrips) {
  auto tok = load();
  if (tok == nullptr && !HasFailure()) GTEST_SKIP() << "npm tokenizer " << GetParam() << " absent (OSPREY_NPM_DIR)";
  ASSERT_NE(tok, nullptr);
  expect_tokens_consistent(*tok, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Npm, LosslessNpm, ::testing::Values("llama3", "qwen3"));

bool lower_alnum(const std::string& s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!std::islower(c) && !std::isdigit(c)) return false;
  return true;
}

TEST(WordPiece, EveryTokenIsStable) {
  OSP_REQUIRE_SHARED("vocab/ggml-vocab-bert-bge.gguf");
  auto tok = load_shared_vocab("bert-bge");
  ASSERT_NE(tok, nullptr);
  int exact = 0, bad = 0;
  for (int32_t t = 0; t < tok->n_vocab(); ++t) {
    const std::string s = decode_one(*tok, t);
    if (tok->token_type(t) == TokenType::kControl) {
      EXPECT_EQ(s, "");
      continue;
    }
    const std::string once = tok->decode(tok->encode(s, false, false));
    const std::string twice = tok->decode(tok->encode(once, false, false));
    if (twice != once && ++bad <= 20) ADD_FAILURE() << "token " << t << " '" << s << "': '" << once << "' then '" << twice << "'";
    if (lower_alnum(s)) {
      EXPECT_EQ(once, s) << "token " << t;
      ++exact;
    }
  }
  EXPECT_EQ(bad, 0);
  EXPECT_GT(exact, 20000);  // the bulk of an uncased English vocab is lowercase ASCII words
}

TEST(WordPiece, VectorStringsAreStable) {
  OSP_REQUIRE_SHARED("vocab/ggml-vocab-bert-bge.gguf");
  auto tok = load_shared_vocab("bert-bge");
  ASSERT_NE(tok, nullptr);
  int checked = 0;
  for (const std::string& s : vector_texts()) {
    const std::vector<int32_t> ids = tok->encode(s, false, false);
    // [UNK] is a control token here, so decode drops it: only strings without it can be stable.
    if (std::find(ids.begin(), ids.end(), tok->unk_id()) != ids.end()) continue;
    ++checked;
    const std::string once = tok->decode(ids);
    EXPECT_EQ(tok->encode(once, false, false), ids) << "'" << escaped(s) << "' decodes to '" << escaped(once) << "'";
  }
  EXPECT_GE(checked, 35);  // of the 46 vector strings, those without [UNK]
}

}  // namespace
}  // namespace osprey::tokenizer::test
