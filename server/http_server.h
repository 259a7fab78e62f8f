// HTTP/1.1 transport on Boost.Asio + Beast: an acceptor and one asynchronous session per
// connection (keep-alive, chunked streaming, body limit, timeouts, immediate disconnect notice).
// No thread per connection: a small pool of I/O threads runs every session.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/http_types.h"
#include "src/base/logger.h"
#include "src/base/status.h"

namespace osprey::server {

struct TransportParams {
  std::string host = "127.0.0.1";  // address to bind
  int port = 8080;                 // 0 picks a free port (see HttpServer::port())
  int n_threads = 2;               // I/O threads
  int timeout_s = 600;             // read/write/idle timeout of a connection, seconds
  size_t max_body_bytes = 16u << 20;  // larger request bodies get 413
  size_t max_header_bytes = 64u << 10;
  int shutdown_grace_s = 10;       // after stop(), sessions still open this long are closed
  bool log_requests = true;        // one log line per request
};

// Called on an I/O thread for every complete request; must not block.
using Dispatch = std::function<void(HttpRequest&&, ResponderPtr)>;

class Session;

class HttpServer {
 public:
  HttpServer(TransportParams params, Dispatch dispatch, base::Logger& log);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens; the port in use is port() afterwards.
  Status listen();
  int port() const { return port_; }
  // Starts the I/O threads (returns at once).
  void start();
  // Calls on_signal (on an I/O thread) at the first SIGINT or SIGTERM, then stop().
  void stop_on_signals(std::function<void()> on_signal);
  // Stops accepting, closes idle connections and lets running responses end. Thread-safe.
  void stop();
  // Blocks until every I/O thread has returned (after stop() and the sessions have ended).
  void wait();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace osprey::server
