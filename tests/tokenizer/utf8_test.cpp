// UTF-8 scanning and sanitizing against the Unicode Standard's examples (chapter 3, "U+FFFD
// Substitution of Maximal Subparts"), fed whole and in every two-way split.
#include <gtest/gtest.h>
#include <utf8proc.h>

#include <cstdlib>

#include "src/tokenizer/byte_level.h"
#include "src/tokenizer/utf8.h"

namespace osprey::tokenizer {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

std::string feed_split(const std::string& s, size_t cut) {
  Utf8Sanitizer z;
  std::string out;
  z.feed(s.substr(0, cut), out);
  z.feed(s.substr(cut), out);
  z.finish(out);
  return out;
}

void expect_sanitized(const std::string& in, const std::string& want) {
  EXPECT_EQ(sanitize_utf8(in), want);
  for (size_t cut = 0; cut <= in.size(); ++cut) EXPECT_EQ(feed_split(in, cut), want) << "cut at " << cut;
  Utf8Sanitizer z;
  std::string out;
  for (char c : in) {
    const size_t before = out.size();
    z.feed(std::string(1, c), out);
    EXPECT_TRUE(is_valid_utf8(out.substr(before)));
  }
  z.finish(out);
  EXPECT_EQ(out, want);
}

TEST(Utf8, UnicodeStandardMaximalSubpartExample) {
  // Table 3-8: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64 -> a FFFD FFFD FFFD b FFFD c FFFD FFFD d
  expect_sanitized("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64",
                   "a" + kFffd + kFffd + kFffd + "b" + kFffd + "c" + kFffd + kFffd + "d");
}

TEST(Utf8, IllFormedSequencesEachByte) {
  // Surrogates (ED A0 80), overlongs (C0 AF, E0 80 AF) and F4 90 (above U+10FFFF): every byte is
  // its own maximal subpart.
  expect_sanitized("\xED\xA0\x80", kFffd + kFffd + kFffd);
  expect_sanitized("\xC0\xAF", kFffd + kFffd);
  expect_sanitized("\xE0\x80\xAF", kFffd + kFffd + kFffd);
  expect_sanitized("\xF4\x90\x80\x80", kFffd + kFffd + kFffd + kFffd);
}

TEST(Utf8, ValidTextPassesUnchanged) {
  const std::string s = "héllo 世界 🦙 \xF4\x8F\xBF\xBF";  // includes U+10FFFF
  EXPECT_TRUE(is_valid_utf8(s));
  expect_sanitized(s, s);
  EXPECT_EQ(decode_utf8("a\xC3\xA9\xF0\x9F\xA6\x99"), (std::vector<uint32_t>{'a', 0xE9, 0x1F999}));
}

TEST(Utf8, TruncatedTailIsOneReplacement) {
  expect_sanitized("ab\xF0\x9F\xA6", "ab" + kFffd);
  Utf8Sanitizer z;
  std::string out;
  z.feed("\xF0\x9F", out);
  EXPECT_EQ(out, "");
  EXPECT_EQ(z.pending_bytes(), 2u);
}

TEST(Utf8, NfcComposesAndKeepsInvalidBytes) {
  EXPECT_EQ(nfc_normalize("e\xCC\x81"), "\xC3\xA9");  // e + U+0301 -> U+00E9
  EXPECT_EQ(nfc_normalize("e\xCC\x81\xFFx"), "\xC3\xA9\xFFx");
}

// nfc_normalize only sends non-ASCII runs (with the character before them) through utf8proc; it
// must agree with utf8proc's NFC of the whole string.
TEST(Utf8, NfcMatchesWholeStringNfc) {
  const std::vector<std::string> cases = {
      "plain ascii only",
      "cafe\xCC\x81 and e\xCC\x81\xCC\xA3x",                 // combining marks after ASCII, reordered
      "\xCC\x81 starts with a mark",
      "\xE1\x84\x80\xE1\x85\xA1 jamo L+V -> \xEA\xB0\x80",    // U+1100 U+1161 -> U+AC00
      "A\xCC\x8A\xE2\x84\xAB Angstrom sign",                 // A + ring, U+212B
      "\xE4\xB8\xAD\xE6\x96\x87 mixed \xC3\xA9\xCC\x81 end",
      "trailing mark a\xCC\x88",
  };
  for (const std::string& s : cases) {
    utf8proc_uint8_t* whole = utf8proc_NFC(reinterpret_cast<const utf8proc_uint8_t*>(s.c_str()));
    ASSERT_NE(whole, nullptr);
    EXPECT_EQ(nfc_normalize(s), std::string(reinterpret_cast<const char*>(whole))) << s;
    std::free(whole);
  }
}

TEST(ByteLevel, Gpt2Mapping) {
  EXPECT_EQ(byte_to_codepoint(' '), 0x120u);  // "Ġ"
  EXPECT_EQ(byte_to_codepoint('\n'), 0x10Au);  // "Ċ"
  EXPECT_EQ(byte_to_codepoint('A'), static_cast<uint32_t>('A'));
  EXPECT_EQ(byte_to_codepoint(0xAD), 0x143u);  // the last unprintable byte maps to U+0143
  std::string all, enc, back;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  byte_level_encode(all, enc);
  byte_level_decode(enc, back);
  EXPECT_EQ(back, all);
  for (int b = 0; b < 256; ++b) EXPECT_EQ(codepoint_to_byte(byte_to_codepoint(static_cast<uint8_t>(b))), b);
}

}  // namespace
}  // namespace osprey::tokenizer
