// Corrupt files built from a valid writer output: each must be refused with its specific message.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "src/gguf/gguf_reader.h"
#include "src/gguf/gguf_writer.h"

namespace osprey::gguf {
namespace {

using tensor::DType;
using Bytes = std::vector<uint8_t>;

// The base file: a few keys (two of equal length for the duplicate case) and three tensors.
// Data layout (alignment 32): a.weight [0, 64), b.weight [64, 132) padded to 160, c.weight [160, 176).
Bytes base_file() {
  GgufWriter w;
  w.set_string("general.architecture", "llama");
  w.set_u32("general.alignment", 32);
  w.set_u32("test.key_a", 7);
  w.set_bool("test.key_b", true);
  w.set_string_array("test.tokens", {"a", "bc", "def"});
  const float scores[] = {0.f, -1.f, 2.f};
  w.set_f32_array("test.scores", scores);
  EXPECT_TRUE(w.add_tensor("a.weight", DType::kF32, {8, 2}, Bytes(64, 1)).ok());
  EXPECT_TRUE(w.add_tensor("b.weight", DType::kQ8_0, {32, 2}, Bytes(68, 2)).ok());
  EXPECT_TRUE(w.add_tensor("c.weight", DType::kF32, {4}, Bytes(16, 3)).ok());
  Result<Bytes> b = w.write_to_buffer();
  EXPECT_TRUE(b.ok());
  return b.ok() ? std::move(b).value() : Bytes();
}

// Offset just past the unique occurrence of `s` (a key or tensor name) in the file.
size_t after(const Bytes& b, std::string_view s) {
  size_t found = std::string::npos;
  for (size_t i = 0; i + s.size() <= b.size(); ++i) {
    if (std::memcmp(b.data() + i, s.data(), s.size()) == 0) {
      EXPECT_EQ(found, std::string::npos) << "'" << s << "' is not unique";
      found = i;
    }
  }
  EXPECT_NE(found, std::string::npos) << "'" << s << "' not found";
  return found == std::string::npos ? 0 : found + s.size();
}

template <typename T>
void poke(Bytes* b, size_t offset, T v) {
  ASSERT_LE(offset + sizeof(T), b->size());
  std::memcpy(b->data() + offset, &v, sizeof(T));
}

// Tensor info fields after the name: n_dims u32, dims i64[n], type u32, offset u64.
size_t dims_at(const Bytes& b, std::string_view tensor) { return after(b, tensor) + 4; }
size_t type_at(const Bytes& b, std::string_view tensor, int n_dims) { return dims_at(b, tensor) + 8 * n_dims; }
size_t offset_at(const Bytes& b, std::string_view tensor, int n_dims) { return type_at(b, tensor, n_dims) + 4; }

void expect_refused(const Bytes& b, const std::string& needle) {
  Result<GgufFile> f = GgufFile::parse(b, "case.gguf");
  ASSERT_FALSE(f.ok()) << "accepted a file that should fail with: " << needle;
  EXPECT_NE(f.status().message().find(needle), std::string::npos)
      << "message: " << f.status().message() << "\nexpected substring: " << needle;
  EXPECT_NE(f.status().message().find("gguf 'case.gguf'"), std::string::npos) << f.status().message();
}

TEST(GgufCorrupt, BaseFileIsValid) {
  Bytes b = base_file();
  Result<GgufFile> f = GgufFile::parse(b);
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  ASSERT_EQ(f->tensors().size(), 3u);
  EXPECT_EQ(f->find_tensor("b.weight")->offset, 64u);
  EXPECT_EQ(f->find_tensor("c.weight")->offset, 160u);
  EXPECT_EQ(b.size(), f->data_offset() + 192);
}

TEST(GgufCorrupt, MagicAndVersion) {
  Bytes b = base_file();
  b[3] = 'X';
  expect_refused(b, "bad magic: expected \"GGUF\" (47 47 55 46), got 47 47 55 58");
  b = base_file();
  poke<uint32_t>(&b, 4, 1);
  expect_refused(b, "unsupported GGUF version 1 (expected 2 or 3)");
  poke<uint32_t>(&b, 4, 4);
  expect_refused(b, "unsupported GGUF version 4 (expected 2 or 3)");
  poke<uint32_t>(&b, 4, 0x03000000);  // a big-endian version 3
  expect_refused(b, "big-endian GGUF file");
  poke<uint32_t>(&b, 4, 0x02000000);
  expect_refused(b, "byte-swapped 2");
  Bytes empty;
  expect_refused(empty, "truncated file: reading the magic at offset 0 needs 4 bytes, only 0 remain");
}

TEST(GgufCorrupt, AbsurdCounts) {
  Bytes b = base_file();
  poke<uint64_t>(&b, 16, 1ull << 60);
  expect_refused(b, "n_kv = 1152921504606846976 is impossible");
  b = base_file();
  poke<uint64_t>(&b, 8, ~0ull);
  expect_refused(b, "n_tensors = 18446744073709551615 is impossible");
  // n_tensors that passes the header check but not the check after the metadata.
  b = base_file();
  poke<uint64_t>(&b, 8, 20);
  expect_refused(b, "n_tensors = 20 is impossible");
}

TEST(GgufCorrupt, HugeStringLengths) {
  Bytes b = base_file();
  poke<uint64_t>(&b, 24, 1ull << 62);  // the first key's length
  expect_refused(b, "string length 4611686018427387904 at offset 24 exceeds");
  expect_refused(b, "(reading the key of metadata entry 0)");
  b = base_file();
  poke<uint64_t>(&b, after(b, "general.architecture") + 4, 1000000);
  expect_refused(b, "string length 1000000");
  expect_refused(b, "the value of key 'general.architecture'");
  b = base_file();
  // test.tokens: type, element type, length, then "a" with its u64 length.
  poke<uint64_t>(&b, after(b, "test.tokens") + 16, ~0ull);
  expect_refused(b, "element 0 of array 'test.tokens'");
  b = base_file();
  poke<uint64_t>(&b, after(b, "c.weight") - 8 - 8, 99999);  // the name length of c.weight
  expect_refused(b, "the name of tensor info 2");
}

TEST(GgufCorrupt, HugeArrayLengths) {
  Bytes b = base_file();
  poke<uint64_t>(&b, after(b, "test.tokens") + 8, 1ull << 61);
  expect_refused(b, "array length 2305843009213693952 of key 'test.tokens'");
  expect_refused(b, "is impossible");
  b = base_file();
  poke<uint64_t>(&b, after(b, "test.scores") + 8, 1000);
  expect_refused(b, "array length 1000 of key 'test.scores'");
}

TEST(GgufCorrupt, BadValueTypes) {
  Bytes b = base_file();
  poke<uint32_t>(&b, after(b, "test.key_a"), 13);
  expect_refused(b, "metadata key 'test.key_a' has unknown value type 13");
  b = base_file();
  poke<uint32_t>(&b, after(b, "test.tokens") + 4, 77);
  expect_refused(b, "array 'test.tokens' has unknown element type 77");
  b = base_file();
  poke<uint8_t>(&b, after(b, "test.key_b") + 4, 2);
  expect_refused(b, "bool value of key 'test.key_b' is 2 (expected 0 or 1)");
}

TEST(GgufCorrupt, NestingTooDeep) {
  // kMaxArrayDepth + 1 levels of arrays are refused; kMaxArrayDepth levels are accepted.
  Value v = Value::string_array({"x"});
  for (int i = 0; i < kMaxArrayDepth; ++i) v = std::move(Value::array_of_arrays({v})).value();
  GgufWriter w;
  w.set("deep", v);
  Result<Bytes> b = w.write_to_buffer();
  ASSERT_TRUE(b.ok());
  expect_refused(*b, "key 'deep': arrays nested deeper than 8 levels");
  Value ok = Value::string_array({"x"});
  for (int i = 0; i < kMaxArrayDepth - 1; ++i) ok = std::move(Value::array_of_arrays({ok})).value();
  GgufWriter w2;
  w2.set("deep", ok);
  Result<Bytes> b2 = w2.write_to_buffer();
  ASSERT_TRUE(b2.ok());
  EXPECT_TRUE(GgufFile::parse(*b2).ok());
}

TEST(GgufCorrupt, DuplicateKeyAndTensor) {
  Bytes b = base_file();
  b[after(b, "test.key_b") - 1] = 'a';
  expect_refused(b, "duplicate metadata key 'test.key_a' (entries 2 and 3)");
  b = base_file();
  b[after(b, "c.weight") - 8] = 'a';
  expect_refused(b, "duplicate tensor name 'a.weight' (tensor infos 0 and 2)");
}

TEST(GgufCorrupt, Alignment) {
  size_t value_at = after(base_file(), "general.alignment") + 4;
  Bytes b = base_file();
  poke<uint32_t>(&b, value_at, 0);
  expect_refused(b, "general.alignment must be a nonzero power of two, got 0");
  poke<uint32_t>(&b, value_at, 3);
  expect_refused(b, "general.alignment must be a nonzero power of two, got 3");
  b = base_file();
  poke<uint32_t>(&b, value_at - 4, static_cast<uint32_t>(ValueType::kInt32));
  expect_refused(b, "general.alignment must be a u32, got i32 32");
  b = base_file();
  poke<uint32_t>(&b, value_at - 4, static_cast<uint32_t>(ValueType::kFloat32));
  expect_refused(b, "general.alignment must be a u32, got f32");
}

TEST(GgufCorrupt, Dimensions) {
  Bytes b = base_file();
  poke<uint32_t>(&b, after(b, "a.weight"), 5);
  expect_refused(b, "tensor 'a.weight' has n_dims 5 (expected 1 to 4)");
  poke<uint32_t>(&b, after(b, "a.weight"), 0);
  expect_refused(b, "tensor 'a.weight' has n_dims 0 (expected 1 to 4)");
  b = base_file();
  poke<int64_t>(&b, dims_at(b, "a.weight") + 8, 0);
  expect_refused(b, "tensor 'a.weight' dimension 1 is 0 (expected > 0)");
  poke<int64_t>(&b, dims_at(b, "a.weight") + 8, -4);
  expect_refused(b, "tensor 'a.weight' dimension 1 is -4 (expected > 0)");
  b = base_file();
  poke<int64_t>(&b, dims_at(b, "a.weight"), 1ll << 40);
  poke<int64_t>(&b, dims_at(b, "a.weight") + 8, 1ll << 40);
  expect_refused(b, "tensor 'a.weight': the element count of shape [1099511627776, 1099511627776] overflows int64");
  // Fits in int64 elements but not in bytes: 2^62 F32 elements.
  b = base_file();
  poke<int64_t>(&b, dims_at(b, "a.weight"), 1ll << 31);
  poke<int64_t>(&b, dims_at(b, "a.weight") + 8, 1ll << 31);
  expect_refused(b, "tensor 'a.weight': the byte size of shape [2147483648, 2147483648] of type F32 overflows");
}

TEST(GgufCorrupt, TensorTypes) {
  Bytes b = base_file();
  poke<uint32_t>(&b, type_at(b, "a.weight", 2), 99);
  expect_refused(b, "tensor 'a.weight' has unknown type id 99");
  poke<uint32_t>(&b, type_at(b, "a.weight", 2), 4);  // a retired id (Q4_2)
  expect_refused(b, "tensor 'a.weight' has unknown type id 4");
  b = base_file();
  poke<int64_t>(&b, dims_at(b, "b.weight"), 33);
  expect_refused(b, "tensor 'b.weight' of type Q8_0: row length 33 is not a multiple of the block size 32");
  // Known but unsupported types are accepted and sized with the dtype table (IQ4_NL: 32 x 18 bytes).
  b = base_file();
  poke<uint32_t>(&b, type_at(b, "b.weight", 2), static_cast<uint32_t>(DType::kIQ4_NL));
  Result<GgufFile> f = GgufFile::parse(b);
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  EXPECT_EQ(f->find_tensor("b.weight")->type, DType::kIQ4_NL);
  EXPECT_EQ(f->find_tensor("b.weight")->n_bytes, 36u);
}

TEST(GgufCorrupt, OffsetsAndBounds) {
  Bytes b = base_file();
  poke<uint64_t>(&b, offset_at(b, "b.weight", 2), 65);
  expect_refused(b, "tensor 'b.weight' offset 65 is not a multiple of the alignment 32");
  b = base_file();
  poke<uint64_t>(&b, offset_at(b, "c.weight", 1), 1ull << 20);
  expect_refused(b, "tensor 'c.weight' data lies outside the file: offset 1048576 + 16 bytes");
  b = base_file();
  poke<uint64_t>(&b, offset_at(b, "c.weight", 1), ~0ull - 31);  // aligned, overflows when added
  expect_refused(b, "tensor 'c.weight' data lies outside the file");
  b = base_file();
  poke<uint64_t>(&b, offset_at(b, "b.weight", 2), 32);
  expect_refused(b, "tensors 'a.weight' [0, 64) and 'b.weight' [32, 100) overlap in the data section");
  b = base_file();
  poke<uint64_t>(&b, offset_at(b, "c.weight", 1), 0);
  expect_refused(b, "tensors 'a.weight' [0, 64) and 'c.weight' [0, 16) overlap");
  // The file cut inside c.weight's data.
  b = base_file();
  b.resize(b.size() - 32 - 1);
  expect_refused(b, "tensor 'c.weight' data lies outside the file");
}

TEST(GgufCorrupt, TruncationMessagesNameTheField) {
  Bytes full = base_file();
  auto cut = [&](size_t n) { return Bytes(full.begin(), full.begin() + static_cast<long>(n)); };
  expect_refused(cut(2), "truncated file: reading the magic at offset 0 needs 4 bytes, only 2 remain");
  expect_refused(cut(6), "reading the version at offset 4");
  expect_refused(cut(12), "reading the tensor count (n_tensors) at offset 8 needs 8 bytes, only 4 remain");
  expect_refused(cut(20), "reading the metadata count (n_kv) at offset 16");
  // Cut right after the key of test.key_a; n_tensors 0 keeps the header's count check quiet.
  Bytes b = cut(after(full, "test.key_a") + 2);
  poke<uint64_t>(&b, 8, 0);
  expect_refused(b, "reading the value type of key 'test.key_a' at offset");
  b = cut(after(full, "test.key_a") + 4 + 2);
  poke<uint64_t>(&b, 8, 0);
  expect_refused(b, "reading the u32 value of key 'test.key_a'");
  b = cut(dims_at(full, "c.weight") + 3);
  expect_refused(b, "dimension 0 of tensor 'c.weight'");
  b = cut(offset_at(full, "c.weight", 1) + 1);
  expect_refused(b, "reading the data offset of tensor 'c.weight'");
}

// Every prefix shorter than the end of the last tensor's data is refused, without crashing; the
// prefixes that end inside the final padding are complete files.
TEST(GgufCorrupt, TruncationAtEveryOffset) {
  Bytes full = base_file();
  Result<GgufFile> f = GgufFile::parse(full);
  ASSERT_TRUE(f.ok());
  size_t data_end = f->data_offset() + 160 + 16;
  for (size_t n = 0; n < full.size(); ++n) {
    Bytes b(full.begin(), full.begin() + static_cast<long>(n));
    Result<GgufFile> r = GgufFile::parse(b);
    if (n < data_end) {
      ASSERT_FALSE(r.ok()) << "prefix of " << n << " bytes accepted";
      const std::string& m = r.status().message();
      bool known = m.find("truncated file") != std::string::npos || m.find("is impossible") != std::string::npos ||
                   m.find("exceeds the") != std::string::npos || m.find("outside the file") != std::string::npos;
      EXPECT_TRUE(known) << "prefix " << n << ": " << m;
    } else {
      EXPECT_TRUE(r.ok()) << "prefix " << n << ": " << r.status().to_string();
    }
  }
}

}  // namespace
}  // namespace osprey::gguf
