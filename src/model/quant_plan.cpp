#include "src/model/quant_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <utility>

#include "src/gguf/gguf_reader.h"
#include "src/kernels/ref/quants.h"

namespace osprey::model {

namespace {

using tensor::DType;

// Tensors that keep their type whatever the mix (besides 1-D tensors and norms).
constexpr std::string_view kNeverQuantized[] = {
    "_norm.weight", "ffn_gate_inp.weight", "pos_embd", "token_types", "ssm_conv1d", "attn_rel_b",
    "rope_freqs", "altup", "laurel",
};

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

int significant_dims(const std::vector<int64_t>& shape) {
  int n = static_cast<int>(shape.size());
  while (n > 1 && shape[n - 1] == 1) --n;
  return n;
}

bool is_quantizable(const TensorDesc& t, const QuantPlanOptions& o) {
  if (!ends_with(t.name, "weight") || significant_dims(t.shape) < 2) return false;
  for (std::string_view s : kNeverQuantized)
    if (t.name.find(s) != std::string::npos) return false;
  return !(o.leave_output && t.name == "output.weight");
}

// The ecosystem's "more bits here" layer pattern: the first and last eighth, and every third layer
// in between.
bool use_more_bits(int i, int n) { return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2; }

struct RuleInput {
  const TensorDesc& t;
  TensorRole role;
  int i = 0;  // rank among the tensors of the same role, by layer
  int n = 0;  // tensors of that role
};

class Rules {
 public:
  Rules(const QuantModelFacts& facts, const QuantPlanOptions& o, bool has_output)
      : f_(facts), o_(o), has_output_(has_output), base_(quant_mix_info(o.mix).base) {}

  DType choose(const RuleInput& in) const {
    const bool is_head = in.t.name == "output.weight" || (!has_output_ && in.role == TensorRole::kTokenEmbd);
    if (is_head) return output_type(in.t.shape[0]);
    switch (in.role) {
      case TensorRole::kTokenEmbd: return o_.token_embd_type.value_or(base_);
      case TensorRole::kAttnV: return attn_v(in.i, in.n);
      case TensorRole::kAttnK: return f_.n_expert == 8 ? DType::kQ8_0 : base_;
      case TensorRole::kFfnDown: return ffn_down(in.i, in.n);
      case TensorRole::kAttnOutput: return attn_output();
      case TensorRole::kAttnQkv: return attn_qkv();
      default: return base_;
    }
  }

 private:
  bool is(QuantMix m) const { return o_.mix == m; }
  bool falcon() const { return f_.arch == "falcon"; }

  DType output_type(int64_t row) const {
    if (o_.output_type) return *o_.output_type;
    if (falcon() || row % tensor::info(base_).block_size != 0) return DType::kQ8_0;
    return base_ == DType::kQ8_0 ? base_ : DType::kQ6_K;
  }

  DType attn_v(int i, int n) const {
    DType t = base_;
    if (is(QuantMix::kQ2_K)) t = f_.n_gqa() >= 4 ? DType::kQ4_K : DType::kQ3_K;
    else if (is(QuantMix::kQ3_K_M)) t = i < 2 ? DType::kQ5_K : DType::kQ4_K;
    else if (is(QuantMix::kQ3_K_L)) t = DType::kQ5_K;
    else if ((is(QuantMix::kQ4_K_M) || is(QuantMix::kQ5_K_M)) && use_more_bits(i, n)) t = DType::kQ6_K;
    else if (is(QuantMix::kQ4_K_S) && i < 4) t = DType::kQ5_K;
    if (f_.n_expert == 8) t = DType::kQ8_0;
    return t;
  }

  DType ffn_down(int i, int n) const {
    if (is(QuantMix::kQ2_K)) return DType::kQ3_K;
    if (is(QuantMix::kQ3_K_M)) {
      if (i < n / 16) return DType::kQ5_K;
      return !falcon() || use_more_bits(i, n) ? DType::kQ4_K : DType::kQ3_K;
    }
    if (is(QuantMix::kQ3_K_L)) return falcon() ? DType::kQ4_K : DType::kQ5_K;
    if (is(QuantMix::kQ4_K_M)) {
      if (!falcon()) return use_more_bits(i, n) ? DType::kQ6_K : base_;
      if (i < n / 16) return DType::kQ6_K;
      return use_more_bits(i, n) ? DType::kQ5_K : DType::kQ4_K;
    }
    if (is(QuantMix::kQ5_K_M) && use_more_bits(i, n)) return DType::kQ6_K;
    if (is(QuantMix::kQ4_K_S) && !falcon() && i < n / 8) return DType::kQ5_K;
    return base_;
  }

  DType attn_output() const {
    if (falcon()) return is(QuantMix::kQ3_K_L) ? DType::kQ4_K : base_;
    if (f_.n_expert == 8) {
      const bool low = is(QuantMix::kQ2_K) || is(QuantMix::kQ3_K_S) || is(QuantMix::kQ3_K_M) ||
                       is(QuantMix::kQ4_K_S) || is(QuantMix::kQ4_K_M);
      return low ? DType::kQ5_K : base_;
    }
    if (is(QuantMix::kQ2_K)) return DType::kQ3_K;
    if (is(QuantMix::kQ3_K_M)) return DType::kQ4_K;
    if (is(QuantMix::kQ3_K_L)) return DType::kQ5_K;
    return base_;
  }

  DType attn_qkv() const {
    if (is(QuantMix::kQ3_K_M) || is(QuantMix::kQ3_K_L)) return DType::kQ4_K;
    if (is(QuantMix::kQ4_K_M)) return DType::kQ5_K;
    if (is(QuantMix::kQ5_K_M)) return DType::kQ6_K;
    return base_;
  }

  const QuantModelFacts& f_;
  const QuantPlanOptions& o_;
  bool has_output_;
  DType base_;
};

// A type whose block fits rows of `row` elements: `t` itself, else the ecosystem's fallback for it
// (IQ4_NL, which osprey does not write, is replaced by Q4_0), else F16.
DType fit_row(DType t, int64_t row, std::string* note) {
  if (row % tensor::info(t).block_size == 0) return t;
  DType f = DType::kF16;
  switch (t) {
    case DType::kQ2_K:
    case DType::kQ3_K: f = DType::kQ4_0; break;
    case DType::kQ4_K: f = DType::kQ5_0; break;
    case DType::kQ5_K: f = DType::kQ5_1; break;
    case DType::kQ6_K: f = DType::kQ8_0; break;
    default: break;
  }
  if (row % tensor::info(f).block_size != 0) f = DType::kF16;
  *note = fmt::format("row length {} is not a multiple of {} ({}): using {}", row, tensor::info(t).block_size,
                      tensor::dtype_name(t), tensor::dtype_name(f));
  return f;
}

// Rank of every tensor among those of its role, ordered by layer then file position, and the count
// of that role. Mixture-of-experts models have several FFN tensors per layer: there the layer
// index and the layer count stand in.
std::vector<std::pair<int, int>> role_ranks(const std::vector<TensorDesc>& tensors, const QuantModelFacts& facts) {
  std::map<TensorRole, std::vector<std::pair<int, size_t>>> by_role;  // role -> (layer, index)
  for (size_t i = 0; i < tensors.size(); ++i)
    by_role[tensor_role(tensors[i].name)].emplace_back(tensor_layer(tensors[i].name), i);
  std::vector<std::pair<int, int>> ranks(tensors.size());
  for (auto& [role, list] : by_role) {
    std::stable_sort(list.begin(), list.end());
    for (size_t r = 0; r < list.size(); ++r)
      ranks[list[r].second] = {static_cast<int>(r), static_cast<int>(list.size())};
  }
  if (facts.n_expert > 1 && facts.n_layer > 0) {
    for (size_t i = 0; i < tensors.size(); ++i) {
      const TensorRole role = tensor_role(tensors[i].name);
      const bool ffn = role == TensorRole::kFfnDown || role == TensorRole::kFfnGate || role == TensorRole::kFfnUp;
      if (ffn && tensor_layer(tensors[i].name) >= 0) ranks[i] = {tensor_layer(tensors[i].name), facts.n_layer};
    }
  }
  return ranks;
}

Status check_convertible(const TensorPlan& p, const QuantPlanOptions& o) {
  if (!kernels::ref::has_ref(p.from) || !tensor::info(p.from).supported)
    return base::unimplemented(fmt::format(
        "tensor '{}' has type {}, which osprey cannot convert (input types it reads: F32, F16, BF16, "
        "Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K)",
        p.name, tensor::dtype_name(p.from)));
  if (tensor::info(p.from).is_quantized && !o.allow_requantize)
    return base::invalid_argument(fmt::format(
        "tensor '{}' is already quantized ({}); converting it to {} needs --allow-requantize "
        "(quality suffers: quantize from an F32/F16/BF16 model instead)",
        p.name, tensor::dtype_name(p.from), tensor::dtype_name(p.to)));
  return base::ok_status();
}

}  // namespace

const std::vector<QuantMixInfo>& quant_mixes() {
  static const std::vector<QuantMixInfo> kMixes = {
      {QuantMix::kF32, "F32", 0, DType::kF32},         {QuantMix::kF16, "F16", 1, DType::kF16},
      {QuantMix::kBF16, "BF16", 32, DType::kBF16},     {QuantMix::kQ8_0, "Q8_0", 7, DType::kQ8_0},
      {QuantMix::kQ4_0, "Q4_0", 2, DType::kQ4_0},      {QuantMix::kQ4_1, "Q4_1", 3, DType::kQ4_1},
      {QuantMix::kQ5_0, "Q5_0", 8, DType::kQ5_0},      {QuantMix::kQ5_1, "Q5_1", 9, DType::kQ5_1},
      {QuantMix::kQ2_K, "Q2_K", 10, DType::kQ2_K},     {QuantMix::kQ3_K_S, "Q3_K_S", 11, DType::kQ3_K},
      {QuantMix::kQ3_K_M, "Q3_K_M", 12, DType::kQ3_K}, {QuantMix::kQ3_K_L, "Q3_K_L", 13, DType::kQ3_K},
      {QuantMix::kQ4_K_S, "Q4_K_S", 14, DType::kQ4_K}, {QuantMix::kQ4_K_M, "Q4_K_M", 15, DType::kQ4_K},
      {QuantMix::kQ5_K_S, "Q5_K_S", 16, DType::kQ5_K}, {QuantMix::kQ5_K_M, "Q5_K_M", 17, DType::kQ5_K},
      {QuantMix::kQ6_K, "Q6_K", 18, DType::kQ6_K},
  };
  return kMixes;
}

const QuantMixInfo& quant_mix_info(QuantMix mix) {
  for (const QuantMixInfo& m : quant_mixes())
    if (m.mix == mix) return m;
  return quant_mixes().front();  // unreachable: every enumerator has a row
}

std::optional<QuantMixInfo> find_quant_mix(std::string_view name) {
  std::string n = upper(name);
  if (n == "Q3_K") n = "Q3_K_M";
  if (n == "Q4_K") n = "Q4_K_M";
  if (n == "Q5_K") n = "Q5_K_M";
  for (const QuantMixInfo& m : quant_mixes())
    if (n == m.name) return m;
  return std::nullopt;
}

std::string quant_mix_names() {
  std::string out;
  for (const QuantMixInfo& m : quant_mixes()) out += (out.empty() ? "" : ", ") + std::string(m.name);
  return out;
}

Result<QuantModelFacts> quant_model_facts(const gguf::GgufFile& file) {
  QuantModelFacts f;
  if (file.has("general.architecture")) {
    OSP_ASSIGN_OR_RETURN(f.arch, file.get_string("general.architecture"));
  }
  // Scalar keys only: per-layer arrays (some hybrid models) leave the count unknown.
  auto scalar = [&](const std::string& key, int* out) {
    const gguf::Value* v = file.find(key);
    if (v == nullptr || !v->is_integer()) return;
    const auto x = v->as_i64();
    if (x && *x > 0 && *x < (int64_t{1} << 24)) *out = static_cast<int>(*x);
  };
  scalar(f.arch + ".attention.head_count", &f.n_head);
  scalar(f.arch + ".attention.head_count_kv", &f.n_head_kv);
  scalar(f.arch + ".expert_count", &f.n_expert);
  scalar(f.arch + ".block_count", &f.n_layer);
  if (f.n_head_kv == 0) f.n_head_kv = f.n_head;
  return f;
}

std::vector<TensorDesc> tensor_descs(const gguf::GgufFile& file) {
  std::vector<TensorDesc> out;
  out.reserve(file.tensors().size());
  for (const gguf::TensorInfo& t : file.tensors()) out.push_back({t.name, t.type, t.shape});
  return out;
}

TensorRole tensor_role(std::string_view name) {
  if (name == "token_embd.weight") return TensorRole::kTokenEmbd;
  if (name == "output.weight") return TensorRole::kOutput;
  static const std::pair<std::string_view, TensorRole> kParts[] = {
      {"attn_qkv.weight", TensorRole::kAttnQkv},   {"attn_q.weight", TensorRole::kAttnQ},
      {"attn_k.weight", TensorRole::kAttnK},       {"attn_v.weight", TensorRole::kAttnV},
      {"attn_output.weight", TensorRole::kAttnOutput}, {"ffn_down", TensorRole::kFfnDown},
      {"ffn_gate", TensorRole::kFfnGate},          {"ffn_up", TensorRole::kFfnUp},
  };
  if (name.find("_norm") != std::string_view::npos || name.find("ffn_gate_inp") != std::string_view::npos)
    return TensorRole::kOther;
  for (const auto& [part, role] : kParts)
    if (name.find(part) != std::string_view::npos) return role;
  return TensorRole::kOther;
}

int tensor_layer(std::string_view name) {
  if (name.substr(0, 4) != "blk.") return -1;
  int64_t v = 0;
  size_t i = 4;
  for (; i < name.size() && std::isdigit(static_cast<unsigned char>(name[i])) && v < (1 << 24); ++i)
    v = v * 10 + (name[i] - '0');
  return i > 4 && i < name.size() && name[i] == '.' ? static_cast<int>(v) : -1;
}

Result<std::vector<TensorPlan>> plan_quantization(const std::vector<TensorDesc>& tensors,
                                                  const QuantModelFacts& facts,
                                                  const QuantPlanOptions& options) {
  const QuantMixInfo& mix = quant_mix_info(options.mix);
  const bool has_output = std::any_of(tensors.begin(), tensors.end(),
                                      [](const TensorDesc& t) { return t.name == "output.weight"; });
  const Rules rules(facts, options, has_output);
  const auto ranks = role_ranks(tensors, facts);
  std::vector<TensorPlan> plan;
  plan.reserve(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorDesc& t = tensors[i];
    if (t.shape.empty()) return base::invalid_argument(fmt::format("tensor '{}' has no dimensions", t.name));
    TensorPlan p{t.name, t.shape, t.type, t.type, false, ""};
    if (is_quantizable(t, options)) {
      DType to = mix.base;
      if (!options.pure && tensor::info(mix.base).is_quantized)
        to = rules.choose({t, tensor_role(t.name), ranks[i].first, ranks[i].second});
      if (options.token_embd_type && t.name == "token_embd.weight") to = *options.token_embd_type;
      if (options.output_type && t.name == "output.weight") to = *options.output_type;
      p.to = fit_row(to, t.shape[0], &p.note);
      p.convert = p.to != p.from;
      if (p.convert) OSP_RETURN_IF_ERROR(check_convertible(p, options));
    }
    plan.push_back(std::move(p));
  }
  return plan;
}

}  // namespace osprey::model
