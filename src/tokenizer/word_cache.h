// Ids of the words already segmented during one encode call: text repeats words a lot, and a hit
// skips the merge loop. Bounded in entries and word length; only worth it for long texts.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace osprey::tokenizer {

class WordCache {
 public:
  static constexpr size_t kMinTextBytes = 16 * 1024;  // below this the bookkeeping does not pay
  static constexpr size_t kMaxWordBytes = 64;
  static constexpr size_t kMaxWords = size_t{1} << 16;

  explicit WordCache(bool enabled) : enabled_(enabled) {}

  // Appends the ids of `word`, from the cache or by calling encode(word, out) (and remembering them).
  template <typename Encode>
  void encode(std::string_view word, std::vector<int32_t>& out, Encode&& encode_fn) {
    if (!enabled_ || word.size() < 3 || word.size() > kMaxWordBytes) {
      encode_fn(word, out);
      return;
    }
    if (auto it = index_.find(word); it != index_.end()) {
      const auto [offset, count] = it->second;
      out.insert(out.end(), ids_.begin() + offset, ids_.begin() + offset + count);
      return;
    }
    const size_t before = out.size();
    encode_fn(word, out);
    if (index_.size() < kMaxWords) {
      index_.emplace(std::string(word), std::pair<uint32_t, uint32_t>(static_cast<uint32_t>(ids_.size()),
                                                                      static_cast<uint32_t>(out.size() - before)));
      ids_.insert(ids_.end(), out.begin() + static_cast<std::ptrdiff_t>(before), out.end());
    }
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  bool enabled_;
  std::unordered_map<std::string, std::pair<uint32_t, uint32_t>, Hash, std::equal_to<>> index_;  // offset, count
  std::vector<int32_t> ids_;
};

}  // namespace osprey::tokenizer
