// The API of `osprey serve`: OpenAI and llama.cpp endpoints over one Engine, registered on a
// Router. Holds no model state itself: everything goes through runtime::Engine.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/chat_prompt.h"
#include "server/router.h"
#include "server/schema.h"
#include "src/base/logger.h"
#include "src/runtime/engine.h"

namespace osprey::server {

struct ApiParams {
  std::string alias;                  // -a: the model id clients use ("" → the file name)
  std::vector<std::string> api_keys;  // --api-key / --api-key-file; empty: no auth
  bool metrics = false;               // --metrics: GET /metrics
  bool slots = true;                  // --slots / --no-slots: GET /slots
  std::string static_dir;             // --path: files served for GET of other paths
  std::string chat_template;          // template source; "" → the model's, else chatml
  std::string system_prompt;          // --system-prompt-file: used when a chat has no system message
  RequestDefaults defaults;           // --temp, --seed, -n ...
};

// HTTP responses by status class, for /metrics.
struct HttpCounters {
  std::atomic<uint64_t> total{0}, ok{0}, client_errors{0}, server_errors{0}, rejected_busy{0};
};

class ApiServer {
 public:
  ApiServer(ApiParams params, base::Logger& log);

  // The engine to serve (nullptr while the model loads: /health answers 503, generation too).
  // Prepares the chat template; an unusable template is an error.
  Status set_engine(runtime::Engine* engine);
  void register_routes(Router& router);
  // Every request goes through here (counts responses by status, then routes).
  void dispatch(const Router& router, const HttpRequest& req, ResponderPtr r);

  // Used by the generation handlers.
  runtime::Engine* engine() const { return engine_.load(); }
  const ApiParams& params() const { return params_; }
  const std::string& model_id() const { return model_id_; }
  // 404 Status unless `requested` is empty or names the served model.
  Status check_model(const std::string& requested) const;
  const ChatPrompter& chat() const { return *chat_; }
  base::Logger& log() { return log_; }

 private:
  void health(const HttpRequest&, const ResponderPtr&);
  void models(const HttpRequest&, const ResponderPtr&);
  void props(const HttpRequest&, const ResponderPtr&);
  void slots(const HttpRequest&, const ResponderPtr&);
  void metrics(const HttpRequest&, const ResponderPtr&);
  void tokenize(const HttpRequest&, const ResponderPtr&);
  void detokenize(const HttpRequest&, const ResponderPtr&);
  void static_file(const HttpRequest&, const ResponderPtr&);
  // Answers 503 and returns null while no engine is set.
  runtime::Engine* engine_or_503(const ResponderPtr& r);

  ApiParams params_;
  base::Logger& log_;
  std::atomic<runtime::Engine*> engine_{nullptr};
  std::string model_id_;
  std::unique_ptr<ChatPrompter> chat_;
  HttpCounters counters_;
  int64_t started_at_;
};

}  // namespace osprey::server
