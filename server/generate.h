// The generation endpoints: POST /v1/chat/completions, /v1/completions and llama.cpp's /completion,
// streamed (Server-Sent Events) or whole.
#pragma once

#include "server/api_server.h"

namespace osprey::server {

void handle_chat_completions(ApiServer& api, const HttpRequest& req, const ResponderPtr& r);
void handle_completions(ApiServer& api, const HttpRequest& req, const ResponderPtr& r);
void handle_llama_completion(ApiServer& api, const HttpRequest& req, const ResponderPtr& r);

}  // namespace osprey::server
