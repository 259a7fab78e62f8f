// Perplexity and KL divergence (`osprey perplexity`). The text's tokens are cut into
// non-overlapping windows of n_ctx tokens; each window is evaluated from an empty cache (its first
// token replaced by BOS when the model adds one) and only its second half is scored: the logits at
// positions n_ctx/2 .. n_ctx-2 predict the next token. PPL = exp(mean negative log-likelihood), with
// the standard error of the mean carried through exp.
//
// A base run can save what a KL comparison needs (src/runtime/kl_base.h); a later run of another
// model over the same tokens reports mean KL(base || model), top-1 agreement, the change in the
// probability of the correct token (delta-p) and the perplexity ratio.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "src/base/status.h"
#include "src/model/model.h"

namespace osprey::runtime {

struct PerplexityParams {
  int n_ctx = 512;          // tokens per window (a KL comparison uses the base file's)
  int n_batch = 512;        // tokens per forward step
  int n_threads = 1;
  int max_chunks = 0;       // 0: every full window
  tensor::DType kv_type = tensor::DType::kF16;
  std::string kl_base_out;  // save the base model's log-probs here
  std::string kl_base_in;   // compare with this base file (its tokens replace the text's)
  int kl_top_k = 64;        // tokens kept per position in a base file (0: the whole vocabulary)
  const std::atomic<bool>* cancel = nullptr;  // checked between forward steps: kCancelled
};

struct Estimate {
  double value = 0;
  double err = 0;  // standard error
};

struct ChunkProgress {
  int chunk = 0;  // 1-based
  int n_chunks = 0;
  double ppl = 0;      // running estimate
  double kl_mean = 0;  // running mean KL (comparison runs)
  double seconds = 0;
};

struct KlResult {
  Estimate kl;             // mean KL(base || model), nats
  double kl_median = 0, kl_p99 = 0, kl_max = 0;
  Estimate top1;           // fraction of positions whose most likely token is the base's
  Estimate delta_p;        // mean of p_model(next) - p_base(next)
  double delta_p_rms = 0;
  std::vector<std::pair<double, double>> delta_p_percentiles;  // (percent, value)
  double delta_p_min = 0, delta_p_max = 0;
  Estimate base_ppl;
  Estimate ln_ppl_ratio;   // ln(PPL(model) / PPL(base)) = mean(ln p_base(next) - ln p_model(next))
  double ppl_ratio = 0;
};

struct PerplexityResult {
  int n_ctx = 0;
  int n_chunks = 0;
  int64_t n_scored = 0;
  Estimate ppl;
  std::optional<KlResult> kl;
};

// The tokens perplexity scores for `text` (BOS first when the model adds one).
std::vector<int32_t> perplexity_tokens(const model::Model& m, const std::string& text);

// Runs the windows. `tokens` is ignored when params.kl_base_in is set. on_chunk (may be empty) is
// called after each window.
Result<PerplexityResult> run_perplexity(model::Model& m, const std::vector<int32_t>& tokens,
                                        const PerplexityParams& params,
                                        const std::function<void(const ChunkProgress&)>& on_chunk);

}  // namespace osprey::runtime
