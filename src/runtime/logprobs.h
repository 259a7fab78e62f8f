// Log-probabilities of the raw logits: log-softmax over the whole vocabulary, and the k most likely.
#pragma once

#include <cstdint>
#include <vector>

#include "src/runtime/request.h"

namespace osprey::runtime {

// log(sum(exp(logits))) computed stably; -inf entries are fine.
double log_sum_exp(const float* logits, int32_t n_vocab);
// The logprob of `id` and of the k most likely tokens (descending, lowest id first on ties).
TokenOutput token_logprobs(const float* logits, int32_t n_vocab, int32_t id, int k);

}  // namespace osprey::runtime
