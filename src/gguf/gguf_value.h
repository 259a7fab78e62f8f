// A GGUF metadata value: a scalar, a string, or a (possibly nested) array of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "src/base/status.h"

namespace osprey::gguf {

// The on-disk metadata type ids (gguf_metadata_value_type).
enum class ValueType : uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};

// "u8", "i32", "f32", "bool", "string", "array", ...
const char* value_type_name(ValueType t);
// True for a type id in 0..12.
bool is_valid_value_type(uint32_t id);
// Bytes of one scalar element on disk (1..8); 0 for string and array.
size_t scalar_size(ValueType t);
bool is_integer_type(ValueType t);
bool is_float_type(ValueType t);

class Value;

// The payload of an array value. Scalar elements are packed little-endian in `raw`
// (scalar_size(element_type) bytes each; bools are one byte 0/1).
struct ArrayData {
  ValueType element_type = ValueType::kUint8;
  std::vector<uint8_t> raw;          // scalar elements
  std::vector<std::string> strings;  // element_type == kString
  std::vector<Value> arrays;         // element_type == kArray (each element is itself an array)
};

class Value {
 public:
  // A u8 zero.
  Value() = default;

  static Value u8(uint8_t v);
  static Value i8(int8_t v);
  static Value u16(uint16_t v);
  static Value i16(int16_t v);
  static Value u32(uint32_t v);
  static Value i32(int32_t v);
  static Value u64(uint64_t v);
  static Value i64(int64_t v);
  static Value f32(float v);
  static Value f64(double v);
  static Value boolean(bool v);
  static Value string(std::string v);
  // Arrays. Scalar arrays take the element type and the packed little-endian bytes; the size of
  // `raw` must be a multiple of scalar_size(element_type) (checked: returns an error otherwise).
  static Result<Value> scalar_array(ValueType element_type, std::vector<uint8_t> raw);
  static Value string_array(std::vector<std::string> v);
  static Value f32_array(std::span<const float> v);
  static Value i32_array(std::span<const int32_t> v);
  static Value u32_array(std::span<const uint32_t> v);
  static Value i64_array(std::span<const int64_t> v);
  static Value bool_array(std::span<const bool> v);
  // An array whose elements are arrays (each element must have type kArray; checked).
  static Result<Value> array_of_arrays(std::vector<Value> elements);

  ValueType type() const { return type_; }
  bool is_integer() const { return is_integer_type(type_); }
  bool is_float() const { return is_float_type(type_); }
  bool is_number() const { return is_integer() || is_float(); }
  bool is_bool() const { return type_ == ValueType::kBool; }
  bool is_string() const { return type_ == ValueType::kString; }
  bool is_array() const { return type_ == ValueType::kArray; }

  // Scalars. Each returns nullopt when the value has another type or does not fit.
  std::optional<int64_t> as_i64() const;   // any integer type whose value fits in int64
  std::optional<uint64_t> as_u64() const;  // any non-negative integer
  std::optional<double> as_f64() const;    // floats and integers
  std::optional<bool> as_bool() const;     // kBool only
  // The raw 64-bit form of a scalar: integers as two's complement (sign-extended), f32/f64 as
  // their IEEE bit pattern, bool 0/1. Its low scalar_size(type()) bytes are the on-disk value.
  uint64_t bits() const { return bits_; }
  // The string of a kString value, or nullptr.
  const std::string* as_string() const;

  // Arrays (element_type() is kUint8 and size 0 for a non-array).
  ValueType element_type() const;
  size_t array_size() const;
  // The array payload, or nullptr for a non-array.
  const ArrayData* array() const { return array_.get(); }
  // Element i of an array as a Value (i < array_size(); nested arrays share storage).
  Value element(size_t i) const;

  // Human-readable form: `"text"`, `42`, `[1, 2, 3, ... (512 elements)]`; arrays longer than
  // max_elements are abbreviated; strings longer than max_string_chars are cut with "...".
  std::string to_display(size_t max_elements = 8, size_t max_string_chars = 60) const;
  // "u32", "string", "array[string]", "array[array]".
  std::string type_display() const;

  // Deep equality: same types, same elements (floats compare by bit pattern).
  bool operator==(const Value& other) const;

 private:
  ValueType type_ = ValueType::kUint8;
  // Scalar bits: integers as two's complement in 64 bits, f32/f64 as their bit pattern, bool 0/1.
  uint64_t bits_ = 0;
  std::string string_;
  std::shared_ptr<const ArrayData> array_;  // immutable, shared between copies
};

// Typed views for getters ("expected an array of string, got u32" on mismatch). `what` names the
// value in error messages, e.g. "key 'tokenizer.ggml.tokens'".
Result<std::vector<std::string>> to_string_vector(const Value& v, std::string_view what);
// f32, f64 and integer arrays.
Result<std::vector<float>> to_f32_vector(const Value& v, std::string_view what);
// Integer arrays whose every element fits in int32.
Result<std::vector<int32_t>> to_i32_vector(const Value& v, std::string_view what);

}  // namespace osprey::gguf
