// Typed metadata getters of GgufFile.
#include <fmt/format.h>

#include <limits>

#include "src/gguf/gguf_reader.h"

namespace osprey::gguf {

namespace {

std::string key_name(std::string_view key) { return fmt::format("key '{}'", key); }

Status type_error(std::string_view key, std::string_view expected, const Value& v) {
  return base::invalid_argument(fmt::format("key '{}': expected {}, got {}", key, expected, v.type_display()));
}

}  // namespace

Result<const Value*> GgufFile::require(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return base::not_found(fmt::format("metadata key '{}' not found in '{}'", key, name_));
  return v;
}

Result<std::string> GgufFile::get_string(std::string_view key) const {
  OSP_ASSIGN_OR_RETURN(const Value* v, require(key));
  if (!v->is_string()) return type_error(key, "a string", *v);
  return *v->as_string();
}

Result<int64_t> GgufFile::get_int(std::string_view key) const {
  OSP_ASSIGN_OR_RETURN(const Value* v, require(key));
  if (!v->is_integer()) return type_error(key, "an integer", *v);
  std::optional<int64_t> x = v->as_i64();
  if (!x) return base::out_of_range(fmt::format("key '{}': value {} does not fit in int64", key, v->to_display()));
  return *x;
}

Result<uint32_t> GgufFile::get_u32(std::string_view key) const {
  OSP_ASSIGN_OR_RETURN(const Value* v, require(key));
  if (!v->is_integer()) return type_error(key, "an integer", *v);
  std::optional<uint64_t> x = v->as_u64();
  if (!x || *x > std::numeric_limits<uint32_t>::max())
    return base::out_of_range(
        fmt::format("key '{}': value {} does not fit in u32 (0 to 4294967295)", key, v->to_display()));
  return static_cast<uint32_t>(*x);
}

Result<float> GgufFile::get_float(std::string_view key) const {
  OSP_ASSIGN_OR_RETURN(const Value* v, require(key));
  if (!v->is_number()) return type_error(key, "a number", *v);
  return static_cast<float>(*v->as_f64());
}

Result<bool> GgufFile::get_bool(std::string_view key) const {
  OSP_ASSIGN_OR_RETURN(const Value* v, require(key));
  if (!v->is_bool()) return type_error(key, "a bool", *v);
  return *v->as_bool();
}

Result<std::vector<std::string>> GgufFile::get_string_array(std::string_view key) const {
  OSP_ASSIGN_OR_RETURN(const Value* v, require(key));
  return to_string_vector(*v, key_name(key));
}

Result<std::vector<float>> GgufFile::get_float_array(std::string_view key) const {
  OSP_ASSIGN_OR_RETURN(const Value* v, require(key));
  return to_f32_vector(*v, key_name(key));
}

Result<std::vector<int32_t>> GgufFile::get_int_array(std::string_view key) const {
  OSP_ASSIGN_OR_RETURN(const Value* v, require(key));
  return to_i32_vector(*v, key_name(key));
}

}  // namespace osprey::gguf
