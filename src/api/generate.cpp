#include "include/osprey/generate.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <thread>
#include <vector>

#include "src/base/timer.h"

namespace osprey {

namespace {

// Evaluates the prompt in chunks of n_batch; leaves the last token's logits in `logits`.
Status prefill(Model& m, const std::vector<int32_t>& prompt, int n_batch, KvCache& kv, ThreadPool& pool,
               std::vector<float>* logits) {
  Batch batch;
  for (size_t i = 0; i < prompt.size(); i += static_cast<size_t>(n_batch)) {
    batch.clear();
    const size_t end = std::min(prompt.size(), i + static_cast<size_t>(n_batch));
    for (size_t j = i; j < end; ++j) batch.add(prompt[j], static_cast<int32_t>(j), 0, j + 1 == prompt.size());
    OSP_RETURN_IF_ERROR(m.forward(batch, kv, pool, logits));
  }
  return base::ok_status();
}

}  // namespace

Result<GenerateStats> generate(Model& m, const std::string& text, const GenerateParams& p,
                               const std::function<bool(std::string_view)>& on_text) {
  const Tokenizer& tok = m.tokenizer();
  const int n_ctx = m.hparams().n_ctx;
  if (p.n_batch <= 0) return base::invalid_argument(fmt::format("n_batch: expected > 0, got {}", p.n_batch));
  if (p.n_threads_batch < 0)
    return base::invalid_argument(fmt::format("n_threads_batch: expected >= 0, got {}", p.n_threads_batch));
  const std::vector<int32_t> prompt = tok.encode(text, p.add_bos, false);
  if (prompt.empty()) return base::invalid_argument("the prompt is empty and the model adds no BOS token");
  if (static_cast<int>(prompt.size()) >= n_ctx)
    return base::out_of_range(fmt::format("the prompt has {} tokens: the context holds {}", prompt.size(), n_ctx));
  OSP_RETURN_IF_ERROR(runtime::validate(p.sampling, m.hparams().n_vocab));
  OSP_ASSIGN_OR_RETURN(auto kv, KvCache::create(m.kv_params(n_ctx, p.kv_type)));
  const int n_threads = p.n_threads > 0 ? p.n_threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  ThreadPool pool(n_threads);
  // Prompt chunks get their own pool when -tb differs from -t (as in llama.cpp): threads that help a
  // compute-bound prefill can slow the memory-bound decode down.
  const int n_threads_batch = p.n_threads_batch > 0 ? p.n_threads_batch : n_threads;
  std::unique_ptr<ThreadPool> pool_batch;
  if (n_threads_batch != n_threads) pool_batch = std::make_unique<ThreadPool>(n_threads_batch);
  Sampler sampler(p.sampling, m.hparams().n_vocab, tok.eos_id());
  StreamingDetokenizer detok(tok);
  for (int32_t t : prompt) {
    sampler.accept(t);
    detok.push(t);  // primes the detokenizer so the continuation keeps its leading space
  }
  GenerateStats st;
  std::vector<float> logits;
  base::Stopwatch sw;
  OSP_RETURN_IF_ERROR(prefill(m, prompt, p.n_batch, *kv, pool_batch ? *pool_batch : pool, &logits));
  st.prompt_ms = sw.elapsed_ms();
  st.n_prompt = static_cast<int>(prompt.size());
  sw.reset();
  int pos = st.n_prompt;
  st.stop_reason = "length";
  while (p.n_predict < 0 || st.n_generated < p.n_predict) {
    const int32_t id = sampler.sample(logits.data());
    if (tok.is_eog(id) && !p.sampling.ignore_eos) {
      st.stop_reason = "eog";
      break;
    }
    sampler.accept(id);
    ++st.n_generated;
    const std::string piece = detok.push(id);
    if (!piece.empty() && !on_text(piece)) {
      st.stop_reason = "callback";
      break;
    }
    if (p.n_predict >= 0 && st.n_generated >= p.n_predict) break;
    if (pos >= n_ctx) {  // no room for the token just sampled
      st.stop_reason = "context";
      break;
    }
    Batch batch;
    batch.add(id, pos++, 0, true);
    OSP_RETURN_IF_ERROR(m.forward(batch, *kv, pool, &logits));
  }
  const std::string rest = detok.finish();
  if (!rest.empty()) on_text(rest);
  st.generate_ms = sw.elapsed_ms();
  return st;
}

}  // namespace osprey
