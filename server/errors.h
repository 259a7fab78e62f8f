// OpenAI-style error bodies: {"error":{"message","type","code"}} and the Status → HTTP mapping.
#pragma once

#include <string>
#include <string_view>

#include "server/http_types.h"
#include "src/base/status.h"

namespace osprey::server {

// The OpenAI error type for an HTTP status: invalid_request_error, authentication_error, ...
const char* error_type_for(int http_status);
// {"error":{"message":..., "type":..., "code":<status>[, "param":...]}}
std::string error_body(int http_status, std::string_view message, std::string_view param = {});
// 400 for invalid_argument/out_of_range, 404 not_found, 503 resource_exhausted, 501 unimplemented,
// 499 cancelled, 500 otherwise.
int http_status_for(const Status& status);

void respond_error(Responder& r, int http_status, std::string_view message, Headers extra = {});
// Maps the Status; 503 answers carry Retry-After.
void respond_status(Responder& r, const Status& status);

}  // namespace osprey::server
