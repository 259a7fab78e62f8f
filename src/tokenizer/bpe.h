// Byte-level BPE (GGUF "gpt2"): a pre-token's bytes map to byte-level symbols, then the adjacent
// pair with the lowest merge rank (leftmost on ties) merges until no merge applies.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "src/tokenizer/vocab.h"

namespace osprey::tokenizer {

// Buffers reused across the words of one encode call.
struct BpeScratch {
  std::vector<int32_t> ids, prev, next;
  std::string encoded;
  struct Entry {
    int32_t rank, left, right, left_id, right_id, result;
  };
  std::vector<Entry> heap;
};

class BpeModel {
 public:
  // `v` and `index` must outlive the model. Merges naming tokens that are not in the vocab, or
  // whose concatenation is not, can never apply and are dropped.
  BpeModel(const VocabData& v, const TokenIndex& index);

  // Appends the ids of one pre-token (raw bytes, not byte-level text). O(n log n) in its length.
  void encode_word(std::string_view word, std::vector<int32_t>& out, BpeScratch& s) const;

  size_t n_merges() const { return merges_.size(); }

 private:
  struct Merge {
    int32_t rank;
    int32_t result;
  };
  static uint64_t key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }

  const VocabData& v_;
  const TokenIndex& index_;
  std::unordered_map<uint64_t, Merge> merges_;
  std::array<int32_t, 256> byte_ids_{};  // token of each byte's byte-level character, -1 if none
};

}  // namespace osprey::tokenizer
