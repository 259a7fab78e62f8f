#include "src/chat/value.h"

#include <algorithm>
#include <cmath>

#include "src/chat/py_string.h"

namespace osprey::chat {

namespace {

struct ListData {
  List items;
  int depth = 1;
  uint64_t weight = 1;
};

const std::string& empty_string() {
  static const std::string kEmpty;
  return kEmpty;
}

}  // namespace

// ---- Dict ----------------------------------------------------------------------------------

static constexpr size_t kIndexThreshold = 12;

const Value* Dict::find(std::string_view key) const {
  if (!index_.empty()) {
    const auto it = index_.find(std::string(key));
    return it == index_.end() ? nullptr : &entries_[it->second].second;
  }
  for (const auto& [k, v] : entries_)
    if (k.is_string() && k.str() == key) return &v;
  return nullptr;
}

const Value* Dict::find(const Value& key) const {
  if (key.is_string()) return find(std::string_view(key.str()));
  for (const auto& [k, v] : entries_)
    if (!k.is_string() && values_equal(k, key)) return &v;
  return nullptr;
}

void Dict::set(Value key, Value value) {
  depth_ = std::max({depth_, 1 + key.depth(), 1 + value.depth()});
  weight_ = add_weight(weight_, add_weight(key.weight(), value.weight()));
  if (key.is_string()) {
    if (!index_.empty()) {
      const auto it = index_.find(key.str());
      if (it != index_.end()) {
        entries_[it->second].second = std::move(value);
        return;
      }
      index_.emplace(key.str(), entries_.size());
      entries_.emplace_back(std::move(key), std::move(value));
      return;
    }
  }
  for (auto& [k, v] : entries_) {
    if (k.is_string() == key.is_string() && values_equal(k, key)) {
      v = std::move(value);
      return;
    }
  }
  entries_.emplace_back(std::move(key), std::move(value));
  if (entries_.size() >= kIndexThreshold && index_.empty()) {
    for (size_t i = 0; i < entries_.size(); ++i)
      if (entries_[i].first.is_string()) index_.emplace(entries_[i].first.str(), i);
  }
}

void Dict::clear() {
  entries_.clear();
  index_.clear();
  weight_ = 1;
}

// ---- Object --------------------------------------------------------------------------------

void Object::set_attr(const std::string&, Value) {}

Result<Value> Object::call_method(Evaluator&, std::string_view name, CallArgs&) {
  return base::invalid_argument(std::string("'") + type_name() + "' object has no method '" +
                                std::string(name) + "'");
}

Result<Value> Object::call(Evaluator&, CallArgs&) {
  return base::invalid_argument(std::string("'") + type_name() + "' object is not callable");
}

void Object::repr(std::string& out, int) const {
  out += "<";
  out += type_name();
  out += " object>";
}

// ---- Value ---------------------------------------------------------------------------------

Value Value::undefined(std::string hint) {
  Value v;
  if (!hint.empty()) v.ptr_ = std::make_shared<std::string>(std::move(hint));
  return v;
}
Value Value::none() {
  Value v;
  v.type_ = ValueType::kNone;
  return v;
}
Value Value::boolean(bool b) {
  Value v;
  v.type_ = ValueType::kBool;
  v.num_.b = b;
  return v;
}
Value Value::integer(int64_t i) {
  Value v;
  v.type_ = ValueType::kInt;
  v.num_.i = i;
  return v;
}
Value Value::number(double d) {
  Value v;
  v.type_ = ValueType::kFloat;
  v.num_.f = d;
  return v;
}
Value Value::string(std::string s) {
  Value v;
  v.type_ = ValueType::kString;
  v.ptr_ = std::make_shared<std::string>(std::move(s));
  return v;
}
Value Value::list(List items, ListKind kind) {
  Value v;
  v.type_ = ValueType::kList;
  v.kind_ = kind;
  auto data = std::make_shared<ListData>();
  int depth = 1;
  uint64_t weight = 1;
  for (const auto& it : items) {
    depth = std::max(depth, 1 + it.depth());
    weight = add_weight(weight, it.weight());
  }
  data->items = std::move(items);
  data->depth = depth;
  data->weight = weight;
  v.ptr_ = std::move(data);
  return v;
}
Value Value::dict(Dict d) {
  Value v;
  v.type_ = ValueType::kDict;
  v.ptr_ = std::make_shared<Dict>(std::move(d));
  return v;
}
Value Value::object(std::shared_ptr<Object> o) {
  Value v;
  v.type_ = ValueType::kObject;
  v.ptr_ = std::move(o);
  return v;
}
Value Value::callable(std::shared_ptr<const Callable> c) {
  Value v;
  v.type_ = ValueType::kCallable;
  v.ptr_ = std::const_pointer_cast<Callable>(std::move(c));
  return v;
}

double Value::as_double() const {
  switch (type_) {
    case ValueType::kFloat:
      return num_.f;
    case ValueType::kInt:
      return static_cast<double>(num_.i);
    case ValueType::kBool:
      return num_.b ? 1.0 : 0.0;
    default:
      return 0.0;
  }
}

const std::string& Value::str() const {
  if (!ptr_ || (type_ != ValueType::kString && type_ != ValueType::kUndefined))
    return empty_string();
  return *static_cast<const std::string*>(ptr_.get());
}
const List& Value::items() const { return static_cast<const ListData*>(ptr_.get())->items; }
const Dict& Value::dict() const { return *static_cast<const Dict*>(ptr_.get()); }
Object& Value::object() const { return *static_cast<Object*>(ptr_.get()); }
std::shared_ptr<Object> Value::object_ptr() const { return std::static_pointer_cast<Object>(ptr_); }
const Callable& Value::callable() const { return *static_cast<const Callable*>(ptr_.get()); }

uint64_t Value::weight() const {
  if (type_ == ValueType::kList) return static_cast<const ListData*>(ptr_.get())->weight;
  if (type_ == ValueType::kDict) return dict().weight();
  if (type_ == ValueType::kString) return str().size() / 16 + 1;
  return 1;
}

int Value::depth() const {
  if (type_ == ValueType::kList) return static_cast<const ListData*>(ptr_.get())->depth;
  if (type_ == ValueType::kDict) return dict().depth();
  return 0;
}

// ---- Python semantics ----------------------------------------------------------------------

const char* type_name(const Value& v) {
  switch (v.type()) {
    case ValueType::kUndefined:
      return "Undefined";
    case ValueType::kNone:
      return "NoneType";
    case ValueType::kBool:
      return "bool";
    case ValueType::kInt:
      return "int";
    case ValueType::kFloat:
      return "float";
    case ValueType::kString:
      return "str";
    case ValueType::kList:
      switch (v.list_kind()) {
        case ListKind::kTuple:
          return "tuple";
        case ListKind::kDictItems:
          return "dict_items";
        case ListKind::kDictKeys:
          return "dict_keys";
        case ListKind::kDictValues:
          return "dict_values";
        default:
          return "list";
      }
    case ValueType::kDict:
      return "dict";
    case ValueType::kObject:
      return v.object().type_name();
    case ValueType::kCallable:
      return v.callable().is_macro ? "Macro" : "function";
  }
  return "object";
}

bool truthy(const Value& v) {
  switch (v.type()) {
    case ValueType::kUndefined:
    case ValueType::kNone:
      return false;
    case ValueType::kBool:
      return v.as_bool();
    case ValueType::kInt:
      return v.as_int() != 0;
    case ValueType::kFloat:
      return v.as_double() != 0.0;
    case ValueType::kString:
      return !v.str().empty();
    case ValueType::kList:
      return !v.items().empty();
    case ValueType::kDict:
      return !v.dict().empty();
    default:
      return true;
  }
}

bool values_equal(const Value& a, const Value& b, int depth) {
  if (depth > 2 * kMaxNesting) return false;
  if (a.is_numeric() && b.is_numeric()) {
    if (a.is_float() || b.is_float()) return a.as_double() == b.as_double();
    return a.as_int() == b.as_int();
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case ValueType::kUndefined:
    case ValueType::kNone:
      return true;
    case ValueType::kString:
      return a.str() == b.str();
    case ValueType::kList: {
      if (a.list_kind() != b.list_kind()) return false;
      const auto& x = a.items();
      const auto& y = b.items();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!values_equal(x[i], y[i], depth + 1)) return false;
      return true;
    }
    case ValueType::kDict: {
      const auto& x = a.dict();
      const auto& y = b.dict();
      if (x.size() != y.size()) return false;
      for (const auto& [k, v] : x.entries()) {
        const Value* other = y.find(k);
        if (!other || !values_equal(v, *other, depth + 1)) return false;
      }
      return true;
    }
    case ValueType::kObject:
      return &a.object() == &b.object();
    case ValueType::kCallable:
      return &a.callable() == &b.callable();
    default:
      return false;
  }
}

Result<int> compare_values(const Value& a, const Value& b, const char* op, int depth) {
  if (depth > 2 * kMaxNesting) return base::invalid_argument("comparison nested too deeply");
  if (a.is_undefined() || b.is_undefined()) {
    const Value& u = a.is_undefined() ? a : b;
    return base::invalid_argument(u.str().empty() ? "undefined value compared with '" +
                                                        std::string(op) + "'"
                                                  : u.str());
  }
  if (a.is_numeric() && b.is_numeric()) {
    if (a.is_float() || b.is_float()) {
      const double x = a.as_double(), y = b.as_double();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    const int64_t x = a.as_int(), y = b.as_int();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    const int c = a.str().compare(b.str());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_list() && b.is_list() && a.list_kind() == b.list_kind()) {
    const auto& x = a.items();
    const auto& y = b.items();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (values_equal(x[i], y[i], depth + 1)) continue;
      return compare_values(x[i], y[i], op, depth + 1);
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  return base::invalid_argument(std::string("'") + op + "' not supported between instances of '" +
                                type_name(a) + "' and '" + type_name(b) + "'");
}

void append_str(std::string& out, const Value& v) {
  switch (v.type()) {
    case ValueType::kUndefined:
      return;
    case ValueType::kString:
      out += v.str();
      return;
    default:
      append_repr(out, v, 0);
  }
}

std::string to_str(const Value& v) {
  std::string s;
  append_str(s, v);
  return s;
}

void append_repr(std::string& out, const Value& v, int depth) {
  if (out.size() > kMaxStringBytes) return;
  if (depth > 2 * kMaxNesting) {
    out += "...";
    return;
  }
  switch (v.type()) {
    case ValueType::kUndefined:
      out += "Undefined";
      return;
    case ValueType::kNone:
      out += "None";
      return;
    case ValueType::kBool:
      out += v.as_bool() ? "True" : "False";
      return;
    case ValueType::kInt:
      out += std::to_string(v.as_int());
      return;
    case ValueType::kFloat:
      out += format_py_float(v.as_double());
      return;
    case ValueType::kString:
      append_py_repr(out, v.str());
      return;
    case ValueType::kList: {
      const auto kind = v.list_kind();
      const char* open = "[";
      const char* close = "]";
      if (kind == ListKind::kTuple) {
        open = "(";
        close = ")";
      } else if (kind == ListKind::kDictItems) {
        open = "dict_items([";
        close = "])";
      } else if (kind == ListKind::kDictKeys) {
        open = "dict_keys([";
        close = "])";
      } else if (kind == ListKind::kDictValues) {
        open = "dict_values([";
        close = "])";
      }
      out += open;
      const auto& items = v.items();
      for (size_t i = 0; i < items.size() && out.size() <= kMaxStringBytes; ++i) {
        if (i) out += ", ";
        append_repr(out, items[i], depth + 1);
      }
      if (kind == ListKind::kTuple && items.size() == 1) out += ",";
      out += close;
      return;
    }
    case ValueType::kDict: {
      out += "{";
      bool first = true;
      for (const auto& [k, val] : v.dict().entries()) {
        if (out.size() > kMaxStringBytes) break;
        if (!first) out += ", ";
        first = false;
        append_repr(out, k, depth + 1);
        out += ": ";
        append_repr(out, val, depth + 1);
      }
      out += "}";
      return;
    }
    case ValueType::kObject:
      v.object().repr(out, depth + 1);
      return;
    case ValueType::kCallable:
      if (v.callable().is_macro) {
        out += "<Macro '" + v.callable().name + "'>";
      } else {
        out += "<built-in function " + v.callable().name + ">";
      }
      return;
  }
}

static Result<Value> from_json_at(const nlohmann::ordered_json& j, int depth) {
  if (depth > kMaxNesting)
    return base::invalid_argument("template context nested deeper than " +
                                  std::to_string(kMaxNesting) + " levels");
  using T = nlohmann::ordered_json::value_t;
  switch (j.type()) {
    case T::null:
      return Value::none();
    case T::boolean:
      return Value::boolean(j.get<bool>());
    case T::number_integer:
      return Value::integer(j.get<int64_t>());
    case T::number_unsigned: {
      const auto u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) return Value::number(static_cast<double>(u));
      return Value::integer(static_cast<int64_t>(u));
    }
    case T::number_float:
      return Value::number(j.get<double>());
    case T::string:
      return Value::string(j.get<std::string>());
    case T::array: {
      List items;
      items.reserve(j.size());
      for (const auto& e : j) {
        OSP_ASSIGN_OR_RETURN(Value v, from_json_at(e, depth + 1));
        items.push_back(std::move(v));
      }
      return Value::list(std::move(items));
    }
    case T::object: {
      Dict d;
      for (const auto& [k, e] : j.items()) {
        OSP_ASSIGN_OR_RETURN(Value v, from_json_at(e, depth + 1));
        d.set(Value::string(k), std::move(v));
      }
      return Value::dict(std::move(d));
    }
    default:
      return base::invalid_argument(std::string("template context holds an unsupported JSON type '") +
                                    j.type_name() + "'");
  }
}

Result<Value> value_from_json(const nlohmann::ordered_json& j) { return from_json_at(j, 0); }

}  // namespace osprey::chat
