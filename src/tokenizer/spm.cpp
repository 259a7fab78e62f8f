// SentencePiece-style score merging.
#include "src/tokenizer/spm.h"

#include <fmt/format.h>

#include <queue>

#include "src/tokenizer/utf8.h"

namespace osprey::tokenizer {

namespace {

struct Symbol {
  int32_t prev;
  int32_t next;
  uint32_t start;
  uint32_t len;  // 0 once merged into its left neighbour
};

struct Bigram {
  float score;
  int32_t left;
  int32_t right;
  uint32_t len;  // combined length when queued; a different length means the entry is stale
};

struct BigramOrder {  // the top is the highest score, then the leftmost
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

}  // namespace

SpmModel::SpmModel(const VocabData& v, const TokenIndex& index) : v_(v), index_(index) {
  mergeable_.resize(v.tokens.size(), 1);
  for (size_t i = 0; i < v.types.size(); ++i)
    mergeable_[i] = v.types[i] == TokenType::kNormal || v.types[i] == TokenType::kUserDefined;
  for (int b = 0; b < 256; ++b) {
    int32_t id = find_id(index, fmt::format("<0x{:02X}>", b));
    const char c = static_cast<char>(b);
    if (id < 0) id = lookup(std::string_view(&c, 1));
    byte_ids_[b] = id;
  }
}

int32_t SpmModel::lookup(std::string_view piece) const {
  const int32_t id = find_id(index_, piece);
  return id >= 0 && mergeable_[id] ? id : -1;
}

void SpmModel::encode(std::string_view text, std::vector<int32_t>& out) const {
  if (text.empty()) return;
  std::vector<Symbol> sym;
  sym.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    const size_t len = utf8_char_len(text.substr(pos));
    const int32_t i = static_cast<int32_t>(sym.size());
    sym.push_back({i - 1, i + 1, static_cast<uint32_t>(pos), static_cast<uint32_t>(len)});
    pos += len;
  }
  sym.back().next = -1;

  std::vector<Bigram> storage;
  storage.reserve(sym.size());
  std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue(BigramOrder{}, std::move(storage));
  auto try_add = [&](int32_t l, int32_t r) {
    if (l < 0 || r < 0) return;
    const uint32_t len = sym[l].len + sym[r].len;
    const int32_t id = lookup(text.substr(sym[l].start, len));
    if (id < 0) return;
    queue.push({v_.scores.empty() ? 0.0f : v_.scores[id], l, r, len});
  };
  for (int32_t i = 1; i < static_cast<int32_t>(sym.size()); ++i) try_add(i - 1, i);

  while (!queue.empty()) {
    const Bigram b = queue.top();
    queue.pop();
    Symbol& l = sym[b.left];
    Symbol& r = sym[b.right];
    if (l.len == 0 || r.len == 0 || l.len + r.len != b.len) continue;  // stale
    l.len += r.len;
    r.len = 0;
    l.next = r.next;
    if (r.next >= 0) sym[r.next].prev = b.left;
    try_add(l.prev, b.left);
    try_add(b.left, l.next);
  }

  for (int32_t i = 0; i >= 0; i = sym[i].next) {
    const std::string_view piece = text.substr(sym[i].start, sym[i].len);
    const int32_t id = lookup(piece);
    if (id >= 0) {
      out.push_back(id);
      continue;
    }
    bool all_bytes = true;  // byte fallback, else one unknown token for the piece
    for (char c : piece) all_bytes = all_bytes && byte_ids_[static_cast<uint8_t>(c)] >= 0;
    if (all_bytes) {
      for (char c : piece) out.push_back(byte_ids_[static_cast<uint8_t>(c)]);
    } else if (v_.unk_id >= 0) {
      out.push_back(v_.unk_id);
    }
  }
}

}  // namespace osprey::tokenizer
