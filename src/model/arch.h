// What one architecture provides. Each lives in src/model/archs/<name>.cpp and is listed once in
// src/model/registry.cpp. The model binds what every llama-family model shares (token_embd,
// output_norm, output or tied embeddings, rope_freqs) and runs the embedding and the output head;
// the architecture binds its layer weights and computes one layer from shared blocks.
#pragma once

#include <memory>

#include "src/base/status.h"
#include "src/model/forward_state.h"
#include "src/model/hparams.h"
#include "src/model/weights.h"

namespace osprey::gguf {
class GgufFile;
}

namespace osprey::model {

class Architecture {
 public:
  virtual ~Architecture() = default;
  // Sets what belongs to the architecture in `hp` (RoPE style, its own metadata keys).
  virtual Status configure(const gguf::GgufFile& file, HParams* hp) = 0;
  // Binds the weights of every layer.
  virtual Status bind(WeightBinder& w, const HParams& hp) = 0;
  // Runs layer `il` on st.s.x ([n_tokens, n_embd]) in place, appending its K/V to the cache.
  virtual void forward_layer(int il, ForwardState& st) const = 0;
};

}  // namespace osprey::model
