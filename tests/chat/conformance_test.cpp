// Every template of ../shared/templates renders every case of cases.json exactly as Python
// Jinja2 (transformers' apply_chat_template) did, or fails as the expected error file says.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "src/chat/chat_template.h"
#include "tests/support/test_support.h"

namespace osprey::chat {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

constexpr std::time_t kFixedNow = 1768435200;  // 2026-01-15 00:00:00 UTC

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct Outcome {
  int passed = 0;
  int total = 0;
};

void check_template(const std::string& dir, const std::string& name, const json& spec,
                    const json& cases, Outcome* outcome) {
  SCOPED_TRACE("template " + name);
  auto tmpl = ChatTemplate::parse(read_file(dir + "/" + name + ".jinja"));
  ASSERT_TRUE(tmpl.ok()) << tmpl.status().message();
  for (const auto& c : cases) {
    const std::string case_name = c["name"].get<std::string>();
    SCOPED_TRACE("case " + case_name);
    ++outcome->total;
    ChatRenderOptions opts;
    opts.messages = c["messages"];
    opts.tools = c["tools"];
    opts.add_generation_prompt = c["add_generation_prompt"].get<bool>();
    opts.bos_token = spec["special_tokens"]["bos_token"].get<std::string>();
    opts.eos_token = spec["special_tokens"]["eos_token"].get<std::string>();
    if (spec.contains("extra_context")) opts.extra_context = spec["extra_context"];
    opts.now = kFixedNow;
    auto out = render_chat(tmpl.value(), opts);
    const std::string base = dir + "/expected/" + name + "/" + case_name;
    if (fs::exists(base + ".txt")) {
      ASSERT_TRUE(out.ok()) << out.status().message();
      EXPECT_EQ(out.value(), read_file(base + ".txt"));
      if (out.value() == read_file(base + ".txt")) ++outcome->passed;
      continue;
    }
    ASSERT_TRUE(fs::exists(base + ".error.txt")) << "no expected file for " << base;
    ASSERT_TRUE(spec.contains("expected_errors") && spec["expected_errors"].contains(case_name));
    const std::string kind = spec["expected_errors"][case_name]["kind"].get<std::string>();
    ASSERT_FALSE(out.ok()) << "rendered although Python failed:\n" << out.value();
    if (kind == "raise_exception") {
      const std::string want = read_file(base + ".error.txt");
      EXPECT_NE(out.status().message().find(want), std::string::npos)
          << "message '" << out.status().message() << "' lacks '" << want << "'";
      if (out.status().message().find(want) != std::string::npos) ++outcome->passed;
    } else {
      EXPECT_EQ(kind, "runtime");
      ++outcome->passed;
    }
  }
}

TEST(ChatTemplateConformance, EverySharedTemplateAndCase) {
  OSP_REQUIRE_SHARED("templates/cases.json");
  const std::string dir = test::shared_path("templates");
  const json doc = json::parse(read_file(dir + "/cases.json"));
  Outcome outcome;
  for (const auto& [name, spec] : doc["templates"].items())
    check_template(dir, name, spec, doc["cases"], &outcome);
  std::printf("template conformance: %d of %d (template, case) pairs pass\n", outcome.passed,
              outcome.total);
  EXPECT_EQ(outcome.passed, outcome.total);
  EXPECT_GT(outcome.total, 0);
}

}  // namespace
}  // namespace osprey::chat
