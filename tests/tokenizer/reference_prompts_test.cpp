// The reference files of ../shared/reference hold llama.cpp's prompt tokens (with BOS) for every
// model in ../shared/models, and llama.cpp's greedy stories260K continuation as ids and text: the
// model's own GGUF vocabulary must encode the prompts and decode the continuation identically.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support/test_support.h"
#include "tests/tokenizer/vector_util.h"

namespace osprey::tokenizer::test {
namespace {

using nlohmann::json;

std::unique_ptr<Tokenizer> load_model_vocab(const std::string& model_file) {
  const std::string path = osprey::test::shared_path("models/" + model_file);
  return path.empty() ? nullptr : load_gguf_vocab(path);
}

TEST(ReferencePrompts, EveryModelEncodesItsPromptsLikeLlamaCpp) {
  OSP_REQUIRE_SHARED("reference/logits");
  int checked = 0;
  for (const auto& e : std::filesystem::directory_iterator(osprey::test::shared_path("reference/logits"))) {
    const json ref = json::parse(read_file(e.path().string()));
    auto tok = load_model_vocab(ref.at("model").get<std::string>());
    if (tok == nullptr) continue;
    for (const json& c : ref.at("cases")) {
      const std::string prompt = c.at("prompt").get<std::string>();
      const auto want = c.at("prompt_tokens").get<std::vector<int32_t>>();
      EXPECT_EQ(tok->encode(prompt, /*add_special=*/true, /*parse_special=*/false), want)
          << e.path().filename() << ": '" << escaped(prompt.substr(0, 60)) << "'";
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

TEST(ReferencePrompts, GreedyContinuationDecodesToItsText) {
  OSP_REQUIRE_SHARED("reference/stories260K-greedy.json");
  const json ref = json::parse(read_file(osprey::test::shared_path("reference/stories260K-greedy.json")));
  auto tok = load_model_vocab(ref.at("model").get<std::string>());
  ASSERT_NE(tok, nullptr);
  const auto prompt_ids = ref.at("prompt_tokens").get<std::vector<int32_t>>();
  const auto ids = ref.at("continuation_tokens").get<std::vector<int32_t>>();
  const std::string text = ref.at("continuation_text").get<std::string>();
  EXPECT_EQ(tok->encode(ref.at("prompt").get<std::string>(), true, false), prompt_ids);
  // The continuation follows the prompt, so its first space is real text: decode after the prompt
  // and take what the continuation adds.
  std::vector<int32_t> all = prompt_ids;
  all.insert(all.end(), ids.begin(), ids.end());
  const std::string prompt_text = tok->decode(prompt_ids);
  const std::string whole = tok->decode(all);
  ASSERT_EQ(whole.substr(0, prompt_text.size()), prompt_text);
  EXPECT_EQ(whole.substr(prompt_text.size()), text);
  StreamingDetokenizer sd(*tok);
  std::string streamed;
  for (int32_t id : all) streamed += sd.push(id);
  streamed += sd.finish();
  EXPECT_EQ(streamed, whole);
}

}  // namespace
}  // namespace osprey::tokenizer::test
