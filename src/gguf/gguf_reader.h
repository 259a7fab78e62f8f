// Bounds-checked GGUF reader (versions 2 and 3, little-endian). Every malformed input is refused
// with a Status naming what was read, where, and the expected vs actual value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "src/base/mmap_file.h"
#include "src/base/status.h"
#include "src/gguf/gguf_value.h"
#include "src/tensor/dtype.h"

namespace osprey::gguf {

inline constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" read as a little-endian u32
inline constexpr uint64_t kDefaultAlignment = 32;
inline constexpr uint32_t kMaxDims = 4;
inline constexpr int kMaxArrayDepth = 8;  // nesting levels of arrays inside one value

struct TensorInfo {
  std::string name;
  tensor::DType type;
  std::vector<int64_t> shape;  // ne[0] first = innermost, contiguous dimension (GGUF order)
  uint64_t offset;             // relative to the start of the data section
  int64_t n_elements;
  size_t n_bytes;
};

// Hash for string keys that also looks up string_views without allocating.
struct StringKeyHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using NameIndex = std::unordered_map<std::string, size_t, StringKeyHash, std::equal_to<>>;

class GgufFile {
 public:
  GgufFile() = default;
  GgufFile(GgufFile&&) noexcept = default;
  GgufFile& operator=(GgufFile&&) noexcept = default;
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  // Maps the file read-only (base::MmapFile) and parses it; tensor data stays in the mapping.
  static Result<GgufFile> open(const std::string& path);
  // Parses bytes the caller keeps alive as long as the GgufFile (non-owning).
  static Result<GgufFile> parse(std::span<const uint8_t> bytes, std::string name = "<memory>");

  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  const std::string& name() const { return name_; }
  size_t file_size() const { return bytes_.size(); }

  // Metadata in file order.
  const std::vector<std::pair<std::string, Value>>& metadata() const { return metadata_; }
  const Value* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }

  // Typed getters: kNotFound naming the key when it is missing; kInvalidArgument naming the key,
  // the expected and the actual type on a type mismatch; kOutOfRange when the value does not fit.
  Result<std::string> get_string(std::string_view key) const;
  Result<int64_t> get_int(std::string_view key) const;    // any integer type
  Result<uint32_t> get_u32(std::string_view key) const;   // any integer type whose value fits
  Result<float> get_float(std::string_view key) const;    // f32/f64 (and integers)
  Result<bool> get_bool(std::string_view key) const;
  Result<std::vector<std::string>> get_string_array(std::string_view key) const;
  Result<std::vector<float>> get_float_array(std::string_view key) const;   // float or integer arrays
  Result<std::vector<int32_t>> get_int_array(std::string_view key) const;   // integer arrays, fits i32

  // Tensor infos in file order.
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find_tensor(std::string_view name) const;
  // Pointer to the tensor's first byte (in the mapping or the caller's buffer).
  const uint8_t* tensor_data(const TensorInfo& t) const;
  std::span<const uint8_t> tensor_bytes(const TensorInfo& t) const { return {tensor_data(t), t.n_bytes}; }
  // Absolute file offset of the data section.
  uint64_t data_offset() const { return data_offset_; }

 private:
  friend class Parser;
  Result<const Value*> require(std::string_view key) const;

  base::MmapFile map_;              // empty for parse()
  std::span<const uint8_t> bytes_;  // the whole file
  std::string name_;
  uint32_t version_ = 0;
  uint64_t alignment_ = kDefaultAlignment;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, Value>> metadata_;
  NameIndex key_index_;
  std::vector<TensorInfo> tensors_;
  NameIndex tensor_index_;
};

}  // namespace osprey::gguf
