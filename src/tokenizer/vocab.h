// VocabData: everything a tokenizer needs, independent of where it came from (GGUF metadata or a
// Hugging Face tokenizer.json). The loaders fill it; Tokenizer::from_vocab validates and indexes it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "src/base/status.h"

namespace osprey::tokenizer {

// Token types with the GGUF ids of `tokenizer.ggml.token_type`.
enum class TokenType { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

// Which segmentation algorithm the vocabulary uses.
enum class VocabModel {
  kSpm,  // SentencePiece-style score merging with byte fallback (GGUF "llama")
  kBpe,  // byte-level BPE with merge ranks (GGUF "gpt2")
  kWpm,  // WordPiece (GGUF "bert"); word-initial pieces carry a leading "▁", continuations none
};

const char* vocab_model_name(VocabModel m);

// Per-token options of Hugging Face added tokens.
struct AddedTokenFlags {
  bool lstrip = false;  // the match swallows whitespace on its left
  bool rstrip = false;  // the match swallows whitespace on its right
};

struct VocabData {
  VocabModel model = VocabModel::kSpm;
  std::vector<std::string> tokens;  // [n_vocab] raw vocab entries
  std::vector<float> scores;        // [n_vocab], or empty = all 0 (SPM merge priority)
  std::vector<TokenType> types;     // [n_vocab], or empty = all kNormal
  std::vector<std::pair<std::string, std::string>> merges;  // BPE merges, rank = index

  int32_t bos_id = -1;
  int32_t eos_id = -1;
  int32_t unk_id = -1;
  int32_t pad_id = -1;
  int32_t eot_id = -1;
  int32_t eom_id = -1;
  int32_t sep_id = -1;
  int32_t cls_id = -1;
  int32_t mask_id = -1;
  bool add_bos = false;
  bool add_eos = false;

  bool add_space_prefix = false;  // SPM: " " before the text at the start and after each special token
  bool ignore_merges = false;     // BPE: a pre-token that is itself a vocab entry is emitted whole
  bool nfc = false;               // BPE: NFC-normalize text before pre-tokenizing (HF "NFC" normalizer)
  bool lowercase = true;          // WPM: lowercase (BERT uncased)
  bool strip_accents = true;      // WPM: NFD + drop nonspacing marks

  // BPE pre-tokenizer: a preset name (tokenizer.ggml.pre) and, when non-empty, explicit regexes
  // (applied in order, each splitting the pieces of the previous one) that override the preset.
  std::string pre = "default";
  std::vector<std::string> pre_regexes;

  std::vector<std::pair<int32_t, AddedTokenFlags>> added_flags;  // HF lstrip/rstrip per token id
};

// Checks sizes and id ranges; the message names the expected and the actual value.
Status validate_vocab(const VocabData& v);

// text → id lookups without allocating for string_view keys.
struct TokenTextHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using TokenIndex = std::unordered_map<std::string, int32_t, TokenTextHash, std::equal_to<>>;

// Builds the text → id index; when a text occurs twice the later id wins.
TokenIndex build_token_index(const std::vector<std::string>& tokens);

inline int32_t find_id(const TokenIndex& index, std::string_view text) {
  auto it = index.find(text);
  return it == index.end() ? -1 : it->second;
}

}  // namespace osprey::tokenizer
