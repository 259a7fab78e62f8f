// The mix rules on hand-made tensor lists. Expected types are derived by hand from the ecosystem's
// rules as documented in src/model/quant_plan.h (e.g. the "more bits" layers of a 32-layer model are
// the first 4, the last 4 and every third in between: 6, 9, ..., 27).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "src/model/quant_plan.h"

namespace osprey::model {
namespace {

using tensor::DType;

// A llama-style model: n_layer layers of n_embd, n_ff, with n_head_kv of n_head heads of 128.
std::vector<TensorDesc> llama_like(int n_layer, int64_t n_embd, int64_t n_ff, int n_head, int n_head_kv,
                                   int64_t n_vocab, bool tied, DType w = DType::kF32) {
  const int64_t kv = n_embd / n_head * n_head_kv;
  std::vector<TensorDesc> t = {{"token_embd.weight", w, {n_embd, n_vocab}},
                               {"output_norm.weight", DType::kF32, {n_embd}}};
  if (!tied) t.push_back({"output.weight", w, {n_embd, n_vocab}});
  for (int i = 0; i < n_layer; ++i) {
    const std::string p = fmt::format("blk.{}.", i);
    t.push_back({p + "attn_norm.weight", DType::kF32, {n_embd}});
    t.push_back({p + "attn_q.weight", w, {n_embd, n_embd}});
    t.push_back({p + "attn_k.weight", w, {n_embd, kv}});
    t.push_back({p + "attn_v.weight", w, {n_embd, kv}});
    t.push_back({p + "attn_output.weight", w, {n_embd, n_embd}});
    t.push_back({p + "ffn_norm.weight", DType::kF32, {n_embd}});
    t.push_back({p + "ffn_gate.weight", w, {n_embd, n_ff}});
    t.push_back({p + "ffn_up.weight", w, {n_embd, n_ff}});
    t.push_back({p + "ffn_down.weight", w, {n_ff, n_embd}});
  }
  return t;
}

QuantModelFacts facts(int n_head, int n_head_kv, const std::string& arch = "llama") {
  QuantModelFacts f;
  f.arch = arch;
  f.n_head = n_head;
  f.n_head_kv = n_head_kv;
  return f;
}

std::vector<TensorPlan> plan(const std::vector<TensorDesc>& t, const QuantModelFacts& f, QuantPlanOptions o) {
  auto r = plan_quantization(t, f, o);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? r.value() : std::vector<TensorPlan>{};
}

const TensorPlan& find(const std::vector<TensorPlan>& p, const std::string& name) {
  for (const auto& t : p)
    if (t.name == name) return t;
  static const TensorPlan kNone{};
  ADD_FAILURE() << "no tensor " << name;
  return kNone;
}

QuantPlanOptions mix(QuantMix m) {
  QuantPlanOptions o;
  o.mix = m;
  return o;
}

TEST(QuantMixes, NamesAliasesAndFileTypes) {
  EXPECT_EQ(find_quant_mix("q4_k_m")->mix, QuantMix::kQ4_K_M);
  EXPECT_EQ(find_quant_mix("Q4_K")->mix, QuantMix::kQ4_K_M);
  EXPECT_EQ(find_quant_mix("Q5_K")->mix, QuantMix::kQ5_K_M);
  EXPECT_EQ(find_quant_mix("Q3_K")->mix, QuantMix::kQ3_K_M);
  EXPECT_FALSE(find_quant_mix("IQ2_XXS").has_value());
  EXPECT_FALSE(find_quant_mix("Q4_K_X").has_value());
  // llama_ftype ids of the ecosystem.
  EXPECT_EQ(find_quant_mix("Q8_0")->file_type, 7u);
  EXPECT_EQ(find_quant_mix("Q5_0")->file_type, 8u);
  EXPECT_EQ(find_quant_mix("Q3_K_S")->file_type, 11u);
  EXPECT_EQ(find_quant_mix("Q4_K_S")->file_type, 14u);
  EXPECT_EQ(find_quant_mix("Q5_K_S")->file_type, 16u);
  EXPECT_EQ(find_quant_mix("BF16")->file_type, 32u);
  EXPECT_EQ(quant_mixes().size(), 17u);
}

TEST(QuantPlan, RolesAndLayers) {
  EXPECT_EQ(tensor_role("blk.3.attn_v.weight"), TensorRole::kAttnV);
  EXPECT_EQ(tensor_role("blk.3.attn_k_norm.weight"), TensorRole::kOther);
  EXPECT_EQ(tensor_role("blk.3.ffn_down_exps.weight"), TensorRole::kFfnDown);
  EXPECT_EQ(tensor_role("blk.0.attn_qkv.weight"), TensorRole::kAttnQkv);
  EXPECT_EQ(tensor_role("output.weight"), TensorRole::kOutput);
  EXPECT_EQ(tensor_layer("blk.12.attn_v.weight"), 12);
  EXPECT_EQ(tensor_layer("blk.x.attn_v.weight"), -1);
  EXPECT_EQ(tensor_layer("output.weight"), -1);
}

TEST(QuantPlan, Q4KMGivesMoreBitsToChosenLayers) {
  const auto p = plan(llama_like(32, 4096, 11008, 32, 8, 32000, false), facts(32, 8), mix(QuantMix::kQ4_K_M));
  const std::set<int> more = {0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31};
  for (int i = 0; i < 32; ++i) {
    const DType want = more.count(i) ? DType::kQ6_K : DType::kQ4_K;
    EXPECT_EQ(find(p, fmt::format("blk.{}.attn_v.weight", i)).to, want) << i;
    EXPECT_EQ(find(p, fmt::format("blk.{}.ffn_down.weight", i)).to, want) << i;
    EXPECT_EQ(find(p, fmt::format("blk.{}.attn_q.weight", i)).to, DType::kQ4_K) << i;
    EXPECT_EQ(find(p, fmt::format("blk.{}.attn_output.weight", i)).to, DType::kQ4_K) << i;
    EXPECT_EQ(find(p, fmt::format("blk.{}.attn_norm.weight", i)).to, DType::kF32) << i;
    EXPECT_FALSE(find(p, fmt::format("blk.{}.attn_norm.weight", i)).convert);
  }
  EXPECT_EQ(find(p, "output.weight").to, DType::kQ6_K);
  EXPECT_EQ(find(p, "token_embd.weight").to, DType::kQ4_K);
}

TEST(QuantPlan, KMixesOf32Layers) {
  const auto t = llama_like(32, 4096, 11008, 32, 8, 32000, false);
  const auto f = facts(32, 8);
  const auto q2 = plan(t, f, mix(QuantMix::kQ2_K));
  const auto q3m = plan(t, f, mix(QuantMix::kQ3_K_M));
  const auto q3l = plan(t, f, mix(QuantMix::kQ3_K_L));
  const auto q4s = plan(t, f, mix(QuantMix::kQ4_K_S));
  for (int i = 0; i < 32; ++i) {
    auto name = [i](const char* s) { return fmt::format("blk.{}.{}.weight", i, s); };
    EXPECT_EQ(find(q2, name("attn_v")).to, DType::kQ4_K) << "4 query heads per KV head";
    EXPECT_EQ(find(q2, name("ffn_down")).to, DType::kQ3_K);
    EXPECT_EQ(find(q2, name("attn_output")).to, DType::kQ3_K);
    EXPECT_EQ(find(q2, name("ffn_up")).to, DType::kQ2_K);
    EXPECT_EQ(find(q3m, name("attn_v")).to, i < 2 ? DType::kQ5_K : DType::kQ4_K);
    EXPECT_EQ(find(q3m, name("ffn_down")).to, i < 2 ? DType::kQ5_K : DType::kQ4_K);
    EXPECT_EQ(find(q3m, name("attn_output")).to, DType::kQ4_K);
    EXPECT_EQ(find(q3m, name("attn_k")).to, DType::kQ3_K);
    EXPECT_EQ(find(q3l, name("attn_v")).to, DType::kQ5_K);
    EXPECT_EQ(find(q3l, name("ffn_down")).to, DType::kQ5_K);
    EXPECT_EQ(find(q3l, name("attn_output")).to, DType::kQ5_K);
    EXPECT_EQ(find(q4s, name("attn_v")).to, i < 4 ? DType::kQ5_K : DType::kQ4_K);
    EXPECT_EQ(find(q4s, name("ffn_down")).to, i < 4 ? DType::kQ5_K : DType::kQ4_K);
  }
  // Fewer than 4 query heads per KV head: Q2_K's attn_v gets Q3_K.
  const auto q2_gqa2 = plan(t, facts(32, 16), mix(QuantMix::kQ2_K));
  EXPECT_EQ(find(q2_gqa2, "blk.0.attn_v.weight").to, DType::kQ3_K);
}

TEST(QuantPlan, TiedEmbeddingsTakeTheOutputRule) {
  const auto t = llama_like(2, 2048, 8192, 32, 8, 128256, true);
  EXPECT_EQ(find(plan(t, facts(32, 8), mix(QuantMix::kQ4_K_M)), "token_embd.weight").to, DType::kQ6_K);
  EXPECT_EQ(find(plan(t, facts(32, 8), mix(QuantMix::kQ4_0)), "token_embd.weight").to, DType::kQ6_K);
  EXPECT_EQ(find(plan(t, facts(32, 8), mix(QuantMix::kQ8_0)), "token_embd.weight").to, DType::kQ8_0);
  EXPECT_EQ(find(plan(t, facts(32, 8), mix(QuantMix::kF16)), "token_embd.weight").to, DType::kF16);
}

TEST(QuantPlan, RowLengthFallbacksSayWhy) {
  // n_embd 896 (Qwen2.5-0.5B) is a multiple of 32 but not of 256.
  const auto t = llama_like(2, 896, 4864, 14, 2, 1000, false);
  const auto p = plan(t, facts(14, 2, "qwen2"), mix(QuantMix::kQ4_K_M));
  const TensorPlan& q = find(p, "blk.0.attn_q.weight");
  EXPECT_EQ(q.to, DType::kQ5_0);
  EXPECT_NE(q.note.find("896"), std::string::npos) << q.note;
  EXPECT_NE(q.note.find("Q4_K"), std::string::npos) << q.note;
  EXPECT_EQ(find(p, "blk.0.attn_v.weight").to, DType::kQ5_0);    // Q4_K in the first of 2 layers
  EXPECT_EQ(find(p, "blk.1.attn_v.weight").to, DType::kQ8_0);    // Q6_K in the last layer -> Q8_0
  EXPECT_EQ(find(p, "output.weight").to, DType::kQ8_0);          // the output rule
  EXPECT_EQ(find(p, "blk.0.ffn_down.weight").to, DType::kQ4_K);  // rows of 4864 = 19 x 256
  EXPECT_EQ(find(p, "blk.1.ffn_down.weight").to, DType::kQ6_K);
  const auto p5 = plan(t, facts(14, 2, "qwen2"), mix(QuantMix::kQ5_K_S));
  EXPECT_EQ(find(p5, "blk.1.attn_q.weight").to, DType::kQ5_1);
  const auto p2 = plan(t, facts(14, 2, "qwen2"), mix(QuantMix::kQ2_K));
  EXPECT_EQ(find(p2, "blk.1.ffn_gate.weight").to, DType::kQ4_0);
  // Rows of 100 fit no 32-block: F16.
  const std::vector<TensorDesc> odd = {{"blk.0.attn_q.weight", DType::kF32, {100, 64}}};
  const auto po = plan(odd, facts(1, 1), mix(QuantMix::kQ4_0));
  EXPECT_EQ(po[0].to, DType::kF16);
  EXPECT_NE(po[0].note.find("100"), std::string::npos);
}

TEST(QuantPlan, OptionsPureOverridesAndLeaveOutput) {
  const auto t = llama_like(8, 4096, 11008, 32, 8, 32000, false);
  QuantPlanOptions o = mix(QuantMix::kQ4_K_M);
  o.pure = true;
  for (const auto& p : plan(t, facts(32, 8), o))
    EXPECT_EQ(p.to, p.shape.size() == 1 ? DType::kF32 : DType::kQ4_K) << p.name;
  o.output_type = DType::kQ8_0;
  o.token_embd_type = DType::kQ5_0;
  const auto po = plan(t, facts(32, 8), o);
  EXPECT_EQ(find(po, "output.weight").to, DType::kQ8_0);
  EXPECT_EQ(find(po, "token_embd.weight").to, DType::kQ5_0);
  QuantPlanOptions leave = mix(QuantMix::kQ4_K_M);
  leave.leave_output = true;
  const auto pl = plan(t, facts(32, 8), leave);
  EXPECT_EQ(find(pl, "output.weight").to, DType::kF32);
  EXPECT_FALSE(find(pl, "output.weight").convert);
}

TEST(QuantPlan, RequantizeNeedsPermission) {
  const auto t = llama_like(2, 256, 768, 4, 2, 512, false, DType::kQ4_0);
  auto r = plan_quantization(t, facts(4, 2), mix(QuantMix::kQ8_0));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("token_embd.weight"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("Q4_0"), std::string::npos) << r.status().message();
  QuantPlanOptions o = mix(QuantMix::kQ8_0);
  o.allow_requantize = true;
  EXPECT_TRUE(plan_quantization(t, facts(4, 2), o).ok());
  // Tensors already of the planned type are copied, which needs no permission: pure Q4_0.
  QuantPlanOptions same = mix(QuantMix::kQ4_0);
  same.pure = true;
  auto s = plan_quantization(t, facts(4, 2), same);
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  for (const auto& p : s.value()) EXPECT_FALSE(p.convert) << p.name;
}

TEST(QuantPlan, UnconvertibleInputTypeIsRefused) {
  std::vector<TensorDesc> t = {{"blk.0.attn_q.weight", DType::kIQ2_XXS, {256, 256}}};
  QuantPlanOptions o = mix(QuantMix::kQ4_0);
  o.allow_requantize = true;
  auto r = plan_quantization(t, facts(4, 4), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(r.status().message().find("blk.0.attn_q.weight"), std::string::npos);
  EXPECT_NE(r.status().message().find("IQ2_XXS"), std::string::npos);
  // A tensor that is only copied may have any type.
  std::vector<TensorDesc> ids = {{"blk.0.extra", DType::kI32, {16}}};
  EXPECT_TRUE(plan_quantization(ids, facts(4, 4), mix(QuantMix::kQ4_0)).ok());
}

}  // namespace
}  // namespace osprey::model
