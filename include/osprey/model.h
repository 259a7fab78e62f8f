// osprey's public C++ API for models: load a GGUF model, evaluate batches of tokens of any number
// of sequences against a paged KV cache, and sample tokens from the logits.
//
//   auto model = osprey::Model::load("model.gguf", {}).value();
//   auto kv = osprey::KvCache::create(model->kv_params(4096)).value();
//   osprey::Batch batch;  batch.add(token, pos, seq, /*logits=*/true);
//   model->forward(batch, *kv, pool, &logits);   // logits: [n_wanted, n_vocab]
//
// The types live in src/model (Model, ModelParams, HParams, Batch, KvCache, KvCacheParams) and
// src/runtime (Sampler, SamplingParams); this header names them in namespace osprey.
#pragma once

#include "src/base/status.h"
#include "src/base/thread_pool.h"
#include "src/model/kv_cache.h"
#include "src/model/model.h"
#include "src/runtime/sampler.h"
#include "src/tokenizer/tokenizer.h"

namespace osprey {

using base::ThreadPool;
using model::Batch;
using model::HParams;
using model::KvCache;
using model::KvCacheParams;
using model::Model;
using model::ModelParams;
using runtime::Sampler;
using runtime::SamplingParams;
using tokenizer::StreamingDetokenizer;
using tokenizer::Tokenizer;

}  // namespace osprey
