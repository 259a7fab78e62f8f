#include "server/http_server.h"

#include <chrono>
#include <csignal>

#include "server/session.h"

namespace osprey::server {

struct HttpServer::Impl {
  Impl(TransportParams p, Dispatch d, base::Logger& l)
      : params(std::move(p)), dispatch(std::move(d)), log(l), ioc(params.n_threads > 0 ? params.n_threads : 1),
        acceptor(net::make_strand(ioc)), signals(ioc), grace(acceptor.get_executor()) {}

  void do_accept();
  void on_stop();
  void poll_sessions(std::chrono::steady_clock::time_point deadline);

  TransportParams params;
  Dispatch dispatch;
  base::Logger& log;
  net::io_context ioc;
  tcp::acceptor acceptor;  // on its own strand: accepts, stop and the grace timer never overlap
  net::signal_set signals;
  net::steady_timer grace;
  std::atomic<bool> stopping{false};
  std::vector<std::thread> threads;
  std::mutex mu;  // guards sessions
  std::vector<std::weak_ptr<Session>> sessions;
  bool stop_posted = false;
};

void HttpServer::Impl::do_accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (!acceptor.is_open() || stopping.load()) return;
    if (ec) {
      // Out of descriptors and the like: wait a little instead of spinning.
      log.warn("accept failed: {}", ec.message());
      auto t = std::make_shared<net::steady_timer>(acceptor.get_executor(), std::chrono::milliseconds(100));
      t->async_wait([this, t](beast::error_code) { do_accept(); });
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto s = std::make_shared<Session>(std::move(socket), SessionContext{&params, &dispatch, &log, &stopping});
    {
      std::lock_guard<std::mutex> lock(mu);
      std::erase_if(sessions, [](const auto& w) { return w.expired(); });
      sessions.push_back(s);
    }
    s->start();
    do_accept();
  });
}

void HttpServer::Impl::on_stop() {
  stopping = true;
  beast::error_code ec;
  acceptor.close(ec);
  signals.cancel(ec);
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (auto& w : sessions)
      if (auto s = w.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) s->shutdown();
  poll_sessions(std::chrono::steady_clock::now() + std::chrono::seconds(params.shutdown_grace_s));
}

// Waits for the sessions to end; closes the ones still open at the deadline.
void HttpServer::Impl::poll_sessions(std::chrono::steady_clock::time_point deadline) {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard<std::mutex> lock(mu);
    std::erase_if(sessions, [](const auto& w) { return w.expired(); });
    for (auto& w : sessions)
      if (auto s = w.lock(); s && !s->finished()) live.push_back(std::move(s));
  }
  if (live.empty()) return;
  if (std::chrono::steady_clock::now() >= deadline) {
    for (auto& s : live) s->force_close();
    return;
  }
  live.clear();
  grace.expires_after(std::chrono::milliseconds(50));
  grace.async_wait([this, deadline](beast::error_code ec) {
    if (!ec) poll_sessions(deadline);
  });
}

HttpServer::HttpServer(TransportParams params, Dispatch dispatch, base::Logger& log)
    : impl_(std::make_unique<Impl>(std::move(params), std::move(dispatch), log)) {}

HttpServer::~HttpServer() {
  stop();
  wait();
}

Status HttpServer::listen() {
  auto& im = *impl_;
  beast::error_code ec;
  tcp::resolver resolver(im.ioc);
  auto results = resolver.resolve(im.params.host, std::to_string(im.params.port), ec);
  if (ec || results.empty())
    return base::invalid_argument("cannot resolve host '" + im.params.host + "': " + ec.message());
  tcp::endpoint ep = results.begin()->endpoint();
  std::string where = im.params.host + ":" + std::to_string(im.params.port);
  im.acceptor.open(ep.protocol(), ec);
  if (!ec) im.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) im.acceptor.bind(ep, ec);
  if (!ec) im.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return base::io_error("cannot listen on " + where + ": " + ec.message());
  port_ = im.acceptor.local_endpoint().port();
  im.do_accept();
  return base::ok_status();
}

void HttpServer::start() {
  auto& im = *impl_;
  int n = im.params.n_threads > 0 ? im.params.n_threads : 1;
  for (int i = 0; i < n; ++i) im.threads.emplace_back([&im] { im.ioc.run(); });
}

void HttpServer::stop_on_signals(std::function<void()> on_signal) {
  auto& im = *impl_;
  im.signals.add(SIGINT);
  im.signals.add(SIGTERM);
  im.signals.async_wait([this, on_signal = std::move(on_signal)](beast::error_code ec, int sig) {
    if (ec) return;
    impl_->log.info("signal {} received: shutting down", sig);
    if (on_signal) on_signal();
    stop();
  });
}

void HttpServer::stop() {
  auto& im = *impl_;
  {
    std::lock_guard<std::mutex> lock(im.mu);
    if (im.stop_posted) return;
    im.stop_posted = true;
  }
  im.stopping = true;
  net::post(im.acceptor.get_executor(), [&im] { im.on_stop(); });
}

void HttpServer::wait() {
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
  impl_->threads.clear();
}

}  // namespace osprey::server
