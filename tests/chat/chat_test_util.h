// Helpers for the chat tests: a fixed template context and table-driven render checks.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "src/chat/chat_template.h"

namespace osprey::chat::test {

using json = nlohmann::ordered_json;

inline constexpr std::time_t kFixedNow = 1768435200;  // 2026-01-15 00:00:00 UTC

// Variables every table case may use.
inline const json& context() {
  static const json kContext = json::parse(R"CTX({
    "xs": [1, 2, 3],
    "d": {"a": 1, "b": [1, "x"], "c": null},
    "s": "Hello World",
    "n": null,
    "msgs": [{"role": "system", "content": "sys"}, {"role": "user", "content": "hi"},
             {"role": "assistant", "content": "yo",
              "tool_calls": [{"function": {"name": "f", "arguments": {"x": 1}}}]}],
    "f": 1.5,
    "u": "h\u00e9llo w\u00f6rld \u4f60\u597d",
    "e": "",
    "t": true,
    "neg": -7,
    "nested": {"a": {"b": {"c": [10, 20]}}},
    "strs": ["b", "A", "a", "C"],
    "objs": [{"n": "x", "v": 2}, {"n": "y", "v": 1}, {"n": "z"}]
  })CTX");
  return kContext;
}

inline Result<std::string> render(const std::string& src, const json& ctx = context(),
                                  const RenderLimits& limits = RenderLimits{}) {
  auto t = ChatTemplate::parse(src);
  if (!t.ok()) return t.status();
  TemplateRenderOptions o;
  o.now = kFixedNow;
  o.limits = limits;
  return t.value().render(ctx, o);
}

// A template and the text Python Jinja2 (HF settings) renders for it with context().
struct Case {
  const char* tmpl;
  const char* want;
};

inline void expect_renders(const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    auto out = render(c.tmpl);
    if (!out.ok()) {
      ADD_FAILURE() << "template: " << c.tmpl << "\nfailed: " << out.status().message();
      continue;
    }
    EXPECT_EQ(out.value(), c.want) << "template: " << c.tmpl;
  }
}

// A template that must fail; the message must contain `want` (may be empty).
struct ErrorCase {
  const char* tmpl;
  const char* want;
};

inline void expect_errors(const std::vector<ErrorCase>& cases) {
  for (const auto& c : cases) {
    auto out = render(c.tmpl);
    if (out.ok()) {
      ADD_FAILURE() << "template: " << c.tmpl << "\nrendered instead of failing: " << out.value();
      continue;
    }
    EXPECT_NE(out.status().message().find(c.want), std::string::npos)
        << "template: " << c.tmpl << "\nmessage: " << out.status().message();
  }
}

}  // namespace osprey::chat::test
