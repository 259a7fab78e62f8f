// fuzz-links: osprey_base nlohmann_json::nlohmann_json
// fuzz-sources: server/schema.cpp
// libFuzzer entry for the HTTP request schemas: the input is a request body handed to every parser
// (chat, completions, llama.cpp /completion, tokenize, detokenize). Each must return a request or
// an invalid_argument Status (never throw, crash or hang), and what it accepts must hold the
// ranges the engine relies on.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/schema.h"

namespace {

using namespace osprey;

void require(bool ok) {
  if (!ok) std::abort();
}

void check_status(const Status& s) { require(s.code() == StatusCode::kInvalidArgument && !s.message().empty()); }

void check_gen(const server::GenerationParams& g) {
  require(g.n >= 1 && g.n <= 128);
  require(g.max_tokens >= -1);
  require(g.top_logprobs >= 0 && g.top_logprobs <= 100);
  require(g.sampling.top_p >= 0 && g.sampling.top_p <= 1);
  require(g.sampling.min_p >= 0 && g.sampling.min_p <= 1);
  require(g.sampling.temperature >= 0);
  require(g.sampling.repeat_penalty > 0);
  require(g.stop.size() <= 16);
  for (const auto& [id, bias] : g.sampling.logit_bias) require(id >= 0);
}

void check_prompts(const std::vector<server::Prompt>& ps) {
  require(!ps.empty() && ps.size() <= 64);
  for (const auto& p : ps)
    for (const auto& part : p)
      for (int32_t id : part.ids) require(id >= 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  server::RequestDefaults d;
  if (auto r = server::parse_chat_request(body, d); r.ok()) {
    check_gen(r->gen);
    require(r->messages.is_array() && !r->messages.empty());
    for (const auto& m : r->messages) require(m.contains("role") && m["role"].is_string());
  } else {
    check_status(r.status());
  }
  if (auto r = server::parse_completion_request(body, d); r.ok()) {
    check_gen(r->gen);
    check_prompts(r->prompts);
  } else {
    check_status(r.status());
  }
  if (auto r = server::parse_llama_completion_request(body, d); r.ok()) {
    check_gen(r->gen);
    check_prompts(r->prompts);
    require(r->n_probs >= 0 && r->n_probs <= 100);
  } else {
    check_status(r.status());
  }
  if (auto r = server::parse_tokenize_request(body); !r.ok()) check_status(r.status());
  if (auto r = server::parse_detokenize_request(body); r.ok()) {
    for (int32_t id : r->tokens) require(id >= 0);
  } else {
    check_status(r.status());
  }
  return 0;
}
