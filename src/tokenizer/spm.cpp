// SentencePiece-style score merging.
#include "src/tokenizer/spm.h"

#include <fmt/format.h>

#include <algorithm>

#include "src/tokenizer/utf8.h"

namespace osprey::tokenizer {

namespace {

constexpr std::string_view kSpace = "\xE2\x96\x81";  // "▁"

using Bigram = SpmModel::Bigram;

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
  split_before_spaces_ = true;
  for (size_t i = 0; i < v.tokens.size(); ++i) {
    if (!mergeable_[i]) continue;
    std::string_view t = v.tokens[i];
    while (t.substr(0, kSpace.size()) == kSpace) t.remove_prefix(kSpace.size());
    if (t.find(kSpace) != std::string_view::npos) split_before_spaces_ = false;
  }
}

int32_t SpmModel::lookup(std::string_view piece) const {
  const int32_t id = find_id(index_, piece);
  return id >= 0 && mergeable_[id] ? id : -1;
}

void SpmModel::encode(std::string_view text, std::vector<int32_t>& out, WordCache& cache) const {
  std::vector<Symbol> sym;
  std::vector<Bigram> heap;
  auto segment = [&](std::string_view seg, std::vector<int32_t>& o) { encode_segment(seg, sym, heap, o); };
  size_t seg = 0;
  bool prev_space = false;
  for (size_t pos = 0; pos < text.size();) {
    const size_t len = utf8_char_len(text.substr(pos));
    const bool space = text.substr(pos, len) == kSpace;
    if (split_before_spaces_ && space && !prev_space && pos > seg) {
      cache.encode(text.substr(seg, pos - seg), out, segment);
      seg = pos;
    }
    prev_space = space;
    pos += len;
  }
  if (split_before_spaces_) cache.encode(text.substr(seg), out, segment);
  else encode_segment(text.substr(seg), sym, heap, out);
}

void SpmModel::encode_segment(std::string_view text, std::vector<Symbol>& sym, std::vector<Bigram>& heap,
                              std::vector<int32_t>& out) const {
  if (text.empty()) return;
  sym.clear();
  for (size_t pos = 0; pos < text.size();) {
    const size_t len = utf8_char_len(text.substr(pos));
    const int32_t i = static_cast<int32_t>(sym.size());
    sym.push_back({i - 1, i + 1, static_cast<uint32_t>(pos), static_cast<uint32_t>(len)});
    pos += len;
  }
  sym.back().next = -1;

  heap.clear();
  auto try_add = [&](int32_t l, int32_t r) {
    if (l < 0 || r < 0) return;
    const uint32_t len = sym[l].len + sym[r].len;
    const int32_t id = lookup(text.substr(sym[l].start, len));
    if (id < 0) return;
    heap.push_back({v_.scores.empty() ? 0.0f : v_.scores[id], l, r, len});
    std::push_heap(heap.begin(), heap.end(), BigramOrder{});
  };
  for (int32_t i = 1; i < static_cast<int32_t>(sym.size()); ++i) try_add(i - 1, i);

  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), BigramOrder{});
    const Bigram b = heap.back();
    heap.pop_back();
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
