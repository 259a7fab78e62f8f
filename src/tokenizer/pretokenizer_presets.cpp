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

// CJK ideographs, U+0800..U+4E00 and Hangul, as the DeepSeek pre-tokenizers group them.
const char* const kCjk = R"([\x{4E00}-\x{9FA5}\x{0800}-\x{4E00}\x{AC00}-\x{D7FF}]+)";

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
        R"(\s?[A-Za-z\x{B5}\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{1BA}\x{1BC}-\x{1BF}\x{1C4}-\x{293}\x{295}-\x{2AF})"
        R"(\x{370}-\x{373}\x{376}\x{377}\x{37B}-\x{37D}\x{37F}\x{386}\x{388}-\x{38A}\x{38C}\x{38E}-\x{3A1})"
        R"(\x{3A3}-\x{3F5}\x{3F7}-\x{481}\x{48A}-\x{52F}\x{531}-\x{556}\x{10A0}-\x{10C5}\x{13A0}-\x{13F5})"
        R"(\x{13F8}-\x{13FD}\x{1C90}-\x{1CBA}\x{1CBD}-\x{1CBF}\x{1D00}-\x{1D2B}\x{1D6B}-\x{1D77}\x{1D79}-\x{1D9A})"
        R"(\x{1E00}-\x{1F15}\x{1F18}-\x{1F1D}\x{1F20}-\x{1F45}\x{1F48}-\x{1F4D}\x{1F50}-\x{1F57}\x{1F59}\x{1F5B})"
        R"(\x{1F5D}\x{1F5F}-\x{1F7D}\x{1F80}-\x{1FB4}\x{1FB6}-\x{1FBC}\x{1FBE}\x{1FC2}-\x{1FC4}\x{1FC6}-\x{1FCC})"
        R"(\x{1FD0}-\x{1FD3}\x{1FD6}-\x{1FDB}\x{1FE0}-\x{1FEC}\x{1FF2}-\x{1FF4}\x{1FF6}-\x{1FFC}\x{2102}\x{2107})"
        R"(\x{210A}-\x{2113}\x{2115}\x{2119}-\x{211D}\x{2124}\x{2126}\x{2128}\x{212A}-\x{212D}\x{212F}-\x{2134})"
        R"(\x{2139}\x{213C}-\x{213F}\x{2145}-\x{2149}\x{214E}\x{2183}\x{2184}\x{2C00}-\x{2C7B}\x{2C7E}-\x{2CE4})"
        R"(\x{2CEB}-\x{2CEE}\x{2CF2}\x{2CF3}\x{A640}-\x{A66D}\x{A680}-\x{A69B}\x{A722}-\x{A76F}\x{A771}-\x{A787})"
        R"(\x{A78B}-\x{A78E}\x{AB70}-\x{ABBF}\x{FB00}-\x{FB06}\x{FB13}-\x{FB17}\x{FF21}-\x{FF3A}\x{FF41}-\x{FF5A})"
        R"(\x{10400}-\x{1044F}\x{104B0}-\x{104D3}\x{104D8}-\x{104FB}\x{10C80}-\x{10CB2}\x{10CC0}-\x{10CF2})"
        R"(\x{118A0}-\x{118DF}\x{1E900}-\x{1E943}]+)",
        R"(\s?[!-/:-~\x{FF01}-\x{FF0F}\x{FF1A}-\x{FF5E}\x{2018}-\x{201F}\x{3000}-\x{3002}]+)",
        // "\s+$" written so that only the start of a whitespace run is tried (same matches, linear).
        R"((?<!\s)\s+$)", kCjk, R"(\p{N}+)"},
       {},
       false},
      {"deepseek-coder",
       {},
       {"[\r\n]", R"(\s?\p{L}+)", R"(\s?\p{P}+)", kCjk, R"(\p{N})"},
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
      {"bloom",
       {"poro-chat", "gpt3-finnish"},
       {R"( ?[^(\s|.,!?\x{2026}\x{3002}\x{FF0C}\x{3001}\x{0964}\x{06D4}\x{060C})]+)"},
       {},
       false},
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

std::vector<std::string> pre_tokenizer_preset_names() {
  std::vector<std::string> names;
  for (const PresetRow& row : preset_table()) {
    names.push_back(row.name);
    names.insert(names.end(), row.aliases.begin(), row.aliases.end());
  }
  return names;
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
