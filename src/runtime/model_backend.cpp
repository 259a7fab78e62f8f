#include "src/runtime/model_backend.h"

#include <algorithm>
#include <filesystem>
#include <thread>

#include "src/tokenizer/tokenizer.h"

namespace osprey::runtime {

namespace {

std::string stem_of(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  if (name.size() > 5 && name.substr(name.size() - 5) == ".gguf") name.resize(name.size() - 5);
  return name;
}

int threads_or_all(int n) { return n > 0 ? n : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

}  // namespace

Result<std::unique_ptr<ModelBackend>> ModelBackend::load(const std::string& path, const model::ModelParams& mp,
                                                         const ModelBackendParams& p) {
  OSP_ASSIGN_OR_RETURN(auto m, model::Model::load(path, mp));
  std::unique_ptr<ModelBackend> b(new ModelBackend());
  b->model_ = std::move(m);
  b->kv_type_ = p.kv_type;
  int nt = threads_or_all(p.n_threads);
  int ntb = p.n_threads_batch > 0 ? p.n_threads_batch : nt;
  b->pool_ = std::make_unique<base::ThreadPool>(nt);
  if (ntb != nt) b->pool_batch_ = std::make_unique<base::ThreadPool>(ntb);

  const auto& tok = b->model_->tokenizer();
  const auto& hp = b->model_->hparams();
  ModelInfo& i = b->info_;
  i.path = path;
  i.name = stem_of(path);
  i.description = b->model_->description();
  i.arch = hp.arch;
  i.n_vocab = hp.n_vocab;
  i.n_ctx_train = hp.n_ctx_train;
  i.n_params = b->model_->n_params();
  i.weight_bytes = b->model_->weight_bytes();
  i.bos_id = tok.bos_id();
  i.eos_id = tok.eos_id();
  i.add_bos = tok.add_bos();
  i.bos_text = i.bos_id >= 0 ? tok.token_text(i.bos_id) : "";
  i.eos_text = i.eos_id >= 0 ? tok.token_text(i.eos_id) : "";
  auto tmpl = b->model_->file().get_string("tokenizer.chat_template");
  if (tmpl.ok()) i.chat_template = tmpl.value();
  return b;
}

std::vector<int32_t> ModelBackend::tokenize(std::string_view text, bool add_special, bool parse_special) const {
  return model_->tokenizer().encode(text, add_special, parse_special);
}

std::string ModelBackend::detokenize(std::span<const int32_t> ids) const {
  return model_->tokenizer().decode(ids, false);
}

std::string ModelBackend::token_piece(int32_t id) const { return model_->tokenizer().token_to_piece(id, false); }

std::string ModelBackend::token_display(int32_t id) const { return model_->tokenizer().token_to_piece(id, true); }

bool ModelBackend::is_eog(int32_t id) const { return model_->tokenizer().is_eog(id); }

Status ModelBackend::init_cache(int n_seq, int n_ctx_seq) {
  model::KvCacheParams kp = model_->kv_params(1, kv_type_);
  int bt = std::max(1, kp.block_tokens);
  // Every slot can hold its whole context at once: no running sequence ever waits for blocks.
  int per_seq = (n_ctx_seq + bt - 1) / bt * bt;
  kp = model_->kv_params(n_seq * per_seq, kv_type_);
  OSP_ASSIGN_OR_RETURN(kv_, model::KvCache::create(kp));
  return base::ok_status();
}

Status ModelBackend::forward(const StepBatch& b, std::vector<float>* logits) {
  batch_.tokens = b.tokens;
  batch_.positions = b.positions;
  batch_.seq_ids = b.seq_ids;
  batch_.want_logits = b.want_logits;
  base::ThreadPool& pool = b.size() > 1 && pool_batch_ ? *pool_batch_ : *pool_;
  return model_->forward(batch_, *kv_, pool, logits);
}

}  // namespace osprey::runtime
