// VocabData: everything a tokenizer needs, independent of where it came from (GGUF metadata or a
// Hugging Face tokenizer.json). The loaders fill it; Tokenizer::from_vocab validates and indexes it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
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

// text -> id lookups: a flat open-addressing table (load factor <= 1/2) of (hash tag, id) slots
// whose texts live in the token vector it was built from (which must outlive it).
class TokenIndex {
 public:
  TokenIndex() = default;
  // When a text occurs twice the later id wins.
  explicit TokenIndex(const std::vector<std::string>& tokens);
  int32_t find(std::string_view text) const;  // -1 if absent

 private:
  struct Slot {
    uint32_t tag = 0;  // high hash bits
    int32_t id = -1;   // -1: empty
  };
  const std::vector<std::string>* tokens_ = nullptr;
  std::vector<Slot> slots_;
  uint64_t mask_ = 0;
};

inline TokenIndex build_token_index(const std::vector<std::string>& tokens) { return TokenIndex(tokens); }
inline int32_t find_id(const TokenIndex& index, std::string_view text) { return index.find(text); }

}  // namespace osprey::tokenizer
