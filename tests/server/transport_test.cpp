// The HTTP transport and router on a loopback port, with handlers defined here (no engine).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "server/errors.h"
#include "server/http_server.h"
#include "server/router.h"
#include "tests/server/http_client.h"

namespace osprey::server {
namespace {

using test::TestClient;
using json = nlohmann::json;

// A latch with a bounded wait.
class Flag {
 public:
  void set() {
    std::lock_guard<std::mutex> l(mu_);
    on_ = true;
    cv_.notify_all();
  }
  bool wait(int seconds = 10) {
    std::unique_lock<std::mutex> l(mu_);
    return cv_.wait_for(l, std::chrono::seconds(seconds), [&] { return on_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool on_ = false;
};

class TransportTest : public ::testing::Test {
 protected:
  void start(TransportParams p = {}) {
    p.host = "127.0.0.1";
    p.port = 0;
    p.log_requests = false;
    router_.add("GET", "/health", [](const HttpRequest&, const ResponderPtr& r) {
      r->respond(200, "application/json", R"({"status":"ok"})");
    }, /*open=*/true);
    router_.add("POST", "/echo", [](const HttpRequest& req, const ResponderPtr& r) {
      r->respond(200, "text/plain", req.body);
    });
    router_.add("GET", "/throw", [](const HttpRequest&, const ResponderPtr&) { throw std::runtime_error("boom"); });
    router_.add("GET", "/stream", [this](const HttpRequest&, const ResponderPtr& r) {
      r->begin_stream(200, "text/event-stream");
      workers_.emplace_back([r] {
        for (int i = 0; i < 3; ++i) {
          r->send_chunk("data: " + std::to_string(i) + "\n\n");
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        r->end_stream();
      });
    });
    router_.add("GET", "/hang", [this](const HttpRequest&, const ResponderPtr& r) {
      hung_ = r;
      r->on_disconnect([this] { gone_.set(); });
      hang_started_.set();
    });
    router_.add("GET", "/slow", [this](const HttpRequest& req, const ResponderPtr& r) {
      workers_.emplace_back([r, t = req.target] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        r->respond(200, "text/plain", t);
      });
    });
    server_ = std::make_unique<HttpServer>(p, [this](HttpRequest&& req, ResponderPtr r) { router_.handle(req, r); },
                                           log_);
    ASSERT_TRUE(server_->listen().ok());
    server_->start();
  }
  void TearDown() override {
    if (hung_) hung_->respond(200, "text/plain", "late");
    for (auto& t : workers_) t.join();
    if (server_) {
      server_->stop();
      server_->wait();
    }
  }
  int port() const { return server_->port(); }

  base::Logger log_{stderr, base::LogLevel::kWarn};
  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::vector<std::thread> workers_;
  ResponderPtr hung_;
  Flag gone_, hang_started_;
};

TEST_F(TransportTest, HealthAnswersOk) {
  start();
  TestClient c(port());
  auto r = c.request("GET", "/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["status"], "ok");
  EXPECT_EQ(r.header("content-type"), "application/json");
}

TEST_F(TransportTest, UnknownRouteIs404WithOpenAiErrorShape) {
  start();
  TestClient c(port());
  auto r = c.request("GET", "/nope");
  EXPECT_EQ(r.status, 404);
  auto j = json::parse(r.body);
  ASSERT_TRUE(j.contains("error"));
  EXPECT_EQ(j["error"]["type"], "not_found_error");
  EXPECT_EQ(j["error"]["code"], 404);
  EXPECT_NE(j["error"]["message"].get<std::string>().find("/nope"), std::string::npos);
}

TEST_F(TransportTest, WrongMethodIs405NamingAllowed) {
  start();
  TestClient c(port());
  auto r = c.request("POST", "/health", "{}");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("allow"), "GET");
}

TEST_F(TransportTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  TestClient c(port());
  for (int i = 0; i < 5; ++i) {
    auto r = c.request("POST", "/echo", "body" + std::to_string(i));
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "body" + std::to_string(i));
  }
}

TEST_F(TransportTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  TestClient c(port());
  c.send_raw("GET /slow?a HTTP/1.1\r\nHost: x\r\n\r\nGET /slow?b HTTP/1.1\r\nHost: x\r\n\r\n");
  auto a = c.read_response();
  auto b = c.read_response();
  EXPECT_EQ(a.body, "/slow?a");
  EXPECT_EQ(b.body, "/slow?b");
}

TEST_F(TransportTest, OversizedBodyIs413) {
  TransportParams p;
  p.max_body_bytes = 1000;
  start(p);
  TestClient c(port());
  auto r = c.request("POST", "/echo", std::string(5000, 'x'));
  EXPECT_EQ(r.status, 413);
  auto j = json::parse(r.body);
  EXPECT_NE(j["error"]["message"].get<std::string>().find("1000"), std::string::npos);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(TransportTest, ExpectContinueIsHonoured) {
  start();
  TestClient c(port());
  c.send_raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  auto interim = c.read_header();
  EXPECT_EQ(interim.status, 100);
  c.send_raw("hello");
  auto r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello");
}

TEST_F(TransportTest, MalformedRequestIs400) {
  start();
  TestClient c(port());
  c.send_raw("GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\n\r\n");
  auto r = c.read_response();
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(json::parse(r.body).contains("error"));
}

TEST_F(TransportTest, HandlerExceptionIs500) {
  start();
  TestClient c(port());
  auto r = c.request("GET", "/throw");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(json::parse(r.body)["error"]["type"], "server_error");
}

TEST_F(TransportTest, StreamIsChunkedAndComplete) {
  start();
  TestClient c(port());
  auto r = c.request("GET", "/stream");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("transfer-encoding"), "chunked");
  EXPECT_EQ(r.body, "data: 0\n\ndata: 1\n\ndata: 2\n\n");
  // The connection stays usable after a stream.
  EXPECT_EQ(c.request("GET", "/health").status, 200);
}

TEST_F(TransportTest, ClientThatGoesAwayIsNoticedWithoutAWrite) {
  start();
  TestClient c(port());
  c.send("GET", "/hang");
  ASSERT_TRUE(hang_started_.wait());
  c.close();
  EXPECT_TRUE(gone_.wait());
  EXPECT_TRUE(hung_->client_gone());
}

TEST_F(TransportTest, StalledClientIsTimedOut) {
  TransportParams p;
  p.timeout_s = 1;
  start(p);
  TestClient c(port());
  c.send_raw("GET /health HTTP/1.1\r\nHo");  // never finishes the header
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(TransportTest, ManyIdleKeepAliveConnectionsDoNotBlockOthers) {
  TransportParams p;
  p.n_threads = 1;  // one I/O thread serves them all
  start(p);
  std::vector<std::unique_ptr<TestClient>> idle;
  for (int i = 0; i < 400; ++i) {
    idle.push_back(std::make_unique<TestClient>(port()));
    if (i % 50 == 0) ASSERT_EQ(idle.back()->request("GET", "/health").status, 200);
  }
  TestClient fresh(port());
  EXPECT_EQ(fresh.request("GET", "/health").status, 200);
  EXPECT_EQ(idle.front()->request("GET", "/health").status, 200);
  EXPECT_EQ(idle.back()->request("GET", "/health").status, 200);
}

TEST_F(TransportTest, StopClosesIdleConnectionsAndReturns) {
  start();
  TestClient c(port());
  EXPECT_EQ(c.request("GET", "/health").status, 200);
  server_->stop();
  server_->wait();
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(TransportTest, StopLetsARunningResponseFinish) {
  start();
  TestClient c(port());
  c.send("GET", "/hang");
  ASSERT_TRUE(hang_started_.wait());
  server_->stop();
  hung_->respond(200, "text/plain", "done");
  hung_.reset();
  auto r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "done");
  EXPECT_EQ(r.header("connection"), "close");
  server_->wait();
}

class AuthTest : public TransportTest {
 protected:
  void SetUp() override {
    router_.set_api_keys({"sk-one", "sk-two"});
    start();
  }
};

TEST_F(AuthTest, MissingKeyIs401) {
  TestClient c(port());
  auto r = c.request("POST", "/echo", "x");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(json::parse(r.body)["error"]["type"], "authentication_error");
}

TEST_F(AuthTest, WrongKeyIs401) {
  TestClient c(port());
  EXPECT_EQ(c.request("POST", "/echo", "x", {{"Authorization", "Bearer sk-on"}}).status, 401);
  EXPECT_EQ(c.request("POST", "/echo", "x", {{"Authorization", "Bearer sk-one2"}}).status, 401);
  EXPECT_EQ(c.request("POST", "/echo", "x", {{"Authorization", "sk-one"}}).status, 401);
}

TEST_F(AuthTest, BearerAndXApiKeyAreAccepted) {
  TestClient c(port());
  EXPECT_EQ(c.request("POST", "/echo", "x", {{"Authorization", "Bearer sk-one"}}).status, 200);
  EXPECT_EQ(c.request("POST", "/echo", "x", {{"Authorization", "bearer sk-two"}}).status, 200);
  EXPECT_EQ(c.request("POST", "/echo", "x", {{"x-api-key", "sk-two"}}).status, 200);
}

TEST_F(AuthTest, HealthNeedsNoKey) {
  TestClient c(port());
  EXPECT_EQ(c.request("GET", "/health").status, 200);
}

TEST(ApiKey, MatchesOnlyExactKeys) {
  std::vector<std::string> keys = {"abc", "longer-key"};
  EXPECT_TRUE(api_key_matches(keys, "abc"));
  EXPECT_TRUE(api_key_matches(keys, "longer-key"));
  EXPECT_FALSE(api_key_matches(keys, "ab"));
  EXPECT_FALSE(api_key_matches(keys, "abcd"));
  EXPECT_FALSE(api_key_matches(keys, ""));
  EXPECT_FALSE(api_key_matches(keys, std::string("abc\0", 4)));
  EXPECT_FALSE(api_key_matches({}, "abc"));
}

TEST(ErrorMapping, StatusCodesMapToHttp) {
  EXPECT_EQ(http_status_for(base::invalid_argument("x")), 400);
  EXPECT_EQ(http_status_for(base::out_of_range("x")), 400);
  EXPECT_EQ(http_status_for(base::not_found("x")), 404);
  EXPECT_EQ(http_status_for(base::resource_exhausted("x")), 503);
  EXPECT_EQ(http_status_for(base::internal_error("x")), 500);
}

}  // namespace
}  // namespace osprey::server
