// The OpenAI and llama.cpp endpoints end to end over loopback HTTP, with the real Engine on
// FakeBackend (whose greedy output is known in advance: FakeBackend::greedy).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "server/api_server.h"
#include "server/http_server.h"
#include "src/runtime/fake_backend.h"
#include "tests/server/http_client.h"
#include "tests/support/test_support.h"

namespace osprey::server {
namespace {

using json = nlohmann::json;
using runtime::FakeBackend;
using test::TestClient;

std::vector<int32_t> ids_of(const std::string& s, bool bos = true) {
  std::vector<int32_t> out;
  if (bos) out.push_back(FakeBackend::kBos);
  for (unsigned char c : s) out.push_back(c);
  return out;
}

std::string text_of(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t t : ids)
    if (t < 256) s += static_cast<char>(t);
  return s;
}

std::string greedy_text(const std::vector<int32_t>& prompt, int n) { return text_of(FakeBackend::greedy(prompt, n, 0)); }

// The "data: ..." payloads of an SSE body.
std::vector<std::string> sse_data(const std::string& body) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find("\n\n", pos);
    if (end == std::string::npos) end = body.size();
    std::string ev = body.substr(pos, end - pos);
    if (ev.rfind("data: ", 0) == 0) out.push_back(ev.substr(6));
    pos = end + 2;
  }
  return out;
}

constexpr const char* kTemplate =
    "{% for m in messages %}[{{ m.role }}]{{ m.content }}\n{% endfor %}"
    "{% if add_generation_prompt %}[assistant]{% endif %}";

class ApiTest : public ::testing::Test {
 protected:
  void start(runtime::EngineParams ep = {.n_slots = 2}, runtime::FakeBackendOptions fo = {}, ApiParams ap = {}) {
    fo.chat_template = kTemplate;
    auto e = runtime::Engine::create(std::make_unique<FakeBackend>(fo), ep, log_);
    ASSERT_TRUE(e.ok()) << e.status().to_string();
    engine_ = std::move(e).value();
    ap.metrics = true;
    api_ = std::make_unique<ApiServer>(ap, log_);
    if (!defer_engine_) ASSERT_TRUE(api_->set_engine(engine_.get()).ok());
    api_->register_routes(router_);
    TransportParams tp;
    tp.port = 0;
    tp.log_requests = false;
    http_ = std::make_unique<HttpServer>(
        tp, [this](HttpRequest&& req, ResponderPtr r) { api_->dispatch(router_, req, std::move(r)); }, log_);
    ASSERT_TRUE(http_->listen().ok());
    http_->start();
  }
  void TearDown() override {
    if (engine_) engine_->shutdown();
    if (http_) {
      http_->stop();
      http_->wait();
    }
  }
  test::HttpResult post(const std::string& path, const json& body, std::map<std::string, std::string> h = {}) {
    TestClient c(http_->port());
    return c.request("POST", path, body.dump(), h);
  }
  test::HttpResult get(const std::string& path) {
    TestClient c(http_->port());
    return c.request("GET", path);
  }
  json slots() { return json::parse(get("/slots").body); }
  bool wait_until_idle() {
    for (int i = 0; i < 1000; ++i) {
      bool busy = false;
      for (const auto& s : slots()) busy |= s["is_processing"].get<bool>();
      if (!busy) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }
  bool wait_for(const std::function<bool()>& cond) {
    for (int i = 0; i < 2000; ++i) {
      if (cond()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  base::Logger log_{stderr, base::LogLevel::kWarn};
  bool defer_engine_ = false;
  std::unique_ptr<runtime::Engine> engine_;
  std::unique_ptr<ApiServer> api_;
  Router router_;
  std::unique_ptr<HttpServer> http_;
};

TEST_F(ApiTest, HealthAndModels) {
  start();
  auto h = get("/health");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(json::parse(h.body)["status"], "ok");
  auto m = json::parse(get("/v1/models").body);
  EXPECT_EQ(m["object"], "list");
  EXPECT_EQ(m["data"][0]["id"], "fake");
  EXPECT_EQ(m["data"][0]["object"], "model");
  EXPECT_EQ(get("/v1/models/fake").status, 200);
  EXPECT_EQ(get("/v1/models/other").status, 404);
}

TEST_F(ApiTest, LoadingAnswers503) {
  defer_engine_ = true;
  start();
  EXPECT_EQ(get("/health").status, 503);
  auto r = post("/v1/completions", {{"prompt", "x"}});
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(json::parse(r.body)["error"]["type"], "unavailable_error");
  ASSERT_TRUE(api_->set_engine(engine_.get()).ok());
  EXPECT_EQ(get("/health").status, 200);
}

TEST_F(ApiTest, CompletionGreedyMatchesTheModel) {
  start();
  auto r = post("/v1/completions", {{"model", "fake"}, {"prompt", "Once"}, {"max_tokens", 16}, {"temperature", 0}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = json::parse(r.body);
  EXPECT_EQ(j["object"], "text_completion");
  EXPECT_EQ(j["id"].get<std::string>().rfind("cmpl-", 0), 0u);
  EXPECT_EQ(j["model"], "fake");
  EXPECT_EQ(j["choices"][0]["text"], greedy_text(ids_of("Once"), 16));
  EXPECT_EQ(j["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(j["choices"][0]["index"], 0);
  EXPECT_EQ(j["usage"]["prompt_tokens"], 5);
  EXPECT_EQ(j["usage"]["completion_tokens"], 16);
  EXPECT_EQ(j["usage"]["total_tokens"], 21);
}

TEST_F(ApiTest, CompletionStreamEqualsWholeAndEndsWithUsageAndDone) {
  start();
  json body = {{"prompt", "Stream"}, {"max_tokens", 12}, {"temperature", 0}, {"stream", true},
               {"stream_options", {{"include_usage", true}}}};
  auto r = post("/v1/completions", body);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "text/event-stream");
  auto events = sse_data(r.body);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.back(), "[DONE]");
  std::string text;
  std::string finish;
  for (size_t i = 0; i + 2 < events.size(); ++i) {
    auto j = json::parse(events[i]);
    EXPECT_EQ(j["object"], "text_completion");
    text += j["choices"][0]["text"].get<std::string>();
    if (!j["choices"][0]["finish_reason"].is_null()) finish = j["choices"][0]["finish_reason"];
  }
  EXPECT_EQ(text, greedy_text(ids_of("Stream"), 12));
  EXPECT_EQ(finish, "length");
  auto usage = json::parse(events[events.size() - 2]);
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["completion_tokens"], 12);
  EXPECT_EQ(usage["usage"]["prompt_tokens"], 7);
}

TEST_F(ApiTest, ChatUsesTheTemplateAndStreamsTheSameText) {
  start();
  json msgs = json::array({{{"role", "user"}, {"content", "hi"}}});
  std::string prompt = "[user]hi\n[assistant]";
  auto r = post("/v1/chat/completions", {{"messages", msgs}, {"max_tokens", 10}, {"temperature", 0}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = json::parse(r.body);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["choices"][0]["message"]["role"], "assistant");
  std::string whole = j["choices"][0]["message"]["content"];
  EXPECT_EQ(whole, greedy_text(ids_of(prompt), 10));
  EXPECT_EQ(j["usage"]["prompt_tokens"], static_cast<int>(ids_of(prompt).size()));

  auto s = post("/v1/chat/completions", {{"messages", msgs}, {"max_tokens", 10}, {"temperature", 0}, {"stream", true}});
  auto events = sse_data(s.body);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.back(), "[DONE]");
  auto first = json::parse(events[0]);
  EXPECT_EQ(first["object"], "chat.completion.chunk");
  EXPECT_EQ(first["choices"][0]["delta"]["role"], "assistant");
  std::string text, finish;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    auto c = json::parse(events[i]);
    const auto& d = c["choices"][0]["delta"];
    if (d.contains("content")) text += d["content"].get<std::string>();
    if (!c["choices"][0]["finish_reason"].is_null()) finish = c["choices"][0]["finish_reason"];
  }
  EXPECT_EQ(text, whole);
  EXPECT_EQ(finish, "length");
}

TEST_F(ApiTest, SystemPromptIsAddedWhenTheChatHasNone) {
  ApiParams ap;
  ap.system_prompt = "be brief";
  start({.n_slots = 2}, {}, ap);
  json msgs = json::array({{{"role", "user"}, {"content", "hi"}}});
  auto j = json::parse(post("/v1/chat/completions", {{"messages", msgs}, {"max_tokens", 4}, {"temperature", 0}}).body);
  EXPECT_EQ(j["choices"][0]["message"]["content"], greedy_text(ids_of("[system]be brief\n[user]hi\n[assistant]"), 4));
}

TEST_F(ApiTest, StopStringEndsWithStopAndIsNotSent) {
  start();
  std::string full = greedy_text(ids_of("stop"), 30);
  std::string stop = full.substr(12, 3);
  std::string expect = full.substr(0, full.find(stop));
  auto j = json::parse(post("/v1/completions", {{"prompt", "stop"}, {"max_tokens", 30}, {"temperature", 0},
                                                {"stop", stop}}).body);
  EXPECT_EQ(j["choices"][0]["text"], expect);
  EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
  auto s = post("/v1/completions", {{"prompt", "stop"}, {"max_tokens", 30}, {"temperature", 0},
                                     {"stop", json::array({stop})}, {"stream", true}});
  std::string text;
  for (const auto& e : sse_data(s.body))
    if (e != "[DONE]") text += json::parse(e)["choices"][0]["text"].get<std::string>();
  EXPECT_EQ(text, expect);
}

TEST_F(ApiTest, SeveralPromptsAndChoices) {
  start({.n_slots = 2});
  auto j = json::parse(post("/v1/completions", {{"prompt", {"ab", "cd"}}, {"n", 2}, {"max_tokens", 5},
                                                {"temperature", 0}}).body);
  ASSERT_EQ(j["choices"].size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(j["choices"][i]["index"], i);
    EXPECT_EQ(j["choices"][i]["text"], greedy_text(ids_of(i < 2 ? "ab" : "cd"), 5)) << i;
  }
  EXPECT_EQ(j["usage"]["completion_tokens"], 20);
  EXPECT_EQ(j["usage"]["prompt_tokens"], 6);
}

TEST_F(ApiTest, TokenPromptsAreUsedExactly) {
  start();
  auto j = json::parse(post("/v1/completions", {{"prompt", {104, 105}}, {"max_tokens", 6}, {"temperature", 0}}).body);
  EXPECT_EQ(j["usage"]["prompt_tokens"], 2);  // no BOS added
  EXPECT_EQ(j["choices"][0]["text"], greedy_text(ids_of("hi", false), 6));
  auto l = json::parse(post("/completion", {{"prompt", {256, 104, "i"}}, {"n_predict", 6}, {"temperature", 0}}).body);
  EXPECT_EQ(l["tokens_evaluated"], 3);
  EXPECT_EQ(l["content"], greedy_text(ids_of("hi"), 6));
}

TEST_F(ApiTest, CompletionLogprobsShape) {
  start();
  auto j = json::parse(post("/v1/completions", {{"prompt", "lp"}, {"max_tokens", 3}, {"temperature", 0},
                                                {"logprobs", 2}}).body);
  const auto& lp = j["choices"][0]["logprobs"];
  ASSERT_EQ(lp["tokens"].size(), 3u);
  ASSERT_EQ(lp["token_logprobs"].size(), 3u);
  ASSERT_EQ(lp["top_logprobs"].size(), 3u);
  EXPECT_EQ(lp["top_logprobs"][0].size(), 2u);
  EXPECT_EQ(lp["text_offset"], json::array({0, 1, 2}));
  for (int i = 0; i < 3; ++i) EXPECT_LE(lp["token_logprobs"][i].get<double>(), 0.0);
}

TEST_F(ApiTest, ChatLogprobsShape) {
  start();
  json msgs = json::array({{{"role", "user"}, {"content", "x"}}});
  auto j = json::parse(post("/v1/chat/completions", {{"messages", msgs}, {"max_tokens", 3}, {"temperature", 0},
                                                     {"logprobs", true}, {"top_logprobs", 2}}).body);
  const auto& c = j["choices"][0]["logprobs"]["content"];
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0]["top_logprobs"].size(), 2u);
  EXPECT_EQ(c[0]["top_logprobs"][0]["token"], c[0]["token"]);  // greedy takes the most likely
  EXPECT_EQ(c[0]["bytes"].size(), 1u);
}

TEST_F(ApiTest, LlamaCompletionShape) {
  start();
  auto j = json::parse(post("/completion", {{"prompt", "ll"}, {"n_predict", 4}, {"temperature", 0}, {"n_probs", 3},
                                            {"return_tokens", true}}).body);
  EXPECT_EQ(j["content"], greedy_text(ids_of("ll"), 4));
  EXPECT_EQ(j["stop"], true);
  EXPECT_EQ(j["stop_type"], "limit");
  EXPECT_EQ(j["tokens_predicted"], 4);
  EXPECT_EQ(j["tokens_evaluated"], 3);
  EXPECT_EQ(j["tokens"].size(), 4u);
  EXPECT_EQ(j["generation_settings"]["n_predict"], 4);
  for (const char* k : {"prompt_n", "prompt_ms", "prompt_per_second", "predicted_n", "predicted_ms",
                        "predicted_per_second"})
    EXPECT_TRUE(j["timings"].contains(k)) << k;
  EXPECT_EQ(j["timings"]["predicted_n"], 4);
  const auto& probs = j["completion_probabilities"];
  ASSERT_EQ(probs.size(), 4u);
  for (const char* k : {"id", "token", "bytes", "logprob", "top_logprobs"}) EXPECT_TRUE(probs[0].contains(k)) << k;
  ASSERT_EQ(probs[0]["top_logprobs"].size(), 3u);
  for (const char* k : {"id", "token", "bytes", "logprob"}) EXPECT_TRUE(probs[0]["top_logprobs"][0].contains(k)) << k;
  EXPECT_EQ(probs[0]["id"], j["tokens"][0]);
}

TEST_F(ApiTest, LlamaCompletionStream) {
  start();
  auto r = post("/completion", {{"prompt", "ls"}, {"n_predict", 5}, {"temperature", 0}, {"stream", true}});
  auto events = sse_data(r.body);
  ASSERT_GE(events.size(), 2u);
  std::string text;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    auto j = json::parse(events[i]);
    EXPECT_EQ(j["stop"], false);
    text += j["content"].get<std::string>();
  }
  auto last = json::parse(events.back());
  EXPECT_EQ(last["stop"], true);
  EXPECT_EQ(last["tokens_predicted"], 5);
  EXPECT_TRUE(last.contains("timings"));
  EXPECT_EQ(text, greedy_text(ids_of("ls"), 5));
}

TEST_F(ApiTest, SeedReproducesSampling) {
  start();
  json b = {{"prompt", "rand"}, {"max_tokens", 20}, {"temperature", 1.0}, {"top_k", 0}, {"seed", 7}};
  auto a = json::parse(post("/v1/completions", b).body)["choices"][0]["text"];
  auto c = json::parse(post("/v1/completions", b).body)["choices"][0]["text"];
  EXPECT_EQ(a, c);
}

TEST_F(ApiTest, BadRequestsAre400WithTheFieldNamed) {
  start();
  struct Case {
    std::string path, body, needle;
  };
  std::vector<Case> cases = {
      {"/v1/completions", "{not json", "malformed JSON"},
      {"/v1/completions", "[1,2]", "JSON object"},
      {"/v1/completions", R"({"max_tokens": 3})", "'prompt' is required"},
      {"/v1/completions", R"({"prompt": "x", "temperature": "hot"})", "'temperature' must be a number, got string"},
      {"/v1/completions", R"({"prompt": "x", "top_p": 2})", "'top_p' = 2 is out of range"},
      {"/v1/completions", R"({"prompt": "x", "max_tokens": 1.5})", "'max_tokens' must be an integer"},
      {"/v1/completions", R"({"prompt": "x", "n": 0})", "'n' = 0"},
      {"/v1/completions", R"({"prompt": "x", "n": 5})", "n = 5"},
      {"/v1/completions", R"({"prompt": "x", "stop": [1]})", "'stop[0]' must be a string"},
      {"/v1/completions", R"({"prompt": "x", "logit_bias": {"abc": 1}})", "logit_bias"},
      {"/v1/completions", R"({"prompt": [[]]})", "empty array"},
      {"/v1/completions", R"({"prompt": [999999]})", "out of range"},
      {"/v1/chat/completions", R"({"messages": []})", "'messages' is empty"},
      {"/v1/chat/completions", R"({"messages": [{"content": "x"}]})", "role"},
      {"/v1/chat/completions", R"({"messages": [{"role": "user", "content": [{"type": "image_url"}]}]})",
       "not supported"},
      {"/v1/chat/completions", R"({"messages": [{"role": "user", "content": "x"}], "top_logprobs": 3})",
       "needs 'logprobs'"},
      {"/completion", R"({"prompt": "x", "n_probs": -1})", "'n_probs' = -1"},
      {"/tokenize", R"({"content": 5})", "'content' must be a string"},
      {"/detokenize", R"({"tokens": [1, "a"]})", "tokens[1]"},
      {"/detokenize", R"({"tokens": [100000]})", "out of range"},
  };
  for (const auto& c : cases) {
    TestClient cl(http_->port());
    auto r = cl.request("POST", c.path, c.body);
    EXPECT_EQ(r.status, 400) << c.body << " → " << r.body;
    auto j = json::parse(r.body, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << r.body;
    EXPECT_EQ(j["error"]["type"], "invalid_request_error");
    EXPECT_NE(j["error"]["message"].get<std::string>().find(c.needle), std::string::npos)
        << c.body << " → " << j["error"]["message"];
  }
}

TEST_F(ApiTest, PromptLongerThanTheContextIs400WithBothNumbers) {
  start({.n_slots = 1, .n_ctx = 64});
  auto r = post("/v1/completions", {{"prompt", std::string(100, 'x')}});
  EXPECT_EQ(r.status, 400);
  std::string msg = json::parse(r.body)["error"]["message"];
  EXPECT_NE(msg.find("101"), std::string::npos) << msg;
  EXPECT_NE(msg.find("64"), std::string::npos) << msg;
}

TEST_F(ApiTest, UnknownModelIs404) {
  start();
  auto r = post("/v1/completions", {{"model", "gpt-9"}, {"prompt", "x"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(json::parse(r.body)["error"]["message"].get<std::string>().find("gpt-9"), std::string::npos);
}

TEST_F(ApiTest, ForwardFailureIs500) {
  start({.n_slots = 2}, {.fail_token = '!'});
  auto r = post("/v1/completions", {{"prompt", "boom!"}, {"max_tokens", 3}});
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(json::parse(r.body)["error"]["type"], "server_error");
}

TEST_F(ApiTest, FullQueueIs503WithRetryAfter) {
  start({.n_slots = 1, .max_queue = 0}, {.forward_delay_ms = 5});
  TestClient a(http_->port());
  a.send("POST", "/v1/completions", json({{"prompt", "busy"}, {"max_tokens", 100000}, {"stream", true}}).dump());
  ASSERT_EQ(a.read_header().status, 200);
  auto r = post("/v1/completions", {{"prompt", "x"}, {"max_tokens", 1}});
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.header("retry-after"), "1");
  EXPECT_EQ(json::parse(r.body)["error"]["type"], "unavailable_error");
  a.close();
  EXPECT_TRUE(wait_until_idle());
}

TEST_F(ApiTest, ClientLeavingMidStreamFreesItsSlot) {
  start({.n_slots = 1}, {.forward_delay_ms = 5});
  TestClient a(http_->port());
  a.send("POST", "/v1/chat/completions",
         json({{"messages", {{{"role", "user"}, {"content", "go"}}}}, {"max_tokens", 100000}, {"stream", true}}).dump());
  ASSERT_EQ(a.read_header().status, 200);
  ASSERT_TRUE(wait_for([&] { return slots()[0]["n_decoded"].get<int>() > 2; }));
  a.close();
  EXPECT_TRUE(wait_until_idle());
  EXPECT_EQ(engine_->stats().requests_cancelled, 1u);
  EXPECT_NE(get("/metrics").body.find("osprey_requests_cancelled_total 1"), std::string::npos);
}

TEST_F(ApiTest, ClientLeavingDuringPromptOrQueueIsCancelled) {
  start({.n_slots = 1, .n_batch = 2}, {.forward_delay_ms = 5});
  TestClient a(http_->port());
  a.send("POST", "/v1/completions", json({{"prompt", std::string(200, 'p')}, {"max_tokens", 5}}).dump());
  ASSERT_TRUE(wait_for([&] { return slots()[0]["state"] == "processing_prompt"; }));
  TestClient b(http_->port());
  b.send("POST", "/v1/completions", json({{"prompt", "queued"}, {"max_tokens", 5}}).dump());
  ASSERT_TRUE(wait_for([&] { return engine_->stats().queue_depth == 1; }));
  b.close();  // leaves while queued
  ASSERT_TRUE(wait_for([&] { return engine_->stats().queue_depth == 0; }));
  a.close();  // leaves during prompt processing
  EXPECT_TRUE(wait_until_idle());
  EXPECT_EQ(engine_->stats().requests_cancelled, 2u);
  EXPECT_EQ(engine_->stats().requests_finished, 0u);
}

TEST_F(ApiTest, ShutdownEndsAStreamWithAnError) {
  start({.n_slots = 1}, {.forward_delay_ms = 5});
  TestClient a(http_->port());
  a.send("POST", "/v1/completions", json({{"prompt", "x"}, {"max_tokens", 100000}, {"stream", true}}).dump());
  ASSERT_EQ(a.read_header().status, 200);
  engine_->shutdown();
  std::string rest = a.read_rest();
  auto events = sse_data(rest);
  ASSERT_FALSE(events.empty());
  EXPECT_TRUE(json::parse(events.back()).contains("error")) << events.back();
}

TEST_F(ApiTest, TokenizeAndDetokenize) {
  start();
  auto t = json::parse(post("/tokenize", {{"content", "hi</s>"}, {"add_special", true}}).body);
  EXPECT_EQ(t["tokens"], json::array({256, 104, 105, 257}));
  auto p = json::parse(post("/tokenize", {{"content", "a"}, {"with_pieces", true}}).body);
  EXPECT_EQ(p["tokens"][0]["id"], 97);
  EXPECT_EQ(p["tokens"][0]["piece"], "a");
  auto d = json::parse(post("/detokenize", {{"tokens", {104, 105}}}).body);
  EXPECT_EQ(d["content"], "hi");
}

TEST_F(ApiTest, SlotsPropsAndMetrics) {
  start();
  ASSERT_EQ(post("/v1/completions", {{"prompt", "m"}, {"max_tokens", 3}}).status, 200);
  auto s = slots();
  ASSERT_EQ(s.size(), 2u);
  for (const char* k : {"id", "n_ctx", "is_processing", "state", "n_cached"}) EXPECT_TRUE(s[0].contains(k)) << k;
  auto p = json::parse(get("/props").body);
  EXPECT_EQ(p["total_slots"], 2);
  EXPECT_EQ(p["chat_template"], kTemplate);
  auto m = get("/metrics");
  EXPECT_EQ(m.status, 200);
  for (const char* k : {"osprey_generated_tokens_total 3", "osprey_queue_depth 0", "osprey_slots_busy 0",
                        "osprey_time_to_first_token_seconds_bucket{le=\"+Inf\"} 1",
                        "osprey_inter_token_latency_seconds_count 2", "osprey_queue_wait_seconds_sum",
                        "osprey_kv_blocks_used", "# TYPE osprey_time_to_first_token_seconds histogram"})
    EXPECT_NE(m.body.find(k), std::string::npos) << k;
}

TEST_F(ApiTest, StaticFilesStayInsideTheirDirectory) {
  std::string dir = test::temp_dir() + "/static";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/index.html") << "<html>hi</html>";
  std::ofstream(test::temp_dir() + "/secret.txt") << "secret";
  ApiParams ap;
  ap.static_dir = dir;
  start({.n_slots = 2}, {}, ap);
  auto r = get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<html>hi</html>");
  EXPECT_EQ(r.header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(get("/index.html").status, 200);
  EXPECT_EQ(get("/../secret.txt").status, 404);
  EXPECT_EQ(get("/%2e%2e/secret.txt").status, 404);
  EXPECT_EQ(get("/missing.js").status, 404);
}

TEST_F(ApiTest, ApiKeyGuardsEverythingButHealth) {
  ApiParams ap;
  ap.api_keys = {"secret"};
  start({.n_slots = 2}, {}, ap);
  EXPECT_EQ(get("/health").status, 200);
  EXPECT_EQ(get("/v1/models").status, 401);
  EXPECT_EQ(post("/v1/completions", {{"prompt", "x"}, {"max_tokens", 1}}).status, 401);
  EXPECT_EQ(post("/v1/completions", {{"prompt", "x"}, {"max_tokens", 1}}, {{"Authorization", "Bearer secret"}}).status,
            200);
}

}  // namespace
}  // namespace osprey::server
