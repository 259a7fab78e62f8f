// Chat messages → prompt text through the model's Jinja chat template (src/chat).
#pragma once

#include <memory>
#include <string>

#include "server/schema.h"
#include "src/base/status.h"
#include "src/runtime/backend.h"

namespace osprey::server {

class ChatPrompter {
 public:
  virtual ~ChatPrompter() = default;
  // `source` "" → the model's template (info.chat_template), else the built-in chatml.
  static Result<std::unique_ptr<ChatPrompter>> create(const std::string& source, const runtime::ModelInfo& info);
  // The prompt for `messages` (already validated) with the assistant turn opened. A leading BOS
  // text is dropped when the tokenizer adds BOS itself.
  virtual Result<std::string> render(const ojson& messages, const ojson& tools, const ojson& kwargs) const = 0;
  virtual const std::string& source() const = 0;
};

}  // namespace osprey::server
