// Writer → reader round trips: every value type, arrays, nested arrays, tensors, files on disk.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "src/gguf/gguf_reader.h"
#include "src/gguf/gguf_writer.h"
#include "tests/support/test_support.h"

namespace osprey::gguf {
namespace {

using tensor::DType;

template <typename T>
T must(Result<T> r) {
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? std::move(r).value() : T();
}

GgufFile parse_ok(const std::vector<uint8_t>& bytes) {
  Result<GgufFile> f = GgufFile::parse(bytes);
  EXPECT_TRUE(f.ok()) << f.status().to_string();
  return std::move(f).value();
}

std::vector<uint8_t> write_ok(const GgufWriter& w) {
  Result<std::vector<uint8_t>> b = w.write_to_buffer();
  EXPECT_TRUE(b.ok()) << b.status().to_string();
  return b.ok() ? std::move(b).value() : std::vector<uint8_t>();
}

TEST(GgufRoundTrip, EveryScalarType) {
  GgufWriter w;
  w.set_u8("t.u8", 200);
  w.set_i8("t.i8", -100);
  w.set_u16("t.u16", 60000);
  w.set_i16("t.i16", -30000);
  w.set_u32("t.u32", 4000000000u);
  w.set_i32("t.i32", -2000000000);
  w.set_f32("t.f32", 1.5f);
  w.set_bool("t.bool", true);
  w.set_string("t.string", "héllo\nworld");
  w.set_u64("t.u64", 18000000000000000000ull);
  w.set_i64("t.i64", -9000000000000000000ll);
  w.set_f64("t.f64", -2.25e300);
  GgufFile f = parse_ok(write_ok(w));
  ASSERT_EQ(f.metadata().size(), 12u);
  const ValueType expected[] = {ValueType::kUint8, ValueType::kInt8, ValueType::kUint16, ValueType::kInt16,
                                ValueType::kUint32, ValueType::kInt32, ValueType::kFloat32, ValueType::kBool,
                                ValueType::kString, ValueType::kUint64, ValueType::kInt64, ValueType::kFloat64};
  for (size_t i = 0; i < 12; ++i) {
    EXPECT_EQ(f.metadata()[i].second.type(), expected[i]) << f.metadata()[i].first;
    EXPECT_EQ(f.metadata()[i].first, w.metadata()[i].first);
    EXPECT_TRUE(f.metadata()[i].second == w.metadata()[i].second) << f.metadata()[i].first;
  }
  EXPECT_EQ(must(f.get_int("t.u8")), 200);
  EXPECT_EQ(must(f.get_int("t.i8")), -100);
  EXPECT_EQ(must(f.get_int("t.u16")), 60000);
  EXPECT_EQ(must(f.get_int("t.i16")), -30000);
  EXPECT_EQ(must(f.get_u32("t.u32")), 4000000000u);
  EXPECT_EQ(must(f.get_int("t.i32")), -2000000000);
  EXPECT_EQ(must(f.get_float("t.f32")), 1.5f);
  EXPECT_EQ(must(f.get_bool("t.bool")), true);
  EXPECT_EQ(must(f.get_string("t.string")), "héllo\nworld");
  EXPECT_EQ(*f.find("t.u64")->as_u64(), 18000000000000000000ull);
  EXPECT_EQ(must(f.get_int("t.i64")), -9000000000000000000ll);
  EXPECT_EQ(*f.find("t.f64")->as_f64(), -2.25e300);
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.alignment(), 32u);
  EXPECT_TRUE(f.tensors().empty());
}

TEST(GgufRoundTrip, ScalarBytesFollowTheSpec) {
  // Header and one u32 KV laid out by hand from the GGUF specification.
  GgufWriter w;
  w.set_u32("k", 0x11223344);
  std::vector<uint8_t> b = write_ok(w);
  std::vector<uint8_t> want = {'G', 'G', 'U', 'F', 3, 0, 0, 0,  // magic, version
                               0, 0, 0, 0, 0, 0, 0, 0,          // n_tensors
                               1, 0, 0, 0, 0, 0, 0, 0,          // n_kv
                               1, 0, 0, 0, 0, 0, 0, 0, 'k',     // key
                               4, 0, 0, 0,                      // type u32
                               0x44, 0x33, 0x22, 0x11};
  ASSERT_GE(b.size(), want.size());
  EXPECT_EQ(std::vector<uint8_t>(b.begin(), b.begin() + static_cast<long>(want.size())), want);
  EXPECT_EQ(b.size(), 64u);  // padded to the 32-byte alignment
}

TEST(GgufRoundTrip, ArraysOfEveryElementType) {
  GgufWriter w;
  const float floats[] = {0.5f, -1.0f, 3.25f};
  const int32_t ints[] = {-7, 0, 2147483647};
  const uint32_t uints[] = {1, 4294967295u};
  const int64_t longs[] = {-1, 1ll << 40};
  const bool bools[] = {true, false, true};
  w.set_f32_array("a.f32", floats);
  w.set_i32_array("a.i32", ints);
  w.set_u32_array("a.u32", uints);
  w.set("a.i64", Value::i64_array(longs));
  w.set("a.bool", Value::bool_array(bools));
  w.set_string_array("a.str", {"x", "", "日本"});
  w.set("a.u8", must(Value::scalar_array(ValueType::kUint8, {1, 2, 3})));
  w.set("a.i16", must(Value::scalar_array(ValueType::kInt16, {0xff, 0xff, 2, 0})));
  w.set("a.f64", must(Value::scalar_array(ValueType::kFloat64, std::vector<uint8_t>(16, 0))));
  w.set("a.empty", Value::string_array({}));
  GgufFile f = parse_ok(write_ok(w));
  ASSERT_EQ(f.metadata().size(), w.metadata().size());
  for (size_t i = 0; i < f.metadata().size(); ++i)
    EXPECT_TRUE(f.metadata()[i].second == w.metadata()[i].second) << f.metadata()[i].first;
  EXPECT_EQ(must(f.get_float_array("a.f32")), std::vector<float>({0.5f, -1.0f, 3.25f}));
  EXPECT_EQ(must(f.get_int_array("a.i32")), std::vector<int32_t>({-7, 0, 2147483647}));
  EXPECT_EQ(must(f.get_string_array("a.str")), std::vector<std::string>({"x", "", "日本"}));
  EXPECT_EQ(must(f.get_int_array("a.u8")), std::vector<int32_t>({1, 2, 3}));
  EXPECT_EQ(must(f.get_int_array("a.i16")), std::vector<int32_t>({-1, 2}));
  EXPECT_EQ(must(f.get_float_array("a.i32")), std::vector<float>({-7.f, 0.f, 2147483647.f}));
  EXPECT_EQ(f.find("a.bool")->element(0).as_bool(), true);
  EXPECT_EQ(f.find("a.bool")->element(1).as_bool(), false);
  EXPECT_EQ(f.find("a.i64")->element(1).as_i64(), 1ll << 40);
  EXPECT_EQ(f.find("a.f64")->element_type(), ValueType::kFloat64);
  EXPECT_EQ(f.find("a.empty")->array_size(), 0u);
  // u32 4294967295 does not fit in i32.
  Result<std::vector<int32_t>> bad = f.get_int_array("a.u32");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("element 1 is 4294967295 which does not fit in i32"), std::string::npos)
      << bad.status().message();
}

TEST(GgufRoundTrip, NestedArrays) {
  const int32_t a[] = {1, 2};
  const float b[] = {0.25f};
  Value inner = must(Value::array_of_arrays({Value::i32_array(a), Value::f32_array(b), Value::string_array({"s"})}));
  Value outer = must(Value::array_of_arrays({inner, Value::string_array({})}));
  GgufWriter w;
  w.set("n.nested", outer);
  GgufFile f = parse_ok(write_ok(w));
  const Value* v = f.find("n.nested");
  ASSERT_NE(v, nullptr);
  EXPECT_TRUE(*v == outer);
  EXPECT_EQ(v->type_display(), "array[array]");
  ASSERT_EQ(v->array_size(), 2u);
  Value first = v->element(0);
  ASSERT_EQ(first.array_size(), 3u);
  EXPECT_EQ(first.element(0).element(1).as_i64(), 2);
  EXPECT_EQ(first.element(1).element(0).as_f64(), 0.25);
  EXPECT_EQ(*first.element(2).element(0).as_string(), "s");
  EXPECT_FALSE(Value::array_of_arrays({Value::u8(1)}).ok());
}

TEST(GgufRoundTrip, ReplacingAKeyKeepsItsPosition) {
  GgufWriter w;
  w.set_u32("a", 1);
  w.set_string("b", "x");
  w.set_u32("c", 3);
  w.set_string("a", "now a string");
  ASSERT_EQ(w.metadata().size(), 3u);
  EXPECT_EQ(w.metadata()[0].first, "a");
  EXPECT_TRUE(w.remove("b"));
  EXPECT_FALSE(w.remove("b"));
  GgufFile f = parse_ok(write_ok(w));
  ASSERT_EQ(f.metadata().size(), 2u);
  EXPECT_EQ(f.metadata()[0].first, "a");
  EXPECT_EQ(must(f.get_string("a")), "now a string");
  EXPECT_EQ(f.metadata()[1].first, "c");
}

TEST(GgufRoundTrip, TensorsEagerAndLazy) {
  GgufWriter w;
  w.set_u32("general.alignment", 64);
  std::vector<float> a(6);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(i) * 0.5f;
  ASSERT_TRUE(w.add_tensor("a", DType::kF32, {3, 2}, {reinterpret_cast<const uint8_t*>(a.data()), 24}).ok());
  // Q8_0: 64 elements = 2 blocks of 34 bytes.
  int calls = 0;
  ASSERT_TRUE(w.add_tensor_lazy("b", DType::kQ8_0, {64},
                                [&](std::span<uint8_t> out) {
                                  ++calls;
                                  EXPECT_EQ(out.size(), 68u);
                                  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(i * 3);
                                  return base::ok_status();
                                })
                  .ok());
  // IQ2_XXS is known but unsupported: the reader still accepts it. 256 elements = 1 block of 66 bytes.
  ASSERT_TRUE(w.add_tensor("c", DType::kIQ2_XXS, {256, 1, 1, 1}, std::vector<uint8_t>(66, 7)).ok());
  std::vector<uint8_t> bytes = write_ok(w);
  EXPECT_EQ(calls, 1);
  GgufFile f = parse_ok(bytes);
  EXPECT_EQ(f.alignment(), 64u);
  EXPECT_EQ(f.data_offset() % 64, 0u);
  ASSERT_EQ(f.tensors().size(), 3u);
  const TensorInfo* ta = f.find_tensor("a");
  ASSERT_NE(ta, nullptr);
  EXPECT_EQ(ta->type, DType::kF32);
  EXPECT_EQ(ta->shape, std::vector<int64_t>({3, 2}));
  EXPECT_EQ(ta->n_elements, 6);
  EXPECT_EQ(ta->n_bytes, 24u);
  EXPECT_EQ(ta->offset, 0u);
  EXPECT_EQ(std::memcmp(f.tensor_data(*ta), a.data(), 24), 0);
  const TensorInfo* tb = f.find_tensor("b");
  ASSERT_NE(tb, nullptr);
  EXPECT_EQ(tb->offset, 64u);
  EXPECT_EQ(tb->n_bytes, 68u);
  for (size_t i = 0; i < 68; ++i) ASSERT_EQ(f.tensor_data(*tb)[i], static_cast<uint8_t>(i * 3));
  const TensorInfo* tc = f.find_tensor("c");
  ASSERT_NE(tc, nullptr);
  EXPECT_EQ(tc->type, DType::kIQ2_XXS);
  EXPECT_EQ(tc->offset, 192u);
  EXPECT_EQ(tc->n_bytes, 66u);
  EXPECT_EQ(tc->shape.size(), 4u);
  EXPECT_EQ(f.find_tensor("missing"), nullptr);
  EXPECT_EQ(bytes.size(), f.data_offset() + 192 + 128);
}

TEST(GgufRoundTrip, WriterRefusesBadTensors) {
  GgufWriter w;
  std::vector<uint8_t> four(4);
  ASSERT_TRUE(w.add_tensor("x", DType::kF32, {1}, four).ok());
  auto msg = [](const Status& s) { return s.message(); };
  EXPECT_NE(msg(w.add_tensor("x", DType::kF32, {1}, four)).find("duplicate tensor name 'x'"), std::string::npos);
  EXPECT_NE(msg(w.add_tensor("y", DType::kF32, {}, four)).find("0 dimensions (expected 1 to 4)"), std::string::npos);
  EXPECT_NE(msg(w.add_tensor("y", DType::kF32, {1, 1, 1, 1, 1}, four)).find("5 dimensions"), std::string::npos);
  EXPECT_NE(msg(w.add_tensor("y", DType::kF32, {1, 0}, four)).find("dimension 1 is 0"), std::string::npos);
  EXPECT_NE(msg(w.add_tensor("y", DType::kQ4_0, {33}, four)).find("row length 33 is not a multiple of the block size 32"),
            std::string::npos);
  EXPECT_NE(msg(w.add_tensor("y", DType::kF32, {2}, four)).find("data has 4 bytes, expected 8"), std::string::npos);
  EXPECT_EQ(w.tensor_count(), 1u);
}

TEST(GgufRoundTrip, VersionTwo) {
  GgufWriter w;
  w.set_version(2);
  w.set_string("general.architecture", "llama");
  GgufFile f = parse_ok(write_ok(w));
  EXPECT_EQ(f.version(), 2u);
  EXPECT_EQ(must(f.get_string("general.architecture")), "llama");
  w.set_version(1);
  EXPECT_FALSE(w.write_to_buffer().ok());
}

TEST(GgufRoundTrip, GetterErrorsNameKeyAndTypes) {
  GgufWriter w;
  w.set_string("llama.context_length", "2048");
  w.set_i32("neg", -1);
  w.set_u64("big", 1ull << 40);
  w.set_u32("u", 5);
  GgufFile f = parse_ok(write_ok(w));
  Result<int64_t> r = f.get_int("llama.context_length");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("key 'llama.context_length': expected an integer, got string"),
            std::string::npos)
      << r.status().message();
  Result<std::string> missing = f.get_string("no.such.key");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("'no.such.key'"), std::string::npos);
  EXPECT_EQ(f.get_u32("neg").status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(f.get_u32("big").status().message().find("does not fit in u32"), std::string::npos);
  EXPECT_EQ(must(f.get_int("big")), 1ll << 40);
  EXPECT_EQ(must(f.get_float("u")), 5.0f);
  EXPECT_NE(f.get_bool("u").status().message().find("key 'u': expected a bool, got u32"), std::string::npos);
  EXPECT_NE(f.get_string_array("u").status().message().find("expected an array of string, got u32"),
            std::string::npos);
  EXPECT_NE(f.get_float_array("llama.context_length").status().message().find("got string"), std::string::npos);
  EXPECT_FALSE(f.get_int_array("u").ok());
  EXPECT_TRUE(f.has("u"));
  EXPECT_FALSE(f.has("v"));
}

TEST(GgufRoundTrip, CopyMetadataAndWriteFile) {
  GgufWriter w;
  w.set_string("general.architecture", "llama");
  w.set_u32("llama.block_count", 2);
  const float data[] = {1.f, 2.f};
  ASSERT_TRUE(w.add_tensor("t", DType::kF32, {2}, {reinterpret_cast<const uint8_t*>(data), 8}).ok());
  std::string path = test::temp_dir() + "/copy.gguf";
  ASSERT_TRUE(w.write_file(path).ok());
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  Result<GgufFile> opened = GgufFile::open(path);
  ASSERT_TRUE(opened.ok()) << opened.status().to_string();
  GgufFile f = std::move(opened).value();
  EXPECT_EQ(f.name(), path);
  GgufFile moved = std::move(f);  // the mapping moves with the object
  EXPECT_EQ(std::memcmp(moved.tensor_data(moved.tensors()[0]), data, 8), 0);

  GgufWriter copy;
  copy.set_u32("llama.block_count", 9);  // replaced in place by the copy
  copy.copy_metadata(moved);
  ASSERT_EQ(copy.metadata().size(), 2u);
  EXPECT_EQ(copy.metadata()[0].first, "llama.block_count");
  EXPECT_EQ(copy.find("llama.block_count")->as_u64(), 2u);
  EXPECT_EQ(*copy.find("general.architecture")->as_string(), "llama");
}

TEST(GgufRoundTrip, FailedWriteLeavesNoFile) {
  std::string path = test::temp_dir() + "/failed.gguf";
  GgufWriter w;
  w.set_u32("k", 1);
  ASSERT_TRUE(w.add_tensor_lazy("t", DType::kF32, {4}, [](std::span<uint8_t>) {
                 return base::internal_error("producer broke");
               }).ok());
  Status s = w.write_file(path);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("producing tensor 't': producer broke"), std::string::npos) << s.message();
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));

  GgufWriter bad_align;
  bad_align.set_u32("general.alignment", 48);
  EXPECT_FALSE(bad_align.write_file(path).ok());
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  EXPECT_FALSE(w.write_file(test::temp_dir() + "/no/such/dir/x.gguf").ok());
}

TEST(GgufRoundTrip, OpenReportsMissingFile) {
  Result<GgufFile> f = GgufFile::open(test::temp_dir() + "/does-not-exist.gguf");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kIo);
}

TEST(GgufValue, DisplayAbbreviatesLongArrays) {
  std::vector<int32_t> v(100);
  for (int i = 0; i < 100; ++i) v[static_cast<size_t>(i)] = i;
  EXPECT_EQ(Value::i32_array(v).to_display(3), "[0, 1, 2, ... (100 elements)]");
  EXPECT_EQ(Value::string("a\"b").to_display(), "\"a\\\"b\"");
  EXPECT_EQ(Value::boolean(false).to_display(), "false");
  EXPECT_EQ(Value::f32(1e-5f).to_display(), "1e-05");
  EXPECT_EQ(Value::f64(0.1).to_display(), "0.1");
  EXPECT_EQ(Value::i8(-3).to_display(), "-3");
  EXPECT_EQ(Value::string_array({"x"}).type_display(), "array[string]");
  EXPECT_STREQ(value_type_name(ValueType::kFloat64), "f64");
}

TEST(GgufValue, IntegerConversions) {
  EXPECT_EQ(Value::i32(-1).as_u64(), std::nullopt);
  EXPECT_EQ(Value::u64(std::numeric_limits<uint64_t>::max()).as_i64(), std::nullopt);
  EXPECT_EQ(Value::u16(7).as_i64(), 7);
  EXPECT_EQ(Value::f32(1.0f).as_i64(), std::nullopt);
  EXPECT_EQ(Value::string("1").as_f64(), std::nullopt);
  EXPECT_FALSE(Value::scalar_array(ValueType::kUint32, {1, 2, 3}).ok());
  EXPECT_FALSE(Value::scalar_array(ValueType::kString, {}).ok());
  EXPECT_FALSE(Value::scalar_array(ValueType::kBool, {2}).ok());
}

}  // namespace
}  // namespace osprey::gguf
