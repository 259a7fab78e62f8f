// A loaded model: hyperparameters, bound weights (mapped from the GGUF file), the tokenizer, and
// the batched forward pass over a paged KV cache.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "src/base/status.h"
#include "src/base/thread_pool.h"
#include "src/gguf/gguf_reader.h"
#include "src/model/arch.h"
#include "src/model/forward_state.h"
#include "src/model/hparams.h"
#include "src/model/kv_cache.h"
#include "src/model/weights.h"

namespace osprey::tokenizer {
class Tokenizer;
}

namespace osprey::model {

// One forward step: any mix of tokens from any sequences.
struct Batch {
  std::vector<int32_t> tokens;
  std::vector<int32_t> positions;    // position of each token within its sequence
  std::vector<int32_t> seq_ids;      // >= 0
  std::vector<uint8_t> want_logits;  // 1: return logits for this token
  void add(int32_t token, int32_t pos, int32_t seq, bool logits);
  void clear();
  size_t size() const { return tokens.size(); }
  size_t n_wanted() const;
};

class Model {
 public:
  ~Model();
  // Maps the file, reads hyperparameters, binds every weight and loads the tokenizer. Errors name
  // the offending key or tensor with the expected and actual values.
  static Result<std::unique_ptr<Model>> load(const std::string& path, const ModelParams& params);

  const HParams& hparams() const { return hp_; }
  const tokenizer::Tokenizer& tokenizer() const { return *tokenizer_; }
  const gguf::GgufFile& file() const { return file_; }
  std::string description() const;  // e.g. "llama 260K F32"
  int64_t n_params() const { return n_params_; }
  uint64_t weight_bytes() const { return weight_bytes_; }

  // Evaluates `batch` against `kv`. The tokens of each sequence are in increasing position order
  // and continue it: the first is at kv.seq_len(seq), the next one further, and so on. Appends
  // every token's K/V to the cache and writes logits for tokens with want_logits = 1, in batch
  // order: logits->size() == n_wanted * n_vocab. A bad batch (ids, positions, sizes, a full cache)
  // returns a Status and leaves the cache unchanged. Not reentrant: one forward at a time.
  Status forward(const Batch& batch, KvCache& kv, base::ThreadPool& pool, std::vector<float>* logits);

  // KV cache parameters for this model with room for n_ctx_total tokens over all sequences.
  KvCacheParams kv_params(int n_ctx_total, tensor::DType kv_type = tensor::DType::kF16) const;

 private:
  Model();
  Status bind_common(WeightBinder& w);
  Status check_batch(const Batch& batch, const KvCache& kv) const;
  // Runs batch tokens [begin, end) (cache already grown); logits of its wanted rows go to `logits`.
  void forward_chunk(const Batch& batch, size_t begin, size_t end, KvCache& kv, base::ThreadPool& pool,
                     float* logits);

  // Tokens per internal pass: bounds scratch memory whatever the batch size.
  static constexpr size_t kMaxChunkTokens = 512;

  gguf::GgufFile file_;
  HParams hp_;
  std::unique_ptr<Architecture> arch_;
  std::unique_ptr<tokenizer::Tokenizer> tokenizer_;
  Matrix token_embd_;              // [n_vocab, n_embd]
  std::vector<float> output_norm_; // [n_embd]
  Matrix output_;                  // [n_vocab, n_embd] (token_embd when tied)
  std::vector<float> rope_freqs_;  // [n_rot / 2] or empty
  int64_t n_params_ = 0;
  uint64_t weight_bytes_ = 0;
  Scratch scratch_;
  std::vector<float> head_in_;     // [n_wanted, n_embd]
  // Per batch row: how many rows its sequence has in the batch (kernels::MatmulArgs::seq_rows);
  // head_rows_: all 0, the output head always takes the decode kernels.
  std::vector<uint16_t> seq_rows_, head_rows_;
};

}  // namespace osprey::model
