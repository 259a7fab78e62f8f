#include "server/session.h"

#include <boost/beast/http/status.hpp>
#include <cctype>

#include "server/errors.h"
#include "src/base/timer.h"

namespace osprey::server {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

constexpr int kDrainSeconds = 2;
constexpr size_t kMaxPipelinedBytes = 1u << 20;

}  // namespace

Session::Session(tcp::socket&& socket, SessionContext ctx)
    : socket_(std::move(socket)), timer_(socket_.get_executor()), ctx_(ctx) {
  beast::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
}

Session::~Session() = default;

void Session::start() {
  net::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->do_read(); });
}

void Session::shutdown() {
  net::dispatch(socket_.get_executor(), [self = shared_from_this()] {
    if (self->handling_) {
      self->keep_alive_ = false;
    } else if (!self->draining_) {
      self->close();
    }
  });
}

void Session::force_close() {
  net::dispatch(socket_.get_executor(), [self = shared_from_this()] {
    if (self->handling_) self->client_gone();
    self->close();
  });
}

// ---- reading -------------------------------------------------------------------------------

void Session::do_read() {
  if (closed_) return;
  if (ctx_.stopping->load()) return close();
  parser_.emplace();
  parser_->body_limit(ctx_.params->max_body_bytes);
  parser_->header_limit(static_cast<uint32_t>(ctx_.params->max_header_bytes));
  arm_timer(ctx_.params->timeout_s);
  http::async_read_header(socket_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
}

void Session::on_header(beast::error_code ec) {
  if (ec) return on_read_error(ec);
  if (parser_->is_done()) return on_request();
  auto expect = parser_->get()[http::field::expect];
  if (iequals(expect, "100-continue")) {
    continue_msg_ = "HTTP/1.1 100 Continue\r\n\r\n";
    net::async_write(socket_, net::buffer(continue_msg_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->close();
      self->read_body();
    });
    return;
  }
  read_body();
}

void Session::read_body() {
  http::async_read(socket_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, size_t) { self->on_body(ec); });
}

void Session::on_body(beast::error_code ec) {
  if (ec) return on_read_error(ec);
  on_request();
}

void Session::on_read_error(beast::error_code ec) {
  disarm_timer();
  if (closed_) return;
  if (ec == http::error::body_limit) {
    return error_and_close(413, "request body exceeds the limit of " +
                                    std::to_string(ctx_.params->max_body_bytes) + " bytes");
  }
  if (ec == http::error::header_limit) {
    return error_and_close(431, "request headers exceed the limit of " +
                                    std::to_string(ctx_.params->max_header_bytes) + " bytes");
  }
  if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::operation_aborted ||
      ec == net::error::connection_reset || ec == http::error::partial_message || ec == net::error::bad_descriptor) {
    return close();
  }
  if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
    return error_and_close(400, "malformed HTTP request: " + ec.message());
  }
  close();
}

void Session::on_request() {
  disarm_timer();
  auto& req = parser_->get();
  HttpRequest hr;
  hr.method = std::string(req.method_string());
  hr.target = std::string(req.target());
  auto q = hr.target.find('?');
  hr.path = q == std::string::npos ? hr.target : hr.target.substr(0, q);
  for (const auto& f : req) hr.headers.emplace_back(lower(f.name_string()), std::string(f.value()));
  hr.body = std::move(req.body());
  hr.remote = remote_;

  ++seq_;
  handling_ = true;
  started_ = false;
  last_queued_ = false;
  status_ = 0;
  http10_ = req.version() == 10;
  keep_alive_ = req.keep_alive() && !ctx_.stopping->load();
  method_ = hr.method;
  path_ = hr.path;
  t_start_us_ = base::now_us();
  prompt_tokens_ = 0;
  generated_tokens_ = 0;
  parser_.reset();

  class SessionResponder : public Responder {
   public:
    SessionResponder(std::shared_ptr<Session> s, uint64_t seq) : s_(std::move(s)), seq_(seq) {}
    void respond(int status, std::string ct, std::string body, Headers extra) override {
      s_->respond(seq_, status, std::move(ct), std::move(body), std::move(extra));
    }
    void begin_stream(int status, std::string ct, Headers extra) override {
      s_->begin_stream(seq_, status, std::move(ct), std::move(extra));
    }
    void send_chunk(std::string data) override { s_->send_chunk(seq_, std::move(data)); }
    void end_stream() override { s_->end_stream(seq_); }
    void on_disconnect(std::function<void()> fn) override { s_->set_on_disconnect(seq_, std::move(fn)); }
    bool client_gone() const override { return s_->gone(); }
    void note_tokens(int p, int g) override { s_->note_tokens(p, g); }

   private:
    std::shared_ptr<Session> s_;
    uint64_t seq_;
  };

  uint64_t seq = seq_;
  auto responder = std::make_shared<SessionResponder>(shared_from_this(), seq);
  try {
    (*ctx_.dispatch)(std::move(hr), responder);
  } catch (const std::exception& e) {
    respond(seq, 500, "application/json", error_body(500, std::string("internal error: ") + e.what()), {});
  }
  // Watch the socket while the answer is pending, so a client that goes away is noticed at once.
  if (handling_ && seq_ == seq && !last_queued_) start_monitor();
}

void Session::start_monitor() {
  if (monitoring_ || closed_) return;
  monitoring_ = true;
  socket_.async_read_some(net::buffer(probe_), [self = shared_from_this()](beast::error_code ec, size_t n) {
    self->on_monitor(ec, n);
  });
}

void Session::on_monitor(beast::error_code ec, size_t n) {
  monitoring_ = false;
  if (closed_) return;
  if (!ec) {
    // A pipelined request: keep its bytes for the next parse. Past the limit the connection
    // ends after the current response (and is no longer watched).
    if (buffer_.size() + n > kMaxPipelinedBytes) {
      keep_alive_ = false;
      if (!handling_) close();
      return;
    }
    auto mb = buffer_.prepare(n);
    net::buffer_copy(mb, net::buffer(probe_.data(), n));
    buffer_.commit(n);
    if (handling_) return start_monitor();
    return do_read();
  }
  if (ec == net::error::operation_aborted && !handling_) return do_read();  // cancelled after the response
  if (handling_) return client_gone();
  close();
}

// ---- writing -------------------------------------------------------------------------------

std::string Session::head(int status, const std::string& content_type, const Headers& extra, bool stream) {
  std::string h = http10_ ? "HTTP/1.0 " : "HTTP/1.1 ";
  h += std::to_string(status);
  h += ' ';
  h += std::string(http::obsolete_reason(static_cast<http::status>(status)));
  h += "\r\nServer: osprey\r\nAccess-Control-Allow-Origin: *\r\n";
  if (!content_type.empty()) h += "Content-Type: " + content_type + "\r\n";
  for (const auto& [k, v] : extra) h += k + ": " + v + "\r\n";
  if (stream) {
    h += "Cache-Control: no-cache\r\n";
    if (!http10_) h += "Transfer-Encoding: chunked\r\n";
  }
  if (ctx_.stopping->load()) keep_alive_ = false;
  h += keep_alive_ ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  return h;
}

void Session::respond(uint64_t seq, int status, std::string ct, std::string body, Headers extra) {
  net::dispatch(socket_.get_executor(), [self = shared_from_this(), seq, status, ct = std::move(ct),
                                         body = std::move(body), extra = std::move(extra)]() mutable {
    if (seq != self->seq_ || !self->handling_ || self->started_ || self->closed_) return;
    self->started_ = true;
    self->status_ = status;
    std::string msg = self->head(status, ct, extra, false);
    msg += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    msg += body;
    self->queue_write(std::move(msg), true);
  });
}

void Session::begin_stream(uint64_t seq, int status, std::string ct, Headers extra) {
  net::dispatch(socket_.get_executor(), [self = shared_from_this(), seq, status, ct = std::move(ct),
                                         extra = std::move(extra)]() mutable {
    if (seq != self->seq_ || !self->handling_ || self->started_ || self->closed_) return;
    self->started_ = true;
    self->status_ = status;
    self->chunked_ = !self->http10_;
    if (self->http10_) self->keep_alive_ = false;  // the end of the stream is the end of the connection
    self->queue_write(self->head(status, ct, extra, true) + "\r\n", false);
  });
}

void Session::send_chunk(uint64_t seq, std::string data) {
  if (data.empty()) return;
  net::dispatch(socket_.get_executor(), [self = shared_from_this(), seq, data = std::move(data)]() mutable {
    if (seq != self->seq_ || !self->handling_ || !self->started_ || self->last_queued_ || self->closed_) return;
    if (self->chunked_) {
      char size[32];
      std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
      data = size + data + "\r\n";
    }
    self->queue_write(std::move(data), false);
  });
}

void Session::end_stream(uint64_t seq) {
  net::dispatch(socket_.get_executor(), [self = shared_from_this(), seq] {
    if (seq != self->seq_ || !self->handling_ || !self->started_ || self->last_queued_ || self->closed_) return;
    self->queue_write(self->chunked_ ? "0\r\n\r\n" : "", true);
  });
}

void Session::set_on_disconnect(uint64_t seq, std::function<void()> fn) {
  bool call_now = false;
  {
    std::lock_guard<std::mutex> lock(cb_mu_);
    if (gone_.load()) {
      call_now = true;
    } else {
      on_gone_ = std::move(fn);
    }
  }
  if (call_now && fn) fn();
}

void Session::queue_write(std::string data, bool last) {
  if (!data.empty()) out_.push_back(std::move(data));
  if (last) last_queued_ = true;
  if (out_.empty() && last && !writing_) return response_done();
  do_write();
}

void Session::do_write() {
  if (writing_ || out_.empty() || closed_) return;
  wbuf_.clear();
  for (auto& s : out_) wbuf_ += s;
  out_.clear();
  writing_ = true;
  arm_timer(ctx_.params->timeout_s);
  net::async_write(socket_, net::buffer(wbuf_),
                   [self = shared_from_this()](beast::error_code ec, size_t) { self->on_write(ec); });
}

void Session::on_write(beast::error_code ec) {
  writing_ = false;
  if (closed_) return;
  if (ec) return client_gone();
  if (!out_.empty()) return do_write();
  disarm_timer();
  if (last_queued_ && handling_) response_done();
}

void Session::response_done() {
  log_line();
  handling_ = false;
  {
    std::lock_guard<std::mutex> lock(cb_mu_);
    on_gone_ = nullptr;
  }
  if (!keep_alive_ || ctx_.stopping->load()) {
    if (linger_) return lingering_close();
    return close();
  }
  if (monitoring_) {
    beast::error_code ignored;
    socket_.cancel(ignored);  // on_monitor sees operation_aborted and reads the next request
    return;
  }
  do_read();
}

void Session::error_and_close(int status, const std::string& message) {
  ++seq_;
  handling_ = true;
  started_ = false;
  last_queued_ = false;
  keep_alive_ = false;
  linger_ = true;
  http10_ = false;
  t_start_us_ = base::now_us();
  method_ = parser_ ? std::string(parser_->get().method_string()) : "-";
  path_ = parser_ ? std::string(parser_->get().target()) : "-";
  respond(seq_, status, "application/json", error_body(status, message), {});
}

// Half-closes, then reads and drops what the client still sends for a short while, so that it
// receives our answer instead of a reset.
void Session::lingering_close() {
  if (closed_) return;
  draining_ = true;
  finished_ = true;
  beast::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return close();
  arm_timer(kDrainSeconds);
  auto drain = std::make_shared<std::function<void()>>();
  std::weak_ptr<std::function<void()>> weak = drain;
  *drain = [self = shared_from_this(), weak] {
    self->socket_.async_read_some(net::buffer(self->probe_), [self, weak](beast::error_code ec, size_t) {
      if (ec) return self->close();
      if (auto again = weak.lock()) (*again)();
    });
  };
  drain_ = drain;
  (*drain)();
}

void Session::client_gone() {
  if (gone_.exchange(true)) return close();
  std::function<void()> fn;
  {
    std::lock_guard<std::mutex> lock(cb_mu_);
    fn = std::move(on_gone_);
    on_gone_ = nullptr;
  }
  if (handling_) {
    if (status_ == 0) status_ = 499;
    log_line();
    handling_ = false;
  }
  if (fn) fn();
  close();
}

void Session::close() {
  if (closed_) return;
  closed_ = true;
  finished_ = true;
  drain_.reset();
  beast::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  timer_.cancel();
  if (handling_) client_gone();
}

// ---- timeouts and logging ------------------------------------------------------------------

void Session::arm_timer(int seconds) {
  timer_.expires_after(std::chrono::seconds(seconds));
  timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->closed_) return;
    if (self->timer_.expiry() > std::chrono::steady_clock::now()) return;  // re-armed meanwhile
    if (self->handling_) return self->client_gone();
    self->close();
  });
}

void Session::disarm_timer() { timer_.cancel(); }

void Session::log_line() {
  if (!ctx_.params->log_requests) return;
  double ms = static_cast<double>(base::now_us() - t_start_us_) / 1000.0;
  ctx_.log->info("{} {} {} prompt={} gen={} {:.1f}ms {}{}", method_, path_, status_, prompt_tokens_.load(),
                 generated_tokens_.load(), ms, remote_, gone_.load() ? " (client gone)" : "");
}

}  // namespace osprey::server
