// VocabData from GGUF `tokenizer.ggml.*` metadata.
#include <fmt/format.h>

#include "src/gguf/gguf_reader.h"
#include "src/tokenizer/loaders.h"
#include "src/tokenizer/pretokenizer.h"

namespace osprey::tokenizer {

namespace {

// Reads an optional token id key into `id` (left unchanged when the key is absent).
Status read_id(const gguf::GgufFile& f, std::string_view key, int32_t& id) {
  if (!f.has(key)) return base::ok_status();
  OSP_ASSIGN_OR_RETURN(int64_t x, f.get_int(key));
  if (x == 0xFFFFFFFF) x = -1;  // u32 keys spell "no token" as -1 cast to u32 (stories260K's pad id)
  if (x < -1 || x > INT32_MAX)
    return base::out_of_range(fmt::format("key '{}': expected a token id (-1 or 0..2^31-1), got {}", key, x));
  id = static_cast<int32_t>(x);
  return base::ok_status();
}

Status read_bool(const gguf::GgufFile& f, std::string_view key, bool& b) {
  if (!f.has(key)) return base::ok_status();
  OSP_ASSIGN_OR_RETURN(b, f.get_bool(key));
  return base::ok_status();
}

// Drops ids that point outside the vocabulary for tokens a model can do without.
void drop_out_of_range(int32_t& id, size_t n) {
  if (id >= 0 && static_cast<size_t>(id) >= n) id = -1;
}

Status read_merges(const gguf::GgufFile& f, VocabData& v) {
  OSP_ASSIGN_OR_RETURN(std::vector<std::string> merges, f.get_string_array("tokenizer.ggml.merges"));
  v.merges.reserve(merges.size());
  for (size_t i = 0; i < merges.size(); ++i) {
    const std::string& m = merges[i];
    const size_t sp = m.find(' ', 1);  // a merge's first part may itself start with a space
    if (sp == std::string::npos)
      return base::invalid_argument(
          fmt::format("tokenizer.ggml.merges[{}]: expected \"left right\", got \"{}\"", i, m));
    v.merges.emplace_back(m.substr(0, sp), m.substr(sp + 1));
  }
  return base::ok_status();
}

Status read_tokens(const gguf::GgufFile& f, VocabData& v) {
  OSP_ASSIGN_OR_RETURN(v.tokens, f.get_string_array("tokenizer.ggml.tokens"));
  const size_t n = v.tokens.size();
  if (f.has("tokenizer.ggml.scores")) {
    OSP_ASSIGN_OR_RETURN(v.scores, f.get_float_array("tokenizer.ggml.scores"));
  }
  if (f.has("tokenizer.ggml.token_type")) {
    OSP_ASSIGN_OR_RETURN(std::vector<int32_t> types, f.get_int_array("tokenizer.ggml.token_type"));
    if (types.size() != n)
      return base::invalid_argument(fmt::format(
          "tokenizer.ggml.token_type: expected {} entries (one per token), got {}", n, types.size()));
    v.types.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      if (types[i] < 1 || types[i] > 6)
        return base::out_of_range(
            fmt::format("tokenizer.ggml.token_type[{}]: expected 1..6, got {}", i, types[i]));
      v.types.push_back(static_cast<TokenType>(types[i]));
    }
  }
  return base::ok_status();
}

Status read_special_ids(const gguf::GgufFile& f, VocabData& v) {
  OSP_RETURN_IF_ERROR(read_id(f, "tokenizer.ggml.bos_token_id", v.bos_id));
  OSP_RETURN_IF_ERROR(read_id(f, "tokenizer.ggml.eos_token_id", v.eos_id));
  OSP_RETURN_IF_ERROR(read_id(f, "tokenizer.ggml.unknown_token_id", v.unk_id));
  OSP_RETURN_IF_ERROR(read_id(f, "tokenizer.ggml.padding_token_id", v.pad_id));
  OSP_RETURN_IF_ERROR(read_id(f, "tokenizer.ggml.eot_token_id", v.eot_id));
  OSP_RETURN_IF_ERROR(read_id(f, "tokenizer.ggml.eom_token_id", v.eom_id));
  OSP_RETURN_IF_ERROR(read_id(f, "tokenizer.ggml.seperator_token_id", v.sep_id));  // sic, the GGUF key
  OSP_RETURN_IF_ERROR(read_id(f, "tokenizer.ggml.separator_token_id", v.sep_id));
  OSP_RETURN_IF_ERROR(read_id(f, "tokenizer.ggml.cls_token_id", v.cls_id));
  OSP_RETURN_IF_ERROR(read_id(f, "tokenizer.ggml.mask_token_id", v.mask_id));
  const size_t n = v.tokens.size();
  for (int32_t* id : {&v.unk_id, &v.pad_id, &v.eot_id, &v.eom_id, &v.sep_id, &v.cls_id, &v.mask_id})
    drop_out_of_range(*id, n);
  return base::ok_status();  // bos/eos out of range are refused by validate_vocab
}

// Defaults per model family where the GGUF leaves keys out.
void apply_model_defaults(VocabData& v) {
  const auto n = static_cast<int32_t>(v.tokens.size());
  auto def = [n](int32_t& id, int32_t value) {
    if (id < 0 && value < n) id = value;
  };
  if (v.model == VocabModel::kSpm) {
    def(v.unk_id, 0);
    def(v.bos_id, 1);
    def(v.eos_id, 2);
    v.add_bos = true;
    v.add_space_prefix = true;
  } else if (v.model == VocabModel::kWpm) {
    def(v.unk_id, 100);
    def(v.cls_id, 101);
    def(v.sep_id, 102);
    if (v.bos_id < 0) v.bos_id = v.cls_id;
    if (v.eos_id < 0) v.eos_id = v.sep_id;
    v.add_bos = v.add_eos = true;
  }
}

}  // namespace

Result<VocabData> vocab_from_gguf(const gguf::GgufFile& f) {
  VocabData v;
  OSP_ASSIGN_OR_RETURN(std::string model, f.get_string("tokenizer.ggml.model"));
  if (model == "llama") v.model = VocabModel::kSpm;
  else if (model == "gpt2") v.model = VocabModel::kBpe;
  else if (model == "bert") v.model = VocabModel::kWpm;
  else
    return base::unimplemented(fmt::format(
        "tokenizer.ggml.model '{}' is not supported (expected llama, gpt2 or bert)", model));
  OSP_RETURN_IF_ERROR(read_tokens(f, v));
  if (v.model == VocabModel::kBpe) OSP_RETURN_IF_ERROR(read_merges(f, v));
  OSP_RETURN_IF_ERROR(read_special_ids(f, v));
  apply_model_defaults(v);
  OSP_RETURN_IF_ERROR(read_bool(f, "tokenizer.ggml.add_bos_token", v.add_bos));
  OSP_RETURN_IF_ERROR(read_bool(f, "tokenizer.ggml.add_eos_token", v.add_eos));
  if (v.model == VocabModel::kSpm)
    OSP_RETURN_IF_ERROR(read_bool(f, "tokenizer.ggml.add_space_prefix", v.add_space_prefix));
  if (v.model == VocabModel::kBpe) {
    if (f.has("tokenizer.ggml.pre")) {
      OSP_ASSIGN_OR_RETURN(v.pre, f.get_string("tokenizer.ggml.pre"));
    }
    OSP_ASSIGN_OR_RETURN(PreTokenizerPreset preset, pre_tokenizer_preset(v.pre));
    v.pre_regexes = preset.regexes;
    v.ignore_merges = preset.ignore_merges;
  }
  return v;
}

}  // namespace osprey::tokenizer
