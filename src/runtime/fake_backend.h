// A deterministic stand-in for a model, for engine and server tests: a byte vocabulary (ids
// 0..255 are the bytes) plus <s> (256), </s> (257, eos) and <|im_end|> (258, end of generation).
// The logits after a sequence depend on its whole history through a hash, so a scheduler that
// mixes up positions, forks or cached prefixes produces different text; forward() also rejects
// any batch that does not continue each sequence exactly.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "src/runtime/backend.h"

namespace osprey::runtime {

struct FakeBackendOptions {
  int n_ctx_train = 1024;
  int block_tokens = 16;
  int forward_delay_ms = 0;   // sleep in every forward pass (to hold requests in flight)
  int eos_every = 0;          // > 0: eos wins when the history hash % eos_every == 0
  int32_t fail_token = -1;    // a batch containing this id fails (to reach error paths)
  std::string chat_template;  // reported in ModelInfo
};

class FakeBackend : public Backend {
 public:
  static constexpr int32_t kBos = 256, kEos = 257, kImEnd = 258, kVocab = 259;

  explicit FakeBackend(FakeBackendOptions opt = {});
  const ModelInfo& info() const override { return info_; }
  std::vector<int32_t> tokenize(std::string_view text, bool add_special, bool parse_special) const override;
  std::string detokenize(std::span<const int32_t> ids) const override;
  std::string token_piece(int32_t id) const override;
  std::string token_display(int32_t id) const override;
  bool is_eog(int32_t id) const override { return id == kEos || id == kImEnd; }

  Status init_cache(int n_seq, int n_ctx_seq) override;
  Status forward(const StepBatch& batch, std::vector<float>* logits) override;
  int seq_len(int seq) const override;
  void remove_sequence(int seq) override { seqs_.erase(seq); }
  Status truncate(int seq, int n_tokens) override;
  Status fork(int src, int dst) override;
  bool can_append(int seq, int n_new) const override;
  int free_blocks() const override;
  int total_blocks() const override { return n_blocks_; }
  int block_tokens() const override { return opt_.block_tokens; }
  size_t kv_bytes() const override { return static_cast<size_t>(n_blocks_) * 1024; }

  // The logits the fake produces after `history` (exposed so tests can predict greedy output).
  static void logits_after(const std::vector<int32_t>& history, int eos_every, float* out);
  // The greedy continuation of `prompt` (n tokens, stopping after an end-of-generation token).
  static std::vector<int32_t> greedy(std::vector<int32_t> prompt, int n, int eos_every);
  uint64_t forward_calls() const { return forward_calls_.load(); }

 private:
  int blocks_of(int len) const { return (len + opt_.block_tokens - 1) / opt_.block_tokens; }

  FakeBackendOptions opt_;
  ModelInfo info_;
  int n_blocks_ = 0;
  std::map<int, std::vector<int32_t>> seqs_;  // what the "KV cache" holds per sequence
  std::atomic<uint64_t> forward_calls_{0};
};

}  // namespace osprey::runtime
