#include <gtest/gtest.h>

#include "src/runtime/stop_matcher.h"

namespace osprey::runtime {
namespace {

// Feeds pieces and returns everything released (push + flush) and the matched word.
std::pair<std::string, std::string> run(std::vector<std::string> stops, const std::vector<std::string>& pieces) {
  StopMatcher m(std::move(stops));
  std::string out, word;
  for (const auto& p : pieces) {
    auto r = m.push(p);
    out += r.text;
    if (r.matched) {
      word = r.word;
      break;
    }
  }
  out += m.flush();
  return {out, word};
}

TEST(StopMatcher, NoStopsPassesEverythingThrough) {
  StopMatcher m;
  EXPECT_EQ(m.push("abc").text, "abc");
  EXPECT_EQ(m.held_bytes(), 0u);
}

TEST(StopMatcher, MatchInsideOnePiece) {
  auto [out, word] = run({"STOP"}, {"hello STOP world"});
  EXPECT_EQ(out, "hello ");
  EXPECT_EQ(word, "STOP");
}

TEST(StopMatcher, MatchAcrossManyPieces) {
  auto [out, word] = run({"STOP"}, {"hel", "lo S", "T", "O", "P and more"});
  EXPECT_EQ(out, "hello ");
  EXPECT_EQ(word, "STOP");
}

TEST(StopMatcher, HoldsBackAPossibleStartAndReleasesItWhenItIsNot) {
  StopMatcher m({"STOP"});
  EXPECT_EQ(m.push("abc ST").text, "abc ");
  EXPECT_EQ(m.held_bytes(), 2u);
  EXPECT_EQ(m.push("ART").text, "START");
  EXPECT_EQ(m.flush(), "");
}

TEST(StopMatcher, FlushReleasesTheHeldTailAtTheEnd) {
  auto [out, word] = run({"STOP"}, {"the end ST"});
  EXPECT_EQ(out, "the end ST");
  EXPECT_EQ(word, "");
}

TEST(StopMatcher, NeverReleasesAnyPartOfAStopThatCompletesLater) {
  // Whatever the split, released text is a prefix of the text before the stop string.
  std::string text = "xxabcabcdyy";
  for (size_t cut1 = 0; cut1 <= text.size(); ++cut1) {
    for (size_t cut2 = cut1; cut2 <= text.size(); ++cut2) {
      StopMatcher m({"abcd"});
      std::string out;
      for (auto piece : {text.substr(0, cut1), text.substr(cut1, cut2 - cut1), text.substr(cut2)}) {
        auto r = m.push(piece);
        out += r.text;
        EXPECT_EQ(std::string("xxabc").compare(0, out.size(), out), 0) << out;
        if (r.matched) break;
      }
      EXPECT_EQ(out, "xxabc");
    }
  }
}

TEST(StopMatcher, EarliestOfSeveralStopsWins) {
  auto [out, word] = run({"world", "lo w"}, {"hello world"});
  EXPECT_EQ(out, "hel");
  EXPECT_EQ(word, "lo w");
}

TEST(StopMatcher, EmptyStopStringsAreIgnored) {
  auto [out, word] = run({"", "zz"}, {"abc"});
  EXPECT_EQ(out, "abc");
  EXPECT_EQ(word, "");
}

TEST(StopMatcher, MultiByteStop) {
  auto [out, word] = run({"\xC3\xA9t\xC3\xA9"}, {"un \xC3\xA9", "t\xC3", "\xA9 chaud"});
  EXPECT_EQ(out, "un ");
  EXPECT_EQ(word, "\xC3\xA9t\xC3\xA9");
}

TEST(StopMatcher, NothingAfterAMatch) {
  StopMatcher m({"x"});
  EXPECT_TRUE(m.push("axb").matched);
  EXPECT_EQ(m.push("more").text, "");
  EXPECT_EQ(m.flush(), "");
}

}  // namespace
}  // namespace osprey::runtime
