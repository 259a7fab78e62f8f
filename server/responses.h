// Response bodies and stream chunks in the exact OpenAI and llama.cpp shapes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/schema.h"
#include "src/runtime/backend.h"
#include "src/runtime/request.h"

namespace osprey::server {

struct ResponseIds {
  std::string id;       // "chatcmpl-…" / "cmpl-…"
  int64_t created = 0;  // unix seconds
  std::string model;
};

// One Server-Sent Event: "data: <json>\n\n" (invalid UTF-8 is replaced, never an exception).
std::string sse(const ojson& j);
std::string dump(const ojson& j);
ojson usage_json(int prompt_tokens, int completion_tokens, int cached_tokens);

// Chat: the logprobs object of one token list ({"content": [...], "refusal": null}).
ojson chat_logprobs(const runtime::Backend& b, const std::vector<runtime::TokenOutput>& tokens);
ojson chat_chunk(const ResponseIds& ids, int index, ojson delta, ojson logprobs, const char* finish_reason);
ojson chat_response(const ResponseIds& ids, const std::vector<ojson>& choices, const ojson& usage);
ojson chat_choice(int index, const std::string& text, ojson logprobs, const char* finish_reason);

// Completions: legacy logprobs ({tokens, token_logprobs, top_logprobs, text_offset}).
ojson completion_logprobs(const runtime::Backend& b, const std::vector<runtime::TokenOutput>& tokens, size_t offset0);
ojson completion_chunk(const ResponseIds& ids, int index, const std::string& text, ojson logprobs,
                       const char* finish_reason);
ojson completion_response(const ResponseIds& ids, const std::vector<ojson>& choices, const ojson& usage);

// llama.cpp /completion: completion_probabilities entries.
ojson llama_probs(const runtime::Backend& b, const std::vector<runtime::TokenOutput>& tokens);
// "stop_type": "eos", "word", "limit" or "none".
const char* llama_stop_type(runtime::FinishReason r);
ojson llama_timings(const runtime::RequestStats& s, int choice);

// A fresh id with a prefix ("chatcmpl-" + 24 random alphanumerics).
std::string make_id(const char* prefix);

}  // namespace osprey::server
