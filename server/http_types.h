// The transport-neutral request and answer channel the HTTP layer hands to route handlers.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace osprey::server {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;   // "GET", "POST", ...
  std::string target;   // "/v1/models?x=1"
  std::string path;     // "/v1/models" (target without the query)
  Headers headers;      // names in lower case
  std::string body;
  std::string remote;   // "127.0.0.1:5555"

  // The first header with this lower-case name, or nullptr.
  const std::string* header(std::string_view lower_name) const {
    for (const auto& [k, v] : headers)
      if (k == lower_name) return &v;
    return nullptr;
  }
};

// The answer channel of one request. Every member is thread-safe: handlers and engine callbacks
// may call it from any thread; the transport serializes the writes. Calls after the response has
// ended, or after the client went away, are ignored.
class Responder {
 public:
  virtual ~Responder() = default;
  // A complete response (Content-Length framing).
  virtual void respond(int status, std::string content_type, std::string body, Headers extra = {}) = 0;
  // Starts a streamed response (chunked framing); follow with send_chunk()* then end_stream().
  virtual void begin_stream(int status, std::string content_type, Headers extra = {}) = 0;
  virtual void send_chunk(std::string data) = 0;
  virtual void end_stream() = 0;
  // Runs fn once, on a transport thread, when the client goes away (closes, resets or stalls
  // past the timeout) before the response has ended; at once if it is already gone.
  virtual void on_disconnect(std::function<void()> fn) = 0;
  virtual bool client_gone() const = 0;
  // Token counts shown in the request log line.
  virtual void note_tokens(int prompt_tokens, int generated_tokens) = 0;
};

using ResponderPtr = std::shared_ptr<Responder>;

}  // namespace osprey::server
