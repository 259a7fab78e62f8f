// Single-sequence generation (what `osprey run` does): prefill a prompt, then sample and stream
// text until n_predict tokens, an end-of-generation token or a full context.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "include/osprey/model.h"

namespace osprey {

struct GenerateParams {
  int n_predict = 128;      // tokens to generate; < 0: until end of text or a full context
  int n_batch = 512;        // prompt tokens per forward step
  int n_threads = 0;        // 0: all cores
  int n_threads_batch = 0;  // threads for the prompt (0: as n_threads)
  bool add_bos = true;      // add the model's BOS token (when it wants one)
  tensor::DType kv_type = tensor::DType::kF16;
  SamplingParams sampling;
};

struct GenerateStats {
  int n_prompt = 0;
  int n_generated = 0;
  double prompt_ms = 0;
  double generate_ms = 0;
  std::string stop_reason;  // "length", "eog", "context", "callback"
};

// Calls on_text with each chunk of valid UTF-8 as it becomes complete (the prompt is not echoed; a
// continuation keeps its leading space). on_text returning false stops generation.
Result<GenerateStats> generate(Model& model, const std::string& prompt, const GenerateParams& params,
                               const std::function<bool(std::string_view)>& on_text);

}  // namespace osprey
