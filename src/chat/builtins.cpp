// Jinja2's tests (`is defined`, `is mapping`, ...) and the global functions templates call.
#include <ctime>
#include <unordered_map>

#include "src/chat/builtins.h"
#include "src/chat/py_string.h"

namespace osprey::chat {

namespace {

using Args = std::vector<std::optional<Value>>;

// ---- tests -------------------------------------------------------------------------------------

Result<bool> no_args(std::string_view name, CallArgs& a) {
  OSP_RETURN_IF_ERROR(bind_args(name, a, {}).status());
  return true;
}

#define OSP_SIMPLE_TEST(fname, label, expr)                      \
  Result<bool> fname(Evaluator&, const Value& v, CallArgs& a) { \
    OSP_RETURN_IF_ERROR(no_args(label, a).status());            \
    return (expr);                                               \
  }

OSP_SIMPLE_TEST(t_defined, "defined", !v.is_undefined())
OSP_SIMPLE_TEST(t_undefined, "undefined", v.is_undefined())
OSP_SIMPLE_TEST(t_none, "none", v.is_none())
OSP_SIMPLE_TEST(t_boolean, "boolean", v.is_bool())
OSP_SIMPLE_TEST(t_true, "true", v.is_bool() && v.as_bool())
OSP_SIMPLE_TEST(t_false, "false", v.is_bool() && !v.as_bool())
OSP_SIMPLE_TEST(t_integer, "integer", v.is_int())
OSP_SIMPLE_TEST(t_float, "float", v.is_float())
OSP_SIMPLE_TEST(t_number, "number", v.is_numeric())
OSP_SIMPLE_TEST(t_string, "string", v.is_string())
OSP_SIMPLE_TEST(t_mapping, "mapping", v.is_dict())
OSP_SIMPLE_TEST(t_callable, "callable",
                v.is_callable() || v.is_undefined() || (v.is_object() && v.object().is_callable()))
OSP_SIMPLE_TEST(t_escaped, "escaped", false)
OSP_SIMPLE_TEST(t_sequence, "sequence",
                v.is_string() || v.is_dict() || v.is_undefined() ||
                    (v.is_list() && (v.list_kind() == ListKind::kList || v.list_kind() == ListKind::kTuple)))
OSP_SIMPLE_TEST(t_iterable, "iterable", v.is_string() || v.is_dict() || v.is_list() || v.is_undefined())
OSP_SIMPLE_TEST(t_lower, "lower", py_lower(to_str(v)) == to_str(v) && py_upper(to_str(v)) != to_str(v))
OSP_SIMPLE_TEST(t_upper, "upper", py_upper(to_str(v)) == to_str(v) && py_lower(to_str(v)) != to_str(v))
OSP_SIMPLE_TEST(t_filter, "filter", v.is_string() && find_filter(v.str()) != nullptr)
OSP_SIMPLE_TEST(t_test, "test", v.is_string() && find_test(v.str()) != nullptr)

#undef OSP_SIMPLE_TEST

Result<bool> modulo_test(Evaluator& ev, const Value& v, const Value& divisor, int64_t want) {
  OSP_ASSIGN_OR_RETURN(Value r, binary_op(ev, BinOp::kMod, v, divisor));
  return values_equal(r, Value::integer(want));
}

Result<bool> t_odd(Evaluator& ev, const Value& v, CallArgs& a) {
  OSP_RETURN_IF_ERROR(no_args("odd", a).status());
  return modulo_test(ev, v, Value::integer(2), 1);
}
Result<bool> t_even(Evaluator& ev, const Value& v, CallArgs& a) {
  OSP_RETURN_IF_ERROR(no_args("even", a).status());
  return modulo_test(ev, v, Value::integer(2), 0);
}
Result<bool> t_divisibleby(Evaluator& ev, const Value& v, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args("divisibleby", a, {"num"}));
  if (!p[0]) return base::invalid_argument("divisibleby() needs a number");
  return modulo_test(ev, v, *p[0], 0);
}

Result<Value> one_arg(std::string_view name, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args(name, a, {"other"}));
  if (!p[0]) return base::invalid_argument(std::string(name) + "() needs a value to compare with");
  return *p[0];
}

Result<bool> t_eq(Evaluator&, const Value& v, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Value o, one_arg("eq", a));
  return values_equal(v, o);
}
Result<bool> t_ne(Evaluator&, const Value& v, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Value o, one_arg("ne", a));
  return !values_equal(v, o);
}
Result<bool> compare_test(const Value& v, CallArgs& a, const char* op) {
  OSP_ASSIGN_OR_RETURN(Value o, one_arg(op, a));
  OSP_ASSIGN_OR_RETURN(int c, compare_values(v, o, op));
  const std::string_view s(op);
  return s == "<" ? c < 0 : s == "<=" ? c <= 0 : s == ">" ? c > 0 : c >= 0;
}
Result<bool> t_lt(Evaluator&, const Value& v, CallArgs& a) { return compare_test(v, a, "<"); }
Result<bool> t_le(Evaluator&, const Value& v, CallArgs& a) { return compare_test(v, a, "<="); }
Result<bool> t_gt(Evaluator&, const Value& v, CallArgs& a) { return compare_test(v, a, ">"); }
Result<bool> t_ge(Evaluator&, const Value& v, CallArgs& a) { return compare_test(v, a, ">="); }
Result<bool> t_in(Evaluator&, const Value& v, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Value o, one_arg("in", a));
  return contains(o, v);
}
Result<bool> t_sameas(Evaluator&, const Value& v, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Value o, one_arg("sameas", a));
  if (v.type() != o.type()) return false;
  switch (v.type()) {
    case ValueType::kNone:
    case ValueType::kUndefined:
      return v.is_none();
    case ValueType::kBool:
      return v.as_bool() == o.as_bool();
    case ValueType::kInt:  // CPython caches small ints
      return v.as_int() == o.as_int() && v.as_int() >= -5 && v.as_int() <= 256;
    case ValueType::kString:
      return &v.str() == &o.str();
    case ValueType::kList:
      return &v.items() == &o.items();
    case ValueType::kDict:
      return &v.dict() == &o.dict();
    case ValueType::kObject:
      return &v.object() == &o.object();
    case ValueType::kCallable:
      return &v.callable() == &o.callable();
    default:
      return false;
  }
}

// ---- objects of the globals ------------------------------------------------------------------

class Namespace : public Object {
 public:
  const char* type_name() const override { return "Namespace"; }
  Value get_attr(std::string_view name) const override {
    if (const Value* v = attrs_.find(name)) return *v;
    return Value::undefined("'Namespace' object has no attribute '" + std::string(name) + "'");
  }
  bool is_namespace() const override { return true; }
  void set_attr(const std::string& name, Value value) override {
    attrs_.set(Value::string(name), std::move(value));
  }
  void repr(std::string& out, int depth) const override {
    out += "<Namespace ";
    if (in_repr_) {  // a namespace that holds itself prints like Python's recursive dict
      out += "{...}";
    } else {
      in_repr_ = true;
      append_repr(out, Value::dict(attrs_), depth);
      in_repr_ = false;
    }
    out += ">";
  }
  void clear() override { attrs_.clear(); }

 private:
  Dict attrs_;
  mutable bool in_repr_ = false;
};

class Cycler : public Object {
 public:
  explicit Cycler(List items) : items_(std::move(items)) {}
  const char* type_name() const override { return "Cycler"; }
  Value get_attr(std::string_view name) const override {
    if (name == "current") return items_[pos_];
    return Value::undefined("'Cycler' object has no attribute '" + std::string(name) + "'");
  }
  bool has_method(std::string_view name) const override { return name == "next" || name == "reset"; }
  Result<Value> call_method(Evaluator&, std::string_view name, CallArgs&) override {
    if (name == "reset") {
      pos_ = 0;
      return Value::none();
    }
    Value v = items_[pos_];
    pos_ = (pos_ + 1) % items_.size();
    return v;
  }
  void clear() override {
    items_.assign(1, Value());
    pos_ = 0;
  }

 private:
  List items_;
  size_t pos_ = 0;
};

// ---- global functions --------------------------------------------------------------------------

Result<Value> g_range(Evaluator& ev, CallArgs& a) {
  if (!a.keyword.empty()) return base::invalid_argument("range() takes no keyword arguments");
  const auto& p = a.positional;
  if (p.empty() || p.size() > 3)
    return base::invalid_argument("range expected 1 to 3 arguments, got " + std::to_string(p.size()));
  for (const auto& v : p)
    if (!v.is_int() && !v.is_bool())
      return base::invalid_argument(std::string("'") + type_name(v) + "' object cannot be interpreted as an integer");
  int64_t start = 0, stop, step = 1;
  if (p.size() == 1) {
    stop = p[0].as_int();
  } else {
    start = p[0].as_int();
    stop = p[1].as_int();
    if (p.size() == 3) step = p[2].as_int();
  }
  if (step == 0) return base::invalid_argument("range() arg 3 must not be zero");
  // Length computed in 128 bits: no overflow for any int64 bounds.
  __int128 n = 0;
  if (step > 0 && stop > start) n = ((__int128)stop - start + step - 1) / step;
  if (step < 0 && stop < start) n = ((__int128)start - stop - step - 1) / -step;
  if (n > ev.limits().max_range)
    return base::resource_exhausted("Range too big. The sandbox blocks ranges larger than MAX_RANGE (" +
                                    std::to_string(ev.limits().max_range) + ").");
  List out;
  out.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < static_cast<int64_t>(n); ++i)
    out.push_back(Value::integer(static_cast<int64_t>(start + static_cast<__int128>(i) * step)));
  return ev.make_list(std::move(out));
}

Status fill_dict(Dict& d, const CallArgs& a, const char* fn) {
  if (a.positional.size() > 1)
    return base::invalid_argument(std::string(fn) + "() takes at most one positional argument");
  if (!a.positional.empty()) {
    const Value& init = a.positional[0];
    if (init.is_dict()) {
      for (const auto& [k, v] : init.dict().entries()) d.set(k, v);
    } else if (init.is_list()) {
      for (const auto& pair : init.items()) {
        if (!pair.is_list() || pair.items().size() != 2)
          return base::invalid_argument(std::string(fn) + "(): sequence elements must be pairs");
        d.set(pair.items()[0], pair.items()[1]);
      }
    } else {
      return base::invalid_argument(std::string(fn) + "(): expected a mapping, got " + type_name(init));
    }
  }
  for (const auto& [k, v] : a.keyword) d.set(Value::string(k), v);
  return ok_status();
}

Result<Value> g_dict(Evaluator& ev, CallArgs& a) {
  // Non-string keys are found by a linear scan: building n of them costs n * n.
  if (!a.positional.empty()) OSP_RETURN_IF_ERROR(ev.work(a.positional[0].weight() * std::min<uint64_t>(a.positional[0].weight(), 1u << 30)));
  Dict d;
  OSP_RETURN_IF_ERROR(fill_dict(d, a, "dict"));
  return ev.make_dict(std::move(d));
}

Result<Value> g_namespace(Evaluator& ev, CallArgs& a) {
  if (!a.positional.empty()) OSP_RETURN_IF_ERROR(ev.work(a.positional[0].weight() * std::min<uint64_t>(a.positional[0].weight(), 1u << 30)));
  Dict d;
  OSP_RETURN_IF_ERROR(fill_dict(d, a, "namespace"));
  auto ns = std::make_shared<Namespace>();
  for (const auto& [k, v] : d.entries())
    if (k.is_string()) ns->set_attr(k.str(), v);
  ev.track(ns);
  return Value::object(std::move(ns));
}

Result<Value> g_raise_exception(Evaluator& ev, CallArgs& a) {
  std::string msg;
  if (!a.positional.empty()) msg = to_str(a.positional[0]);
  for (const auto& [k, v] : a.keyword)
    if (k == "message") msg = to_str(v);
  return ev.raise(std::move(msg));
}

Result<Value> g_strftime_now(Evaluator& ev, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args("strftime_now", a, {"format"}));
  if (!p[0] || !p[0]->is_string()) return base::invalid_argument("strftime_now() needs a format string");
  const std::string& fmt = p[0]->str();
  if (fmt.size() > 4096) return base::invalid_argument("strftime_now() format longer than 4096 bytes");
  std::tm tm{};
  if (ev.now()) {
    const std::time_t t = *ev.now();
    gmtime_r(&t, &tm);
  } else {
    const std::time_t t = std::time(nullptr);
    localtime_r(&t, &tm);
  }
  if (fmt.empty()) return Value::string("");
  std::vector<char> buf(fmt.size() * 32 + 64);
  const size_t n = std::strftime(buf.data(), buf.size(), fmt.c_str(), &tm);
  return ev.make_string(std::string(buf.data(), n));
}

Result<Value> g_joiner(Evaluator& ev, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args("joiner", a, {"sep"}));
  const std::string sep = p[0] ? to_str(*p[0]) : ", ";
  auto used = std::make_shared<bool>(false);
  auto c = std::make_shared<Callable>();
  c->name = "joiner";
  c->fn = [sep, used](Evaluator&, CallArgs&) -> Result<Value> {
    if (!*used) {
      *used = true;
      return Value::string("");
    }
    return Value::string(sep);
  };
  return Value::callable(std::move(c));
}

Result<Value> g_cycler(Evaluator& ev, CallArgs& a) {
  if (a.positional.empty()) return base::invalid_argument("cycler() needs at least one item");
  auto c = std::make_shared<Cycler>(a.positional);
  ev.track(c);
  return Value::object(std::move(c));
}

Value native(const char* name, NativeFn fn) {
  auto c = std::make_shared<Callable>();
  c->name = name;
  c->fn = std::move(fn);
  return Value::callable(std::move(c));
}

}  // namespace

TestFn find_test(std::string_view name) {
  static const std::unordered_map<std::string_view, TestFn> kTests = {
      {"defined", t_defined},   {"undefined", t_undefined}, {"none", t_none},
      {"boolean", t_boolean},   {"true", t_true},           {"false", t_false},
      {"integer", t_integer},   {"float", t_float},         {"number", t_number},
      {"string", t_string},     {"mapping", t_mapping},     {"iterable", t_iterable},
      {"sequence", t_sequence}, {"callable", t_callable},   {"escaped", t_escaped},
      {"lower", t_lower},       {"upper", t_upper},         {"odd", t_odd},
      {"even", t_even},         {"divisibleby", t_divisibleby}, {"eq", t_eq},
      {"equalto", t_eq},        {"==", t_eq},               {"ne", t_ne},
      {"!=", t_ne},             {"lt", t_lt},               {"lessthan", t_lt},
      {"<", t_lt},              {"le", t_le},               {"<=", t_le},
      {"gt", t_gt},             {"greaterthan", t_gt},      {">", t_gt},
      {"ge", t_ge},             {">=", t_ge},               {"in", t_in},
      {"sameas", t_sameas},     {"filter", t_filter},       {"test", t_test},
  };
  const auto it = kTests.find(name);
  return it == kTests.end() ? nullptr : it->second;
}

Dict make_globals() {
  Dict g;
  g.set(Value::string("range"), native("range", g_range));
  g.set(Value::string("dict"), native("dict", g_dict));
  g.set(Value::string("namespace"), native("namespace", g_namespace));
  g.set(Value::string("raise_exception"), native("raise_exception", g_raise_exception));
  g.set(Value::string("strftime_now"), native("strftime_now", g_strftime_now));
  g.set(Value::string("joiner"), native("joiner", g_joiner));
  g.set(Value::string("cycler"), native("cycler", g_cycler));
  return g;
}

}  // namespace osprey::chat
