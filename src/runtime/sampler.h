// Token sampling: a fixed chain of logit transforms and filters, then a seeded draw.
//
// The chain, in order (each stage is skipped when its parameter has the "off" value):
//   1. logit_bias          logit[id] += bias (a bias of -inf bans the token)
//   2. penalties           over the last repeat_last_n accepted tokens (prompt included):
//                          repeat (logit > 0 ? logit / r : logit * r), then
//                          frequency (- count * f) and presence (- p if count > 0)
//   3. ignore_eos          logit[eos] = -inf
//   4. greedy              when temperature <= 0: the argmax (lowest id on ties); stop here
//   5. top_k               keep the k largest logits (k <= 0: off)
//   6. typical_p           locally typical sampling (1: off)
//   7. top_p               nucleus: the smallest prefix of the sorted candidates whose
//                          probability reaches p (1: off)
//   8. min_p               keep tokens with p >= min_p * p_max (0: off)
//   9. temperature         logits / temperature, softmax over the survivors
//  10. draw                one uniform number from the sampler's mt19937_64 generator
// Stages 6-8 use probabilities at temperature 1 over the candidates left by the previous stage,
// and each keeps at least one token. The same seed, parameters and inputs give the same tokens.
#pragma once

#include <cstdint>
#include <deque>
#include <random>
#include <utility>
#include <vector>

#include "src/base/status.h"

namespace osprey::runtime {

struct SamplingParams {
  float temperature = 0.8f;    // <= 0: greedy
  int top_k = 40;              // <= 0: off
  float top_p = 0.95f;         // 1: off
  float min_p = 0.05f;         // 0: off
  float typical_p = 1.0f;      // 1: off
  float repeat_penalty = 1.0f; // 1: off
  int repeat_last_n = 64;      // penalty window in tokens; 0: off, -1: the whole history
  float presence_penalty = 0;  // 0: off
  float frequency_penalty = 0; // 0: off
  std::vector<std::pair<int32_t, float>> logit_bias;  // (token id, added to its logit)
  uint64_t seed = 0xFFFFFFFF;  // 0xFFFFFFFF: a random seed
  bool ignore_eos = false;     // bans eos_id
};

// Checks ranges (probabilities in [0, 1], temperature finite, bias ids below n_vocab ...) with a
// message naming the field, the expected range and the value. The sampler itself clamps instead.
Status validate(const SamplingParams& p, int32_t n_vocab);

class Sampler {
 public:
  // eos_id < 0: the model has none (ignore_eos then does nothing).
  Sampler(const SamplingParams& params, int32_t n_vocab, int32_t eos_id);

  // Picks a token from logits[0..n_vocab). Does not accept it: call accept() with the token kept.
  int32_t sample(const float* logits);
  // Adds a token to the penalty history (prompt tokens too).
  void accept(int32_t token);
  // Clears the history and restarts the generator from the seed.
  void reset();

  const SamplingParams& params() const { return params_; }
  uint64_t seed() const { return seed_; }  // the seed in use (drawn when params.seed was random)

 private:
  struct Candidate {
    int32_t id;
    float logit;
    float p;
  };
  void apply_bias_and_penalties(std::vector<float>& l) const;
  void top_k(std::vector<Candidate>& c) const;
  void typical(std::vector<Candidate>& c) const;
  void top_p(std::vector<Candidate>& c) const;
  void min_p(std::vector<Candidate>& c) const;
  int32_t draw(std::vector<Candidate>& c);

  SamplingParams params_;
  int32_t n_vocab_;
  int32_t eos_id_;
  uint64_t seed_;
  std::mt19937_64 rng_;
  std::deque<int32_t> history_;
  std::vector<float> work_;
  std::vector<Candidate> cand_;
};

}  // namespace osprey::runtime
