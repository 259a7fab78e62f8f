// Byte-level BPE (GGUF "gpt2"): a pre-token's bytes map to byte-level symbols, then the adjacent
// pair with the lowest merge rank (leftmost on ties) merges until no merge applies.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
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

  size_t n_merges() const { return n_merges_; }

 private:
  struct Merge {
    uint64_t key = kEmpty;  // (left id << 32) | right id
    int32_t rank = 0;
    int32_t result = 0;
  };
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  static uint64_t key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  // The merge of (a, b), or nullptr. A flat open-addressing table (load factor <= 1/2).
  const Merge* find_merge(int32_t a, int32_t b) const;

  const VocabData& v_;
  const TokenIndex& index_;
  std::vector<Merge> merges_;
  uint64_t mask_ = 0;
  size_t n_merges_ = 0;
  std::array<int32_t, 256> byte_ids_{};  // token of each byte's byte-level character, -1 if none
};

}  // namespace osprey::tokenizer
