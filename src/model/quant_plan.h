// Quantization mixes and the per-tensor type plan: which type every tensor of a model gets for a
// mix such as Q4_K_M. The rules are the GGUF ecosystem's (what llama-quantize does without an
// importance matrix): 1-D tensors and norms stay as they are; the output head gets Q6_K (Q8_0 when
// its rows do not fit 256-blocks); the _S/_M/_L mixes give attn_v, ffn_down and attn_output more
// bits in chosen layers; a row length that does not fit the block size falls back to a compatible
// type, and the plan says so.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/base/status.h"
#include "src/tensor/dtype.h"

namespace osprey::gguf {
class GgufFile;
}

namespace osprey::model {

enum class QuantMix {
  kF32, kF16, kBF16, kQ4_0, kQ4_1, kQ5_0, kQ5_1, kQ8_0, kQ2_K,
  kQ3_K_S, kQ3_K_M, kQ3_K_L, kQ4_K_S, kQ4_K_M, kQ5_K_S, kQ5_K_M, kQ6_K,
};

struct QuantMixInfo {
  QuantMix mix;
  const char* name;        // "Q4_K_M"
  uint32_t file_type;      // the llama-ecosystem id written to general.file_type (llama_ftype)
  tensor::DType base;      // the type most tensors get
};

// Every mix, in the order `osprey quantize --help` lists them.
const std::vector<QuantMixInfo>& quant_mixes();
const QuantMixInfo& quant_mix_info(QuantMix mix);
// Case-insensitive; also accepts the aliases Q3_K (= Q3_K_M), Q4_K (= Q4_K_M), Q5_K (= Q5_K_M).
std::optional<QuantMixInfo> find_quant_mix(std::string_view name);
// "F32, F16, BF16, Q8_0, ..." for messages.
std::string quant_mix_names();

struct QuantPlanOptions {
  QuantMix mix = QuantMix::kQ4_K_M;
  bool pure = false;                               // every quantizable tensor gets the base type
  std::optional<tensor::DType> output_type;        // type of output.weight (or tied token_embd)
  std::optional<tensor::DType> token_embd_type;    // type of token_embd.weight
  bool leave_output = false;                       // copy output.weight unchanged
  bool allow_requantize = false;                   // allow converting already quantized tensors
};

// What the rules need to know about the model (from the GGUF metadata).
struct QuantModelFacts {
  std::string arch;    // general.architecture
  int n_head = 0;      // 0 when unknown
  int n_head_kv = 0;   // 0 when unknown
  int n_expert = 0;
  int n_layer = 0;     // block_count, 0 when unknown
  int n_gqa() const { return n_head > 0 && n_head_kv > 0 ? n_head / n_head_kv : 1; }
};
Result<QuantModelFacts> quant_model_facts(const gguf::GgufFile& file);

struct TensorDesc {
  std::string name;
  tensor::DType type;
  std::vector<int64_t> shape;  // GGUF order, ne[0] (the row length) first
};
std::vector<TensorDesc> tensor_descs(const gguf::GgufFile& file);

// The role a tensor plays, from its name (blk.N.attn_v.weight -> kAttnV).
enum class TensorRole {
  kTokenEmbd, kOutput, kAttnQ, kAttnK, kAttnV, kAttnQkv, kAttnOutput, kFfnGate, kFfnUp, kFfnDown, kOther,
};
TensorRole tensor_role(std::string_view name);
// Layer index of "blk.N.*", or -1.
int tensor_layer(std::string_view name);

struct TensorPlan {
  std::string name;
  std::vector<int64_t> shape;
  tensor::DType from;
  tensor::DType to;
  bool convert = false;  // false: the bytes are copied unchanged (to == from)
  std::string note;      // a fallback the plan made, e.g. "row length 896 is not a multiple of 256 (Q4_K): Q5_0"
};

// The type of every tensor. Fails, naming the tensor and its type, for a quantized input tensor
// that would be converted without allow_requantize, and for an input type osprey cannot convert.
Result<std::vector<TensorPlan>> plan_quantization(const std::vector<TensorDesc>& tensors,
                                                  const QuantModelFacts& facts,
                                                  const QuantPlanOptions& options);

}  // namespace osprey::model
