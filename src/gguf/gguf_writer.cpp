#include "src/gguf/gguf_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace osprey::gguf {

namespace {

void put_bytes(std::vector<uint8_t>* out, const void* p, size_t n) {
  const uint8_t* b = static_cast<const uint8_t*>(p);
  out->insert(out->end(), b, b + n);
}

template <typename T>
void put(std::vector<uint8_t>* out, T v) {
  put_bytes(out, &v, sizeof(T));
}

void put_string(std::vector<uint8_t>* out, std::string_view s) {
  put<uint64_t>(out, s.size());
  put_bytes(out, s.data(), s.size());
}

// An array body: element type, length, elements.
void put_array(std::vector<uint8_t>* out, const Value& v) {
  const ArrayData* a = v.array();
  put<uint32_t>(out, static_cast<uint32_t>(v.element_type()));
  put<uint64_t>(out, v.array_size());
  if (a == nullptr) return;
  if (a->element_type == ValueType::kString) {
    for (const std::string& s : a->strings) put_string(out, s);
  } else if (a->element_type == ValueType::kArray) {
    for (const Value& e : a->arrays) put_array(out, e);
  } else {
    put_bytes(out, a->raw.data(), a->raw.size());
  }
}

void put_value(std::vector<uint8_t>* out, const Value& v) {
  switch (v.type()) {
    case ValueType::kString: put_string(out, *v.as_string()); return;
    case ValueType::kArray: put_array(out, v); return;
    default: break;
  }
  // Scalars: the low scalar_size bytes of the raw form (little-endian host); floats keep their
  // exact bit pattern, NaN payloads included.
  uint64_t bits = v.bits();
  put_bytes(out, &bits, scalar_size(v.type()));
}

uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

Status write_all(int fd, std::span<const uint8_t> bytes, const std::string& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return base::io_error(fmt::format("cannot write '{}': {}", path, std::strerror(errno)));
    done += static_cast<size_t>(n);
  }
  return base::ok_status();
}

}  // namespace

void GgufWriter::set(std::string key, Value value) {
  auto it = key_index_.find(key);
  if (it != key_index_.end()) {
    metadata_[it->second].second = std::move(value);
    return;
  }
  key_index_.emplace(key, metadata_.size());
  metadata_.emplace_back(std::move(key), std::move(value));
}

bool GgufWriter::remove(std::string_view key) {
  auto it = key_index_.find(key);
  if (it == key_index_.end()) return false;
  metadata_.erase(metadata_.begin() + static_cast<std::ptrdiff_t>(it->second));
  key_index_.clear();
  for (size_t i = 0; i < metadata_.size(); ++i) key_index_.emplace(metadata_[i].first, i);
  return true;
}

const Value* GgufWriter::find(std::string_view key) const {
  auto it = key_index_.find(key);
  return it == key_index_.end() ? nullptr : &metadata_[it->second].second;
}

void GgufWriter::copy_metadata(const GgufFile& file) {
  for (const auto& [key, value] : file.metadata()) set(key, value);
}

Result<GgufWriter::PendingTensor> GgufWriter::check_tensor(std::string name, tensor::DType type,
                                                           std::vector<int64_t> shape) const {
  if (name.empty()) return base::invalid_argument("tensor name must not be empty");
  if (tensor_index_.count(name) != 0) return base::invalid_argument(fmt::format("duplicate tensor name '{}'", name));
  if (shape.empty() || shape.size() > kMaxDims)
    return base::invalid_argument(
        fmt::format("tensor '{}' has {} dimensions (expected 1 to {})", name, shape.size(), kMaxDims));
  int64_t n = 1;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] <= 0)
      return base::invalid_argument(fmt::format("tensor '{}' dimension {} is {} (expected > 0)", name, d, shape[d]));
    if (__builtin_mul_overflow(n, shape[d], &n))
      return base::invalid_argument(fmt::format("tensor '{}': the element count overflows int64", name));
  }
  const tensor::DTypeInfo& info = tensor::info(type);
  if (shape[0] % info.block_size != 0)
    return base::invalid_argument(fmt::format("tensor '{}' of type {}: row length {} is not a multiple of the block size {}",
                                              name, info.name, shape[0], info.block_size));
  PendingTensor t;
  if (__builtin_mul_overflow(static_cast<uint64_t>(n / info.block_size), info.type_size, &t.n_bytes))
    return base::invalid_argument(fmt::format("tensor '{}': the byte size overflows", name));
  t.name = std::move(name);
  t.type = type;
  t.shape = std::move(shape);
  return t;
}

Status GgufWriter::add_tensor(std::string name, tensor::DType type, std::vector<int64_t> shape,
                              std::span<const uint8_t> data) {
  OSP_ASSIGN_OR_RETURN(PendingTensor t, check_tensor(std::move(name), type, std::move(shape)));
  if (data.size() != t.n_bytes)
    return base::invalid_argument(fmt::format("tensor '{}': data has {} bytes, expected {} for shape [{}] of type {}",
                                              t.name, data.size(), t.n_bytes, fmt::join(t.shape, ", "),
                                              tensor::dtype_name(type)));
  t.data.assign(data.begin(), data.end());
  tensor_index_.emplace(t.name, tensors_.size());
  tensors_.push_back(std::move(t));
  return base::ok_status();
}

Status GgufWriter::add_tensor_lazy(std::string name, tensor::DType type, std::vector<int64_t> shape,
                                   Producer producer) {
  if (!producer) return base::invalid_argument(fmt::format("tensor '{}': the producer is empty", name));
  OSP_ASSIGN_OR_RETURN(PendingTensor t, check_tensor(std::move(name), type, std::move(shape)));
  t.producer = std::move(producer);
  tensor_index_.emplace(t.name, tensors_.size());
  tensors_.push_back(std::move(t));
  return base::ok_status();
}

Result<uint64_t> GgufWriter::alignment() const {
  const Value* v = find("general.alignment");
  if (v == nullptr) return kDefaultAlignment;
  if (v->type() != ValueType::kUint32)
    return base::invalid_argument(fmt::format("general.alignment must be a u32, got {}", v->type_display()));
  uint64_t a = *v->as_u64();
  if (a == 0 || (a & (a - 1)) != 0)
    return base::invalid_argument(fmt::format("general.alignment must be a nonzero power of two, got {}", a));
  return a;
}

Result<std::vector<uint8_t>> GgufWriter::header_bytes(uint64_t alignment) const {
  if (version_ != 2 && version_ != 3)
    return base::invalid_argument(fmt::format("cannot write GGUF version {} (expected 2 or 3)", version_));
  std::vector<uint8_t> out;
  put_bytes(&out, "GGUF", 4);
  put<uint32_t>(&out, version_);
  put<uint64_t>(&out, tensors_.size());
  put<uint64_t>(&out, metadata_.size());
  for (const auto& [key, value] : metadata_) {
    put_string(&out, key);
    put<uint32_t>(&out, static_cast<uint32_t>(value.type()));
    put_value(&out, value);
  }
  uint64_t offset = 0;
  for (const PendingTensor& t : tensors_) {
    put_string(&out, t.name);
    put<uint32_t>(&out, static_cast<uint32_t>(t.shape.size()));
    for (int64_t d : t.shape) put<int64_t>(&out, d);
    put<uint32_t>(&out, static_cast<uint32_t>(t.type));
    put<uint64_t>(&out, offset);
    offset = align_up(offset + t.n_bytes, alignment);
  }
  out.resize(align_up(out.size(), alignment), 0);
  return out;
}

Status GgufWriter::write_to(const Sink& sink) const {
  OSP_ASSIGN_OR_RETURN(uint64_t align, alignment());
  OSP_ASSIGN_OR_RETURN(std::vector<uint8_t> header, header_bytes(align));
  OSP_RETURN_IF_ERROR(sink(header));
  std::vector<uint8_t> buffer;
  const std::vector<uint8_t> zeros(align, 0);
  for (const PendingTensor& t : tensors_) {
    std::span<const uint8_t> bytes = t.data;
    if (t.producer) {
      buffer.assign(t.n_bytes, 0);
      Status s = t.producer(std::span<uint8_t>(buffer));
      if (!s.ok()) return Status(s.code(), fmt::format("producing tensor '{}': {}", t.name, s.message()));
      bytes = buffer;
    }
    OSP_RETURN_IF_ERROR(sink(bytes));
    uint64_t pad = align_up(t.n_bytes, align) - t.n_bytes;
    OSP_RETURN_IF_ERROR(sink(std::span<const uint8_t>(zeros.data(), pad)));
  }
  return base::ok_status();
}

Result<uint64_t> GgufWriter::file_size() const {
  OSP_ASSIGN_OR_RETURN(uint64_t align, alignment());
  OSP_ASSIGN_OR_RETURN(std::vector<uint8_t> header, header_bytes(align));
  uint64_t size = header.size();
  for (const PendingTensor& t : tensors_) size += align_up(t.n_bytes, align);
  return size;
}

Result<std::vector<uint8_t>> GgufWriter::write_to_buffer() const {
  std::vector<uint8_t> out;
  OSP_RETURN_IF_ERROR(write_to([&](std::span<const uint8_t> b) {
    out.insert(out.end(), b.begin(), b.end());
    return base::ok_status();
  }));
  return out;
}

Status GgufWriter::write_file(const std::string& path) const {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return base::io_error(fmt::format("cannot create '{}': {}", tmp, std::strerror(errno)));
  Status s = write_to([&](std::span<const uint8_t> b) { return write_all(fd, b, tmp); });
  if (s.ok() && ::fsync(fd) != 0) s = base::io_error(fmt::format("cannot sync '{}': {}", tmp, std::strerror(errno)));
  if (::close(fd) != 0 && s.ok())
    s = base::io_error(fmt::format("cannot close '{}': {}", tmp, std::strerror(errno)));
  if (s.ok() && std::rename(tmp.c_str(), path.c_str()) != 0)
    s = base::io_error(fmt::format("cannot rename '{}' to '{}': {}", tmp, path, std::strerror(errno)));
  if (!s.ok()) ::unlink(tmp.c_str());
  return s;
}

}  // namespace osprey::gguf
