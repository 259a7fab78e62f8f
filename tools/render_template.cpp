// `osprey render-template (-m MODEL | --chat-template-file F --bos-token S --eos-token S)
//  [--chat-template NAME] --messages FILE.json [--tools FILE.json] [--add-generation-prompt]`:
// prints the prompt a chat template renders, byte for byte, with nothing added.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "src/chat/chat_template.h"
#include "src/gguf/gguf_reader.h"
#include "tools/flags.h"

namespace osprey::tools {

namespace {

using json = nlohmann::ordered_json;

struct RenderTemplateOptions {
  std::string model;
  std::string template_file;
  std::string template_name;
  std::string bos_token, eos_token;
  std::string messages_file, tools_file, extra_file;
  bool add_generation_prompt = false;
  uint64_t now = 0;
};

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return base::not_found(fmt::format("cannot open '{}'", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Reads FILE.json, or the part of it a JSON Pointer selects: "FILE.json#/cases/3".
Result<json> read_json(const std::string& spec) {
  std::string path = spec, pointer;
  const size_t hash = spec.rfind("#/");
  if (hash != std::string::npos) {
    path = spec.substr(0, hash);
    pointer = spec.substr(hash + 1);
  }
  OSP_ASSIGN_OR_RETURN(std::string text, read_file(path));
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return base::invalid_argument(fmt::format("'{}' is not valid JSON", path));
  if (pointer.empty()) return j;
  try {
    const json::json_pointer ptr(pointer);
    if (!j.contains(ptr)) return base::not_found(fmt::format("'{}' has nothing at '{}'", path, pointer));
    return json(j.at(ptr));
  } catch (const json::exception& e) {
    return base::invalid_argument(fmt::format("bad JSON pointer '{}': {}", pointer, e.what()));
  }
}

// Token text of the id stored under `key`, or "" when the model does not name one.
std::string special_token(const gguf::GgufFile& f, const std::vector<std::string>& tokens,
                          const char* key) {
  auto id = f.get_int(key);
  if (!id.ok() || id.value() < 0 || static_cast<uint64_t>(id.value()) >= tokens.size()) return "";
  return tokens[static_cast<size_t>(id.value())];
}

// The template source and special tokens: file > model's named template > built-in name >
// model's default template > ChatML.
Status resolve_template(const RenderTemplateOptions& o, bool bos_set, bool eos_set,
                        chat::ChatRenderOptions* ro, std::string* source) {
  std::optional<gguf::GgufFile> model;
  if (!o.model.empty()) {
    auto f = gguf::GgufFile::open(o.model);
    if (!f.ok()) return base::invalid_argument(fmt::format("cannot load '{}': {}", o.model, f.status().message()));
    model = std::move(f).value();
    auto tokens = model->get_string_array("tokenizer.ggml.tokens");
    if (tokens.ok()) {
      if (!bos_set) ro->bos_token = special_token(*model, tokens.value(), "tokenizer.ggml.bos_token_id");
      if (!eos_set) ro->eos_token = special_token(*model, tokens.value(), "tokenizer.ggml.eos_token_id");
    }
  }
  if (!o.template_file.empty()) {
    OSP_ASSIGN_OR_RETURN(*source, read_file(o.template_file));
    return base::ok_status();
  }
  if (!o.template_name.empty()) {
    if (model) {
      auto named = model->get_string("tokenizer.chat_template." + o.template_name);
      if (named.ok()) {
        *source = named.value();
        return base::ok_status();
      }
    }
    OSP_ASSIGN_OR_RETURN(*source, chat::builtin_template_source(o.template_name));
    return base::ok_status();
  }
  if (model) {
    auto t = model->get_string("tokenizer.chat_template");
    if (t.ok()) {
      *source = t.value();
      return base::ok_status();
    }
  }
  OSP_ASSIGN_OR_RETURN(*source, chat::builtin_template_source("chatml"));
  return base::ok_status();
}

Result<std::string> render(const RenderTemplateOptions& o, bool bos_set, bool eos_set) {
  if (o.messages_file.empty()) return base::invalid_argument("--messages FILE.json is required");
  if (o.model.empty() && o.template_file.empty() && o.template_name.empty())
    return base::invalid_argument("give -m MODEL, --chat-template-file F or --chat-template NAME");
  chat::ChatRenderOptions ro;
  ro.bos_token = o.bos_token;
  ro.eos_token = o.eos_token;
  ro.add_generation_prompt = o.add_generation_prompt;
  if (o.now) ro.now = static_cast<std::time_t>(o.now);
  std::string source;
  OSP_RETURN_IF_ERROR(resolve_template(o, bos_set, eos_set, &ro, &source));
  OSP_ASSIGN_OR_RETURN(json messages, read_json(o.messages_file));
  if (messages.is_object() && messages.contains("messages")) {
    if (messages.contains("tools")) ro.tools = messages["tools"];
    messages = json(messages["messages"]);
  }
  ro.messages = std::move(messages);
  if (!o.tools_file.empty()) {
    OSP_ASSIGN_OR_RETURN(ro.tools, read_json(o.tools_file));
  }
  if (!o.extra_file.empty()) {
    OSP_ASSIGN_OR_RETURN(ro.extra_context, read_json(o.extra_file));
  }
  OSP_ASSIGN_OR_RETURN(chat::ChatTemplate tmpl, chat::ChatTemplate::parse(source));
  return chat::render_chat(tmpl, ro);
}

}  // namespace

int render_template_main(int argc, char** argv) {
  RenderTemplateOptions o;
  Flags flags(
      "usage: osprey render-template (-m MODEL | --chat-template-file F --bos-token S --eos-token S)\n"
      "       [--chat-template NAME] --messages FILE.json [--tools FILE.json] [--add-generation-prompt]",
      "Prints the prompt a chat template renders for OpenAI-style messages, exactly, with nothing\n"
      "added. The template comes from --chat-template-file, else --chat-template (a named template\n"
      "of the model, else a built-in), else the model's tokenizer.chat_template, else ChatML.\n"
      "FILE.json holds a message array (or an object with \"messages\" and optionally \"tools\");\n"
      "FILE.json#/json/pointer selects a part of the file.\n"
      "Built-in templates: " +
          fmt::format("{}", fmt::join(chat::builtin_template_names(), ", ")) + ".");
  flags.add_string("-m,--model", &o.model, "GGUF file: its chat template and BOS/EOS token texts", "OSPREY_MODEL");
  flags.add_string("--chat-template-file", &o.template_file, "Jinja template file");
  flags.add_string("--chat-template", &o.template_name, "template name (model's named template or built-in)");
  flags.add_string("--bos-token", &o.bos_token, "bos_token text (default: the model's)");
  flags.add_string("--eos-token", &o.eos_token, "eos_token text (default: the model's)");
  flags.add_string("--messages", &o.messages_file, "JSON file with the messages");
  flags.add_string("--tools", &o.tools_file, "JSON file with the tools array");
  flags.add_string("--extra-context", &o.extra_file, "JSON object of more template variables");
  flags.add_bool("--add-generation-prompt", &o.add_generation_prompt, "end with the assistant prefix");
  flags.add_u64("--now", &o.now, "Unix time strftime_now() formats (UTC); default: now");
  Status s = flags.parse(argc, argv);
  if (flags.help_requested()) {
    std::fputs(flags.help().c_str(), stdout);
    return 0;
  }
  if (s.ok() && !flags.positional().empty())
    s = base::invalid_argument(fmt::format("unexpected argument '{}'", flags.positional()[0]));
  Result<std::string> out =
      s.ok() ? render(o, flags.was_set("--bos-token"), flags.was_set("--eos-token")) : Result<std::string>(s);
  if (!out.ok()) {
    fmt::print(stderr, "osprey render-template: {}\n", out.status().message());
    return 1;
  }
  std::fwrite(out->data(), 1, out->size(), stdout);
  return 0;
}

}  // namespace osprey::tools
