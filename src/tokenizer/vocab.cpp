// Validation and indexing of VocabData.
#include "src/tokenizer/vocab.h"

#include <fmt/format.h>

#include <functional>

namespace osprey::tokenizer {

namespace {

constexpr size_t kMaxVocab = size_t{1} << 24;     // far above any real vocabulary (~256k)
constexpr size_t kMaxTokenBytes = size_t{1} << 16;

Status check_id(const char* name, int32_t id, size_t n_vocab) {
  if (id < -1 || (id >= 0 && static_cast<size_t>(id) >= n_vocab))
    return base::out_of_range(fmt::format("{} id: expected -1 or 0..{}, got {}", name, n_vocab - 1, id));
  return base::ok_status();
}

}  // namespace

const char* vocab_model_name(VocabModel m) {
  switch (m) {
    case VocabModel::kSpm: return "spm";
    case VocabModel::kBpe: return "bpe";
    case VocabModel::kWpm: return "wpm";
  }
  return "?";
}

Status validate_vocab(const VocabData& v) {
  const size_t n = v.tokens.size();
  if (n == 0) return base::invalid_argument("vocabulary: expected at least 1 token, got 0");
  if (n > kMaxVocab)
    return base::out_of_range(fmt::format("vocabulary: expected at most {} tokens, got {}", kMaxVocab, n));
  if (!v.scores.empty() && v.scores.size() != n)
    return base::invalid_argument(fmt::format("vocabulary: expected {} scores (one per token), got {}", n,
                                              v.scores.size()));
  if (!v.types.empty() && v.types.size() != n)
    return base::invalid_argument(fmt::format("vocabulary: expected {} token types (one per token), got {}", n,
                                              v.types.size()));
  for (size_t i = 0; i < n; ++i) {
    if (v.tokens[i].size() > kMaxTokenBytes)
      return base::out_of_range(fmt::format("token {}: expected at most {} bytes, got {}", i, kMaxTokenBytes,
                                            v.tokens[i].size()));
  }
  for (TokenType t : v.types) {
    const int x = static_cast<int>(t);
    if (x < 1 || x > 6) return base::out_of_range(fmt::format("token type: expected 1..6, got {}", x));
  }
  const std::pair<const char*, int32_t> ids[] = {{"bos", v.bos_id}, {"eos", v.eos_id}, {"unknown", v.unk_id},
                                                 {"padding", v.pad_id}, {"eot", v.eot_id}, {"eom", v.eom_id},
                                                 {"separator", v.sep_id}, {"cls", v.cls_id}, {"mask", v.mask_id}};
  for (const auto& [name, id] : ids) OSP_RETURN_IF_ERROR(check_id(name, id, n));
  for (const auto& [id, flags] : v.added_flags) OSP_RETURN_IF_ERROR(check_id("added token", id, n));
  return base::ok_status();
}

namespace {
uint64_t text_hash(std::string_view s) { return std::hash<std::string_view>{}(s) * 0x9E3779B97F4A7C15ull; }
}  // namespace

TokenIndex::TokenIndex(const std::vector<std::string>& tokens) : tokens_(&tokens) {
  size_t cap = 16;
  while (cap < 2 * tokens.size()) cap *= 2;
  slots_.assign(cap, Slot{});
  mask_ = cap - 1;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const uint64_t h = text_hash(tokens[i]);
    for (uint64_t k = h & mask_;; k = (k + 1) & mask_) {
      Slot& s = slots_[k];
      if (s.id < 0 || (s.tag == static_cast<uint32_t>(h >> 32) && tokens[s.id] == tokens[i])) {
        s = {static_cast<uint32_t>(h >> 32), static_cast<int32_t>(i)};
        break;
      }
    }
  }
}

int32_t TokenIndex::find(std::string_view text) const {
  if (slots_.empty()) return -1;
  const uint64_t h = text_hash(text);
  const auto tag = static_cast<uint32_t>(h >> 32);
  for (uint64_t k = h & mask_;; k = (k + 1) & mask_) {
    const Slot& s = slots_[k];
    if (s.id < 0) return -1;
    if (s.tag == tag && (*tokens_)[s.id] == text) return s.id;
  }
}

}  // namespace osprey::tokenizer
