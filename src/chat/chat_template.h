// Chat templates: a Jinja2-subset interpreter that renders OpenAI-style messages into a prompt
// exactly as Hugging Face transformers' apply_chat_template does (Jinja2 3.1 sandbox with
// trim_blocks + lstrip_blocks + loopcontrols, HF's tojson, raise_exception, strftime_now).
//
// Known differences from Python: integers are 64-bit (overflow is an error, not a big int);
// \uD8xx\uDCxx escapes in literals join into one character (Python keeps lone surrogates);
// iterators print as lists (|reverse, |items); upper/lower use simple case mapping (plus ß);
// {% include %}, {% extends %}, {% import %} and {% block %} are not supported.
#pragma once

#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/base/status.h"
#include "src/chat/render_limits.h"

namespace osprey::chat {

struct Program;

struct TemplateRenderOptions {
  // The instant strftime_now() formats, as UTC wall-clock time; absent: the current local time.
  std::optional<std::time_t> now;
  RenderLimits limits;
};

// A parsed template; cheap to copy (the syntax tree is shared and immutable) and safe to render
// from several threads at once.
class ChatTemplate {
 public:
  // Parses a template; syntax errors name the line and column.
  static Result<ChatTemplate> parse(const std::string& source);

  // Renders with `context` (a JSON object) as the template variables. A template that calls
  // raise_exception(msg) fails with msg as the Status message.
  Result<std::string> render(const nlohmann::ordered_json& context) const;
  Result<std::string> render(const nlohmann::ordered_json& context,
                             const TemplateRenderOptions& opts) const;

  const std::string& source() const { return *source_; }

 private:
  ChatTemplate(std::shared_ptr<const Program> program, std::shared_ptr<const std::string> source)
      : program_(std::move(program)), source_(std::move(source)) {}

  std::shared_ptr<const Program> program_;
  std::shared_ptr<const std::string> source_;
};

struct ChatRenderOptions {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();  // OpenAI-style
  nlohmann::ordered_json tools = nullptr;                              // array, or null
  bool add_generation_prompt = true;
  std::string bos_token, eos_token;
  // More template variables (date_string, enable_thinking, documents, ...); they override the
  // standard ones of the same name.
  nlohmann::ordered_json extra_context = nlohmann::ordered_json::object();
  std::optional<std::time_t> now;  // for strftime_now; default: current time
  RenderLimits limits;
};

// Normalises messages (a null "content" becomes "") and renders with messages, tools,
// documents (null), add_generation_prompt, bos_token, eos_token and extra_context.
Result<std::string> render_chat(const ChatTemplate& tmpl, const ChatRenderOptions& opts);

// Built-in templates by name (see builtin_template_names(); "chatml" is the default).
Result<std::string> builtin_template_source(std::string_view name);
std::vector<std::string> builtin_template_names();

}  // namespace osprey::chat
