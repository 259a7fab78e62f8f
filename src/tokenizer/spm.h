// SentencePiece-style segmentation (GGUF "llama"): start from UTF-8 characters, repeatedly merge the
// adjacent pair whose concatenation is the vocab entry with the highest score (leftmost on ties),
// then emit each final piece, or its bytes as <0xXX> tokens when it is not in the vocab.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "src/tokenizer/vocab.h"
#include "src/tokenizer/word_cache.h"

namespace osprey::tokenizer {

class SpmModel {
 public:
  // `v` and `index` must outlive the model.
  SpmModel(const VocabData& v, const TokenIndex& index);

  // Appends the ids of `text`, whose spaces the caller has already replaced by "▁". O(n log n).
  // Runs that start with "▁" go through `cache` when the text is merged run by run.
  void encode(std::string_view text, std::vector<int32_t>& out, WordCache& cache) const;
  void encode(std::string_view text, std::vector<int32_t>& out) const {
    WordCache none(false);
    encode(text, out, none);
  }

  struct Bigram {
    float score;
    int32_t left;
    int32_t right;
    uint32_t len;  // combined length when queued; a different length means the entry is stale
  };

 private:
  struct Symbol {
    int32_t prev;
    int32_t next;
    uint32_t start;
    uint32_t len;  // 0 once merged into its left neighbour
  };
  int32_t lookup(std::string_view piece) const;  // -1 unless a mergeable vocab entry
  // Merges the symbols of one segment and appends its ids.
  void encode_segment(std::string_view text, std::vector<Symbol>& sym, std::vector<Bigram>& heap,
                      std::vector<int32_t>& out) const;

  const VocabData& v_;
  const TokenIndex& index_;
  std::vector<uint8_t> mergeable_;          // [n_vocab] normal and user-defined tokens
  std::array<int32_t, 256> byte_ids_{};     // <0xXX> token of each byte, -1 if none
  // True when no mergeable piece has a "▁" after another character: then no merge can cross the
  // start of a run of "▁", and the text is merged run by run (same result, cache-friendly).
  bool split_before_spaces_ = false;
};

}  // namespace osprey::tokenizer
