// The engine and scheduler over FakeBackend, whose output after any history is known in advance
// (FakeBackend::greedy), so batching, prefix reuse, forks and cancellation are checked exactly.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "src/runtime/engine.h"
#include "src/runtime/fake_backend.h"

namespace osprey::runtime {
namespace {

using Kind = Event::Kind;

// Records one request's events; wait() blocks (bounded) until the terminal event.
struct Collector {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> text;
  std::vector<std::vector<TokenOutput>> tokens;
  std::vector<FinishReason> finish;
  std::vector<std::string> words;
  std::vector<Kind> kinds;
  bool ended = false;
  Event terminal;

  explicit Collector(int n = 1) : text(n), tokens(n), finish(n, FinishReason::kNone), words(n) {}
  EventCallback cb() {
    return [this](const Event& e) {
      std::lock_guard<std::mutex> l(mu);
      EXPECT_FALSE(ended) << "event after the terminal event";
      kinds.push_back(e.kind);
      if (e.kind == Kind::kToken) {
        text[e.choice] += e.text;
        tokens[e.choice].push_back(e.token);
      } else if (e.kind == Kind::kChoiceEnd) {
        text[e.choice] += e.text;
        finish[e.choice] = e.finish;
        words[e.choice] = e.stop_word;
      } else {
        ended = true;
        terminal = e;
        cv.notify_all();
      }
    };
  }
  bool wait(int seconds = 20) {
    std::unique_lock<std::mutex> l(mu);
    return cv.wait_for(l, std::chrono::seconds(seconds), [&] { return ended; });
  }
  size_t n_tokens(int choice = 0) {
    std::lock_guard<std::mutex> l(mu);
    return tokens[choice].size();
  }
};

std::vector<int32_t> prompt_of(const std::string& s) {
  std::vector<int32_t> out = {FakeBackend::kBos};
  for (unsigned char c : s) out.push_back(c);
  return out;
}

std::string text_of(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t t : ids)
    if (t < 256) s += static_cast<char>(t);
  return s;
}

GenerationRequest greedy(const std::string& prompt, int max_tokens) {
  GenerationRequest r;
  r.prompt = prompt_of(prompt);
  r.sampling.temperature = 0;
  r.max_tokens = max_tokens;
  return r;
}

std::unique_ptr<Engine> make_engine(EngineParams p, FakeBackendOptions o, base::Logger& log,
                                    FakeBackend** fake = nullptr) {
  auto b = std::make_unique<FakeBackend>(o);
  if (fake) *fake = b.get();
  auto e = Engine::create(std::move(b), p, log);
  EXPECT_TRUE(e.ok()) << e.status().to_string();
  return std::move(e).value();
}

// Waits (bounded) until the engine shows no busy slot.
bool wait_idle(Engine& e) {
  for (int i = 0; i < 2000; ++i) {
    bool busy = false;
    for (const auto& s : e.slots()) busy |= s.busy;
    if (!busy) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

class EngineTest : public ::testing::Test {
 protected:
  base::Logger log_{stderr, base::LogLevel::kWarn};
};

TEST_F(EngineTest, GreedyOutputIsTheModelsContinuation) {
  auto e = make_engine({}, {}, log_);
  Collector c;
  ASSERT_TRUE(e->submit(greedy("hello", 20), c.cb()).ok());
  ASSERT_TRUE(c.wait());
  EXPECT_EQ(c.text[0], text_of(FakeBackend::greedy(prompt_of("hello"), 20, 0)));
  EXPECT_EQ(c.finish[0], FinishReason::kLength);
  EXPECT_EQ(c.terminal.kind, Kind::kDone);
  EXPECT_EQ(c.terminal.stats.n_prompt, 6);
  EXPECT_EQ(c.terminal.stats.n_generated, std::vector<int>{20});
  EXPECT_EQ(c.kinds.back(), Kind::kDone);
  EXPECT_EQ(c.kinds[c.kinds.size() - 2], Kind::kChoiceEnd);
}

TEST_F(EngineTest, EndOfGenerationTokenStopsWithoutText) {
  FakeBackendOptions o;
  o.eos_every = 5;
  auto e = make_engine({}, o, log_);
  Collector c;
  ASSERT_TRUE(e->submit(greedy("abc", 200), c.cb()).ok());
  ASSERT_TRUE(c.wait());
  auto expect = FakeBackend::greedy(prompt_of("abc"), 200, 5);
  ASSERT_EQ(expect.back(), FakeBackend::kEos);  // the fake's eos comes well before 200 tokens
  EXPECT_EQ(c.finish[0], FinishReason::kEog);
  EXPECT_EQ(c.text[0], text_of(expect));
  EXPECT_EQ(c.terminal.stats.n_generated[0], static_cast<int>(expect.size()));
}

TEST_F(EngineTest, StopStringIsCutAndNeverEmitted) {
  auto e = make_engine({}, {}, log_);
  std::string full = text_of(FakeBackend::greedy(prompt_of("zz"), 40, 0));
  std::string stop = full.substr(10, 3);
  size_t at = full.find(stop);
  GenerationRequest r = greedy("zz", 40);
  r.stop = {"never-there", stop};
  Collector c;
  ASSERT_TRUE(e->submit(r, c.cb()).ok());
  ASSERT_TRUE(c.wait());
  EXPECT_EQ(c.text[0], full.substr(0, at));
  EXPECT_EQ(c.finish[0], FinishReason::kStopString);
  EXPECT_EQ(c.words[0], stop);
}

TEST_F(EngineTest, SimultaneousRequestsEachGetTheirSoloOutput) {
  EngineParams p;
  p.n_slots = 4;
  p.n_batch = 16;  // prompts arrive in chunks while others decode
  auto e = make_engine(p, {}, log_);
  std::vector<std::string> prompts;
  for (int i = 0; i < 8; ++i) prompts.push_back("prompt number " + std::to_string(i) + std::string(i * 5, 'x'));
  std::vector<std::unique_ptr<Collector>> cs;
  for (const auto& pr : prompts) {
    cs.push_back(std::make_unique<Collector>());
    ASSERT_TRUE(e->submit(greedy(pr, 30), cs.back()->cb()).ok());
  }
  for (size_t i = 0; i < prompts.size(); ++i) {
    ASSERT_TRUE(cs[i]->wait());
    EXPECT_EQ(cs[i]->text[0], text_of(FakeBackend::greedy(prompt_of(prompts[i]), 30, 0))) << i;
  }
}

TEST_F(EngineTest, LongPromptIsProcessedInChunks) {
  EngineParams p;
  p.n_batch = 8;
  FakeBackend* fake = nullptr;
  auto e = make_engine(p, {}, log_, &fake);
  std::string prompt(100, 'q');
  Collector c;
  ASSERT_TRUE(e->submit(greedy(prompt, 3), c.cb()).ok());
  ASSERT_TRUE(c.wait());
  EXPECT_EQ(c.text[0], text_of(FakeBackend::greedy(prompt_of(prompt), 3, 0)));
  EXPECT_GE(fake->forward_calls(), 101u / 8u + 2u);
}

TEST_F(EngineTest, FollowUpReusesTheCachedPrefix) {
  auto e = make_engine({}, {}, log_);
  Collector a;
  ASSERT_TRUE(e->submit(greedy("a story", 10), a.cb()).ok());
  ASSERT_TRUE(a.wait());
  // The slot holds the prompt and all generated tokens but the last (never fed back).
  std::string follow = "a story" + a.text[0] + " and more";
  Collector b;
  ASSERT_TRUE(e->submit(greedy(follow, 10), b.cb()).ok());
  ASSERT_TRUE(b.wait());
  EXPECT_EQ(b.terminal.stats.n_cached, static_cast<int>(prompt_of("a story").size()) + 10 - 1);
  EXPECT_EQ(b.text[0], text_of(FakeBackend::greedy(prompt_of(follow), 10, 0)));
  // The same prompt again: everything but its last token is reused.
  Collector c;
  ASSERT_TRUE(e->submit(greedy(follow, 10), c.cb()).ok());
  ASSERT_TRUE(c.wait());
  EXPECT_EQ(c.terminal.stats.n_cached, static_cast<int>(prompt_of(follow).size()) - 1);
  EXPECT_EQ(c.text[0], b.text[0]);
  // A prompt that diverges early reuses only the common prefix.
  Collector d;
  ASSERT_TRUE(e->submit(greedy("a stone", 5), d.cb()).ok());
  ASSERT_TRUE(d.wait());
  EXPECT_EQ(d.terminal.stats.n_cached, static_cast<int>(prompt_of("a sto").size()));
  EXPECT_EQ(d.text[0], text_of(FakeBackend::greedy(prompt_of("a stone"), 5, 0)));
}

TEST_F(EngineTest, CachePromptFalseEvaluatesEverything) {
  auto e = make_engine({}, {}, log_);
  Collector a, b;
  ASSERT_TRUE(e->submit(greedy("same", 4), a.cb()).ok());
  ASSERT_TRUE(a.wait());
  GenerationRequest r = greedy("same", 4);
  r.cache_prompt = false;
  ASSERT_TRUE(e->submit(r, b.cb()).ok());
  ASSERT_TRUE(b.wait());
  EXPECT_EQ(b.terminal.stats.n_cached, 0);
  EXPECT_EQ(b.text[0], a.text[0]);
}

TEST_F(EngineTest, SeveralChoicesForkThePrompt) {
  EngineParams p;
  p.n_slots = 3;
  auto e = make_engine(p, {}, log_);
  GenerationRequest r = greedy("fork me", 12);
  r.n_choices = 3;
  Collector c(3);
  ASSERT_TRUE(e->submit(r, c.cb()).ok());
  ASSERT_TRUE(c.wait());
  std::string expect = text_of(FakeBackend::greedy(prompt_of("fork me"), 12, 0));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(c.text[i], expect) << i;
  EXPECT_EQ(c.terminal.stats.n_generated, (std::vector<int>{12, 12, 12}));
}

TEST_F(EngineTest, SameSeedSameSample) {
  EngineParams p;
  p.n_slots = 2;
  auto e = make_engine(p, {}, log_);
  auto run = [&](uint64_t seed) {
    GenerationRequest r = greedy("seeded", 24);
    r.sampling.temperature = 1.5f;
    r.sampling.top_k = 0;
    r.sampling.top_p = 1.0f;
    r.sampling.min_p = 0.0f;
    r.sampling.seed = seed;
    r.n_choices = 2;
    Collector c(2);
    EXPECT_TRUE(e->submit(r, c.cb()).ok());
    EXPECT_TRUE(c.wait());
    return c.text;
  };
  auto a = run(42), b = run(42), d = run(43);
  EXPECT_EQ(a, b);
  EXPECT_NE(a[0], a[1]);  // choice i samples with seed + i
  EXPECT_NE(a, d);
}

TEST_F(EngineTest, LogprobsAreTheLogSoftmaxOfTheRawLogits) {
  auto e = make_engine({}, {}, log_);
  GenerationRequest r = greedy("probs", 4);
  r.top_logprobs = 3;
  Collector c;
  ASSERT_TRUE(e->submit(r, c.cb()).ok());
  ASSERT_TRUE(c.wait());
  ASSERT_EQ(c.tokens[0].size(), 4u);
  std::vector<int32_t> hist = prompt_of("probs");
  std::vector<float> l(FakeBackend::kVocab);
  for (const auto& t : c.tokens[0]) {
    FakeBackend::logits_after(hist, 0, l.data());
    double mx = *std::max_element(l.begin(), l.end()), sum = 0;
    for (float v : l) sum += std::exp(v - mx);
    double lse = mx + std::log(sum);
    EXPECT_NEAR(t.logprob, l[t.id] - lse, 1e-5);
    ASSERT_EQ(t.top.size(), 3u);
    EXPECT_EQ(t.top[0].id, t.id);  // greedy picks the most likely
    for (const auto& alt : t.top) EXPECT_NEAR(alt.logprob, l[alt.id] - lse, 1e-5);
    EXPECT_GE(t.top[0].logprob, t.top[1].logprob);
    EXPECT_GE(t.top[1].logprob, t.top[2].logprob);
    hist.push_back(t.id);
  }
}

TEST_F(EngineTest, ContextLimitEndsWithLength) {
  EngineParams p;
  p.n_ctx = 32;
  auto e = make_engine(p, {}, log_);
  Collector c;
  ASSERT_TRUE(e->submit(greedy(std::string(19, 'c'), -1), c.cb()).ok());  // 20 prompt tokens
  ASSERT_TRUE(c.wait());
  EXPECT_EQ(c.finish[0], FinishReason::kLength);
  EXPECT_EQ(c.terminal.stats.n_generated[0], 32 - 20 + 1);
}

TEST_F(EngineTest, RejectsBadRequestsWithBothNumbers) {
  EngineParams p;
  p.n_ctx = 64;
  p.n_slots = 2;
  auto e = make_engine(p, {}, log_);
  auto too_long = e->submit(greedy(std::string(40, 'x'), 1), nullptr);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(too_long.status().message().find("41"), std::string::npos) << too_long.status().message();
  EXPECT_NE(too_long.status().message().find("32"), std::string::npos) << too_long.status().message();
  GenerationRequest r = greedy("x", 1);
  r.prompt.push_back(9999);
  EXPECT_EQ(e->submit(r, nullptr).status().code(), StatusCode::kInvalidArgument);
  r = greedy("x", 1);
  r.n_choices = 3;
  EXPECT_EQ(e->submit(r, nullptr).status().code(), StatusCode::kInvalidArgument);
  r = greedy("x", 1);
  r.prompt.clear();
  EXPECT_EQ(e->submit(r, nullptr).status().code(), StatusCode::kInvalidArgument);
  r = greedy("x", 1);
  r.sampling.top_p = 2;
  EXPECT_EQ(e->submit(r, nullptr).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(EngineTest, CancelWhileGeneratingFreesTheSlot) {
  FakeBackendOptions o;
  o.forward_delay_ms = 5;
  auto e = make_engine({}, o, log_);
  Collector c;
  auto id = e->submit(greedy("long", 100000), c.cb());
  ASSERT_TRUE(id.ok());
  for (int i = 0; i < 2000 && c.n_tokens() < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  e->cancel(id.value());
  ASSERT_TRUE(c.wait());
  EXPECT_EQ(c.terminal.kind, Kind::kError);
  EXPECT_EQ(c.terminal.status.code(), StatusCode::kCancelled);
  EXPECT_TRUE(wait_idle(*e));
  EXPECT_EQ(e->stats().requests_cancelled, 1u);
}

TEST_F(EngineTest, CancelDuringPromptProcessing) {
  FakeBackendOptions o;
  o.forward_delay_ms = 5;
  EngineParams p;
  p.n_batch = 2;
  auto e = make_engine(p, o, log_);
  Collector c;
  auto id = e->submit(greedy(std::string(200, 'p'), 5), c.cb());
  ASSERT_TRUE(id.ok());
  for (int i = 0; i < 2000; ++i) {
    auto s = e->slots();
    if (s[0].busy && s[0].prompt_processing && s[0].n_cached > 4) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  e->cancel(id.value());
  ASSERT_TRUE(c.wait());
  EXPECT_EQ(c.terminal.status.code(), StatusCode::kCancelled);
  EXPECT_EQ(c.n_tokens(), 0u);
  EXPECT_TRUE(wait_idle(*e));
}

TEST_F(EngineTest, QueueIsFifoBoundedAndCancellable) {
  FakeBackendOptions o;
  o.forward_delay_ms = 5;
  EngineParams p;
  p.max_queue = 1;
  auto e = make_engine(p, o, log_);
  Collector a, b;
  auto ida = e->submit(greedy("first", 100000), a.cb());
  ASSERT_TRUE(ida.ok());
  for (int i = 0; i < 2000 && a.n_tokens() < 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  auto idb = e->submit(greedy("second", 5), b.cb());
  ASSERT_TRUE(idb.ok());
  auto full = e->submit(greedy("third", 5), nullptr);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(e->stats().queue_depth, 1);
  e->cancel(idb.value());
  ASSERT_TRUE(b.wait());
  EXPECT_EQ(b.terminal.status.code(), StatusCode::kCancelled);
  EXPECT_EQ(e->stats().queue_depth, 0);
  e->cancel(ida.value());
  ASSERT_TRUE(a.wait());
  EXPECT_EQ(e->stats().requests_rejected, 1u);
}

TEST_F(EngineTest, ForwardFailureEndsTheRequestAndTheEngineGoesOn) {
  FakeBackendOptions o;
  o.fail_token = '!';
  auto e = make_engine({}, o, log_);
  Collector bad, good;
  ASSERT_TRUE(e->submit(greedy("boom!", 5), bad.cb()).ok());
  ASSERT_TRUE(bad.wait());
  EXPECT_EQ(bad.terminal.kind, Kind::kError);
  EXPECT_EQ(bad.terminal.status.code(), StatusCode::kInternal);
  ASSERT_TRUE(e->submit(greedy("fine", 5), good.cb()).ok());
  ASSERT_TRUE(good.wait());
  EXPECT_EQ(good.text[0], text_of(FakeBackend::greedy(prompt_of("fine"), 5, 0)));
}

TEST_F(EngineTest, ShutdownEndsEveryRequest) {
  FakeBackendOptions o;
  o.forward_delay_ms = 5;
  auto e = make_engine({}, o, log_);
  Collector a, b;
  ASSERT_TRUE(e->submit(greedy("running", 100000), a.cb()).ok());
  ASSERT_TRUE(e->submit(greedy("queued", 5), b.cb()).ok());
  e->shutdown();
  ASSERT_TRUE(a.wait(1));
  ASSERT_TRUE(b.wait(1));
  EXPECT_EQ(a.terminal.kind, Kind::kError);
  EXPECT_EQ(b.terminal.kind, Kind::kError);
  EXPECT_FALSE(e->submit(greedy("late", 1), nullptr).ok());
}

TEST_F(EngineTest, StatsCountTokens) {
  EngineParams p;
  p.n_slots = 2;
  auto e = make_engine(p, {}, log_);
  Collector a, b;
  ASSERT_TRUE(e->submit(greedy("one", 7), a.cb()).ok());
  ASSERT_TRUE(e->submit(greedy("two", 9), b.cb()).ok());
  ASSERT_TRUE(a.wait());
  ASSERT_TRUE(b.wait());
  auto s = e->stats();
  EXPECT_EQ(s.generated_tokens, 16u);
  EXPECT_EQ(s.requests_finished, 2u);
  EXPECT_EQ(s.time_to_first_token.count, 2u);
  EXPECT_EQ(s.inter_token_latency.count, 14u);
  EXPECT_EQ(s.queue_wait.count, 2u);
  EXPECT_EQ(s.prompt_tokens, 8u);
  EXPECT_EQ(s.slots_total, 2);
}

}  // namespace
}  // namespace osprey::runtime
