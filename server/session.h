// One HTTP connection: reads requests, hands them to the dispatch function, writes responses,
// and watches the socket while a response is pending so a vanished client is noticed at once.
// Internal to the transport (http_server.cpp); handlers only see Responder.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "server/http_server.h"

namespace osprey::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

struct SessionContext {
  const TransportParams* params;
  const Dispatch* dispatch;
  base::Logger* log;
  const std::atomic<bool>* stopping;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, SessionContext ctx);
  ~Session();

  void start();
  // The server is stopping: closes the connection if idle, else after the current response.
  void shutdown();
  // Closes the connection now, whatever it is doing.
  void force_close();

  // Entry points of SessionResponder; each hops onto the session's strand. `seq` names the
  // request the call belongs to; calls for an older request are ignored.
  void respond(uint64_t seq, int status, std::string content_type, std::string body, Headers extra);
  void begin_stream(uint64_t seq, int status, std::string content_type, Headers extra);
  void send_chunk(uint64_t seq, std::string data);
  void end_stream(uint64_t seq);
  void set_on_disconnect(uint64_t seq, std::function<void()> fn);
  bool gone() const { return gone_.load(); }
  // True once the connection is closed (or only draining after an error answer).
  bool finished() const { return finished_.load(); }
  void note_tokens(int prompt, int generated) {
    prompt_tokens_ = prompt;
    generated_tokens_ = generated;
  }

 private:
  void do_read();
  void on_header(beast::error_code ec);
  void read_body();
  void on_body(beast::error_code ec);
  void on_read_error(beast::error_code ec);
  void on_request();
  void start_monitor();
  void on_monitor(beast::error_code ec, size_t n);
  void queue_write(std::string data, bool last);
  void do_write();
  void on_write(beast::error_code ec);
  void response_done();
  void error_and_close(int status, const std::string& message);
  void lingering_close();
  void client_gone();
  void close();
  void arm_timer(int seconds);
  void disarm_timer();
  std::string head(int status, const std::string& content_type, const Headers& extra, bool stream);
  void log_line();

  tcp::socket socket_;
  net::steady_timer timer_;
  SessionContext ctx_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::array<char, 1024> probe_{};
  std::string continue_msg_;

  // Strand-only state.
  uint64_t seq_ = 0;            // the request being answered
  bool handling_ = false;       // a request is dispatched and its response has not ended
  bool started_ = false;        // its response has begun
  bool last_queued_ = false;    // its final bytes are queued
  bool chunked_ = false;
  bool keep_alive_ = true;
  bool http10_ = false;
  bool writing_ = false;
  bool monitoring_ = false;
  bool closed_ = false;
  bool draining_ = false;
  bool linger_ = false;         // drain unread input before closing (after an error answer)
  std::deque<std::string> out_;
  std::string wbuf_;
  std::string method_, path_, remote_;
  int status_ = 0;
  int64_t t_start_us_ = 0;

  // Shared with any thread.
  std::atomic<bool> gone_{false};
  std::atomic<bool> finished_{false};
  std::atomic<int> prompt_tokens_{0}, generated_tokens_{0};
  std::mutex cb_mu_;
  std::function<void()> on_gone_;
  std::shared_ptr<std::function<void()>> drain_;  // the lingering-close read loop
};

}  // namespace osprey::server
