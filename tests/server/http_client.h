// A small blocking HTTP client for server tests: whole requests, raw bytes, and header-only reads
// (to walk away from a stream). Every socket read gives up after a few seconds.
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <map>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>

namespace osprey::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

struct HttpResult {
  int status = 0;  // 0: the connection failed or closed without an answer
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class TestClient {
 public:
  explicit TestClient(int port, int recv_timeout_s = 10) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    timeval tv{recv_timeout_s, 0};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }

  HttpResult request(const std::string& method, const std::string& target, const std::string& body = "",
                     const std::map<std::string, std::string>& headers = {}) {
    send(method, target, body, headers);
    return read_response();
  }

  void send(const std::string& method, const std::string& target, const std::string& body = "",
            const std::map<std::string, std::string>& headers = {}) {
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty() || method == "POST") {
      if (!headers.count("Content-Type")) req.set(http::field::content_type, "application/json");
      req.body() = body;
      req.prepare_payload();
    }
    http::write(socket_, req);
  }

  void send_raw(const std::string& bytes) { net::write(socket_, net::buffer(bytes)); }

  HttpResult read_response() {
    HttpResult out;
    beast::error_code ec;
    http::response_parser<http::string_body> p;
    p.body_limit(64u << 20);
    http::read(socket_, buffer_, p, ec);
    if (ec) return out;
    fill(out, p.get());
    return out;
  }

  // Reads the status line and headers only (for walking away from a stream).
  HttpResult read_header() {
    HttpResult out;
    beast::error_code ec;
    header_parser_.emplace();
    header_parser_->body_limit(64u << 20);
    http::read_header(socket_, buffer_, *header_parser_, ec);
    if (ec) return out;
    fill(out, header_parser_->get());
    return out;
  }

  // Reads the rest of a response begun by read_header().
  std::string read_rest() {
    beast::error_code ec;
    http::read(socket_, buffer_, *header_parser_, ec);
    return header_parser_->get().body();
  }

  // True when the server has closed the connection (EOF or reset) within the receive timeout.
  bool closed_by_peer() {
    char c;
    beast::error_code ec;
    for (;;) {
      size_t n = socket_.read_some(net::buffer(&c, 1), ec);
      if (ec) return ec == net::error::eof || ec == net::error::connection_reset;
      if (n == 0) return true;
    }
  }

  void close() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

 private:
  template <typename Msg>
  static void fill(HttpResult& out, Msg& m) {
    out.status = static_cast<int>(m.result_int());
    for (const auto& f : m) {
      std::string k(f.name_string());
      for (char& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[k] = std::string(f.value());
    }
    out.body = m.body();
  }

  net::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> header_parser_;
};

}  // namespace osprey::test
