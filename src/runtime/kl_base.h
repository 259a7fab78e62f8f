// The KL-divergence base file of `osprey perplexity --kl-divergence-base`: what a later run with
// --kl-divergence needs from the base model, and nothing more. Little-endian:
//
//   char[8] magic "OSPKLB1\0" | u32 version (1) | u32 n_vocab | u32 n_ctx | u32 n_chunks
//   u32 top_k | u32 flags (bit 0: BOS replaced the first token of each chunk) | u32 n_tokens
//   i32 tokens[n_tokens]                        the evaluated text, n_chunks * n_ctx tokens
//   then, for each chunk and each scored position (n_ctx - 1 - n_ctx / 2 per chunk, in order):
//     f32 logprob of the token that follows     (for the base perplexity and delta-p)
//     f32 log of the probability outside top_k  (-inf when top_k covers the vocabulary)
//     i32 ids[top_k]                            the base model's most likely tokens, descending
//     f32 logprobs[top_k]                       their log-probabilities (log-softmax over all)
//
// KL divergence is computed over the top_k tokens plus one bucket for the rest (a lower bound of
// the full-vocabulary KL, equal to it when top_k = n_vocab).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "src/base/status.h"

namespace osprey::runtime {

struct KlBaseHeader {
  uint32_t n_vocab = 0;
  uint32_t n_ctx = 0;
  uint32_t n_chunks = 0;
  uint32_t top_k = 0;
  bool bos_first = false;
  std::vector<int32_t> tokens;  // n_chunks * n_ctx
  uint32_t scored_per_chunk() const { return n_ctx - 1 - n_ctx / 2; }
};

struct KlBaseRecord {
  float logprob_next = 0;
  float logprob_rest = 0;
  std::vector<int32_t> ids;
  std::vector<float> logprobs;
};

// Writes path + ".tmp"; commit() renames it to path. Destroying an uncommitted writer removes the
// temporary file.
class KlBaseWriter {
 public:
  static Result<std::unique_ptr<KlBaseWriter>> create(const std::string& path, const KlBaseHeader& header);
  ~KlBaseWriter();
  Status write(const KlBaseRecord& r);
  Status commit();

 private:
  KlBaseWriter() = default;
  std::string path_, tmp_;
  std::FILE* f_ = nullptr;
  uint32_t top_k_ = 0;
};

class KlBaseReader {
 public:
  // Reads and checks the header (sizes against the file length).
  static Result<std::unique_ptr<KlBaseReader>> open(const std::string& path);
  ~KlBaseReader();
  const KlBaseHeader& header() const { return header_; }
  Status read(KlBaseRecord* r);

 private:
  KlBaseReader() = default;
  std::string path_;
  std::FILE* f_ = nullptr;
  KlBaseHeader header_;
};

// log(1 - sum(exp(logprobs))), the log-probability outside a set of tokens; -inf when none is left.
double log_rest(const float* logprobs, size_t n);

}  // namespace osprey::runtime
