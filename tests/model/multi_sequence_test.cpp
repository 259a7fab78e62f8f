// The multi-sequence step is real: sequences evaluated together in one batch give the same logits
// as each evaluated alone, forks continue like fresh sequences, and bad batches leave the cache
// unchanged. "Alone" means the same sequence in the same steps without the others: how many rows a
// sequence has in a step may choose its kernels (kernels::MatmulArgs::seq_rows: long prompt chunks
// may take the prompt-batch kernels), so the reference runs each sequence's own steps.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "src/model/model.h"
#include "tests/support/test_support.h"

namespace osprey::model {
namespace {

constexpr double kRelTol = 1e-5;

// |a - b| <= kRelTol * max|b| over each row of n_vocab logits.
void expect_rows_close(const float* a, const float* b, int n_vocab, const std::string& what) {
  double scale = 0.0, diff = 0.0;
  for (int i = 0; i < n_vocab; ++i) {
    scale = std::max(scale, std::fabs(static_cast<double>(b[i])));
    diff = std::max(diff, std::fabs(static_cast<double>(a[i]) - b[i]));
  }
  EXPECT_LE(diff, kRelTol * scale) << what;
}

class MultiSequence : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    rel_ = "models/" + GetParam() + ".gguf";
    if (test::shared_path(rel_).empty()) return;
    auto m = Model::load(test::shared_path(rel_), ModelParams{});
    ASSERT_TRUE(m.ok()) << m.status().to_string();
    model_ = std::move(m).value();
  }
  std::unique_ptr<KvCache> cache(int n = 512) { return KvCache::create(model_->kv_params(n)).value(); }

  // Logits of every token of `toks` evaluated alone from position 0 in a fresh cache.
  std::vector<float> alone(const std::vector<int32_t>& toks) {
    auto kv = cache();
    Batch b;
    for (size_t i = 0; i < toks.size(); ++i) b.add(toks[i], static_cast<int32_t>(i), 0, true);
    std::vector<float> out;
    EXPECT_TRUE(model_->forward(b, *kv, pool_, &out).ok());
    return out;
  }

  // Logits of the last token of `toks` evaluated alone in a fresh cache in steps of the given sizes
  // (summing to toks.size()), each step one forward call.
  std::vector<float> alone_steps(const std::vector<int32_t>& toks, const std::vector<size_t>& steps) {
    auto kv = cache();
    std::vector<float> out;
    size_t at = 0;
    for (size_t n : steps) {
      Batch b;
      for (size_t i = at; i < at + n; ++i) b.add(toks[i], static_cast<int32_t>(i), 0, i + 1 == toks.size());
      EXPECT_TRUE(model_->forward(b, *kv, pool_, &out).ok());
      at += n;
    }
    EXPECT_EQ(at, toks.size());
    return out;
  }

  std::string rel_;
  std::unique_ptr<Model> model_;
  base::ThreadPool pool_{2};
};

TEST_P(MultiSequence, BatchedEqualsAlone) {
  OSP_REQUIRE_SHARED(rel_);
  const int nv = model_->hparams().n_vocab;
  const std::vector<int32_t> a = {1, 403, 407, 261, 378, 432, 383};
  const std::vector<int32_t> b = {1, 300, 301, 302, 50};
  const std::vector<float> la = alone(a), lb = alone(b);
  // Interleaved in one batch, as sequences 3 and 8.
  auto kv = cache();
  Batch batch;
  std::vector<std::pair<char, int>> order;
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    if (i < a.size()) batch.add(a[i], static_cast<int32_t>(i), 3, true), order.push_back({'a', static_cast<int>(i)});
    if (i < b.size()) batch.add(b[i], static_cast<int32_t>(i), 8, true), order.push_back({'b', static_cast<int>(i)});
  }
  std::vector<float> lab;
  ASSERT_TRUE(model_->forward(batch, *kv, pool_, &lab).ok());
  ASSERT_EQ(lab.size(), (a.size() + b.size()) * nv);
  for (size_t r = 0; r < order.size(); ++r) {
    const auto& [which, i] = order[r];
    const float* ref = (which == 'a' ? la.data() : lb.data()) + static_cast<size_t>(i) * nv;
    expect_rows_close(lab.data() + r * nv, ref, nv, std::string(1, which) + std::to_string(i));
  }
  EXPECT_EQ(kv->seq_len(3), static_cast<int>(a.size()));
  EXPECT_EQ(kv->seq_len(8), static_cast<int>(b.size()));
}

TEST_P(MultiSequence, MixedDecodeAndPrefillStep) {
  OSP_REQUIRE_SHARED(rel_);
  const int nv = model_->hparams().n_vocab;
  const std::vector<int32_t> a = {1, 403, 407, 261, 378};
  const std::vector<int32_t> b = {1, 300, 301};
  const std::vector<int32_t> c = {1, 7, 8, 9, 10, 11};
  auto kv = cache();
  Batch batch;
  for (size_t i = 0; i + 1 < a.size(); ++i) batch.add(a[i], static_cast<int32_t>(i), 0, false);
  for (size_t i = 0; i + 1 < b.size(); ++i) batch.add(b[i], static_cast<int32_t>(i), 1, false);
  std::vector<float> out;
  ASSERT_TRUE(model_->forward(batch, *kv, pool_, &out).ok());
  EXPECT_TRUE(out.empty());
  // One step: the last token of a and of b (decode) and all of c (prefill), logits for the last ones.
  batch.clear();
  batch.add(a.back(), static_cast<int32_t>(a.size() - 1), 0, true);
  for (size_t i = 0; i < c.size(); ++i) batch.add(c[i], static_cast<int32_t>(i), 2, i + 1 == c.size());
  batch.add(b.back(), static_cast<int32_t>(b.size() - 1), 1, true);
  ASSERT_TRUE(model_->forward(batch, *kv, pool_, &out).ok());
  ASSERT_EQ(out.size(), 3u * nv);
  expect_rows_close(out.data(), alone_steps(a, {a.size() - 1, 1}).data(), nv, "a");
  expect_rows_close(out.data() + nv, alone_steps(c, {c.size()}).data(), nv, "c");
  expect_rows_close(out.data() + 2 * nv, alone_steps(b, {b.size() - 1, 1}).data(), nv, "b");
}

TEST_P(MultiSequence, ForkedSequencesContinueIndependently) {
  OSP_REQUIRE_SHARED(rel_);
  const int nv = model_->hparams().n_vocab;
  // A prefix that ends inside a block, so both continuations copy-on-write its last block.
  const std::vector<int32_t> prefix = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401};
  auto kv = cache();
  Batch batch;
  for (size_t i = 0; i < prefix.size(); ++i) batch.add(prefix[i], static_cast<int32_t>(i), 0, false);
  std::vector<float> out;
  ASSERT_TRUE(model_->forward(batch, *kv, pool_, &out).ok());
  ASSERT_TRUE(kv->fork(0, 1).ok());
  const int p = static_cast<int>(prefix.size());
  batch.clear();
  batch.add(100, p, 0, false);
  batch.add(200, p, 1, false);
  batch.add(101, p + 1, 0, true);
  batch.add(201, p + 1, 1, true);
  ASSERT_TRUE(model_->forward(batch, *kv, pool_, &out).ok());
  std::vector<int32_t> a = prefix, b = prefix;
  a.insert(a.end(), {100, 101});
  b.insert(b.end(), {200, 201});
  expect_rows_close(out.data(), alone_steps(a, {prefix.size(), 2}).data(), nv, "fork source");
  expect_rows_close(out.data() + nv, alone_steps(b, {prefix.size(), 2}).data(), nv, "fork copy");
  // Truncating back to the prefix and re-growing gives the original continuation again.
  ASSERT_TRUE(kv->truncate(1, p).ok());
  batch.clear();
  batch.add(100, p, 1, false);
  batch.add(101, p + 1, 1, true);
  ASSERT_TRUE(model_->forward(batch, *kv, pool_, &out).ok());
  expect_rows_close(out.data(), alone_steps(a, {prefix.size(), 2}).data(), nv, "after truncate");
}

TEST_P(MultiSequence, BatchesLargerThanOneInternalPass) {
  OSP_REQUIRE_SHARED(rel_);
  const int nv = model_->hparams().n_vocab;
  std::vector<int32_t> a(300), b(300);
  for (int i = 0; i < 300; ++i) {
    a[i] = (i * 37 + 11) % nv;
    b[i] = (i * 101 + 5) % nv;
  }
  const std::vector<float> la = alone(a), lb = alone(b);
  auto kv = cache(1024);
  Batch batch;  // 600 tokens: more than one internal pass of 512
  for (int i = 0; i < 300; ++i) batch.add(a[i], i, 0, i % 7 == 0);
  for (int i = 0; i < 300; ++i) batch.add(b[i], i, 1, i % 5 == 0 || i == 299);
  std::vector<float> out;
  ASSERT_TRUE(model_->forward(batch, *kv, pool_, &out).ok());
  ASSERT_EQ(out.size(), batch.n_wanted() * nv);
  size_t r = 0;
  for (size_t t = 0; t < batch.size(); ++t) {
    if (!batch.want_logits[t]) continue;
    const int pos = batch.positions[t];
    const float* ref = (batch.seq_ids[t] == 0 ? la.data() : lb.data()) + static_cast<size_t>(pos) * nv;
    expect_rows_close(out.data() + r * nv, ref, nv, "token " + std::to_string(t));
    ++r;
  }
}

TEST_P(MultiSequence, BadBatchesAreRefusedAndLeaveTheCacheUnchanged) {
  OSP_REQUIRE_SHARED(rel_);
  auto kv = cache(32);  // 2 blocks of 16
  std::vector<float> out;
  Batch batch;
  batch.add(1, 0, 0, true);
  batch.add(5, 1, 0, true);
  ASSERT_TRUE(model_->forward(batch, *kv, pool_, &out).ok());
  const int free_before = kv->free_blocks();
  auto refused = [&](const Batch& b, StatusCode code, const std::string& needle) {
    Status s = model_->forward(b, *kv, pool_, &out);
    EXPECT_EQ(s.code(), code) << s.to_string();
    EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
    EXPECT_EQ(kv->seq_len(0), 2);
    EXPECT_EQ(kv->free_blocks(), free_before);
  };
  Batch gap;
  gap.add(7, 3, 0, true);  // position 2 is missing
  refused(gap, StatusCode::kInvalidArgument, "expected 2");
  Batch bad_id;
  bad_id.add(model_->hparams().n_vocab, 2, 0, true);
  refused(bad_id, StatusCode::kOutOfRange, "has id");
  Batch too_many;
  for (int i = 0; i < 40; ++i) too_many.add(1, i, 1, false);
  refused(too_many, StatusCode::kResourceExhausted, "KV cache full");
  Batch ragged = batch;
  ragged.positions.pop_back();
  refused(ragged, StatusCode::kInvalidArgument, "differ in size");
  refused(Batch{}, StatusCode::kInvalidArgument, "empty batch");
}

INSTANTIATE_TEST_SUITE_P(Shared, MultiSequence,
                         ::testing::Values("stories260K", "tiny-llama-Q4_0", "tiny-qwen3-F16"),
                         [](const auto& info) {
                           std::string s = info.param;
                           std::replace(s.begin(), s.end(), '-', '_');
                           return s;
                         });

}  // namespace
}  // namespace osprey::model
