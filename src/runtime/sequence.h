// Engine-side state of a request (ActiveRequest) and of each of its choices (ChoiceState, one KV
// sequence each), and the slots they run in. Owned and touched by the step thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "src/runtime/request.h"
#include "src/runtime/sampler.h"
#include "src/runtime/stop_matcher.h"
#include "src/tokenizer/utf8.h"

namespace osprey::runtime {

struct ChoiceState {
  int index = 0;
  int slot = -1;                     // also the KV sequence id
  std::unique_ptr<Sampler> sampler;  // created when the prompt's logits are ready
  tokenizer::Utf8Sanitizer utf8;     // whole characters only
  StopMatcher stop;
  int32_t pending = -1;              // sampled, not yet in the KV cache (fed at the next step)
  int n_generated = 0;
  bool done = false;
  int64_t t_last_token_us = 0;
};

struct ActiveRequest {
  RequestId id = 0;
  GenerationRequest req;
  EventCallback cb;
  int64_t t_arrival_us = 0;
  int64_t t_admit_us = 0;
  int64_t t_prompt_done_us = 0;
  bool first_token_seen = false;
  bool prefilling = true;            // choice 0's slot is still taking the prompt
  int n_cached = 0;                  // prompt tokens reused from the slot's cache
  std::vector<ChoiceState> choices;
  int n_done = 0;
  bool ended = false;                // the terminal event went out; removed at the end of the step
};

struct Slot {
  int id = 0;
  std::vector<int32_t> tokens;       // exactly the tokens whose K/V the cache holds for sequence `id`
  ActiveRequest* owner = nullptr;
  int choice = -1;
  int64_t last_used_us = 0;
  int last_n_prompt = 0;             // for /slots after the request ended
  int last_n_generated = 0;
};

}  // namespace osprey::runtime
