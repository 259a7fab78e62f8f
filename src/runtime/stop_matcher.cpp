#include "src/runtime/stop_matcher.h"

#include <algorithm>

namespace osprey::runtime {

StopMatcher::StopMatcher(std::vector<std::string> stops) {
  for (auto& s : stops)
    if (!s.empty()) stops_.push_back(std::move(s));
}

StopMatcher::Out StopMatcher::push(std::string_view text) {
  Out out;
  if (matched_) return out;
  pending_.append(text);
  if (stops_.empty()) {
    out.text = std::move(pending_);
    pending_.clear();
    return out;
  }
  // The earliest occurrence of any stop string (the longest one when several start there).
  size_t best = std::string::npos;
  const std::string* word = nullptr;
  for (const auto& s : stops_) {
    size_t at = pending_.find(s);
    if (at == std::string::npos) continue;
    if (at < best || (at == best && s.size() > word->size())) {
      best = at;
      word = &s;
    }
  }
  if (word) {
    matched_ = true;
    out.matched = true;
    out.word = *word;
    out.text = pending_.substr(0, best);
    pending_.clear();
    return out;
  }
  // Hold back the longest tail that is a proper prefix of some stop string.
  size_t hold = 0;
  for (const auto& s : stops_) {
    size_t max_k = std::min(pending_.size(), s.size() - 1);
    for (size_t k = max_k; k > hold; --k) {
      if (std::string_view(pending_).substr(pending_.size() - k) == std::string_view(s).substr(0, k)) {
        hold = k;
        break;
      }
    }
  }
  out.text = pending_.substr(0, pending_.size() - hold);
  pending_.erase(0, pending_.size() - hold);
  return out;
}

std::string StopMatcher::flush() {
  std::string out = std::move(pending_);
  pending_.clear();
  return matched_ ? std::string() : out;
}

}  // namespace osprey::runtime
