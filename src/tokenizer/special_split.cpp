// Special-token partitioning.
#include "src/tokenizer/special_split.h"

#include <algorithm>

namespace osprey::tokenizer {

namespace {
bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
}  // namespace

SpecialMatcher::SpecialMatcher(const VocabData& v) : v_(v) {
  std::vector<AddedTokenFlags> flags(v.tokens.size());
  for (const auto& [id, f] : v.added_flags) flags[id] = f;
  for (size_t i = 0; i < v.types.size(); ++i) {
    const TokenType t = v.types[i];
    if (t != TokenType::kControl && t != TokenType::kUserDefined && t != TokenType::kUnknown) continue;
    if (v.tokens[i].empty()) continue;
    by_first_byte_[static_cast<uint8_t>(v.tokens[i][0])].push_back(
        {static_cast<int32_t>(i), t == TokenType::kUserDefined, flags[i].lstrip, flags[i].rstrip});
  }
  for (auto& list : by_first_byte_)
    std::stable_sort(list.begin(), list.end(), [&](const Candidate& a, const Candidate& b) {
      return v_.tokens[a.id].size() > v_.tokens[b.id].size();
    });
}

void SpecialMatcher::split(std::string_view text, bool parse_special, std::vector<Fragment>& out) const {
  size_t text_start = 0, i = 0;
  while (i < text.size()) {
    const Candidate* hit = nullptr;
    for (const Candidate& c : by_first_byte_[static_cast<uint8_t>(text[i])]) {
      if (!c.always && !parse_special) continue;
      const std::string& t = v_.tokens[c.id];
      if (text.compare(i, t.size(), t) == 0) {
        hit = &c;
        break;
      }
    }
    if (hit == nullptr) {
      ++i;
      continue;
    }
    size_t text_end = i;
    if (hit->lstrip)
      while (text_end > text_start && is_ascii_space(text[text_end - 1])) --text_end;
    if (text_end > text_start) out.push_back({-1, text.substr(text_start, text_end - text_start)});
    out.push_back({hit->id, {}});
    i += v_.tokens[hit->id].size();
    if (hit->rstrip)
      while (i < text.size() && is_ascii_space(text[i])) ++i;
    text_start = i;
  }
  if (text_start < text.size()) out.push_back({-1, text.substr(text_start)});
}

}  // namespace osprey::tokenizer
