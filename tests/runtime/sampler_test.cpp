#include "src/runtime/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <vector>

namespace osprey::runtime {
namespace {

SamplingParams plain(float temp = 1.0f) {
  SamplingParams p;
  p.temperature = temp;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.typical_p = 1.0f;
  p.seed = 1234;
  return p;
}

// Logits whose softmax is exactly `probs`.
std::vector<float> from_probs(const std::vector<double>& probs) {
  std::vector<float> l;
  for (double p : probs) l.push_back(p > 0 ? static_cast<float>(std::log(p)) : -INFINITY);
  return l;
}

std::set<int32_t> support(const SamplingParams& p, const std::vector<float>& logits, int32_t eos = -1) {
  const int draws = 3000;
  Sampler s(p, static_cast<int32_t>(logits.size()), eos);
  std::set<int32_t> seen;
  for (int i = 0; i < draws; ++i) seen.insert(s.sample(logits.data()));
  return seen;
}

TEST(Sampler, GreedyWhenTemperatureIsZeroOrNegative) {
  const std::vector<float> l = {0.1f, 2.0f, -1.0f, 1.9f};
  for (float t : {0.0f, -1.0f}) {
    Sampler s(plain(t), 4, -1);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(s.sample(l.data()), 1);
  }
}

TEST(Sampler, TopKNeverEmitsOutsideTheTopK) {
  std::vector<float> l(50);
  for (int i = 0; i < 50; ++i) l[i] = static_cast<float>((i * 37) % 50) * 0.1f;  // a permutation
  SamplingParams p = plain(5.0f);  // flat, so every survivor is likely
  p.top_k = 5;
  std::set<int32_t> top5;
  for (int i = 0; i < 50; ++i)
    if ((i * 37) % 50 >= 45) top5.insert(i);
  EXPECT_EQ(support(p, l), top5);
}

TEST(Sampler, SameSeedSameTokens) {
  std::vector<float> l(100);
  for (int i = 0; i < 100; ++i) l[i] = std::sin(i * 0.7f) * 2;
  SamplingParams p = plain(1.0f);
  p.top_k = 40;
  p.top_p = 0.9f;
  p.seed = 42;
  auto run = [&](const SamplingParams& q) {
    Sampler s(q, 100, -1);
    std::vector<int32_t> out;
    for (int i = 0; i < 64; ++i) out.push_back(s.sample(l.data()));
    return out;
  };
  EXPECT_EQ(run(p), run(p));
  SamplingParams other = p;
  other.seed = 43;
  EXPECT_NE(run(p), run(other));
  Sampler s(p, 100, -1);
  std::vector<int32_t> first;
  for (int i = 0; i < 16; ++i) first.push_back(s.sample(l.data()));
  s.reset();
  std::vector<int32_t> again;
  for (int i = 0; i < 16; ++i) again.push_back(s.sample(l.data()));
  EXPECT_EQ(first, again);
}

TEST(Sampler, TopPKeepsTheSmallestNucleus) {
  const auto l = from_probs({0.5, 0.3, 0.15, 0.05});
  SamplingParams p = plain();
  p.top_p = 0.75f;  // 0.5 + 0.3 reaches it
  EXPECT_EQ(support(p, l), (std::set<int32_t>{0, 1}));
  p.top_p = 0.85f;
  EXPECT_EQ(support(p, l), (std::set<int32_t>{0, 1, 2}));
  p.top_p = 0.0f;  // at least one token survives
  EXPECT_EQ(support(p, l), (std::set<int32_t>{0}));
}

TEST(Sampler, MinPCutsRelativeToTheTopProbability) {
  const auto l = from_probs({0.4, 0.3, 0.19, 0.11});
  SamplingParams p = plain();
  p.min_p = 0.5f;  // threshold 0.2
  EXPECT_EQ(support(p, l), (std::set<int32_t>{0, 1}));
  p.min_p = 0.25f;  // threshold 0.1
  EXPECT_EQ(support(p, l), (std::set<int32_t>{0, 1, 2, 3}));
}

TEST(Sampler, TypicalKeepsTokensNearTheEntropy) {
  // Entropy of {0.7, 0.1, 0.1, 0.1} is ~0.94 nats; surprises: 0.36 (|Δ|0.58), 2.30 (|Δ|1.36).
  // typical_p 0.5 keeps the single most typical token: id 0.
  const auto l = from_probs({0.7, 0.1, 0.1, 0.1});
  SamplingParams p = plain();
  p.typical_p = 0.5f;
  EXPECT_EQ(support(p, l), (std::set<int32_t>{0}));
  // {0.4, 0.35, 0.2, 0.05}: H ≈ 1.200; |Δ| = 0.284, 0.150, 0.409, 1.796 → order 1, 0, 2, 3.
  const auto l2 = from_probs({0.4, 0.35, 0.2, 0.05});
  p.typical_p = 0.7f;  // 0.35 + 0.4 = 0.75 reaches it
  EXPECT_EQ(support(p, l2), (std::set<int32_t>{0, 1}));
  p.typical_p = 0.3f;  // the most typical token alone
  EXPECT_EQ(support(p, l2), (std::set<int32_t>{1}));
}

TEST(Sampler, RepeatPenaltyDividesPositiveAndMultipliesNegative) {
  SamplingParams p = plain(0.0f);
  p.repeat_penalty = 2.0f;
  // Token 0 leads (3.0 vs 2.0); once seen, 3.0 / 2 = 1.5 < 2.0 and token 1 wins.
  const std::vector<float> l = {3.0f, 2.0f, -1.0f};
  Sampler s(p, 3, -1);
  EXPECT_EQ(s.sample(l.data()), 0);
  s.accept(0);
  EXPECT_EQ(s.sample(l.data()), 1);
  // A negative logit gets more negative: -0.5 * 2 = -1.0 loses to -0.8.
  const std::vector<float> neg = {-0.5f, -0.8f, -5.0f};
  Sampler s2(p, 3, -1);
  EXPECT_EQ(s2.sample(neg.data()), 0);
  s2.accept(0);
  EXPECT_EQ(s2.sample(neg.data()), 1);
}

TEST(Sampler, PenaltyWindowForgetsOldTokens) {
  SamplingParams p = plain(0.0f);
  p.repeat_penalty = 10.0f;
  p.repeat_last_n = 2;
  const std::vector<float> l = {3.0f, 2.0f, 1.0f, 0.0f};
  Sampler s(p, 4, -1);
  s.accept(0);
  EXPECT_EQ(s.sample(l.data()), 1);
  s.accept(3);
  s.accept(3);  // token 0 falls out of the 2-token window
  EXPECT_EQ(s.sample(l.data()), 0);
}

TEST(Sampler, FrequencyAndPresencePenalties) {
  SamplingParams p = plain(0.0f);
  p.frequency_penalty = 0.5f;
  const std::vector<float> l = {3.0f, 2.1f, 0.0f};
  Sampler s(p, 3, -1);
  s.accept(0);
  EXPECT_EQ(s.sample(l.data()), 0);  // 3.0 - 0.5 = 2.5 > 2.1
  s.accept(0);
  EXPECT_EQ(s.sample(l.data()), 1);  // 3.0 - 1.0 = 2.0 < 2.1
  SamplingParams q = plain(0.0f);
  q.presence_penalty = 0.5f;
  Sampler s2(q, 3, -1);
  for (int i = 0; i < 5; ++i) s2.accept(0);
  EXPECT_EQ(s2.sample(l.data()), 0);  // presence counts once: 2.5 > 2.1
  q.presence_penalty = 1.0f;
  Sampler s3(q, 3, -1);
  s3.accept(0);
  EXPECT_EQ(s3.sample(l.data()), 1);
}

TEST(Sampler, LogitBiasAndIgnoreEos) {
  const std::vector<float> l = {1.0f, 5.0f, 2.0f};
  SamplingParams p = plain(0.0f);
  p.logit_bias = {{2, 4.0f}};
  EXPECT_EQ(Sampler(p, 3, -1).sample(l.data()), 2);
  p.logit_bias = {{1, -INFINITY}};
  EXPECT_EQ(Sampler(p, 3, -1).sample(l.data()), 2);
  SamplingParams e = plain(1.0f);
  e.ignore_eos = true;
  EXPECT_EQ(support(e, l, 1).count(1), 0u);  // eos (id 1) banned
  e.ignore_eos = false;
  EXPECT_EQ(support(e, l, 1).count(1), 1u);
}

TEST(Sampler, DrawFollowsTheDistribution) {
  const auto l = from_probs({0.6, 0.3, 0.1});
  Sampler s(plain(1.0f), 3, -1);
  std::map<int32_t, int> n;
  const int kDraws = 20000;
  for (int i = 0; i < kDraws; ++i) ++n[s.sample(l.data())];
  EXPECT_NEAR(n[0] / double(kDraws), 0.6, 0.02);
  EXPECT_NEAR(n[1] / double(kDraws), 0.3, 0.02);
  EXPECT_NEAR(n[2] / double(kDraws), 0.1, 0.02);
  // Temperature 0.5 squares the odds: 0.36 : 0.09 : 0.01.
  Sampler cold(plain(0.5f), 3, -1);
  std::map<int32_t, int> c;
  for (int i = 0; i < kDraws; ++i) ++c[cold.sample(l.data())];
  EXPECT_NEAR(c[0] / double(kDraws), 0.36 / 0.46, 0.02);
}

TEST(Sampler, ValidateNamesTheField) {
  SamplingParams p;
  EXPECT_TRUE(validate(p, 10).ok());
  p.top_p = 1.5f;
  Status s = validate(p, 10);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("top_p"), std::string::npos);
  p = SamplingParams();
  p.logit_bias = {{10, 1.0f}};
  EXPECT_NE(validate(p, 10).message().find("logit_bias token 10"), std::string::npos);
}

}  // namespace
}  // namespace osprey::runtime
