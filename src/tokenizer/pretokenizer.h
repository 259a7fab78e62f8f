// BPE pre-tokenization: a list of regexes (PCRE2, UTF + Unicode properties, JIT) that cut text into
// words before merging, and the presets named by GGUF `tokenizer.ggml.pre`.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/base/status.h"

namespace osprey::tokenizer {

class PreTokenizer {
 public:
  PreTokenizer();
  ~PreTokenizer();
  PreTokenizer(PreTokenizer&&) noexcept;
  PreTokenizer& operator=(PreTokenizer&&) noexcept;

  // Compiles the regexes; the error names the regex and PCRE2's message. No regex = no splitting.
  static Result<PreTokenizer> create(const std::vector<std::string>& regexes);

  // Appends the pieces of text: each regex in turn cuts every piece of the previous step into its
  // matches and the unmatched gaps between them. Nothing is dropped; concatenating the pieces gives
  // back text. Invalid UTF-8 never matches, so it lands in gaps.
  void split(std::string_view text, std::vector<std::string_view>& out) const;

  size_t n_regexes() const { return regexes_.size(); }

 private:
  struct Regex;
  std::vector<std::unique_ptr<Regex>> regexes_;
};

struct PreTokenizerPreset {
  std::string name;                  // the canonical preset this name belongs to
  std::vector<std::string> regexes;  // PCRE2 syntax
  bool ignore_merges = false;        // Llama 3 style: whole-word vocab hits skip merging
};

// The preset for a `tokenizer.ggml.pre` value ("default", "gpt-2", "llama-bpe", "qwen2", ...).
// kUnimplemented naming the value and listing the supported ones for anything else.
Result<PreTokenizerPreset> pre_tokenizer_preset(std::string_view name);

// Every name pre_tokenizer_preset accepts.
std::vector<std::string> pre_tokenizer_preset_names();

// The canonical preset name whose regexes equal `regexes`, or "" (used to name HF pre-tokenizers).
std::string preset_name_for(const std::vector<std::string>& regexes);

}  // namespace osprey::tokenizer
