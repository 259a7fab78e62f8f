#include "src/runtime/logprobs.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace osprey::runtime {

double log_sum_exp(const float* logits, int32_t n) {
  float mx = -std::numeric_limits<float>::infinity();
  for (int32_t i = 0; i < n; ++i) mx = std::max(mx, logits[i]);
  if (!std::isfinite(mx)) return mx;
  double sum = 0.0;
  for (int32_t i = 0; i < n; ++i) sum += std::exp(static_cast<double>(logits[i]) - mx);
  return mx + std::log(sum);
}

TokenOutput token_logprobs(const float* logits, int32_t n, int32_t id, int k) {
  TokenOutput out;
  out.id = id;
  double lse = log_sum_exp(logits, n);
  out.logprob = id >= 0 && id < n ? static_cast<float>(logits[id] - lse) : -std::numeric_limits<float>::infinity();
  k = std::clamp(k, 0, static_cast<int>(n));
  if (k == 0) return out;
  std::vector<int32_t> ids(static_cast<size_t>(n));
  std::iota(ids.begin(), ids.end(), 0);
  std::partial_sort(ids.begin(), ids.begin() + k, ids.end(), [&](int32_t a, int32_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  out.top.reserve(static_cast<size_t>(k));
  for (int i = 0; i < k; ++i) out.top.push_back({ids[i], static_cast<float>(logits[ids[i]] - lse)});
  return out;
}

}  // namespace osprey::runtime
