#include "src/runtime/perplexity.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>

#include "src/base/thread_pool.h"
#include "src/base/timer.h"
#include "src/model/kv_cache.h"
#include "src/runtime/kl_base.h"
#include "src/tokenizer/tokenizer.h"

namespace osprey::runtime {

namespace {

constexpr double kRestFloor = -60.0;  // log-probability floor for the bucket outside top_k

// Running sum and sum of squares of a sample.
struct Moments {
  double sum = 0, sum2 = 0;
  int64_t n = 0;
  void add(double x) {
    sum += x;
    sum2 += x * x;
    ++n;
  }
  double mean() const { return n ? sum / n : 0.0; }
  Estimate estimate() const {
    Estimate e{mean(), 0.0};
    if (n > 1) e.err = std::sqrt(std::max(0.0, sum2 / n - e.value * e.value) / (n - 1));
    return e;
  }
};

Estimate ppl_of(const Moments& nll) {
  const Estimate e = nll.estimate();
  const double ppl = std::exp(e.value);
  return {ppl, ppl * e.err};
}

double log_sum_exp(const float* x, int n) {
  const float mx = *std::max_element(x, x + n);
  double s = 0;
  for (int i = 0; i < n; ++i) s += std::exp(static_cast<double>(x[i]) - mx);
  return mx + std::log(s);
}

float rest_logprob(const float* logprobs, size_t k, size_t n_vocab) {
  if (k >= n_vocab) return -INFINITY;
  return static_cast<float>(std::max(log_rest(logprobs, k), kRestFloor));
}

double percentile(const std::vector<double>& sorted, double pct) {
  if (sorted.empty()) return 0.0;
  const double pos = pct / 100.0 * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}

// Accumulates the KL comparison of one model against base records.
class KlAccumulator {
 public:
  void add(const float* row, int n_vocab, double lse, float lp_next, const KlBaseRecord& base) {
    const size_t k = base.ids.size();
    lq_.resize(k);
    for (size_t i = 0; i < k; ++i) lq_[i] = static_cast<float>(row[base.ids[i]] - lse);
    double kl = 0;
    for (size_t i = 0; i < k; ++i) {
      const double lp = base.logprobs[i];
      kl += std::exp(lp) * (lp - static_cast<double>(lq_[i]));
    }
    if (std::isfinite(base.logprob_rest)) {
      const float q_rest = rest_logprob(lq_.data(), k, static_cast<size_t>(n_vocab));
      kl += std::exp(static_cast<double>(base.logprob_rest)) *
            (static_cast<double>(base.logprob_rest) - static_cast<double>(q_rest));
    }
    kls_.push_back(kl);
    kl_.add(kl);
    const int argmax = static_cast<int>(std::max_element(row, row + n_vocab) - row);
    top1_.add(argmax == base.ids[0] ? 1.0 : 0.0);
    const double dp = std::exp(static_cast<double>(lp_next)) - std::exp(static_cast<double>(base.logprob_next));
    dps_.push_back(dp);
    dp_.add(dp);
    base_nll_.add(-static_cast<double>(base.logprob_next));
    ln_ratio_.add(static_cast<double>(base.logprob_next) - static_cast<double>(lp_next));
  }

  double running_kl() const { return kl_.mean(); }

  KlResult result() {
    KlResult r;
    r.kl = kl_.estimate();
    std::sort(kls_.begin(), kls_.end());
    r.kl_median = percentile(kls_, 50);
    r.kl_p99 = percentile(kls_, 99);
    r.kl_max = kls_.empty() ? 0.0 : kls_.back();
    r.top1 = top1_.estimate();
    r.delta_p = dp_.estimate();
    r.delta_p_rms = std::sqrt(dp_.n ? dp_.sum2 / dp_.n : 0.0);
    std::sort(dps_.begin(), dps_.end());
    for (double pct : {1.0, 5.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0})
      r.delta_p_percentiles.emplace_back(pct, percentile(dps_, pct));
    r.delta_p_min = dps_.empty() ? 0.0 : dps_.front();
    r.delta_p_max = dps_.empty() ? 0.0 : dps_.back();
    r.base_ppl = ppl_of(base_nll_);
    r.ln_ppl_ratio = ln_ratio_.estimate();
    r.ppl_ratio = std::exp(r.ln_ppl_ratio.value);
    return r;
  }

 private:
  std::vector<float> lq_;
  std::vector<double> kls_, dps_;
  Moments kl_, top1_, dp_, base_nll_, ln_ratio_;
};

struct Setup {
  int n_ctx = 0;
  int n_chunks = 0;
  bool bos_first = false;
  std::vector<int32_t> tokens;
  std::unique_ptr<KlBaseReader> reader;
  std::unique_ptr<KlBaseWriter> writer;
  uint32_t top_k = 0;
};

Status check_params(const PerplexityParams& p) {
  if (p.n_batch < 1) return base::invalid_argument(fmt::format("batch size: expected >= 1, got {}", p.n_batch));
  if (p.n_threads < 1) return base::invalid_argument(fmt::format("threads: expected >= 1, got {}", p.n_threads));
  if (p.max_chunks < 0) return base::invalid_argument(fmt::format("chunks: expected >= 0, got {}", p.max_chunks));
  if (p.kl_top_k < 0) return base::invalid_argument(fmt::format("KL top-k: expected >= 0, got {}", p.kl_top_k));
  if (!p.kl_base_in.empty() && !p.kl_base_out.empty())
    return base::invalid_argument("save a KL base (--kl-divergence-base) or compare with one, not both at once");
  return base::ok_status();
}

Result<Setup> make_setup(const model::Model& m, const std::vector<int32_t>& tokens, const PerplexityParams& p) {
  OSP_RETURN_IF_ERROR(check_params(p));
  Setup s;
  const int n_vocab = m.hparams().n_vocab;
  if (!p.kl_base_in.empty()) {
    OSP_ASSIGN_OR_RETURN(s.reader, KlBaseReader::open(p.kl_base_in));
    const KlBaseHeader& h = s.reader->header();
    if (static_cast<int>(h.n_vocab) != n_vocab)
      return base::invalid_argument(fmt::format("KL base '{}' has a vocabulary of {}, the model {}", p.kl_base_in,
                                                h.n_vocab, n_vocab));
    s.n_ctx = static_cast<int>(h.n_ctx);
    s.n_chunks = static_cast<int>(h.n_chunks);
    s.bos_first = h.bos_first;
    s.tokens = h.tokens;
  } else {
    if (p.n_ctx < 4) return base::invalid_argument(fmt::format("context: expected >= 4 tokens, got {}", p.n_ctx));
    s.n_ctx = p.n_ctx;
    s.n_chunks = static_cast<int>(tokens.size() / static_cast<size_t>(p.n_ctx));
    if (s.n_chunks == 0)
      return base::invalid_argument(fmt::format("the text has {} tokens; a window of -c {} needs at least {}",
                                                tokens.size(), p.n_ctx, p.n_ctx));
    s.bos_first = m.tokenizer().add_bos() && m.tokenizer().bos_id() >= 0;
    s.tokens.assign(tokens.begin(), tokens.begin() + static_cast<size_t>(s.n_chunks) * s.n_ctx);
    for (int32_t t : s.tokens)
      if (t < 0 || t >= n_vocab) return base::invalid_argument(fmt::format("token id {} outside 0..{}", t, n_vocab - 1));
  }
  if (p.max_chunks > 0 && p.max_chunks < s.n_chunks && !s.reader) {
    s.n_chunks = p.max_chunks;
    s.tokens.resize(static_cast<size_t>(s.n_chunks) * s.n_ctx);
  }
  if (p.max_chunks > 0 && s.reader) s.n_chunks = std::min(s.n_chunks, p.max_chunks);
  if (!p.kl_base_out.empty()) {
    s.top_k = p.kl_top_k == 0 ? static_cast<uint32_t>(n_vocab)
                              : static_cast<uint32_t>(std::min(p.kl_top_k, n_vocab));
    KlBaseHeader h{static_cast<uint32_t>(n_vocab), static_cast<uint32_t>(s.n_ctx),
                   static_cast<uint32_t>(s.n_chunks), s.top_k, s.bos_first, s.tokens};
    OSP_ASSIGN_OR_RETURN(s.writer, KlBaseWriter::create(p.kl_base_out, h));
  }
  return s;
}

// Logits of positions [first, n_ctx - 1) of one window: [n_ctx - 1 - first, n_vocab].
Status window_logits(model::Model& m, const int32_t* toks, int n_ctx, int n_batch, model::KvCache& kv,
                     base::ThreadPool& pool, const std::atomic<bool>* cancel, std::vector<float>* out) {
  const int first = n_ctx / 2;
  kv.clear();
  out->clear();
  std::vector<float> step;
  model::Batch b;
  for (int start = 0; start < n_ctx; start += n_batch) {
    if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) return base::cancelled("perplexity interrupted");
    b.clear();
    for (int p = start; p < std::min(n_ctx, start + n_batch); ++p) b.add(toks[p], p, 0, p >= first && p < n_ctx - 1);
    OSP_RETURN_IF_ERROR(m.forward(b, kv, pool, &step));
    out->insert(out->end(), step.begin(), step.end());
  }
  return base::ok_status();
}

}  // namespace

std::vector<int32_t> perplexity_tokens(const model::Model& m, const std::string& text) {
  return m.tokenizer().encode(text, /*add_special=*/true, /*parse_special=*/false);
}

Result<PerplexityResult> run_perplexity(model::Model& m, const std::vector<int32_t>& tokens,
                                        const PerplexityParams& params,
                                        const std::function<void(const ChunkProgress&)>& on_chunk) {
  OSP_ASSIGN_OR_RETURN(Setup s, make_setup(m, tokens, params));
  const int n_vocab = m.hparams().n_vocab, n_ctx = s.n_ctx, first = n_ctx / 2;
  OSP_ASSIGN_OR_RETURN(auto kv, model::KvCache::create(m.kv_params(n_ctx, params.kv_type)));
  base::ThreadPool pool(params.n_threads);
  base::Stopwatch sw;
  Moments nll;
  KlAccumulator kl;
  KlBaseRecord rec;
  std::vector<float> logits;
  std::vector<int32_t> window(static_cast<size_t>(n_ctx)), order(static_cast<size_t>(n_vocab));
  for (int c = 0; c < s.n_chunks; ++c) {
    std::copy_n(s.tokens.begin() + static_cast<size_t>(c) * n_ctx, n_ctx, window.begin());
    if (s.bos_first) window[0] = m.tokenizer().bos_id();
    OSP_RETURN_IF_ERROR(window_logits(m, window.data(), n_ctx, params.n_batch, *kv, pool, params.cancel, &logits));
    for (int j = 0; j < n_ctx - 1 - first; ++j) {
      const float* row = logits.data() + static_cast<size_t>(j) * n_vocab;
      const double lse = log_sum_exp(row, n_vocab);
      const float lp_next = static_cast<float>(row[window[first + j + 1]] - lse);
      nll.add(-static_cast<double>(lp_next));
      if (s.writer) {
        std::iota(order.begin(), order.end(), 0);
        std::partial_sort(order.begin(), order.begin() + s.top_k, order.end(),
                          [row](int32_t a, int32_t b) { return row[a] != row[b] ? row[a] > row[b] : a < b; });
        rec.ids.assign(order.begin(), order.begin() + s.top_k);
        rec.logprobs.resize(s.top_k);
        for (uint32_t i = 0; i < s.top_k; ++i) rec.logprobs[i] = static_cast<float>(row[rec.ids[i]] - lse);
        rec.logprob_next = lp_next;
        rec.logprob_rest = rest_logprob(rec.logprobs.data(), s.top_k, static_cast<size_t>(n_vocab));
        OSP_RETURN_IF_ERROR(s.writer->write(rec));
      }
      if (s.reader) {
        OSP_RETURN_IF_ERROR(s.reader->read(&rec));
        kl.add(row, n_vocab, lse, lp_next, rec);
      }
    }
    if (on_chunk) on_chunk({c + 1, s.n_chunks, ppl_of(nll).value, kl.running_kl(), sw.elapsed_s()});
  }
  if (s.writer) OSP_RETURN_IF_ERROR(s.writer->commit());
  PerplexityResult r;
  r.n_ctx = n_ctx;
  r.n_chunks = s.n_chunks;
  r.n_scored = nll.n;
  r.ppl = ppl_of(nll);
  if (s.reader) r.kl = kl.result();
  return r;
}

}  // namespace osprey::runtime
