// WordPiece (GGUF "bert"): BERT normalization (drop control characters, lowercase, strip accents by
// NFD, isolate CJK ideographs), split on whitespace and punctuation, then greedy longest-match-first
// pieces per word; a word that cannot be covered becomes the unknown token. Vocab convention (GGUF):
// word-initial pieces are stored as "▁piece", continuation pieces bare (HF's "##" removed).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "src/tokenizer/vocab.h"

namespace osprey::tokenizer {

class WpmModel {
 public:
  // `v` and `index` must outlive the model.
  WpmModel(const VocabData& v, const TokenIndex& index);

  void encode(std::string_view text, std::vector<int32_t>& out) const;

  // The normalized words of text (what the piece search runs on).
  std::vector<std::string> split_words(std::string_view text) const;

 private:
  void encode_word(const std::string& word, std::vector<int32_t>& out) const;

  const VocabData& v_;
  const TokenIndex& index_;
  size_t max_token_bytes_ = 0;
};

}  // namespace osprey::tokenizer
