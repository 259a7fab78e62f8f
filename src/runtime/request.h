// What a client asks of the engine (GenerationRequest) and what the engine reports back (Event).
// A request is the API object; the engine turns it into one Sequence per choice (sequence.h).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "src/base/status.h"
#include "src/runtime/sampler.h"

namespace osprey::runtime {

using RequestId = uint64_t;

struct GenerationRequest {
  std::vector<int32_t> prompt;      // token ids, used exactly as given (BOS is the caller's choice)
  SamplingParams sampling;          // per choice i the seed is sampling.seed + i (unless random)
  int max_tokens = -1;              // generated tokens per choice; < 0: until the slot's context is full
  std::vector<std::string> stop;    // stop strings: never part of the output, matched across tokens
  int n_choices = 1;                // independent continuations of the same prompt (each takes a slot)
  bool logprobs = false;            // report the log-probability of each chosen token
  int top_logprobs = 0;             // also the k most likely tokens at each step (implies logprobs)
  bool cache_prompt = true;         // reuse a slot's cached prefix of this prompt
};

enum class FinishReason {
  kNone,
  kEog,         // an end-of-generation token (not part of the text)
  kStopString,  // a stop string (not part of the text)
  kLength,      // max_tokens, or the slot's context is full
};
// "stop" or "length" (OpenAI's finish_reason).
const char* finish_reason_name(FinishReason r);

struct TokenLogprob {
  int32_t id = 0;
  float logprob = 0;  // log-softmax of the raw logits (before bias, penalties, temperature)
};

struct TokenOutput {
  int32_t id = 0;
  float logprob = 0;               // set when logprobs or top_logprobs were asked for
  std::vector<TokenLogprob> top;   // top_logprobs alternatives, most likely first
};

struct RequestStats {
  int slot = -1;            // the slot of choice 0
  int n_prompt = 0;         // prompt tokens
  int n_cached = 0;         // of them reused from the slot's cache (not evaluated again)
  std::vector<int> n_generated;  // per choice, end-of-generation tokens included
  double queue_ms = 0;      // arrival → admission to a slot
  double prompt_ms = 0;     // admission → the prompt's logits
  double generation_ms = 0; // the prompt's logits → the last choice finished
  int total_generated() const {
    int n = 0;
    for (int g : n_generated) n += g;
    return n;
  }
};

// What the engine reports. Per request, in order: kToken / kChoiceEnd events (each choice ends
// exactly once), then exactly one terminal event: kDone, or kError (also for a cancelled request,
// with code kCancelled). Nothing follows the terminal event.
struct Event {
  enum class Kind { kToken, kChoiceEnd, kDone, kError };
  Kind kind = Kind::kToken;
  int choice = 0;
  std::string text;        // kToken: text released with this token (may be empty: held back while it
                           // could still begin a stop string or a UTF-8 character); kChoiceEnd: the rest
  TokenOutput token;       // kToken
  FinishReason finish = FinishReason::kNone;  // kChoiceEnd
  std::string stop_word;   // kChoiceEnd with kStopString
  RequestStats stats;      // kDone, kError
  Status status;           // kError
};

// Runs on the engine's step thread: it must be quick and must not block. It may call the engine's
// submit() and cancel() (the engine never holds its queue lock while it runs callbacks).
using EventCallback = std::function<void(const Event&)>;

}  // namespace osprey::runtime
