// quantize_file: bad input is refused without writing anything, cancellation leaves nothing, dry runs
// write nothing, alignment is kept, and the output does not depend on the thread count.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "src/gguf/gguf_reader.h"
#include "src/gguf/gguf_writer.h"
#include "src/model/quantize.h"
#include "tests/support/test_support.h"

namespace osprey::model {
namespace {

namespace fs = std::filesystem;

const char* kSource = "models/tiny-llama-F32.gguf";

std::string tmp(const std::string& name) { return test::temp_dir() + "/" + name; }

void expect_nothing_written(const std::string& out) {
  EXPECT_FALSE(fs::exists(out)) << out;
  EXPECT_FALSE(fs::exists(out + ".tmp")) << out << ".tmp";
}

QuantizeParams params(QuantMix mix, int threads = 2) {
  QuantizeParams p;
  p.plan.mix = mix;
  p.n_threads = threads;
  return p;
}

std::vector<char> bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}

TEST(QuantizeFile, CorruptInputIsRefusedWithoutOutput) {
  const std::string bad = tmp("garbage.gguf"), out = tmp("garbage-out.gguf");
  std::ofstream(bad) << "this is not a GGUF file at all";
  auto r = quantize_file(bad, out, params(QuantMix::kQ4_0));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("magic"), std::string::npos) << r.status().message();
  expect_nothing_written(out);

  OSP_REQUIRE_SHARED(kSource);
  const std::vector<char> full = bytes_of(test::shared_path(kSource));
  const std::string cut = tmp("truncated.gguf"), out2 = tmp("truncated-out.gguf");
  std::ofstream(cut, std::ios::binary).write(full.data(), static_cast<std::streamsize>(full.size() / 2));
  auto t = quantize_file(cut, out2, params(QuantMix::kQ4_0));
  ASSERT_FALSE(t.ok());
  expect_nothing_written(out2);
  auto missing = quantize_file(tmp("does-not-exist.gguf"), out2, params(QuantMix::kQ4_0));
  EXPECT_FALSE(missing.ok());
  expect_nothing_written(out2);
}

TEST(QuantizeFile, AlreadyQuantizedInputNeedsAllowRequantize) {
  OSP_REQUIRE_SHARED("models/tiny-llama-Q4_0.gguf");
  const std::string in = test::shared_path("models/tiny-llama-Q4_0.gguf"), out = tmp("requant.gguf");
  auto r = quantize_file(in, out, params(QuantMix::kQ8_0));
  ASSERT_FALSE(r.ok());
  // llama.cpp gave output.weight Q6_K in this file; it comes first and would become Q8_0.
  EXPECT_NE(r.status().message().find("output.weight"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("Q6_K"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("--allow-requantize"), std::string::npos) << r.status().message();
  expect_nothing_written(out);
  QuantizeParams p = params(QuantMix::kQ8_0);
  p.plan.allow_requantize = true;
  auto ok = quantize_file(in, out, p);
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  auto f = gguf::GgufFile::open(out);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f.value().find_tensor("blk.0.attn_q.weight")->type, tensor::DType::kQ8_0);
}

TEST(QuantizeFile, UnsupportedInputTypeIsRefused) {
  gguf::GgufWriter w;
  w.set_string("general.architecture", "llama");
  const size_t n = tensor::row_size(tensor::DType::kIQ2_XXS, 256) * 4;
  ASSERT_TRUE(w.add_tensor("blk.0.attn_q.weight", tensor::DType::kIQ2_XXS, {256, 4}, std::vector<uint8_t>(n)).ok());
  const std::string in = tmp("iq2.gguf"), out = tmp("iq2-out.gguf");
  ASSERT_TRUE(w.write_file(in).ok());
  QuantizeParams p = params(QuantMix::kQ4_0);
  p.plan.allow_requantize = true;
  auto r = quantize_file(in, out, p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(r.status().message().find("IQ2_XXS"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("blk.0.attn_q.weight"), std::string::npos) << r.status().message();
  expect_nothing_written(out);
}

TEST(QuantizeFile, CancellationLeavesNoOutput) {
  OSP_REQUIRE_SHARED(kSource);
  const std::string out = tmp("cancelled.gguf");
  std::atomic<bool> cancel{false};
  QuantizeParams p = params(QuantMix::kQ4_K_M);
  p.cancel = &cancel;
  int events = 0;
  bool tmp_seen = false;
  p.on_progress = [&](const QuantizeProgress& e) {
    tmp_seen = tmp_seen || fs::exists(out + ".tmp");
    if (++events == 5) cancel.store(true);  // mid-run, after some tensors were written
  };
  auto r = quantize_file(test::shared_path(kSource), out, p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled) << r.status().to_string();
  EXPECT_TRUE(tmp_seen) << "the run was writing its temporary file";
  expect_nothing_written(out);
}

TEST(QuantizeFile, DryRunWritesNothingAndPredictsTheSize) {
  OSP_REQUIRE_SHARED(kSource);
  const std::string out = tmp("dry.gguf");
  QuantizeParams p = params(QuantMix::kQ4_K_M);
  p.dry_run = true;
  auto dry = quantize_file(test::shared_path(kSource), out, p);
  ASSERT_TRUE(dry.ok()) << dry.status().to_string();
  expect_nothing_written(out);
  auto real = quantize_file(test::shared_path(kSource), out, params(QuantMix::kQ4_K_M));
  ASSERT_TRUE(real.ok()) << real.status().to_string();
  EXPECT_EQ(dry.value().out_file_bytes, fs::file_size(out));
  EXPECT_EQ(dry.value().out_data_bytes, real.value().out_data_bytes);
  EXPECT_EQ(dry.value().in_file_bytes, fs::file_size(test::shared_path(kSource)));
  EXPECT_DOUBLE_EQ(dry.value().in_bits_per_weight(), 32.0);
}

TEST(QuantizeFile, OutputDoesNotDependOnThreads) {
  OSP_REQUIRE_SHARED(kSource);
  const std::string a = tmp("threads1.gguf"), b = tmp("threads2.gguf");
  ASSERT_TRUE(quantize_file(test::shared_path(kSource), a, params(QuantMix::kQ3_K_M, 1)).ok());
  ASSERT_TRUE(quantize_file(test::shared_path(kSource), b, params(QuantMix::kQ3_K_M, 3)).ok());
  EXPECT_TRUE(bytes_of(a) == bytes_of(b));
}

TEST(QuantizeFile, KeepsAlignmentAndOddRowsFallBack) {
  gguf::GgufWriter w;
  w.set_string("general.architecture", "llama");
  w.set_u32("general.alignment", 64);
  std::vector<float> x(256 * 3), odd(100 * 2);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 17) - 8.0f;
  for (size_t i = 0; i < odd.size(); ++i) odd[i] = static_cast<float>(i % 5);
  auto as_bytes = [](const std::vector<float>& v) {
    return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(v.data()), v.size() * 4);
  };
  ASSERT_TRUE(w.add_tensor("blk.0.attn_q.weight", tensor::DType::kF32, {256, 3}, as_bytes(x)).ok());
  ASSERT_TRUE(w.add_tensor("blk.0.attn_k.weight", tensor::DType::kF32, {100, 2}, as_bytes(odd)).ok());
  const std::string in = tmp("aligned.gguf"), out = tmp("aligned-out.gguf");
  ASSERT_TRUE(w.write_file(in).ok());
  auto r = quantize_file(in, out, params(QuantMix::kQ8_0));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_NE(r.value().plan[1].note.find("100"), std::string::npos);
  auto f = gguf::GgufFile::open(out);
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  EXPECT_EQ(f.value().alignment(), 64u);
  EXPECT_EQ(f.value().data_offset() % 64, 0u);
  for (const auto& t : f.value().tensors()) EXPECT_EQ(t.offset % 64, 0u) << t.name;
  EXPECT_EQ(f.value().find_tensor("blk.0.attn_q.weight")->type, tensor::DType::kQ8_0);
  EXPECT_EQ(f.value().find_tensor("blk.0.attn_k.weight")->type, tensor::DType::kF16);
  EXPECT_EQ(f.value().get_int("general.file_type").value(), 7);
  EXPECT_EQ(f.value().get_int("general.quantization_version").value(), 2);
}

}  // namespace
}  // namespace osprey::model
