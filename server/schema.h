// Request schemas: JSON bodies of the OpenAI and llama.cpp endpoints parsed into plain structs,
// with every type and range checked. Errors are invalid_argument Statuses naming the field, what
// was expected and what came. Depends only on nlohmann::json, base and the SamplingParams struct,
// so the fuzzer can build it alone (fuzz/json_request_fuzz.cpp).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "src/base/status.h"
#include "src/runtime/sampler.h"

namespace osprey::server {

using ojson = nlohmann::ordered_json;

// One piece of a prompt: text (tokenized by the server) or token ids (used exactly as given).
struct PromptPart {
  bool is_text = true;
  std::string text;
  std::vector<int32_t> ids;
};
using Prompt = std::vector<PromptPart>;

// Server-wide defaults a request may override (--temp, --seed, -n, ...).
struct RequestDefaults {
  runtime::SamplingParams sampling;
  int n_predict = -1;  // -1: until the context is full
};

// Fields common to the generation endpoints.
struct GenerationParams {
  std::string model;                 // "" when absent
  runtime::SamplingParams sampling;
  int max_tokens = -1;
  std::vector<std::string> stop;
  int n = 1;
  bool stream = false;
  bool include_usage = false;        // stream_options.include_usage
  bool logprobs = false;
  int top_logprobs = 0;
  bool cache_prompt = true;
  std::string user;
};

// POST /v1/completions
struct CompletionRequest {
  GenerationParams gen;
  std::vector<Prompt> prompts;       // one or more
};

// POST /v1/chat/completions
struct ChatRequest {
  GenerationParams gen;
  ojson messages;                    // [{role, content (string)}...], content parts flattened
  ojson tools;                       // null when absent
  ojson chat_template_kwargs;        // extra template variables (object or null)
};

// POST /completion (llama.cpp)
struct LlamaCompletionRequest {
  GenerationParams gen;              // gen.max_tokens holds n_predict
  std::vector<Prompt> prompts;
  int n_probs = 0;
  bool return_tokens = false;
};

struct TokenizeRequest {
  std::string content;
  bool add_special = false;
  bool parse_special = true;
  bool with_pieces = false;
};

struct DetokenizeRequest {
  std::vector<int32_t> tokens;
};

Result<CompletionRequest> parse_completion_request(std::string_view body, const RequestDefaults& d);
Result<ChatRequest> parse_chat_request(std::string_view body, const RequestDefaults& d);
Result<LlamaCompletionRequest> parse_llama_completion_request(std::string_view body, const RequestDefaults& d);
Result<TokenizeRequest> parse_tokenize_request(std::string_view body);
Result<DetokenizeRequest> parse_detokenize_request(std::string_view body);

// The JSON type name used in error messages ("string", "integer", "array", ...).
const char* json_type_name(const ojson& v);

}  // namespace osprey::server
