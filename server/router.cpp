#include "server/router.h"

#include <cctype>
#include <exception>

#include "server/errors.h"

namespace osprey::server {

namespace {

// Compares in time that depends only on the lengths, never on the contents.
bool constant_time_equals(std::string_view a, std::string_view b) {
  size_t n = a.size() > b.size() ? a.size() : b.size();
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned>(x ^ y);
  }
  return diff == 0;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool api_key_matches(const std::vector<std::string>& keys, std::string_view given) {
  bool ok = false;
  for (const auto& k : keys) ok |= constant_time_equals(k, given);  // no early exit
  return ok && !given.empty();
}

std::string presented_api_key(const HttpRequest& req) {
  if (const std::string* auth = req.header("authorization")) {
    std::string_view v = trim(*auth);
    constexpr std::string_view kBearer = "bearer ";
    if (v.size() > kBearer.size()) {
      bool is_bearer = true;
      for (size_t i = 0; i < kBearer.size(); ++i)
        if (static_cast<char>(std::tolower(static_cast<unsigned char>(v[i]))) != kBearer[i]) is_bearer = false;
      if (is_bearer) return std::string(trim(v.substr(kBearer.size())));
    }
  }
  if (const std::string* key = req.header("x-api-key")) return std::string(trim(*key));
  return {};
}

void Router::add(std::string method, std::string path, Handler handler, bool open) {
  routes_.push_back(Route{std::move(method), std::move(path), std::move(handler), open});
}

void Router::add_prefix(std::string method, std::string prefix, Handler handler, bool open) {
  routes_.push_back(Route{std::move(method), std::move(prefix), std::move(handler), open, true});
}

const Router::Route* Router::find(const HttpRequest& req, std::string* allowed) const {
  for (int pass = 0; pass < 2; ++pass) {  // exact paths first, then prefixes
    for (const auto& route : routes_) {
      if (route.prefix != (pass == 1)) continue;
      bool match = route.prefix ? req.path.size() > route.path.size() && req.path.rfind(route.path, 0) == 0
                                : route.path == req.path;
      if (!match) continue;
      if (route.method == req.method) return &route;
      *allowed += allowed->empty() ? route.method : ", " + route.method;
    }
    if (!allowed->empty()) return nullptr;
  }
  return nullptr;
}

void Router::handle(const HttpRequest& req, const ResponderPtr& r) const {
  if (req.method == "OPTIONS") {  // CORS preflight
    r->respond(204, "", "",
               {{"Access-Control-Allow-Methods", "GET, POST, OPTIONS"},
                {"Access-Control-Allow-Headers", "Authorization, Content-Type, X-Api-Key"},
                {"Access-Control-Max-Age", "86400"}});
    return;
  }
  std::string allowed;
  const Route* found = find(req, &allowed);
  Route fallback;
  if (!found && allowed.empty() && fallback_ && req.method == "GET") {
    fallback = Route{req.method, req.path, fallback_, false};
    found = &fallback;
  }
  if (!found) {
    if (!allowed.empty()) {
      respond_error(*r, 405, "method " + req.method + " is not allowed on " + req.path + " (allowed: " + allowed + ")",
                    {{"Allow", allowed}});
    } else {
      respond_error(*r, 404, "no route for " + req.method + " " + req.path);
    }
    return;
  }
  if (!found->open && !keys_.empty()) {
    std::string key = presented_api_key(req);
    if (!api_key_matches(keys_, key)) {
      respond_error(*r, 401,
                    key.empty() ? "missing API key: send 'Authorization: Bearer KEY' or 'x-api-key: KEY'"
                                : "invalid API key",
                    {{"WWW-Authenticate", "Bearer"}});
      return;
    }
  }
  try {
    found->handler(req, r);
  } catch (const std::exception& e) {
    respond_error(*r, 500, std::string("internal error: ") + e.what());
  }
}

}  // namespace osprey::server
