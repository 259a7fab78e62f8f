#include "src/runtime/sampler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

namespace osprey::runtime {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

bool by_logit_desc(const auto& a, const auto& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

// Probabilities at temperature 1 over the candidates (sorted or not).
template <typename C>
void softmax_candidates(std::vector<C>& c) {
  float mx = kNegInf;
  for (const auto& x : c) mx = std::max(mx, x.logit);
  double sum = 0.0;
  for (auto& x : c) {
    x.p = std::exp(x.logit - mx);
    sum += x.p;
  }
  for (auto& x : c) x.p = static_cast<float>(x.p / sum);
}

}  // namespace

Status validate(const SamplingParams& p, int32_t n_vocab) {
  auto in01 = [](const char* name, float v) -> Status {
    if (!(v >= 0.0f && v <= 1.0f))
      return base::invalid_argument(fmt::format("{} = {}: expected a value in [0, 1]", name, v));
    return base::ok_status();
  };
  if (!std::isfinite(p.temperature))
    return base::invalid_argument(fmt::format("temperature = {}: expected a finite number", p.temperature));
  OSP_RETURN_IF_ERROR(in01("top_p", p.top_p));
  OSP_RETURN_IF_ERROR(in01("min_p", p.min_p));
  OSP_RETURN_IF_ERROR(in01("typical_p", p.typical_p));
  if (!(p.repeat_penalty > 0.0f) || !std::isfinite(p.repeat_penalty))
    return base::invalid_argument(fmt::format("repeat_penalty = {}: expected > 0", p.repeat_penalty));
  if (p.repeat_last_n < -1)
    return base::invalid_argument(fmt::format("repeat_last_n = {}: expected >= -1", p.repeat_last_n));
  if (!std::isfinite(p.presence_penalty) || !std::isfinite(p.frequency_penalty))
    return base::invalid_argument(fmt::format("presence_penalty = {}, frequency_penalty = {}: expected finite",
                                              p.presence_penalty, p.frequency_penalty));
  for (const auto& [id, bias] : p.logit_bias) {
    if (id < 0 || id >= n_vocab)
      return base::invalid_argument(fmt::format("logit_bias token {}: expected 0..{}", id, n_vocab - 1));
    if (std::isnan(bias) || bias == std::numeric_limits<float>::infinity())
      return base::invalid_argument(fmt::format("logit_bias of token {} = {}: expected a number or -inf", id, bias));
  }
  return base::ok_status();
}

Sampler::Sampler(const SamplingParams& params, int32_t n_vocab, int32_t eos_id)
    : params_(params), n_vocab_(n_vocab), eos_id_(eos_id) {
  seed_ = params_.seed == 0xFFFFFFFF ? (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}()
                                     : params_.seed;
  rng_.seed(seed_);
}

void Sampler::reset() {
  history_.clear();
  rng_.seed(seed_);
}

void Sampler::accept(int32_t token) {
  if (params_.repeat_last_n == 0) return;
  history_.push_back(token);
  if (params_.repeat_last_n > 0)
    while (history_.size() > static_cast<size_t>(params_.repeat_last_n)) history_.pop_front();
}

void Sampler::apply_bias_and_penalties(std::vector<float>& l) const {
  for (const auto& [id, bias] : params_.logit_bias)
    if (id >= 0 && id < n_vocab_) l[id] += bias;
  const bool penalize = params_.repeat_penalty != 1.0f || params_.presence_penalty != 0.0f ||
                        params_.frequency_penalty != 0.0f;
  if (penalize && !history_.empty()) {
    std::unordered_map<int32_t, int> count;
    for (int32_t t : history_)
      if (t >= 0 && t < n_vocab_) ++count[t];
    const float rp = params_.repeat_penalty > 0.0f ? params_.repeat_penalty : 1.0f;
    for (const auto& [id, n] : count) {
      float& x = l[id];
      x = x > 0.0f ? x / rp : x * rp;
      x -= static_cast<float>(n) * params_.frequency_penalty + params_.presence_penalty;
    }
  }
  if (params_.ignore_eos && eos_id_ >= 0 && eos_id_ < n_vocab_) l[eos_id_] = kNegInf;
}

void Sampler::top_k(std::vector<Candidate>& c) const {
  const int k = params_.top_k;
  if (k <= 0 || static_cast<size_t>(k) >= c.size()) {
    std::sort(c.begin(), c.end(), by_logit_desc<Candidate, Candidate>);
    return;
  }
  std::partial_sort(c.begin(), c.begin() + k, c.end(), by_logit_desc<Candidate, Candidate>);
  c.resize(static_cast<size_t>(k));
}

void Sampler::typical(std::vector<Candidate>& c) const {
  if (params_.typical_p >= 1.0f || c.size() <= 1) return;
  softmax_candidates(c);
  double entropy = 0.0;
  for (const auto& x : c)
    if (x.p > 0.0f) entropy -= x.p * std::log(static_cast<double>(x.p));
  std::vector<std::pair<double, size_t>> score(c.size());  // |surprise - entropy|, index
  for (size_t i = 0; i < c.size(); ++i) {
    const double surprise = c[i].p > 0.0f ? -std::log(static_cast<double>(c[i].p)) : 1e30;
    score[i] = {std::fabs(surprise - entropy), i};
  }
  std::stable_sort(score.begin(), score.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Candidate> kept;
  double cum = 0.0;
  for (const auto& [s, i] : score) {
    kept.push_back(c[i]);
    cum += c[i].p;
    if (cum >= params_.typical_p) break;
  }
  std::sort(kept.begin(), kept.end(), by_logit_desc<Candidate, Candidate>);
  c = std::move(kept);
}

void Sampler::top_p(std::vector<Candidate>& c) const {
  if (params_.top_p >= 1.0f || c.size() <= 1) return;
  softmax_candidates(c);  // c is sorted by logit, so by probability
  double cum = 0.0;
  size_t keep = c.size();
  for (size_t i = 0; i < c.size(); ++i) {
    cum += c[i].p;
    if (cum >= params_.top_p) {
      keep = i + 1;
      break;
    }
  }
  c.resize(keep);
}

void Sampler::min_p(std::vector<Candidate>& c) const {
  if (params_.min_p <= 0.0f || c.size() <= 1) return;
  softmax_candidates(c);
  float p_max = 0.0f;
  for (const auto& x : c) p_max = std::max(p_max, x.p);
  const float threshold = params_.min_p * p_max;
  std::vector<Candidate> kept;
  for (const auto& x : c)
    if (x.p >= threshold) kept.push_back(x);
  if (!kept.empty()) c = std::move(kept);
}

int32_t Sampler::draw(std::vector<Candidate>& c) {
  const float t = params_.temperature;
  float mx = kNegInf;
  for (const auto& x : c) mx = std::max(mx, x.logit);
  double sum = 0.0;
  for (auto& x : c) {
    x.p = static_cast<float>(std::exp((static_cast<double>(x.logit) - mx) / t));
    sum += x.p;
  }
  // 53 random bits → a double in [0, 1): the same on every platform, unlike std distributions.
  const double u = static_cast<double>(rng_() >> 11) * (1.0 / 9007199254740992.0) * sum;
  double cum = 0.0;
  for (const auto& x : c) {
    cum += x.p;
    if (u < cum) return x.id;
  }
  return c.back().id;
}

int32_t Sampler::sample(const float* logits) {
  work_.assign(logits, logits + n_vocab_);
  apply_bias_and_penalties(work_);
  if (params_.temperature <= 0.0f) {
    int32_t best = 0;
    for (int32_t i = 1; i < n_vocab_; ++i)
      if (work_[i] > work_[best]) best = i;
    return best;
  }
  cand_.clear();
  for (int32_t i = 0; i < n_vocab_; ++i)
    if (work_[i] > kNegInf && !std::isnan(work_[i])) cand_.push_back({i, work_[i], 0.0f});
  if (cand_.empty()) return 0;  // everything banned: token 0 is as good as any
  top_k(cand_);
  typical(cand_);
  top_p(cand_);
  min_p(cand_);
  return draw(cand_);
}

}  // namespace osprey::runtime
