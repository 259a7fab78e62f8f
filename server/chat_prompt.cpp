#include "server/chat_prompt.h"

#include "src/chat/chat_template.h"

namespace osprey::server {

namespace {

class JinjaPrompter : public ChatPrompter {
 public:
  JinjaPrompter(chat::ChatTemplate tmpl, std::string source, const runtime::ModelInfo& info)
      : tmpl_(std::move(tmpl)), source_(std::move(source)), bos_(info.bos_text), eos_(info.eos_text),
        add_bos_(info.add_bos) {}

  Result<std::string> render(const ojson& messages, const ojson& tools, const ojson& kwargs) const override {
    chat::ChatRenderOptions o;
    o.messages = messages;
    o.tools = tools;
    o.add_generation_prompt = true;
    o.bos_token = bos_;
    o.eos_token = eos_;
    if (kwargs.is_object()) o.extra_context = kwargs;
    auto text = chat::render_chat(tmpl_, o);
    if (!text.ok()) return base::invalid_argument("the chat template failed on these messages: " + text.status().message());
    std::string out = std::move(text).value();
    // The tokenizer adds BOS itself: a BOS the template wrote would be a second one.
    if (add_bos_ && !bos_.empty() && out.rfind(bos_, 0) == 0) out.erase(0, bos_.size());
    return out;
  }
  const std::string& source() const override { return source_; }

 private:
  chat::ChatTemplate tmpl_;
  std::string source_;
  std::string bos_, eos_;
  bool add_bos_;
};

}  // namespace

Result<std::unique_ptr<ChatPrompter>> ChatPrompter::create(const std::string& source, const runtime::ModelInfo& info) {
  std::string src = source.empty() ? info.chat_template : source;
  if (src.empty()) {
    OSP_ASSIGN_OR_RETURN(src, chat::builtin_template_source("chatml"));
  }
  auto tmpl = chat::ChatTemplate::parse(src);
  if (!tmpl.ok()) return base::invalid_argument("cannot parse the chat template: " + tmpl.status().message());
  return std::unique_ptr<ChatPrompter>(new JinjaPrompter(std::move(tmpl).value(), src, info));
}

}  // namespace osprey::server
