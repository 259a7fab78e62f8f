// Routes (method, path) to handlers; answers 404/405, CORS preflight and API-key checks itself.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "server/http_types.h"

namespace osprey::server {

// True when `given` equals one of `keys`. Each comparison takes time independent of where the
// strings first differ (and of the key's contents), so the check leaks no key bytes.
bool api_key_matches(const std::vector<std::string>& keys, std::string_view given);
// The key a request presents: "Authorization: Bearer KEY" or "x-api-key: KEY"; empty if none.
std::string presented_api_key(const HttpRequest& req);

class Router {
 public:
  using Handler = std::function<void(const HttpRequest&, const ResponderPtr&)>;

  // `open` routes need no API key (GET /health).
  void add(std::string method, std::string path, Handler handler, bool open = false);
  // Routes every path under `prefix` ("/v1/models/") not matched exactly.
  void add_prefix(std::string method, std::string prefix, Handler handler, bool open = false);
  // GET requests no route matches go here (static files) instead of 404; auth still applies.
  void set_fallback(Handler handler) { fallback_ = std::move(handler); }
  void set_api_keys(std::vector<std::string> keys) { keys_ = std::move(keys); }
  void handle(const HttpRequest& req, const ResponderPtr& r) const;

 private:
  struct Route {
    std::string method, path;
    Handler handler;
    bool open;
    bool prefix = false;
  };
  const Route* find(const HttpRequest& req, std::string* allowed) const;
  std::vector<Route> routes_;
  Handler fallback_;
  std::vector<std::string> keys_;
};

}  // namespace osprey::server
