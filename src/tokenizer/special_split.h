// Splits text around special-token texts before segmentation. User-defined tokens are always
// recognized; control and unknown tokens only when parse_special. At each position the longest
// candidate wins, scanning left to right (leftmost-longest, as HF's added-token matcher does).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "src/tokenizer/vocab.h"

namespace osprey::tokenizer {

struct Fragment {
  int32_t token = -1;     // >= 0: a special token; -1: plain text
  std::string_view text;  // plain text (a view into the caller's text)
};

class SpecialMatcher {
 public:
  // `v` must outlive the matcher.
  explicit SpecialMatcher(const VocabData& v);

  void split(std::string_view text, bool parse_special, std::vector<Fragment>& out) const;

 private:
  struct Candidate {
    int32_t id;
    bool always;  // user-defined: recognized even without parse_special
    bool lstrip;
    bool rstrip;
  };
  const VocabData& v_;
  std::array<std::vector<Candidate>, 256> by_first_byte_;  // longest first
};

}  // namespace osprey::tokenizer
