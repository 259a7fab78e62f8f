#include "src/gguf/gguf_value.h"

#include <fmt/format.h>

#include <bit>
#include <cstring>
#include <limits>

namespace osprey::gguf {

static_assert(std::endian::native == std::endian::little, "osprey's GGUF layer assumes a little-endian host");

const char* value_type_name(ValueType t) {
  switch (t) {
    case ValueType::kUint8: return "u8";
    case ValueType::kInt8: return "i8";
    case ValueType::kUint16: return "u16";
    case ValueType::kInt16: return "i16";
    case ValueType::kUint32: return "u32";
    case ValueType::kInt32: return "i32";
    case ValueType::kFloat32: return "f32";
    case ValueType::kBool: return "bool";
    case ValueType::kString: return "string";
    case ValueType::kArray: return "array";
    case ValueType::kUint64: return "u64";
    case ValueType::kInt64: return "i64";
    case ValueType::kFloat64: return "f64";
  }
  return "unknown";
}

bool is_valid_value_type(uint32_t id) { return id <= static_cast<uint32_t>(ValueType::kFloat64); }

size_t scalar_size(ValueType t) {
  switch (t) {
    case ValueType::kUint8:
    case ValueType::kInt8:
    case ValueType::kBool: return 1;
    case ValueType::kUint16:
    case ValueType::kInt16: return 2;
    case ValueType::kUint32:
    case ValueType::kInt32:
    case ValueType::kFloat32: return 4;
    case ValueType::kUint64:
    case ValueType::kInt64:
    case ValueType::kFloat64: return 8;
    case ValueType::kString:
    case ValueType::kArray: return 0;
  }
  return 0;
}

bool is_integer_type(ValueType t) {
  switch (t) {
    case ValueType::kUint8:
    case ValueType::kInt8:
    case ValueType::kUint16:
    case ValueType::kInt16:
    case ValueType::kUint32:
    case ValueType::kInt32:
    case ValueType::kUint64:
    case ValueType::kInt64: return true;
    default: return false;
  }
}

bool is_float_type(ValueType t) { return t == ValueType::kFloat32 || t == ValueType::kFloat64; }

namespace {

bool is_signed_type(ValueType t) {
  return t == ValueType::kInt8 || t == ValueType::kInt16 || t == ValueType::kInt32 || t == ValueType::kInt64;
}

// Reads one packed little-endian scalar of type t into the 64-bit representation Value keeps
// (sign-extended for signed types, bit pattern for floats).
uint64_t load_bits(ValueType t, const uint8_t* p) {
  switch (t) {
    case ValueType::kUint8:
    case ValueType::kBool: return p[0];
    case ValueType::kInt8: return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(p[0])));
    case ValueType::kUint16: { uint16_t v; std::memcpy(&v, p, 2); return v; }
    case ValueType::kInt16: { int16_t v; std::memcpy(&v, p, 2); return static_cast<uint64_t>(static_cast<int64_t>(v)); }
    case ValueType::kUint32:
    case ValueType::kFloat32: { uint32_t v; std::memcpy(&v, p, 4); return v; }
    case ValueType::kInt32: { int32_t v; std::memcpy(&v, p, 4); return static_cast<uint64_t>(static_cast<int64_t>(v)); }
    default: { uint64_t v; std::memcpy(&v, p, 8); return v; }
  }
}

template <typename T>
std::vector<uint8_t> pack(std::span<const T> v) {
  std::vector<uint8_t> raw(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(raw.data(), v.data(), raw.size());
  return raw;
}

std::string quote(std::string_view s, size_t max_chars) {
  std::string out = "\"";
  size_t n = 0;
  for (char c : s) {
    if (n++ == max_chars) {
      out += "...";
      break;
    }
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

}  // namespace

Value Value::u8(uint8_t v) { Value r; r.type_ = ValueType::kUint8; r.bits_ = v; return r; }
Value Value::i8(int8_t v) { Value r; r.type_ = ValueType::kInt8; r.bits_ = static_cast<uint64_t>(int64_t{v}); return r; }
Value Value::u16(uint16_t v) { Value r; r.type_ = ValueType::kUint16; r.bits_ = v; return r; }
Value Value::i16(int16_t v) { Value r; r.type_ = ValueType::kInt16; r.bits_ = static_cast<uint64_t>(int64_t{v}); return r; }
Value Value::u32(uint32_t v) { Value r; r.type_ = ValueType::kUint32; r.bits_ = v; return r; }
Value Value::i32(int32_t v) { Value r; r.type_ = ValueType::kInt32; r.bits_ = static_cast<uint64_t>(int64_t{v}); return r; }
Value Value::u64(uint64_t v) { Value r; r.type_ = ValueType::kUint64; r.bits_ = v; return r; }
Value Value::i64(int64_t v) { Value r; r.type_ = ValueType::kInt64; r.bits_ = static_cast<uint64_t>(v); return r; }
Value Value::f32(float v) { Value r; r.type_ = ValueType::kFloat32; r.bits_ = std::bit_cast<uint32_t>(v); return r; }
Value Value::f64(double v) { Value r; r.type_ = ValueType::kFloat64; r.bits_ = std::bit_cast<uint64_t>(v); return r; }
Value Value::boolean(bool v) { Value r; r.type_ = ValueType::kBool; r.bits_ = v ? 1 : 0; return r; }

Value Value::string(std::string v) {
  Value r;
  r.type_ = ValueType::kString;
  r.string_ = std::move(v);
  return r;
}

Result<Value> Value::scalar_array(ValueType element_type, std::vector<uint8_t> raw) {
  size_t size = scalar_size(element_type);
  if (size == 0)
    return base::invalid_argument(fmt::format("scalar_array: element type must be a scalar type, got {}",
                                              value_type_name(element_type)));
  if (raw.size() % size != 0)
    return base::invalid_argument(fmt::format("scalar_array: {} bytes is not a multiple of the {}-byte {} element",
                                              raw.size(), size, value_type_name(element_type)));
  if (element_type == ValueType::kBool) {
    for (size_t i = 0; i < raw.size(); ++i)
      if (raw[i] > 1)
        return base::invalid_argument(fmt::format("scalar_array: bool element {} is {} (expected 0 or 1)", i, raw[i]));
  }
  auto a = std::make_shared<ArrayData>();
  a->element_type = element_type;
  a->raw = std::move(raw);
  Value r;
  r.type_ = ValueType::kArray;
  r.array_ = std::move(a);
  return r;
}

Value Value::string_array(std::vector<std::string> v) {
  auto a = std::make_shared<ArrayData>();
  a->element_type = ValueType::kString;
  a->strings = std::move(v);
  Value r;
  r.type_ = ValueType::kArray;
  r.array_ = std::move(a);
  return r;
}

Value Value::f32_array(std::span<const float> v) { return std::move(scalar_array(ValueType::kFloat32, pack(v))).value(); }
Value Value::i32_array(std::span<const int32_t> v) { return std::move(scalar_array(ValueType::kInt32, pack(v))).value(); }
Value Value::u32_array(std::span<const uint32_t> v) { return std::move(scalar_array(ValueType::kUint32, pack(v))).value(); }
Value Value::i64_array(std::span<const int64_t> v) { return std::move(scalar_array(ValueType::kInt64, pack(v))).value(); }

Value Value::bool_array(std::span<const bool> v) {
  std::vector<uint8_t> raw(v.size());
  for (size_t i = 0; i < v.size(); ++i) raw[i] = v[i] ? 1 : 0;
  return std::move(scalar_array(ValueType::kBool, std::move(raw))).value();
}

Result<Value> Value::array_of_arrays(std::vector<Value> elements) {
  for (size_t i = 0; i < elements.size(); ++i)
    if (!elements[i].is_array())
      return base::invalid_argument(fmt::format("array_of_arrays: element {} must be an array, got {}", i,
                                                value_type_name(elements[i].type())));
  auto a = std::make_shared<ArrayData>();
  a->element_type = ValueType::kArray;
  a->arrays = std::move(elements);
  Value r;
  r.type_ = ValueType::kArray;
  r.array_ = std::move(a);
  return r;
}

std::optional<int64_t> Value::as_i64() const {
  if (!is_integer()) return std::nullopt;
  if (!is_signed_type(type_) && bits_ > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return std::nullopt;
  return static_cast<int64_t>(bits_);
}

std::optional<uint64_t> Value::as_u64() const {
  if (!is_integer()) return std::nullopt;
  if (is_signed_type(type_) && static_cast<int64_t>(bits_) < 0) return std::nullopt;
  return bits_;
}

std::optional<double> Value::as_f64() const {
  if (type_ == ValueType::kFloat32) return std::bit_cast<float>(static_cast<uint32_t>(bits_));
  if (type_ == ValueType::kFloat64) return std::bit_cast<double>(bits_);
  if (!is_integer()) return std::nullopt;
  if (is_signed_type(type_)) return static_cast<double>(static_cast<int64_t>(bits_));
  return static_cast<double>(bits_);
}

std::optional<bool> Value::as_bool() const {
  if (type_ != ValueType::kBool) return std::nullopt;
  return bits_ != 0;
}

const std::string* Value::as_string() const { return type_ == ValueType::kString ? &string_ : nullptr; }

ValueType Value::element_type() const { return array_ ? array_->element_type : ValueType::kUint8; }

size_t Value::array_size() const {
  if (!array_) return 0;
  switch (array_->element_type) {
    case ValueType::kString: return array_->strings.size();
    case ValueType::kArray: return array_->arrays.size();
    default: return array_->raw.size() / scalar_size(array_->element_type);
  }
}

Value Value::element(size_t i) const {
  if (!array_ || i >= array_size()) return Value();
  ValueType t = array_->element_type;
  if (t == ValueType::kString) return string(array_->strings[i]);
  if (t == ValueType::kArray) return array_->arrays[i];
  Value r;
  r.type_ = t;
  r.bits_ = load_bits(t, array_->raw.data() + i * scalar_size(t));
  return r;
}

std::string Value::type_display() const {
  if (!is_array()) return value_type_name(type_);
  return fmt::format("array[{}]", value_type_name(element_type()));
}

std::string Value::to_display(size_t max_elements, size_t max_string_chars) const {
  switch (type_) {
    case ValueType::kString: return quote(string_, max_string_chars);
    case ValueType::kBool: return bits_ ? "true" : "false";
    case ValueType::kFloat32: return fmt::format("{}", static_cast<float>(*as_f64()));  // shortest f32 form
    case ValueType::kFloat64: return fmt::format("{}", *as_f64());
    case ValueType::kArray: break;
    default:
      if (is_signed_type(type_)) return fmt::format("{}", static_cast<int64_t>(bits_));
      return fmt::format("{}", bits_);
  }
  size_t n = array_size();
  std::string out = "[";
  for (size_t i = 0; i < n && i < max_elements; ++i) {
    if (i > 0) out += ", ";
    out += element(i).to_display(max_elements, max_string_chars);
  }
  if (n > max_elements) out += fmt::format(", ... ({} elements)", n);
  out += "]";
  return out;
}

bool Value::operator==(const Value& o) const {
  if (type_ != o.type_) return false;
  if (type_ == ValueType::kString) return string_ == o.string_;
  if (type_ != ValueType::kArray) return bits_ == o.bits_;
  const ArrayData* a = array_.get();
  const ArrayData* b = o.array_.get();
  if (a == b) return true;
  if (a == nullptr || b == nullptr) return false;
  return a->element_type == b->element_type && a->raw == b->raw && a->strings == b->strings &&
         a->arrays == b->arrays;
}

namespace {

Status array_type_error(const Value& v, std::string_view what, std::string_view expected) {
  return base::invalid_argument(fmt::format("{}: expected {}, got {}", what, expected, v.type_display()));
}

}  // namespace

Result<std::vector<std::string>> to_string_vector(const Value& v, std::string_view what) {
  if (!v.is_array() || v.element_type() != ValueType::kString)
    return array_type_error(v, what, "an array of string");
  return v.array()->strings;
}

Result<std::vector<float>> to_f32_vector(const Value& v, std::string_view what) {
  if (!v.is_array() || !(is_float_type(v.element_type()) || is_integer_type(v.element_type())))
    return array_type_error(v, what, "an array of numbers");
  const ArrayData& a = *v.array();
  size_t n = v.array_size();
  std::vector<float> out(n);
  if (a.element_type == ValueType::kFloat32) {
    if (n > 0) std::memcpy(out.data(), a.raw.data(), n * sizeof(float));
    return out;
  }
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(*v.element(i).as_f64());
  return out;
}

Result<std::vector<int32_t>> to_i32_vector(const Value& v, std::string_view what) {
  if (!v.is_array() || !is_integer_type(v.element_type())) return array_type_error(v, what, "an array of integers");
  const ArrayData& a = *v.array();
  size_t n = v.array_size();
  std::vector<int32_t> out(n);
  if (a.element_type == ValueType::kInt32) {
    if (n > 0) std::memcpy(out.data(), a.raw.data(), n * sizeof(int32_t));
    return out;
  }
  for (size_t i = 0; i < n; ++i) {
    Value e = v.element(i);
    std::optional<int64_t> x = e.as_i64();
    if (!x || *x < std::numeric_limits<int32_t>::min() || *x > std::numeric_limits<int32_t>::max())
      return base::out_of_range(
          fmt::format("{}: element {} is {} which does not fit in i32", what, i, e.to_display()));
    out[i] = static_cast<int32_t>(*x);
  }
  return out;
}

}  // namespace osprey::gguf
