#include "server/errors.h"

#include <nlohmann/json.hpp>

namespace osprey::server {

const char* error_type_for(int s) {
  switch (s) {
    case 400: return "invalid_request_error";
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 405: return "invalid_request_error";
    case 408: return "timeout_error";
    case 413: return "invalid_request_error";
    case 431: return "invalid_request_error";
    case 501: return "not_supported_error";
    case 503: return "unavailable_error";
    default: return s >= 500 ? "server_error" : "invalid_request_error";
  }
}

std::string error_body(int s, std::string_view message, std::string_view param) {
  nlohmann::ordered_json e;
  e["message"] = std::string(message);
  e["type"] = error_type_for(s);
  e["code"] = s;
  if (!param.empty()) e["param"] = std::string(param);
  nlohmann::ordered_json j;
  j["error"] = std::move(e);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

int http_status_for(const Status& st) {
  switch (st.code()) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kResourceExhausted: return 503;
    case StatusCode::kUnimplemented: return 501;
    case StatusCode::kCancelled: return 499;
    default: return 500;
  }
}

void respond_error(Responder& r, int s, std::string_view message, Headers extra) {
  if (s == 503) extra.emplace_back("Retry-After", "1");
  r.respond(s, "application/json", error_body(s, message), std::move(extra));
}

void respond_status(Responder& r, const Status& st) { respond_error(r, http_status_for(st), st.message()); }

}  // namespace osprey::server
