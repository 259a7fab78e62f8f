// GGUF writer: metadata in insertion order, tensors in add order, data aligned to
// `general.alignment` (default 32). Files are written atomically (temp file + rename).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/base/status.h"
#include "src/gguf/gguf_reader.h"
#include "src/gguf/gguf_value.h"
#include "src/tensor/dtype.h"

namespace osprey::gguf {

class GgufWriter {
 public:
  // Fills exactly the tensor's byte size (the span it receives) when the file is written.
  using Producer = std::function<Status(std::span<uint8_t>)>;

  GgufWriter() = default;

  // GGUF version to write: 2 or 3 (default 3; both share one layout). Others fail at write time.
  void set_version(uint32_t version) { version_ = version; }

  // Metadata setters. Replacing an existing key keeps its position; a new key goes last.
  void set(std::string key, Value value);
  void set_u8(std::string key, uint8_t v) { set(std::move(key), Value::u8(v)); }
  void set_i8(std::string key, int8_t v) { set(std::move(key), Value::i8(v)); }
  void set_u16(std::string key, uint16_t v) { set(std::move(key), Value::u16(v)); }
  void set_i16(std::string key, int16_t v) { set(std::move(key), Value::i16(v)); }
  void set_u32(std::string key, uint32_t v) { set(std::move(key), Value::u32(v)); }
  void set_i32(std::string key, int32_t v) { set(std::move(key), Value::i32(v)); }
  void set_u64(std::string key, uint64_t v) { set(std::move(key), Value::u64(v)); }
  void set_i64(std::string key, int64_t v) { set(std::move(key), Value::i64(v)); }
  void set_f32(std::string key, float v) { set(std::move(key), Value::f32(v)); }
  void set_f64(std::string key, double v) { set(std::move(key), Value::f64(v)); }
  void set_bool(std::string key, bool v) { set(std::move(key), Value::boolean(v)); }
  void set_string(std::string key, std::string v) { set(std::move(key), Value::string(std::move(v))); }
  void set_string_array(std::string key, std::vector<std::string> v) {
    set(std::move(key), Value::string_array(std::move(v)));
  }
  void set_f32_array(std::string key, std::span<const float> v) { set(std::move(key), Value::f32_array(v)); }
  void set_i32_array(std::string key, std::span<const int32_t> v) { set(std::move(key), Value::i32_array(v)); }
  void set_u32_array(std::string key, std::span<const uint32_t> v) { set(std::move(key), Value::u32_array(v)); }
  // Removes a key; false if it was absent.
  bool remove(std::string_view key);
  const Value* find(std::string_view key) const;
  const std::vector<std::pair<std::string, Value>>& metadata() const { return metadata_; }

  // Copies every metadata entry of `file` in its order (existing keys are replaced in place).
  void copy_metadata(const GgufFile& file);

  // Adds a tensor whose bytes are copied now. Checks the name is new, 1..4 positive dims, the row
  // length is a multiple of the type's block size and data.size() is the tensor's byte size.
  Status add_tensor(std::string name, tensor::DType type, std::vector<int64_t> shape,
                    std::span<const uint8_t> data);
  // Adds a tensor whose bytes `producer` fills at write time (same checks, except the data size).
  Status add_tensor_lazy(std::string name, tensor::DType type, std::vector<int64_t> shape, Producer producer);
  size_t tensor_count() const { return tensors_.size(); }

  // Writes path + ".tmp", syncs it and renames it to path; removes the temp file on any error.
  // Each write calls every lazy producer once.
  Status write_file(const std::string& path) const;
  // The size in bytes write_file would produce (header, tensor data and padding); calls no producer.
  Result<uint64_t> file_size() const;
  // The whole file in memory (for tests and small files).
  Result<std::vector<uint8_t>> write_to_buffer() const;

 private:
  struct PendingTensor {
    std::string name;
    tensor::DType type;
    std::vector<int64_t> shape;
    size_t n_bytes = 0;
    std::vector<uint8_t> data;  // when producer is empty
    Producer producer;
  };
  using Sink = std::function<Status(std::span<const uint8_t>)>;

  Result<PendingTensor> check_tensor(std::string name, tensor::DType type, std::vector<int64_t> shape) const;
  Result<uint64_t> alignment() const;
  Result<std::vector<uint8_t>> header_bytes(uint64_t alignment) const;
  Status write_to(const Sink& sink) const;

  uint32_t version_ = 3;
  std::vector<std::pair<std::string, Value>> metadata_;
  NameIndex key_index_;
  std::vector<PendingTensor> tensors_;
  NameIndex tensor_index_;
};

}  // namespace osprey::gguf
