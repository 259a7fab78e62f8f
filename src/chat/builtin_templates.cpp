// Built-in chat templates for models whose GGUF has no tokenizer.chat_template, written for this
// interpreter from the published prompt formats. Message content may be a string or a list of
// {"type": "text", "text": ...} parts.
#include <utility>

#include "src/chat/chat_template.h"

namespace osprey::chat {

namespace {

// Shared prelude: text(m) gives a message's content as one string.
constexpr std::string_view kTextMacro = R"JINJA({%- macro text(m) -%}
{%- if m['content'] is string -%}{{- m['content'] -}}
{%- elif m['content'] is sequence -%}{{- m['content'] | map(attribute='text') | join('') -}}
{%- endif -%}
{%- endmacro -%}
)JINJA";

constexpr std::string_view kChatml = R"JINJA({%- for message in messages -%}
{{- '<|im_start|>' + message['role'] + '\n' + text(message) + '<|im_end|>\n' -}}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\n' -}}{%- endif -%}
)JINJA";

constexpr std::string_view kLlama2 = R"JINJA({%- set ns = namespace(system='') -%}
{%- for message in messages -%}
{%- if message['role'] == 'system' -%}
{%- set ns.system = '<<SYS>>\n' + text(message) + '\n<</SYS>>\n\n' -%}
{%- elif message['role'] == 'assistant' -%}
{{- ' ' + text(message) | trim + ' ' + eos_token -}}
{%- else -%}
{{- bos_token + '[INST] ' + (ns.system + text(message)) | trim + ' [/INST]' -}}
{%- set ns.system = '' -%}
{%- endif -%}
{%- endfor -%}
)JINJA";

constexpr std::string_view kLlama3 = R"JINJA({{- bos_token -}}
{%- for message in messages -%}
{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + text(message) | trim + '<|eot_id|>' -}}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- '<|start_header_id|>assistant<|end_header_id|>\n\n' -}}{%- endif -%}
)JINJA";

// Mistral v1 ("[INST] x [/INST]"), v3 ("[INST]x[/INST]") and v7 ([SYSTEM_PROMPT]).
constexpr std::string_view kMistralBody = R"JINJA({%- set ns = namespace(system='') -%}
{{- bos_token -}}
{%- for message in messages -%}
{%- if message['role'] == 'system' -%}
{%- if v7 -%}{{- '[SYSTEM_PROMPT]' + text(message) + '[/SYSTEM_PROMPT]' -}}
{%- else -%}{%- set ns.system = text(message) + '\n\n' -%}{%- endif -%}
{%- elif message['role'] == 'assistant' -%}
{{- sp + text(message) + eos_token -}}
{%- else -%}
{{- '[INST]' + sp + ns.system + text(message) + sp + '[/INST]' -}}
{%- set ns.system = '' -%}
{%- endif -%}
{%- endfor -%}
)JINJA";

constexpr std::string_view kPhi3 = R"JINJA({%- for message in messages -%}
{{- '<|' + message['role'] + '|>\n' + text(message) + '<|end|>\n' -}}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- '<|assistant|>\n' -}}{%- endif -%}
)JINJA";

constexpr std::string_view kGemma = R"JINJA({{- bos_token -}}
{%- set ns = namespace(system='') -%}
{%- for message in messages -%}
{%- if message['role'] == 'system' -%}
{%- set ns.system = text(message) + '\n\n' -%}
{%- else -%}
{%- set role = 'model' if message['role'] == 'assistant' else message['role'] -%}
{{- '<start_of_turn>' + role + '\n' + ns.system + text(message) | trim + '<end_of_turn>\n' -}}
{%- set ns.system = '' -%}
{%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- '<start_of_turn>model\n' -}}{%- endif -%}
)JINJA";

constexpr std::string_view kDeepseek3 = R"JINJA({{- bos_token -}}
{%- for message in messages if message['role'] == 'system' -%}{{- text(message) -}}{%- endfor -%}
{%- for message in messages -%}
{%- if message['role'] == 'user' -%}{{- '<｜User｜>' + text(message) -}}
{%- elif message['role'] == 'assistant' -%}
{%- set content = text(message) -%}
{%- if '</think>' in content -%}{%- set content = content.split('</think>')[-1] -%}{%- endif -%}
{{- '<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>' -}}
{%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- '<｜Assistant｜>' -}}{%- endif -%}
)JINJA";

constexpr std::string_view kZephyr = R"JINJA({%- for message in messages -%}
{{- '<|' + message['role'] + '|>\n' + text(message) + eos_token + '\n' -}}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- '<|assistant|>\n' -}}{%- endif -%}
)JINJA";

struct Builtin {
  std::string_view name;
  std::string_view preset;  // variables set before the body
  std::string_view body;
};

const std::vector<Builtin>& builtins() {
  static const std::vector<Builtin> kList = {
      {"chatml", "", kChatml},
      {"deepseek3", "", kDeepseek3},
      {"gemma", "", kGemma},
      {"llama2", "", kLlama2},
      {"llama3", "", kLlama3},
      {"mistral", "{%- set sp = ' ' -%}{%- set v7 = false -%}", kMistralBody},
      {"mistral-v3", "{%- set sp = '' -%}{%- set v7 = false -%}", kMistralBody},
      {"mistral-v7", "{%- set sp = '' -%}{%- set v7 = true -%}", kMistralBody},
      {"phi3", "", kPhi3},
      {"zephyr", "", kZephyr},
  };
  return kList;
}

}  // namespace

Result<std::string> builtin_template_source(std::string_view name) {
  for (const auto& b : builtins())
    if (b.name == name)
      return std::string(kTextMacro) + std::string(b.preset) + std::string(b.body);
  std::string names;
  for (const auto& n : builtin_template_names()) names += (names.empty() ? "" : ", ") + n;
  return base::not_found("no built-in chat template named '" + std::string(name) +
                         "' (available: " + names + ")");
}

std::vector<std::string> builtin_template_names() {
  std::vector<std::string> out;
  for (const auto& b : builtins()) out.emplace_back(b.name);
  return out;
}

}  // namespace osprey::chat
