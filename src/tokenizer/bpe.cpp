// Byte-level BPE merging by rank.
#include "src/tokenizer/bpe.h"

#include <algorithm>

#include "src/tokenizer/byte_level.h"

namespace osprey::tokenizer {

namespace {

struct EntryOrder {  // a min-heap on (rank, left) through std::push_heap's max-heap
  bool operator()(const BpeScratch::Entry& a, const BpeScratch::Entry& b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

uint64_t slot(uint64_t key) { return (key * 0x9E3779B97F4A7C15ull) >> 20; }

}  // namespace

BpeModel::BpeModel(const VocabData& v, const TokenIndex& index) : v_(v), index_(index) {
  for (int b = 0; b < 256; ++b) {
    std::string s;
    byte_level_encode(std::string(1, static_cast<char>(b)), s);
    byte_ids_[b] = find_id(index, s);
  }
  size_t cap = 16;
  while (cap < 2 * v.merges.size()) cap *= 2;
  merges_.assign(cap, Merge{});
  mask_ = cap - 1;
  std::string joined;
  for (size_t r = 0; r < v.merges.size(); ++r) {
    const auto& [a, b] = v.merges[r];
    const int32_t ia = find_id(index, a), ib = find_id(index, b);
    if (ia < 0 || ib < 0) continue;
    joined.assign(a).append(b);
    const int32_t ir = find_id(index, joined);
    if (ir < 0) continue;
    const uint64_t k = key(ia, ib);
    for (uint64_t i = slot(k) & mask_;; i = (i + 1) & mask_) {
      if (merges_[i].key == k) break;  // the first rank of a pair wins
      if (merges_[i].key == kEmpty) {
        merges_[i] = {k, static_cast<int32_t>(r), ir};
        ++n_merges_;
        break;
      }
    }
  }
}

const BpeModel::Merge* BpeModel::find_merge(int32_t a, int32_t b) const {
  const uint64_t k = key(a, b);
  for (uint64_t i = slot(k) & mask_;; i = (i + 1) & mask_) {
    if (merges_[i].key == k) return &merges_[i];
    if (merges_[i].key == kEmpty) return nullptr;
  }
}

void BpeModel::encode_word(std::string_view word, std::vector<int32_t>& out, BpeScratch& s) const {
  if (word.empty()) return;
  if (v_.ignore_merges) {
    s.encoded.clear();
    byte_level_encode(word, s.encoded);
    const int32_t id = find_id(index_, s.encoded);
    if (id >= 0) {
      out.push_back(id);
      return;
    }
  }
  const int32_t n = static_cast<int32_t>(word.size());
  s.ids.resize(n);
  s.prev.resize(n);
  s.next.resize(n);
  for (int32_t i = 0; i < n; ++i) {
    s.ids[i] = byte_ids_[static_cast<uint8_t>(word[i])];
    s.prev[i] = i - 1;
    s.next[i] = i + 1 < n ? i + 1 : -1;
  }
  s.heap.clear();
  auto try_add = [&](int32_t l, int32_t r) {
    if (l < 0 || r < 0 || s.ids[l] < 0 || s.ids[r] < 0) return;
    const Merge* m = find_merge(s.ids[l], s.ids[r]);
    if (m == nullptr) return;
    s.heap.push_back({m->rank, l, r, s.ids[l], s.ids[r], m->result});
    std::push_heap(s.heap.begin(), s.heap.end(), EntryOrder{});
  };
  for (int32_t i = 1; i < n; ++i) try_add(i - 1, i);

  while (!s.heap.empty()) {
    std::pop_heap(s.heap.begin(), s.heap.end(), EntryOrder{});
    const BpeScratch::Entry e = s.heap.back();
    s.heap.pop_back();
    // Stale when either side has merged since the entry was queued.
    if (s.ids[e.left] != e.left_id || s.ids[e.right] != e.right_id || s.next[e.left] != e.right) continue;
    s.ids[e.left] = e.result;
    s.ids[e.right] = -2;  // absorbed
    s.next[e.left] = s.next[e.right];
    if (s.next[e.right] >= 0) s.prev[s.next[e.right]] = e.left;
    try_add(s.prev[e.left], e.left);
    try_add(e.left, s.next[e.left]);
  }

  for (int32_t i = 0; i >= 0; i = s.next[i]) {
    if (s.ids[i] >= 0) out.push_back(s.ids[i]);
    else if (v_.unk_id >= 0) out.push_back(v_.unk_id);  // a byte with no byte-level token
  }
}

}  // namespace osprey::tokenizer
