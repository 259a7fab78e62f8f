#include "src/chat/chat_template.h"

#include "src/chat/evaluator.h"
#include "src/chat/parser.h"

namespace osprey::chat {

Result<ChatTemplate> ChatTemplate::parse(const std::string& source) {
  OSP_ASSIGN_OR_RETURN(std::shared_ptr<const Program> prog, parse_template(source));
  return ChatTemplate(std::move(prog), std::make_shared<const std::string>(source));
}

Result<std::string> ChatTemplate::render(const nlohmann::ordered_json& context) const {
  return render(context, TemplateRenderOptions{});
}

Result<std::string> ChatTemplate::render(const nlohmann::ordered_json& context,
                                         const TemplateRenderOptions& opts) const {
  if (!context.is_object())
    return base::invalid_argument(std::string("template context must be a JSON object, got ") +
                                  context.type_name());
  Dict vars;
  for (const auto& [k, v] : context.items()) {
    OSP_ASSIGN_OR_RETURN(Value value, value_from_json(v));
    vars.set(Value::string(k), std::move(value));
  }
  std::string out;
  {
    Evaluator ev(opts.limits, opts.now);
    OSP_RETURN_IF_ERROR(ev.render(*program_, vars, out));
  }
  return out;
}

Result<std::string> render_chat(const ChatTemplate& tmpl, const ChatRenderOptions& opts) {
  if (!opts.messages.is_array())
    return base::invalid_argument(std::string("messages must be a JSON array, got ") +
                                  opts.messages.type_name());
  if (!opts.tools.is_null() && !opts.tools.is_array())
    return base::invalid_argument(std::string("tools must be a JSON array or null, got ") +
                                  opts.tools.type_name());
  if (!opts.extra_context.is_object() && !opts.extra_context.is_null())
    return base::invalid_argument(std::string("extra_context must be a JSON object, got ") +
                                  opts.extra_context.type_name());
  nlohmann::ordered_json messages = opts.messages;
  for (auto& m : messages) {
    if (m.is_object()) {
      auto it = m.find("content");
      if (it != m.end() && it->is_null()) *it = "";
    }
  }
  nlohmann::ordered_json ctx = nlohmann::ordered_json::object();
  ctx["messages"] = std::move(messages);
  ctx["tools"] = opts.tools;
  ctx["documents"] = nullptr;
  ctx["add_generation_prompt"] = opts.add_generation_prompt;
  ctx["bos_token"] = opts.bos_token;
  ctx["eos_token"] = opts.eos_token;
  if (opts.extra_context.is_object())
    for (const auto& [k, v] : opts.extra_context.items()) ctx[k] = v;
  TemplateRenderOptions ro;
  ro.now = opts.now;
  ro.limits = opts.limits;
  return tmpl.render(ctx, ro);
}

}  // namespace osprey::chat
