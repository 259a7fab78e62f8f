#include "src/runtime/fake_backend.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

namespace osprey::runtime {

namespace {

const char* special_text(int32_t id) {
  switch (id) {
    case FakeBackend::kBos: return "<s>";
    case FakeBackend::kEos: return "</s>";
    case FakeBackend::kImEnd: return "<|im_end|>";
    default: return nullptr;
  }
}

uint64_t history_hash(const std::vector<int32_t>& h) {
  uint64_t x = 1469598103934665603ull;
  for (int32_t t : h) {
    x ^= static_cast<uint64_t>(t) + 0x9e3779b97f4a7c15ull;
    x *= 1099511628211ull;
    x ^= x >> 29;
  }
  return x;
}

}  // namespace

FakeBackend::FakeBackend(FakeBackendOptions opt) : opt_(std::move(opt)) {
  info_.path = "fake.gguf";
  info_.name = "fake";
  info_.description = "fake byte model";
  info_.arch = "fake";
  info_.n_vocab = kVocab;
  info_.n_ctx_train = opt_.n_ctx_train;
  info_.n_params = 1234;
  info_.weight_bytes = 4936;
  info_.bos_id = kBos;
  info_.eos_id = kEos;
  info_.add_bos = true;
  info_.bos_text = "<s>";
  info_.eos_text = "</s>";
  info_.chat_template = opt_.chat_template;
}

std::vector<int32_t> FakeBackend::tokenize(std::string_view text, bool add_special, bool parse_special) const {
  std::vector<int32_t> out;
  if (add_special) out.push_back(kBos);
  for (size_t i = 0; i < text.size();) {
    bool special = false;
    if (parse_special) {
      for (int32_t id : {kBos, kEos, kImEnd}) {
        std::string_view s = special_text(id);
        if (text.substr(i, s.size()) == s) {
          out.push_back(id);
          i += s.size();
          special = true;
          break;
        }
      }
    }
    if (!special) out.push_back(static_cast<unsigned char>(text[i++]));
  }
  return out;
}

std::string FakeBackend::detokenize(std::span<const int32_t> ids) const {
  std::string out;
  for (int32_t id : ids) out += token_piece(id);
  return out;
}

std::string FakeBackend::token_piece(int32_t id) const {
  if (id >= 0 && id < 256) return std::string(1, static_cast<char>(id));
  return "";
}

std::string FakeBackend::token_display(int32_t id) const {
  if (const char* s = special_text(id)) return s;
  return token_piece(id);
}

void FakeBackend::logits_after(const std::vector<int32_t>& history, int eos_every, float* out) {
  uint64_t h = history_hash(history);
  for (int32_t i = 0; i < kVocab; ++i) {
    uint64_t v = (h ^ (static_cast<uint64_t>(i) * 0x2545F4914F6CDD1Dull)) >> 40;
    out[i] = static_cast<float>(v % 1000) / 1000.0f;  // [0, 1)
  }
  int32_t winner = 'a' + static_cast<int32_t>(h % 26);  // lower-case letters, now and then a space
  if (h % 7 == 0) winner = ' ';
  if (eos_every > 0 && (h >> 8) % static_cast<uint64_t>(eos_every) == 0) winner = kEos;
  out[winner] = 5.0f;
}

std::vector<int32_t> FakeBackend::greedy(std::vector<int32_t> prompt, int n, int eos_every) {
  std::vector<int32_t> out;
  std::vector<float> l(kVocab);
  for (int i = 0; i < n; ++i) {
    logits_after(prompt, eos_every, l.data());
    int32_t best = static_cast<int32_t>(std::max_element(l.begin(), l.end()) - l.begin());
    out.push_back(best);
    if (best == kEos || best == kImEnd) break;
    prompt.push_back(best);
  }
  return out;
}

Status FakeBackend::init_cache(int n_seq, int n_ctx_seq) {
  n_blocks_ = n_seq * blocks_of(n_ctx_seq);
  seqs_.clear();
  return base::ok_status();
}

Status FakeBackend::forward(const StepBatch& batch, std::vector<float>* logits) {
  forward_calls_ += 1;
  if (opt_.forward_delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(opt_.forward_delay_ms));
  if (batch.size() == 0) return base::invalid_argument("empty batch");
  // Check the whole batch before changing anything.
  std::map<int, int> next;
  std::map<int, int> added;
  for (size_t i = 0; i < batch.size(); ++i) {
    int seq = batch.seq_ids[i];
    int32_t t = batch.tokens[i];
    if (t < 0 || t >= kVocab) return base::invalid_argument(fmt::format("token {} out of range", t));
    if (t == opt_.fail_token) return base::internal_error(fmt::format("fake failure on token {}", t));
    if (!next.count(seq)) next[seq] = seq_len(seq);
    if (batch.positions[i] != next[seq])
      return base::invalid_argument(
          fmt::format("seq {}: position {} does not continue the sequence (expected {})", seq, batch.positions[i], next[seq]));
    next[seq] += 1;
    added[seq] += 1;
  }
  for (const auto& [seq, n] : added)
    if (!can_append(seq, n)) return base::resource_exhausted("fake KV cache full");
  logits->clear();
  std::vector<float> row(kVocab);
  for (size_t i = 0; i < batch.size(); ++i) {
    auto& h = seqs_[batch.seq_ids[i]];
    h.push_back(batch.tokens[i]);
    if (batch.want_logits[i]) {
      logits_after(h, opt_.eos_every, row.data());
      logits->insert(logits->end(), row.begin(), row.end());
    }
  }
  return base::ok_status();
}

int FakeBackend::seq_len(int seq) const {
  auto it = seqs_.find(seq);
  return it == seqs_.end() ? 0 : static_cast<int>(it->second.size());
}

Status FakeBackend::truncate(int seq, int n_tokens) {
  int len = seq_len(seq);
  if (n_tokens < 0 || n_tokens > len)
    return base::out_of_range(fmt::format("truncate seq {} to {}: expected 0..{}", seq, n_tokens, len));
  if (len > 0) seqs_[seq].resize(static_cast<size_t>(n_tokens));
  return base::ok_status();
}

Status FakeBackend::fork(int src, int dst) {
  if (src == dst) return base::invalid_argument("fork onto itself");
  int need = blocks_of(seq_len(src)) - blocks_of(seq_len(dst));
  if (need > free_blocks()) return base::resource_exhausted("fake KV cache full");
  seqs_[dst] = seqs_[src];
  return base::ok_status();
}

bool FakeBackend::can_append(int seq, int n_new) const {
  int len = seq_len(seq);
  return blocks_of(len + n_new) - blocks_of(len) <= free_blocks();
}

int FakeBackend::free_blocks() const {
  int used = 0;
  for (const auto& [s, h] : seqs_) used += blocks_of(static_cast<int>(h.size()));
  return n_blocks_ - used;
}

}  // namespace osprey::runtime
