// The real backend: a loaded model::Model, its paged KvCache and the thread pools of the forward
// pass. Tokenizer calls are const and thread-safe; compute calls belong to the engine's step thread.
#pragma once

#include <memory>
#include <string>

#include "src/base/thread_pool.h"
#include "src/model/kv_cache.h"
#include "src/model/model.h"
#include "src/runtime/backend.h"

namespace osprey::runtime {

struct ModelBackendParams {
  int n_threads = 0;        // -t: threads for single-token steps (0: all cores)
  int n_threads_batch = 0;  // -tb: threads for steps of several tokens (0: as n_threads)
  tensor::DType kv_type = tensor::DType::kF16;
};

class ModelBackend : public Backend {
 public:
  static Result<std::unique_ptr<ModelBackend>> load(const std::string& path, const model::ModelParams& mp,
                                                    const ModelBackendParams& p);

  const ModelInfo& info() const override { return info_; }
  std::vector<int32_t> tokenize(std::string_view text, bool add_special, bool parse_special) const override;
  std::string detokenize(std::span<const int32_t> ids) const override;
  std::string token_piece(int32_t id) const override;
  std::string token_display(int32_t id) const override;
  bool is_eog(int32_t id) const override;

  Status init_cache(int n_seq, int n_ctx_seq) override;
  Status forward(const StepBatch& batch, std::vector<float>* logits) override;
  int seq_len(int seq) const override { return kv_->seq_len(seq); }
  void remove_sequence(int seq) override { kv_->remove_sequence(seq); }
  Status truncate(int seq, int n_tokens) override { return kv_->truncate(seq, n_tokens); }
  Status fork(int src, int dst) override { return kv_->fork(src, dst); }
  bool can_append(int seq, int n_new) const override { return kv_->can_append(seq, n_new); }
  int free_blocks() const override { return kv_ ? kv_->free_blocks() : 0; }
  int total_blocks() const override { return kv_ ? kv_->total_blocks() : 0; }
  int block_tokens() const override { return kv_ ? kv_->block_tokens() : 0; }
  size_t kv_bytes() const override { return kv_ ? kv_->bytes() : 0; }

  const model::Model& model() const { return *model_; }
  int n_threads() const { return pool_->size(); }
  int n_threads_batch() const { return pool_batch_ ? pool_batch_->size() : pool_->size(); }

 private:
  ModelBackend() = default;

  std::unique_ptr<model::Model> model_;
  std::unique_ptr<model::KvCache> kv_;
  std::unique_ptr<base::ThreadPool> pool_;
  std::unique_ptr<base::ThreadPool> pool_batch_;  // null when -tb equals -t
  tensor::DType kv_type_ = tensor::DType::kF16;
  ModelInfo info_;
  model::Batch batch_;
};

}  // namespace osprey::runtime
