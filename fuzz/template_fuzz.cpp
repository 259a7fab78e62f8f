// fuzz-links: osprey_chat
// Template parser and evaluator fuzz entry: the input bytes are a template source, rendered with a
// small fixed context under tight limits. Any input must parse or fail with a Status, and render
// or fail with a Status, in bounded time and memory.
#include <cstddef>
#include <cstdint>
#include <string>

#include "src/chat/chat_template.h"

namespace {

const nlohmann::ordered_json& fuzz_context() {
  static const nlohmann::ordered_json kContext = nlohmann::ordered_json::parse(R"({
    "messages": [
      {"role": "system", "content": "You are helpful."},
      {"role": "user", "content": "Hi <think>x</think> é 你好 🙂"},
      {"role": "assistant", "content": "", "tool_calls": [
        {"id": "call12345", "type": "function",
         "function": {"name": "f", "arguments": {"a": 1, "b": [true, null, 2.5]}}}]},
      {"role": "tool", "tool_call_id": "call12345", "content": "{\"ok\": 1}"}
    ],
    "tools": [{"type": "function", "function": {"name": "f", "description": "d",
               "parameters": {"type": "object", "properties": {"a": {"type": "integer"}},
                              "required": ["a"]}}}],
    "documents": null,
    "add_generation_prompt": true,
    "bos_token": "<s>",
    "eos_token": "</s>"
  })");
  return kContext;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string source(reinterpret_cast<const char*>(data), size);
  auto tmpl = osprey::chat::ChatTemplate::parse(source);
  if (!tmpl.ok()) return 0;
  osprey::chat::TemplateRenderOptions opts;
  opts.now = 1768435200;
  opts.limits.max_output_bytes = 1u << 20;
  opts.limits.max_total_bytes = 32u << 20;
  opts.limits.max_steps = 300'000;
  opts.limits.max_depth = 400;
  opts.limits.max_range = 10'000;
  auto out = tmpl.value().render(fuzz_context(), opts);
  if (out.ok() && out.value().size() > opts.limits.max_output_bytes) __builtin_trap();
  return 0;
}
