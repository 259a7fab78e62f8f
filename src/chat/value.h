// The dynamic value of the template interpreter: Python-like undefined/None/bool/int/float/str,
// list/tuple, insertion-ordered dict, objects (namespace, loop) and callables. Copies are cheap:
// containers and strings are shared and immutable once built.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/base/status.h"

namespace osprey::chat {

using base::ok_status;

class Value;
class Evaluator;
struct CallArgs;

enum class ValueType : uint8_t {
  kUndefined, kNone, kBool, kInt, kFloat, kString, kList, kDict, kObject, kCallable
};
// How a list prints: [..], (..), dict_items([..]), dict_keys([..]), dict_values([..]).
enum class ListKind : uint8_t { kList, kTuple, kDictItems, kDictKeys, kDictValues };

using List = std::vector<Value>;

// Nesting bound for containers built by templates (and for input conversion).
inline constexpr int kMaxNesting = 256;
// No str()/repr() grows past this many bytes (render limits are clamped to it).
inline constexpr size_t kMaxStringBytes = 64u << 20;

// a + b, saturating at 2^62: container weights never overflow.
inline uint64_t add_weight(uint64_t a, uint64_t b) {
  constexpr uint64_t kCap = uint64_t{1} << 62;
  return a >= kCap || b >= kCap || a + b >= kCap ? kCap : a + b;
}

class Dict;

// Objects with attributes: namespace(), the loop variable, cycler/joiner.
class Object {
 public:
  virtual ~Object() = default;
  virtual const char* type_name() const = 0;
  virtual Value get_attr(std::string_view name) const = 0;
  // Only namespaces accept attribute assignment.
  virtual bool is_namespace() const { return false; }
  virtual void set_attr(const std::string& name, Value value);
  // Methods such as loop.cycle(...).
  virtual bool has_method(std::string_view name) const { return false; }
  virtual Result<Value> call_method(Evaluator& ev, std::string_view name, CallArgs& args);
  // Objects callable as obj(...) (the loop of a recursive for).
  virtual bool is_callable() const { return false; }
  virtual Result<Value> call(Evaluator& ev, CallArgs& args);
  virtual void repr(std::string& out, int depth) const;
  // Drops held values (breaks reference cycles once a render ends).
  virtual void clear() {}
};

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

using NativeFn = std::function<Result<Value>(Evaluator&, CallArgs&)>;

struct Callable {
  std::string name;
  bool is_macro = false;
  NativeFn fn;
};

class Value {
 public:
  Value() = default;  // undefined
  static Value undefined(std::string hint);
  static Value none();
  static Value boolean(bool b);
  static Value integer(int64_t i);
  static Value number(double d);
  static Value string(std::string s);
  static Value list(List items, ListKind kind = ListKind::kList);
  static Value dict(Dict d);
  static Value object(std::shared_ptr<Object> o);
  static Value callable(std::shared_ptr<const Callable> c);

  ValueType type() const { return type_; }
  bool is_undefined() const { return type_ == ValueType::kUndefined; }
  bool is_none() const { return type_ == ValueType::kNone; }
  bool is_bool() const { return type_ == ValueType::kBool; }
  bool is_int() const { return type_ == ValueType::kInt; }
  bool is_float() const { return type_ == ValueType::kFloat; }
  // int, float or bool (bool is an int in Python).
  bool is_numeric() const {
    return type_ == ValueType::kInt || type_ == ValueType::kFloat || type_ == ValueType::kBool;
  }
  bool is_string() const { return type_ == ValueType::kString; }
  bool is_list() const { return type_ == ValueType::kList; }
  bool is_dict() const { return type_ == ValueType::kDict; }
  bool is_object() const { return type_ == ValueType::kObject; }
  bool is_callable() const { return type_ == ValueType::kCallable; }

  bool as_bool() const { return num_.b; }
  // For kInt and kBool.
  int64_t as_int() const { return type_ == ValueType::kBool ? (num_.b ? 1 : 0) : num_.i; }
  // For any numeric type.
  double as_double() const;
  const std::string& str() const;  // kString; the hint for kUndefined
  const List& items() const;
  ListKind list_kind() const { return kind_; }
  const Dict& dict() const;
  Object& object() const;
  std::shared_ptr<Object> object_ptr() const;
  const Callable& callable() const;
  // Container nesting depth (0 for scalars and objects).
  int depth() const;
  // Elements reachable from the value (a string counts its bytes / 16): bounds the work of
  // comparing, searching or printing it, shared sub-lists counted each time they appear.
  uint64_t weight() const;

 private:
  ValueType type_ = ValueType::kUndefined;
  ListKind kind_ = ListKind::kList;
  union Num {
    bool b;
    int64_t i;
    double f;
  } num_{.i = 0};
  std::shared_ptr<void> ptr_;  // std::string, ListData, Dict, Object or Callable by type_
};

class Dict {
 public:
  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;
  // Inserts or replaces, keeping the first insertion position (Python dict semantics).
  void set(Value key, Value value);
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const std::vector<std::pair<Value, Value>>& entries() const { return entries_; }
  int depth() const { return depth_; }
  uint64_t weight() const { return weight_; }
  void clear();

 private:
  std::vector<std::pair<Value, Value>> entries_;
  std::unordered_map<std::string, size_t> index_;  // string keys, built once the dict grows
  int depth_ = 1;
  uint64_t weight_ = 1;
};

// Python type name: 'str', 'int', 'NoneType', 'list', 'dict', 'Undefined', ...
const char* type_name(const Value& v);
bool truthy(const Value& v);
// Python ==. Undefined equals only undefined.
bool values_equal(const Value& a, const Value& b, int depth = 0);
// Python <, ordering of numbers, strings and sequences; error for other combinations.
Result<int> compare_values(const Value& a, const Value& b, const char* op, int depth = 0);
// str(v): strings as they are, None/True/False, floats like Python, containers as repr.
// str() and repr() stop once `out` passes kMaxStringBytes (callers then refuse the size).
void append_str(std::string& out, const Value& v);
std::string to_str(const Value& v);
// repr(v).
void append_repr(std::string& out, const Value& v, int depth = 0);

// JSON input (key order kept) to a Value; error when nested deeper than kMaxNesting.
Result<Value> value_from_json(const nlohmann::ordered_json& j);

}  // namespace osprey::chat
