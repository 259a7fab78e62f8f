// The tiled attention path (kernels::attention on AVX2 CPUs) against the scalar oracle
// (attention_oracle) on random paged K/V: GQA ratios 1, 4, 8 and MQA; head sizes 64, 128 and 40;
// F16 and F32 caches; several sequences per call with their own block tables and lengths; causal
// prompt runs; block sizes that do not divide n_kv. Also: 1 vs 2 threads and attention_serial are
// bitwise equal, and a query's result does not depend on the other queries of the call.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include "src/base/thread_pool.h"
#include "src/kernels/attention.h"
#include "src/tensor/half.h"
#include "tests/kernels/simd_test_util.h"

namespace osprey::kernels {
namespace {

// Worst normwise error allowed per output row: max_i |fast - oracle| / max_i |oracle|. Both sides
// compute in f32 (different summation orders, a polynomial exp); rows are convex combinations of
// O(1) values, so the expected error is a few f32 ulps times log(n_kv).
constexpr double kTol = 1e-5;

struct Seq {
  int n_queries;  // a causal run: the last query sees n_pos positions, the one before n_pos - 1, ...
  int n_pos;
};

struct Case {
  int n_head, n_head_kv, d, block_tokens;
  tensor::DType type;
  std::vector<Seq> seqs;
  float q_scale = 1.0f;  // larger: sharper scores, the running maximum moves more
};

// A paged pool holding every sequence in shuffled blocks, and the queries of all sequences.
struct Fixture {
  std::vector<uint8_t> kpool, vpool;
  std::vector<std::vector<int32_t>> tables;
  std::vector<float> q;
  std::vector<AttentionQuery> queries;
  AttentionArgs args;

  explicit Fixture(const Case& c) {
    const size_t elt = c.type == tensor::DType::kF32 ? 4 : 2;
    const size_t row = static_cast<size_t>(c.n_head_kv) * c.d * elt;
    const int bt = c.block_tokens;
    int n_blocks = 1;  // block 0 stays unused
    for (const Seq& s : c.seqs) n_blocks += (s.n_pos + bt - 1) / bt;
    std::vector<int32_t> ids(n_blocks - 1);
    std::iota(ids.begin(), ids.end(), 1);
    std::mt19937 rng(static_cast<uint32_t>(c.d * 131 + c.n_head * 7 + bt));
    std::shuffle(ids.begin(), ids.end(), rng);
    kpool.assign(static_cast<size_t>(n_blocks) * bt * row, 0xff);  // unused rows: NaN patterns
    vpool = kpool;
    const auto kf = test::gaussian(static_cast<int64_t>(kpool.size() / elt), 11);
    const auto vf = test::gaussian(static_cast<int64_t>(kpool.size() / elt), 12);
    size_t next = 0, n_q = 0;
    for (const Seq& s : c.seqs) {
      tables.emplace_back(ids.begin() + next, ids.begin() + next + (s.n_pos + bt - 1) / bt);
      next += tables.back().size();
      n_q += s.n_queries;
      for (int p = 0; p < s.n_pos; ++p) {
        const size_t at = (static_cast<size_t>(tables.back()[p / bt]) * bt + p % bt) * row;
        for (size_t i = 0; i < row / elt; ++i) {
          if (elt == 4) {
            std::memcpy(&kpool[at + 4 * i], &kf[at / 4 + i], 4);
            std::memcpy(&vpool[at + 4 * i], &vf[at / 4 + i], 4);
          } else {
            const uint16_t kh = tensor::fp32_to_fp16(kf[at / 2 + i]), vh = tensor::fp32_to_fp16(vf[at / 2 + i]);
            std::memcpy(&kpool[at + 2 * i], &kh, 2);
            std::memcpy(&vpool[at + 2 * i], &vh, 2);
          }
        }
      }
    }
    const size_t q_row = static_cast<size_t>(c.n_head) * c.d;
    q = test::gaussian(static_cast<int64_t>(n_q * q_row), 13, c.q_scale);
    for (size_t si = 0; si < c.seqs.size(); ++si)
      for (int i = 0; i < c.seqs[si].n_queries; ++i) {
        const int n_kv = c.seqs[si].n_pos - c.seqs[si].n_queries + 1 + i;
        queries.push_back({q.data() + queries.size() * q_row, nullptr, tables[si].data(), n_kv});
      }
    args.kv = {kpool.data(), vpool.data(), bt * row, row, bt, c.type};
    args.queries = queries.data();
    args.n_queries = static_cast<int>(queries.size());
    args.n_head = c.n_head;
    args.n_head_kv = c.n_head_kv;
    args.head_dim = c.d;
    args.scale = 1.0f / std::sqrt(static_cast<float>(c.d));
  }

  size_t q_row() const { return static_cast<size_t>(args.n_head) * args.head_dim; }

  void point_outputs(std::vector<float>& out) {
    out.assign(queries.size() * q_row(), -7.0f);
    for (size_t i = 0; i < queries.size(); ++i) queries[i].out = out.data() + i * q_row();
  }
};

void run_case(const Case& c) {
  SCOPED_TRACE(::testing::Message() << "heads " << c.n_head << "/" << c.n_head_kv << " d=" << c.d << " block "
                                    << c.block_tokens << " " << tensor::dtype_name(c.type) << " q_scale "
                                    << c.q_scale);
  Fixture f(c);
  std::vector<float> want, fast1, fast2, serial;
  f.point_outputs(want);
  attention_oracle(f.args);
  base::ThreadPool pool1(1), pool2(2);
  f.point_outputs(fast1);
  attention(f.args, pool1);
  f.point_outputs(fast2);
  attention(f.args, pool2);
  f.point_outputs(serial);
  attention_serial(f.args);
  const size_t d = static_cast<size_t>(c.d);
  double worst = 0;
  for (size_t r = 0; r < want.size() / d; ++r) {
    double err = 0, mag = 0;
    for (size_t i = r * d; i < (r + 1) * d; ++i) {
      err = std::max(err, std::fabs(double(fast2[i]) - want[i]));
      mag = std::max(mag, std::fabs(double(want[i])));
    }
    ASSERT_TRUE(std::isfinite(err)) << "row " << r;
    worst = std::max(worst, err / std::max(mag, 1e-30));
  }
  EXPECT_LE(worst, kTol);
  ASSERT_EQ(0, std::memcmp(fast1.data(), fast2.data(), fast1.size() * 4)) << "1 vs 2 threads differ";
  ASSERT_EQ(0, std::memcmp(serial.data(), fast2.data(), serial.size() * 4)) << "serial vs pool differ";
}

const tensor::DType kTypes[] = {tensor::DType::kF16, tensor::DType::kF32};

TEST(AttentionTiled, GqaRatiosAndHeadSizesMatchOracle) {
  OSP_REQUIRE_AVX2();
  for (auto type : kTypes)
    for (int d : {64, 128, 40})
      for (auto [nh, nkv] : {std::pair{8, 8}, std::pair{16, 4}, std::pair{32, 4}, std::pair{8, 1}, std::pair{32, 1}})
        run_case({nh, nkv, d, 16, type, {{37, 70}}, 1.0f});
}

TEST(AttentionTiled, SeveralSequencesDecodeAndPromptInOneCall) {
  OSP_REQUIRE_AVX2();
  // Decodes at lengths around the 32-position tile, prompt runs longer than one query chunk.
  const std::vector<Seq> seqs = {{1, 1}, {1, 31}, {1, 32}, {1, 33}, {45, 45}, {1, 97}, {9, 300}, {2, 2}, {1, 64}};
  for (auto type : kTypes) {
    run_case({32, 4, 64, 16, type, seqs, 1.0f});
    run_case({12, 4, 40, 7, type, seqs, 3.0f});  // block size 7 divides none of the lengths
    run_case({4, 4, 128, 5, type, seqs, 3.0f});
  }
}

TEST(AttentionTiled, SharpScoresMoveTheRunningMax) {
  OSP_REQUIRE_AVX2();
  for (auto type : kTypes) run_case({8, 2, 64, 16, type, {{20, 200}, {1, 150}}, 4.0f});
}

TEST(AttentionTiled, UnsupportedHeadSizeUsesTheOracle) {
  Case c{4, 2, 12, 16, tensor::DType::kF32, {{5, 40}}, 1.0f};
  Fixture f(c);
  std::vector<float> want, got;
  f.point_outputs(want);
  attention_oracle(f.args);
  f.point_outputs(got);
  base::ThreadPool pool(2);
  attention(f.args, pool);
  EXPECT_EQ(want, got);
}

// A query's output is bitwise the same alone as inside a batch of other queries and sequences.
TEST(AttentionTiled, ResultDoesNotDependOnTheRestOfTheBatch) {
  OSP_REQUIRE_AVX2();
  Case c{32, 4, 64, 16, tensor::DType::kF16, {{3, 50}, {40, 120}, {1, 77}}, 2.0f};
  Fixture f(c);
  std::vector<float> batch;
  f.point_outputs(batch);
  base::ThreadPool pool(2);
  attention(f.args, pool);
  const size_t row = f.q_row();
  for (int qi : {0, 2, 3, 20, 42, 43}) {
    std::vector<float> alone(row);
    AttentionQuery q = f.queries[qi];
    q.out = alone.data();
    AttentionArgs a = f.args;
    a.queries = &q;
    a.n_queries = 1;
    attention(a, pool);
    ASSERT_EQ(0, std::memcmp(alone.data(), batch.data() + qi * row, row * 4)) << "query " << qi;
  }
}

}  // namespace
}  // namespace osprey::kernels
