#include "src/gguf/gguf_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <limits>
#include <numeric>

namespace osprey::gguf {

namespace {

// Minimum bytes one element occupies on disk: lets counts be checked against the remaining bytes
// before anything is allocated.
constexpr uint64_t kMinKvBytes = 8 + 4 + 1;              // key length, type, smallest value
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 8 + 4 + 8;  // name length, n_dims, one dim, type, offset
constexpr uint64_t kMinNestedArrayBytes = 4 + 8;         // element type, length

// A bounds-checked read position inside the file.
class Cursor {
 public:
  explicit Cursor(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  uint64_t offset() const { return pos_; }
  uint64_t remaining() const { return bytes_.size() - pos_; }

  bool read(void* dst, size_t n) {
    if (n > remaining()) return false;
    if (n > 0) std::memcpy(dst, bytes_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  template <typename T>
  bool get(T* v) {
    return read(v, sizeof(T));
  }
  // Consumes n bytes and points `out` at them.
  bool take(size_t n, const uint8_t** out) {
    if (n > remaining()) return false;
    *out = bytes_.data() + pos_;
    pos_ += n;
    return true;
  }

  Status truncated(std::string_view what, uint64_t need) const {
    return base::invalid_argument(fmt::format("truncated file: reading {} at offset {} needs {} bytes, only {} remain",
                                              what, pos_, need, remaining()));
  }

 private:
  std::span<const uint8_t> bytes_;
  uint64_t pos_ = 0;
};

std::string shape_string(const std::vector<int64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

}  // namespace

// Parses one file into a GgufFile; each step refuses malformed input with a specific message.
class Parser {
 public:
  Parser(std::span<const uint8_t> bytes, GgufFile* out) : cur_(bytes), out_(out) {}

  Status run() {
    OSP_RETURN_IF_ERROR(read_header());
    for (uint64_t i = 0; i < n_kv_; ++i) OSP_RETURN_IF_ERROR(read_kv(i));
    OSP_RETURN_IF_ERROR(read_alignment());
    OSP_RETURN_IF_ERROR(check_count(n_tensors_, kMinTensorInfoBytes, "n_tensors", "tensor info"));
    out_->tensors_.reserve(n_tensors_);
    for (uint64_t i = 0; i < n_tensors_; ++i) OSP_RETURN_IF_ERROR(read_tensor_info(i));
    return place_data();
  }

 private:
  Status read_header();
  Status check_count(uint64_t n, uint64_t min_bytes, std::string_view field, std::string_view unit) const;
  Status read_string(std::string* s, const std::function<std::string()>& what);
  Status read_kv(uint64_t index);
  Status read_value(ValueType type, const std::string& key, int depth, Value* out);
  Status read_array(const std::string& key, int depth, Value* out);
  Status read_scalar_array(ValueType elem, uint64_t n, const std::string& key, Value* out);
  Status read_alignment();
  Status read_tensor_info(uint64_t index);
  Status read_shape(TensorInfo* t);
  Status read_type_and_size(TensorInfo* t);
  Status place_data();

  Cursor cur_;
  GgufFile* out_;
  uint64_t n_tensors_ = 0;
  uint64_t n_kv_ = 0;
};

Status Parser::read_header() {
  uint8_t magic[4];
  if (!cur_.read(magic, 4)) return cur_.truncated("the magic", 4);
  if (std::memcmp(magic, "GGUF", 4) != 0)
    return base::invalid_argument(fmt::format("bad magic: expected \"GGUF\" (47 47 55 46), got {:02x} {:02x} {:02x} {:02x}",
                                              magic[0], magic[1], magic[2], magic[3]));
  uint32_t version = 0;
  if (!cur_.get(&version)) return cur_.truncated("the version", 4);
  uint32_t swapped = __builtin_bswap32(version);
  if (version != 2 && version != 3) {
    if (swapped >= 1 && swapped <= 3)
      return base::unimplemented(fmt::format(
          "big-endian GGUF file: the version reads as {:#010x} (byte-swapped {}); only little-endian files are supported",
          version, swapped));
    return base::unimplemented(fmt::format("unsupported GGUF version {} (expected 2 or 3)", version));
  }
  out_->version_ = version;
  if (!cur_.get(&n_tensors_)) return cur_.truncated("the tensor count (n_tensors)", 8);
  if (!cur_.get(&n_kv_)) return cur_.truncated("the metadata count (n_kv)", 8);
  OSP_RETURN_IF_ERROR(check_count(n_kv_, kMinKvBytes, "n_kv", "metadata entry"));
  OSP_RETURN_IF_ERROR(check_count(n_tensors_, kMinTensorInfoBytes, "n_tensors", "tensor info"));
  out_->metadata_.reserve(n_kv_);
  return base::ok_status();
}

Status Parser::check_count(uint64_t n, uint64_t min_bytes, std::string_view field, std::string_view unit) const {
  if (n > cur_.remaining() / min_bytes)
    return base::invalid_argument(fmt::format(
        "{} = {} is impossible: each {} needs at least {} bytes and only {} bytes remain at offset {}", field, n,
        unit, min_bytes, cur_.remaining(), cur_.offset()));
  return base::ok_status();
}

Status Parser::read_string(std::string* s, const std::function<std::string()>& what) {
  uint64_t len = 0;
  if (!cur_.get(&len)) return cur_.truncated("the length of " + what(), 8);
  if (len > cur_.remaining())
    return base::invalid_argument(fmt::format("string length {} at offset {} exceeds the {} remaining bytes (reading {})",
                                              len, cur_.offset() - 8, cur_.remaining(), what()));
  const uint8_t* p = nullptr;
  cur_.take(len, &p);
  s->assign(reinterpret_cast<const char*>(p), len);
  return base::ok_status();
}

Status Parser::read_kv(uint64_t index) {
  std::string key;
  OSP_RETURN_IF_ERROR(read_string(&key, [&] { return fmt::format("the key of metadata entry {}", index); }));
  uint32_t type_id = 0;
  if (!cur_.get(&type_id)) return cur_.truncated(fmt::format("the value type of key '{}'", key), 4);
  if (!is_valid_value_type(type_id))
    return base::invalid_argument(
        fmt::format("metadata key '{}' has unknown value type {} (expected 0 to 12)", key, type_id));
  auto [it, inserted] = out_->key_index_.try_emplace(key, out_->metadata_.size());
  if (!inserted)
    return base::invalid_argument(
        fmt::format("duplicate metadata key '{}' (entries {} and {})", key, it->second, index));
  Value v;
  OSP_RETURN_IF_ERROR(read_value(static_cast<ValueType>(type_id), key, 0, &v));
  out_->metadata_.emplace_back(std::move(key), std::move(v));
  return base::ok_status();
}

Status Parser::read_value(ValueType type, const std::string& key, int depth, Value* out) {
  if (type == ValueType::kString) {
    std::string s;
    OSP_RETURN_IF_ERROR(read_string(&s, [&] { return fmt::format("the value of key '{}'", key); }));
    *out = Value::string(std::move(s));
    return base::ok_status();
  }
  if (type == ValueType::kArray) return read_array(key, depth + 1, out);
  size_t size = scalar_size(type);
  uint8_t buf[8] = {};
  if (!cur_.read(buf, size))
    return cur_.truncated(fmt::format("the {} value of key '{}'", value_type_name(type), key), size);
  if (type == ValueType::kBool && buf[0] > 1)
    return base::invalid_argument(fmt::format("bool value of key '{}' is {} (expected 0 or 1)", key, buf[0]));
  OSP_ASSIGN_OR_RETURN(Value array, Value::scalar_array(type, std::vector<uint8_t>(buf, buf + size)));
  *out = array.element(0);
  return base::ok_status();
}

Status Parser::read_array(const std::string& key, int depth, Value* out) {
  if (depth > kMaxArrayDepth)
    return base::invalid_argument(
        fmt::format("key '{}': arrays nested deeper than {} levels at offset {}", key, kMaxArrayDepth, cur_.offset()));
  uint32_t elem_id = 0;
  if (!cur_.get(&elem_id)) return cur_.truncated(fmt::format("the element type of array '{}'", key), 4);
  if (!is_valid_value_type(elem_id))
    return base::invalid_argument(
        fmt::format("array '{}' has unknown element type {} (expected 0 to 12)", key, elem_id));
  ValueType elem = static_cast<ValueType>(elem_id);
  uint64_t n = 0;
  if (!cur_.get(&n)) return cur_.truncated(fmt::format("the length of array '{}'", key), 8);
  uint64_t min_bytes = elem == ValueType::kString  ? 8
                       : elem == ValueType::kArray ? kMinNestedArrayBytes
                                                   : scalar_size(elem);
  if (n > cur_.remaining() / min_bytes)
    return base::invalid_argument(fmt::format(
        "array length {} of key '{}' at offset {} is impossible: {} elements of {} need at least {} bytes each, only {} bytes remain",
        n, key, cur_.offset() - 8, n, value_type_name(elem), min_bytes, cur_.remaining()));
  if (elem == ValueType::kString) {
    std::vector<std::string> strings(n);
    for (uint64_t i = 0; i < n; ++i)
      OSP_RETURN_IF_ERROR(read_string(&strings[i], [&] { return fmt::format("element {} of array '{}'", i, key); }));
    *out = Value::string_array(std::move(strings));
    return base::ok_status();
  }
  if (elem == ValueType::kArray) {
    std::vector<Value> elements(n);
    for (uint64_t i = 0; i < n; ++i) OSP_RETURN_IF_ERROR(read_array(key, depth + 1, &elements[i]));
    OSP_ASSIGN_OR_RETURN(*out, Value::array_of_arrays(std::move(elements)));
    return base::ok_status();
  }
  return read_scalar_array(elem, n, key, out);
}

Status Parser::read_scalar_array(ValueType elem, uint64_t n, const std::string& key, Value* out) {
  size_t bytes = n * scalar_size(elem);  // n was checked against the remaining bytes
  const uint8_t* p = nullptr;
  if (!cur_.take(bytes, &p)) return cur_.truncated(fmt::format("the elements of array '{}'", key), bytes);
  if (elem == ValueType::kBool) {
    for (uint64_t i = 0; i < n; ++i)
      if (p[i] > 1)
        return base::invalid_argument(
            fmt::format("element {} of bool array '{}' is {} (expected 0 or 1)", i, key, p[i]));
  }
  OSP_ASSIGN_OR_RETURN(*out, Value::scalar_array(elem, std::vector<uint8_t>(p, p + bytes)));
  return base::ok_status();
}

Status Parser::read_alignment() {
  const Value* v = out_->find("general.alignment");
  if (v == nullptr) return base::ok_status();
  if (v->type() != ValueType::kUint32)
    return base::invalid_argument(
        fmt::format("general.alignment must be a u32, got {} {}", v->type_display(), v->to_display()));
  uint64_t a = *v->as_u64();
  if (a == 0 || (a & (a - 1)) != 0)
    return base::invalid_argument(fmt::format("general.alignment must be a nonzero power of two, got {}", a));
  out_->alignment_ = a;
  return base::ok_status();
}

Status Parser::read_tensor_info(uint64_t index) {
  TensorInfo t;
  OSP_RETURN_IF_ERROR(read_string(&t.name, [&] { return fmt::format("the name of tensor info {}", index); }));
  OSP_RETURN_IF_ERROR(read_shape(&t));
  OSP_RETURN_IF_ERROR(read_type_and_size(&t));
  if (!cur_.get(&t.offset)) return cur_.truncated(fmt::format("the data offset of tensor '{}'", t.name), 8);
  if (t.offset % out_->alignment_ != 0)
    return base::invalid_argument(fmt::format("tensor '{}' offset {} is not a multiple of the alignment {}", t.name,
                                              t.offset, out_->alignment_));
  auto [it, inserted] = out_->tensor_index_.try_emplace(t.name, out_->tensors_.size());
  if (!inserted)
    return base::invalid_argument(
        fmt::format("duplicate tensor name '{}' (tensor infos {} and {})", t.name, it->second, index));
  out_->tensors_.push_back(std::move(t));
  return base::ok_status();
}

Status Parser::read_shape(TensorInfo* t) {
  uint32_t n_dims = 0;
  if (!cur_.get(&n_dims)) return cur_.truncated(fmt::format("the n_dims of tensor '{}'", t->name), 4);
  if (n_dims == 0 || n_dims > kMaxDims)
    return base::invalid_argument(
        fmt::format("tensor '{}' has n_dims {} (expected 1 to {})", t->name, n_dims, kMaxDims));
  t->shape.resize(n_dims);
  int64_t n = 1;
  for (uint32_t d = 0; d < n_dims; ++d) {
    if (!cur_.get(&t->shape[d]))
      return cur_.truncated(fmt::format("dimension {} of tensor '{}'", d, t->name), 8);
    if (t->shape[d] <= 0)
      return base::invalid_argument(
          fmt::format("tensor '{}' dimension {} is {} (expected > 0)", t->name, d, t->shape[d]));
    if (__builtin_mul_overflow(n, t->shape[d], &n))
      return base::invalid_argument(fmt::format("tensor '{}': the element count of shape {} overflows int64",
                                                t->name, shape_string(t->shape)));
  }
  t->n_elements = n;
  return base::ok_status();
}

Status Parser::read_type_and_size(TensorInfo* t) {
  uint32_t type_id = 0;
  if (!cur_.get(&type_id)) return cur_.truncated(fmt::format("the type of tensor '{}'", t->name), 4);
  std::optional<tensor::DTypeInfo> info = tensor::dtype_info(type_id);
  if (!info) return base::invalid_argument(fmt::format("tensor '{}' has unknown type id {}", t->name, type_id));
  t->type = info->type;
  if (t->shape[0] % info->block_size != 0)
    return base::invalid_argument(
        fmt::format("tensor '{}' of type {}: row length {} is not a multiple of the block size {}", t->name,
                    info->name, t->shape[0], info->block_size));
  uint64_t blocks = static_cast<uint64_t>(t->n_elements / info->block_size);
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(blocks, static_cast<uint64_t>(info->type_size), &bytes))
    return base::invalid_argument(fmt::format("tensor '{}': the byte size of shape {} of type {} overflows",
                                              t->name, shape_string(t->shape), info->name));
  t->n_bytes = bytes;
  return base::ok_status();
}

Status Parser::place_data() {
  uint64_t end = cur_.offset();
  uint64_t a = out_->alignment_;
  uint64_t data = (end + a - 1) / a * a;  // end and a are far below 2^63: no overflow
  out_->data_offset_ = data;
  uint64_t size = out_->bytes_.size();
  for (const TensorInfo& t : out_->tensors_) {
    uint64_t start = 0, stop = 0;
    if (__builtin_add_overflow(data, t.offset, &start) || __builtin_add_overflow(start, t.n_bytes, &stop) ||
        stop > size)
      return base::invalid_argument(fmt::format(
          "tensor '{}' data lies outside the file: offset {} + {} bytes from the data section at {} ends past the file size {}",
          t.name, t.offset, t.n_bytes, data, size));
  }
  std::vector<size_t> order(out_->tensors_.size());
  std::iota(order.begin(), order.end(), 0);
  const auto& ts = out_->tensors_;
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    return ts[x].offset != ts[y].offset ? ts[x].offset < ts[y].offset : x < y;
  });
  for (size_t i = 1; i < order.size(); ++i) {
    const TensorInfo& p = ts[order[i - 1]];
    const TensorInfo& q = ts[order[i]];
    if (p.offset + p.n_bytes > q.offset)
      return base::invalid_argument(fmt::format("tensors '{}' [{}, {}) and '{}' [{}, {}) overlap in the data section",
                                                p.name, p.offset, p.offset + p.n_bytes, q.name, q.offset,
                                                q.offset + q.n_bytes));
  }
  return base::ok_status();
}

Result<GgufFile> GgufFile::open(const std::string& path) {
  OSP_ASSIGN_OR_RETURN(base::MmapFile map, base::MmapFile::open(path));
  std::span<const uint8_t> bytes(map.data(), map.size());
  OSP_ASSIGN_OR_RETURN(GgufFile f, parse(bytes, path));
  f.map_ = std::move(map);  // the mapping's address does not change when it moves
  return f;
}

Result<GgufFile> GgufFile::parse(std::span<const uint8_t> bytes, std::string name) {
  GgufFile f;
  f.bytes_ = bytes;
  f.name_ = std::move(name);
  Parser p(bytes, &f);
  Status s = p.run();
  if (!s.ok()) return Status(s.code(), fmt::format("gguf '{}': {}", f.name_, s.message()));
  return f;
}

const Value* GgufFile::find(std::string_view key) const {
  auto it = key_index_.find(key);
  return it == key_index_.end() ? nullptr : &metadata_[it->second].second;
}

const TensorInfo* GgufFile::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const uint8_t* GgufFile::tensor_data(const TensorInfo& t) const { return bytes_.data() + data_offset_ + t.offset; }

}  // namespace osprey::gguf
