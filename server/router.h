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
  void set_api_keys(std::vector<std::string> keys) { keys_ = std::move(keys); }
  void handle(const HttpRequest& req, const ResponderPtr& r) const;

 private:
  struct Route {
    std::string method, path;
    Handler handler;
    bool open;
  };
  std::vector<Route> routes_;
  std::vector<std::string> keys_;
};

}  // namespace osprey::server
