// render_chat (message normalisation, standard variables, options) and the built-in templates,
// whose expected prompts follow each model family's published format.
#include <algorithm>
#include <atomic>
#include <thread>

#include "tests/chat/chat_test_util.h"

namespace osprey::chat::test {
namespace {

Result<std::string> chat(const std::string& src, const ChatRenderOptions& opts) {
  auto t = ChatTemplate::parse(src);
  if (!t.ok()) return t.status();
  return render_chat(t.value(), opts);
}

TEST(ChatRender, NullContentBecomesEmptyString) {
  ChatRenderOptions o;
  o.messages = json::parse(R"([{"role": "assistant", "content": null}, {"role": "user"}])");
  auto out = chat("{{ messages[0].content is string }}|{{ messages[0].content }}|{{ messages[1].content is defined }}", o);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out.value(), "True||False");
}

TEST(ChatRender, StandardVariables) {
  ChatRenderOptions o;
  o.messages = json::parse(R"([{"role": "user", "content": "hi"}])");
  o.bos_token = "<s>";
  o.eos_token = "</s>";
  o.add_generation_prompt = false;
  auto out = chat("{{ tools is none }} {{ tools is defined }} {{ documents is none }} {{ add_generation_prompt }} "
                  "{{ bos_token }}{{ eos_token }} {{ messages|length }}",
                  o);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out.value(), "True True True False <s></s> 1");
  o.tools = json::parse(R"([{"type": "function", "function": {"name": "f"}}])");
  o.extra_context = json::parse(R"({"date_string": "15 Jan 2026", "bos_token": "B"})");
  out = chat("{{ tools[0].function.name }} {{ date_string }} {{ bos_token }}", o);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out.value(), "f 15 Jan 2026 B");
}

TEST(ChatRender, FixedNowAndErrors) {
  ChatRenderOptions o;
  o.now = kFixedNow;
  auto out = chat("{{ strftime_now('%d %b %Y') }}", o);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out.value(), "15 Jan 2026");
  o.messages = json::object();
  EXPECT_FALSE(chat("x", o).ok());
  o.messages = json::array();
  o.tools = "not a list";
  EXPECT_FALSE(chat("x", o).ok());
}

TEST(ChatRender, RenderLimitsApply) {
  ChatRenderOptions o;
  o.limits.max_output_bytes = 4;
  auto out = chat("hello", o);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted);
}

TEST(ChatRender, TemplateIsCopyableAndReusable) {
  auto t = ChatTemplate::parse("{{ messages|length }}");
  ASSERT_TRUE(t.ok());
  const ChatTemplate copy = t.value();
  ChatRenderOptions o;
  o.messages = json::parse(R"([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}])");
  EXPECT_EQ(render_chat(copy, o).value(), "2");
  EXPECT_EQ(render_chat(t.value(), o).value(), "2");
  EXPECT_EQ(copy.source(), "{{ messages|length }}");
}

TEST(ChatRender, ConcurrentRendersOfOneTemplateAgree) {
  auto src = builtin_template_source("llama3");
  ASSERT_TRUE(src.ok());
  auto t = ChatTemplate::parse(src.value() + "{% set ns = namespace(n=0) %}{% for m in messages %}"
                                             "{% set ns.n = ns.n + m.content|length %}{% endfor %}{{ ns.n }}");
  ASSERT_TRUE(t.ok()) << t.status().message();
  ChatRenderOptions o;
  o.messages = json::parse(R"([{"role": "user", "content": "hello"}, {"role": "assistant", "content": "hi"}])");
  const std::string want = render_chat(t.value(), o).value();
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto out = render_chat(t.value(), o);
        if (!out.ok() || out.value() != want) ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
  ASSERT_GT(want.size(), 3u);
  EXPECT_EQ(want.substr(want.size() - 3), "\n\n7") << want;
}

struct BuiltinCase {
  const char* name;
  const char* bos;
  const char* eos;
  const char* want;
};

TEST(ChatBuiltins, RenderTheirFamilyFormat) {
  const std::vector<BuiltinCase> cases = {
      {"chatml", "", "<|im_end|>",
       "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU1<|im_end|>\n<|im_start|>assistant\nA1<|im_end|>\n"
       "<|im_start|>user\nU2<|im_end|>\n<|im_start|>assistant\n"},
      {"llama2", "<s>", "</s>", "<s>[INST] <<SYS>>\nS\n<</SYS>>\n\nU1 [/INST] A1 </s><s>[INST] U2 [/INST]"},
      {"llama3", "<|begin_of_text|>", "<|eot_id|>",
       "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|>"
       "<|start_header_id|>user<|end_header_id|>\n\nU1<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nA1<|eot_id|>"
       "<|start_header_id|>user<|end_header_id|>\n\nU2<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"},
      {"mistral", "<s>", "</s>", "<s>[INST] S\n\nU1 [/INST] A1</s>[INST] U2 [/INST]"},
      {"mistral-v3", "<s>", "</s>", "<s>[INST]S\n\nU1[/INST]A1</s>[INST]U2[/INST]"},
      {"mistral-v7", "<s>", "</s>", "<s>[SYSTEM_PROMPT]S[/SYSTEM_PROMPT][INST]U1[/INST]A1</s>[INST]U2[/INST]"},
      {"phi3", "<s>", "<|endoftext|>",
       "<|system|>\nS<|end|>\n<|user|>\nU1<|end|>\n<|assistant|>\nA1<|end|>\n<|user|>\nU2<|end|>\n<|assistant|>\n"},
      {"gemma", "<bos>", "<eos>",
       "<bos><start_of_turn>user\nS\n\nU1<end_of_turn>\n<start_of_turn>model\nA1<end_of_turn>\n"
       "<start_of_turn>user\nU2<end_of_turn>\n<start_of_turn>model\n"},
      {"deepseek3", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>",
       "<｜begin▁of▁sentence｜>S<｜User｜>U1<｜Assistant｜>A1<｜end▁of▁sentence｜><｜User｜>U2<｜Assistant｜>"},
      {"zephyr", "<s>", "</s>",
       "<|system|>\nS</s>\n<|user|>\nU1</s>\n<|assistant|>\nA1</s>\n<|user|>\nU2</s>\n<|assistant|>\n"},
  };
  const json messages = json::parse(R"([{"role": "system", "content": "S"}, {"role": "user", "content": "U1"},
      {"role": "assistant", "content": "A1"}, {"role": "user", "content": [{"type": "text", "text": "U2"}]}])");
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto src = builtin_template_source(c.name);
    ASSERT_TRUE(src.ok()) << src.status().message();
    ChatRenderOptions o;
    o.messages = messages;
    o.bos_token = c.bos;
    o.eos_token = c.eos;
    auto out = chat(src.value(), o);
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(out.value(), c.want);
  }
  const auto names = builtin_template_names();
  EXPECT_EQ(names.size(), cases.size());
  for (const auto& c : cases) EXPECT_NE(std::find(names.begin(), names.end(), c.name), names.end()) << c.name;
}

TEST(ChatBuiltins, UnknownNameIsNotFound) {
  auto src = builtin_template_source("no-such-template");
  ASSERT_FALSE(src.ok());
  EXPECT_EQ(src.status().code(), StatusCode::kNotFound);
  EXPECT_NE(src.status().message().find("chatml"), std::string::npos);
}

}  // namespace
}  // namespace osprey::chat::test
