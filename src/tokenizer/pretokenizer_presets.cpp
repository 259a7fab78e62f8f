// The pre-tokenizer regex sets behind GGUF `tokenizer.ggml.pre` values. The regexes are the
// published pre-tokenizer patterns of each model family's tokenizer.json (some rewritten without
// case-insensitive groups, as GGUF converters do), in PCRE2 syntax.
#include <fmt/format.h>

#include "src/tokenizer/pretokenizer.h"

namespace osprey::tokenizer {

namespace {

struct PresetRow {
  const char* name;
  std::vector<std::string> aliases;
  std::vector<std::string> regexes;
  std::vector<std::string> equivalent;  // other spellings of the same set (e.g. HF's originals)
  bool ignore_merges;
};

const char* const kGpt2 =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))";
const char* const kGpt2Hf =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

const std::vector<PresetRow>& preset_table() {
  static const std::vector<PresetRow> kTable = {
      {"none", {}, {}, {}, false},  // no splitting: the whole text is one word
      {"default",
       {},
       {R"([\p{P}\$\+<=>\^~\|]+)", kGpt2, R"(\p{N}+)", "[0-9][0-9][0-9]"},
       {},
       false},
      {"gpt-2",
       {"gpt2", "gpt-neox", "mpt", "olmo", "jais", "phi-2", "jina-es", "jina-de", "jina-v1-en", "jina-v2-es",
        "jina-v2-de", "jina-v2-code", "roberta-bpe", "gigachat", "trillion"},
       {kGpt2},
       {kGpt2Hf},
       false},
      {"llama-bpe",
       {"llama3", "llama-v3", "falcon3", "dbrx", "smaug-bpe"},
       {R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"},
       {R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"},
       true},
      {"qwen2",
       {"stablelm2", "deepseek-r1-qwen", "megrez", "hunyuan"},
       {R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"},
       {R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"},
       false},
      {"deepseek-llm",
       {},
       {"[\r\n]",
        R"(\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+)",
        R"(\s?[!-/:-~！-／：-～‘-‟　-。]+)", R"(\s+$)", "[一-龥ࠀ-一가-퟿]+", R"(\p{N}+)"},
       {},
       false},
      {"deepseek-coder",
       {},
       {"[\r\n]", R"(\s?\p{L}+)", R"(\s?\p{P}+)", "[一-龥ࠀ-一가-퟿]+", R"(\p{N})"},
       {},
       false},
      {"falcon",
       {},
       {R"([\p{P}\$\+<=>\^~\|`]+)", kGpt2, "[0-9][0-9][0-9]"},
       {},
       false},
      {"starcoder",
       {"refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b"},
       {R"(\p{N})", kGpt2},
       {},
       false},
      {"bloom", {"poro-chat", "gpt3-finnish"}, {R"( ?[^(\s|.,!?…。，、।۔،)]+)"}, {}, false},
  };
  return kTable;
}

}  // namespace

Result<PreTokenizerPreset> pre_tokenizer_preset(std::string_view name) {
  std::string known;
  for (const PresetRow& row : preset_table()) {
    bool hit = name == row.name;
    for (const std::string& a : row.aliases) hit = hit || name == a;
    if (hit) return PreTokenizerPreset{row.name, row.regexes, row.ignore_merges};
    known += fmt::format("{}{}", known.empty() ? "" : ", ", row.name);
    for (const std::string& a : row.aliases) known += ", " + a;
  }
  return base::unimplemented(
      fmt::format("pre-tokenizer '{}' is not supported (expected one of: {})", name, known));
}

std::string preset_name_for(const std::vector<std::string>& regexes) {
  for (const PresetRow& row : preset_table()) {
    if (regexes == row.regexes) return row.name;
    if (regexes.size() == 1 && row.regexes.size() == 1)
      for (const std::string& e : row.equivalent)
        if (regexes[0] == e) return row.name;
  }
  return "";
}

}  // namespace osprey::tokenizer
