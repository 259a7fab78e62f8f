// What the engine needs from a model: tokenizer calls (any thread) and, on the step thread only,
// the forward pass and its paged KV cache. ModelBackend wraps the real model; FakeBackend is a
// deterministic stand-in for tests.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/base/status.h"

namespace osprey::runtime {

struct ModelInfo {
  std::string path;          // the model file
  std::string name;          // file name without directories and ".gguf"
  std::string description;   // e.g. "llama 260K F32"
  std::string arch;
  int32_t n_vocab = 0;
  int32_t n_ctx_train = 0;
  int64_t n_params = 0;
  uint64_t weight_bytes = 0;
  int32_t bos_id = -1, eos_id = -1;  // -1: none
  bool add_bos = false;              // tokenize(add_special = true) prepends BOS
  std::string bos_text, eos_text;    // vocab texts of BOS and EOS ("" if none)
  std::string chat_template;         // tokenizer.chat_template from the file ("" if none)
};

// One engine step: tokens of any sequences, each sequence's tokens in position order.
struct StepBatch {
  std::vector<int32_t> tokens, positions, seq_ids;
  std::vector<uint8_t> want_logits;
  void add(int32_t token, int32_t pos, int32_t seq, bool logits) {
    tokens.push_back(token);
    positions.push_back(pos);
    seq_ids.push_back(seq);
    want_logits.push_back(logits ? 1 : 0);
  }
  void clear() {
    tokens.clear();
    positions.clear();
    seq_ids.clear();
    want_logits.clear();
  }
  size_t size() const { return tokens.size(); }
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const ModelInfo& info() const = 0;

  // --- tokenizer: const, callable from any thread ---
  virtual std::vector<int32_t> tokenize(std::string_view text, bool add_special, bool parse_special) const = 0;
  // Text of ids as a whole (control tokens render as nothing).
  virtual std::string detokenize(std::span<const int32_t> ids) const = 0;
  // Bytes one generated token adds to the output (control tokens: ""); may be part of a character.
  virtual std::string token_piece(int32_t id) const = 0;
  // How a token is shown in logprobs and /tokenize pieces (control tokens with their text).
  virtual std::string token_display(int32_t id) const = 0;
  virtual bool is_eog(int32_t id) const = 0;

  // --- compute and KV cache: the engine's step thread only ---
  // Creates the KV pool for n_seq sequences (ids 0..n_seq-1) of up to n_ctx_seq tokens each.
  virtual Status init_cache(int n_seq, int n_ctx_seq) = 0;
  // Appends every token's K/V and writes logits rows ([n_vocab] each) for want_logits tokens in
  // batch order. On error the cache is unchanged.
  virtual Status forward(const StepBatch& batch, std::vector<float>* logits) = 0;
  virtual int seq_len(int seq) const = 0;
  virtual void remove_sequence(int seq) = 0;
  virtual Status truncate(int seq, int n_tokens) = 0;
  virtual Status fork(int src, int dst) = 0;
  virtual bool can_append(int seq, int n_new) const = 0;
  virtual int free_blocks() const = 0;
  virtual int total_blocks() const = 0;
  virtual int block_tokens() const = 0;
  virtual size_t kv_bytes() const = 0;
};

}  // namespace osprey::runtime
