// Python methods of str, dict and list values as the immutable sandbox allows them.
#include <algorithm>
#include <cstdio>
#include <unordered_set>

#include "src/chat/builtins.h"
#include "src/chat/filters_util.h"
#include "src/chat/py_string.h"

namespace osprey::chat {

namespace {

using Args = std::vector<std::optional<Value>>;

bool is_seq(const Value& v) {
  return v.is_list() && (v.list_kind() == ListKind::kList || v.list_kind() == ListKind::kTuple);
}

const std::unordered_set<std::string_view>& str_methods() {
  static const std::unordered_set<std::string_view> k = {
      "capitalize", "casefold", "center",   "count",     "endswith",     "find",
      "format",     "index",    "isalnum",  "isalpha",   "isdecimal",    "isdigit",
      "islower",    "isnumeric", "isspace", "istitle",   "isupper",      "join",
      "ljust",      "lower",    "lstrip",   "partition", "removeprefix", "removesuffix",
      "replace",    "rfind",    "rindex",   "rjust",     "rpartition",   "rsplit",
      "rstrip",     "split",    "splitlines", "startswith", "strip",     "swapcase",
      "title",      "upper",    "zfill"};
  return k;
}

Result<std::string> str_arg(std::string_view fn, const std::optional<Value>& v) {
  if (!v || !v->is_string())
    return base::invalid_argument(std::string(fn) + "() argument must be str, not " +
                                  (v ? type_name(*v) : "missing"));
  return v->str();
}

Result<std::optional<int64_t>> opt_index(const std::optional<Value>& v) {
  if (!v || v->is_none() || v->is_undefined()) return std::optional<int64_t>();
  if (v->is_int() || v->is_bool()) return std::optional<int64_t>(v->as_int());
  return base::invalid_argument("slice indices must be integers or None");
}

// startswith / endswith with a str or tuple prefix and optional start/end.
Result<Value> affix_test(const Value& self, CallArgs& a, bool starts) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args(starts ? "startswith" : "endswith", a, {"prefix", "start", "end"}));
  if (!p[0]) return base::invalid_argument("startswith/endswith need an argument");
  OSP_ASSIGN_OR_RETURN(auto start, opt_index(p[1]));
  OSP_ASSIGN_OR_RETURN(auto end, opt_index(p[2]));
  std::string_view s = self.str();
  std::string sub;
  if (start || end) {
    const auto offs = code_point_offsets(s);
    std::vector<int64_t> idx;
    slice_indices({start, end, std::nullopt}, static_cast<int64_t>(offs.size()) - 1, &idx);
    const int64_t n = static_cast<int64_t>(offs.size()) - 1;
    if (start && *start > n) return Value::boolean(false);
    sub = idx.empty() ? std::string() : std::string(s.substr(offs[idx.front()], offs[idx.back() + 1] - offs[idx.front()]));
    s = sub;
  }
  std::vector<std::string> cands;
  if (p[0]->is_string()) {
    cands.push_back(p[0]->str());
  } else if (is_seq(*p[0])) {
    for (const auto& c : p[0]->items()) {
      if (!c.is_string()) return base::invalid_argument("tuple for startswith/endswith must only contain str");
      cands.push_back(c.str());
    }
  } else {
    return base::invalid_argument(std::string("startswith/endswith first arg must be str or a tuple of str, not ") +
                                  type_name(*p[0]));
  }
  for (const auto& c : cands) {
    if (c.size() > s.size()) continue;
    if (starts ? s.compare(0, c.size(), c) == 0 : s.compare(s.size() - c.size(), c.size(), c) == 0)
      return Value::boolean(true);
  }
  return Value::boolean(false);
}

Result<Value> split_method(Evaluator& ev, const Value& self, CallArgs& a, bool right) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args(right ? "rsplit" : "split", a, {"sep", "maxsplit"}));
  OSP_ASSIGN_OR_RETURN(auto sep, arg_opt_string("split", p[0]));
  if (sep && sep->empty()) return base::invalid_argument("empty separator");
  OSP_ASSIGN_OR_RETURN(int64_t maxsplit, arg_int("split", p[1], -1));
  auto parts = right ? py_rsplit(self.str(), sep, maxsplit) : py_split(self.str(), sep, maxsplit);
  List out;
  out.reserve(parts.size());
  for (auto& s : parts) out.push_back(Value::string(std::move(s)));
  return ev.make_list(std::move(out));
}

Result<Value> pad_method(Evaluator& ev, const Value& self, CallArgs& a, std::string_view name) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args(name, a, {"width", "fillchar"}));
  OSP_ASSIGN_OR_RETURN(int64_t w, arg_int(name, p[0], 0));
  std::string fill = name == "zfill" ? "0" : " ";
  if (p[1]) {
    OSP_ASSIGN_OR_RETURN(fill, str_arg(name, p[1]));
    if (code_point_count(fill) != 1)
      return base::invalid_argument("The fill character must be exactly one character long");
  }
  OSP_RETURN_IF_ERROR(ev.check_string_size(static_cast<size_t>(std::clamp<int64_t>(w, 0, INT32_MAX)) * fill.size()));
  const std::string& s = self.str();
  const int64_t len = static_cast<int64_t>(code_point_count(s));
  if (w <= len) return self;
  if (name == "center") return ev.make_string(py_center(s, w, fill));
  std::string pad;
  for (int64_t i = 0; i < w - len; ++i) pad += fill;
  if (name == "zfill") {
    size_t sign = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
    return ev.make_string(s.substr(0, sign) + pad + s.substr(sign));
  }
  return ev.make_string(name == "ljust" ? s + pad : pad + s);
}

Result<Value> find_method(const Value& self, CallArgs& a, std::string_view name) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args(name, a, {"sub", "start", "end"}));
  OSP_ASSIGN_OR_RETURN(std::string sub, str_arg(name, p[0]));
  OSP_ASSIGN_OR_RETURN(auto start, opt_index(p[1]));
  OSP_ASSIGN_OR_RETURN(auto end, opt_index(p[2]));
  const bool reverse = name[0] == 'r';
  const int64_t r = py_find(self.str(), sub, start, end, reverse);
  if (r < 0 && (name == "index" || name == "rindex")) return base::invalid_argument("substring not found");
  return Value::integer(r);
}

Result<Value> partition_method(Evaluator& ev, const Value& self, CallArgs& a, bool right) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args(right ? "rpartition" : "partition", a, {"sep"}));
  OSP_ASSIGN_OR_RETURN(std::string sep, str_arg("partition", p[0]));
  if (sep.empty()) return base::invalid_argument("empty separator");
  const std::string& s = self.str();
  const size_t f = right ? s.rfind(sep) : s.find(sep);
  List parts;
  if (f == std::string::npos) {
    parts = right ? List{Value::string(""), Value::string(""), self}
                  : List{self, Value::string(""), Value::string("")};
  } else {
    parts = {Value::string(s.substr(0, f)), Value::string(sep), Value::string(s.substr(f + sep.size()))};
  }
  return ev.make_list(std::move(parts), ListKind::kTuple);
}

Result<Value> str_method_more(Evaluator& ev, const Value& self, std::string_view name, CallArgs& a);

Result<Value> str_method(Evaluator& ev, const Value& self, std::string_view name, CallArgs& a) {
  const std::string& s = self.str();
  auto no_args = [&]() { return bind_args(name, a, {}).status(); };
  if (name == "startswith" || name == "endswith") return affix_test(self, a, name == "startswith");
  if (name == "split" || name == "rsplit") return split_method(ev, self, a, name == "rsplit");
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    OSP_ASSIGN_OR_RETURN(Args p, bind_args(name, a, {"chars"}));
    OSP_ASSIGN_OR_RETURN(auto chars, arg_opt_string(name, p[0]));
    return ev.make_string(py_strip(s, chars, name != "rstrip", name != "lstrip"));
  }
  if (name == "upper" || name == "lower" || name == "casefold" || name == "title" ||
      name == "capitalize" || name == "swapcase") {
    OSP_RETURN_IF_ERROR(no_args());
    if (name == "upper") return ev.make_string(py_upper(s));
    if (name == "title") return ev.make_string(py_title(s));
    if (name == "capitalize") return ev.make_string(py_capitalize(s));
    if (name == "swapcase") return ev.make_string(py_swapcase(s));
    return ev.make_string(py_lower(s));
  }
  if (name == "replace") {
    OSP_ASSIGN_OR_RETURN(Args p, bind_args(name, a, {"old", "new", "count"}));
    OSP_ASSIGN_OR_RETURN(std::string old, str_arg(name, p[0]));
    OSP_ASSIGN_OR_RETURN(std::string repl, str_arg(name, p[1]));
    OSP_ASSIGN_OR_RETURN(int64_t count, arg_int(name, p[2], -1));
    const size_t n = old.empty() ? code_point_count(s) + 1 : static_cast<size_t>(py_count(s, old));
    if (repl.size() > old.size()) OSP_RETURN_IF_ERROR(ev.check_string_size(s.size() + n * (repl.size() - old.size())));
    return ev.make_string(py_replace(s, old, repl, count));
  }
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex") return find_method(self, a, name);
  if (name == "count") {
    OSP_ASSIGN_OR_RETURN(Args p, bind_args(name, a, {"sub"}));
    OSP_ASSIGN_OR_RETURN(std::string sub, str_arg(name, p[0]));
    return Value::integer(py_count(s, sub));
  }
  if (name == "join") {
    OSP_ASSIGN_OR_RETURN(Args p, bind_args(name, a, {"iterable"}));
    if (!p[0]) return base::invalid_argument("join() takes exactly one argument");
    OSP_ASSIGN_OR_RETURN(List items, iterate_value(*p[0]));
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_string())
        return base::invalid_argument("sequence item " + std::to_string(i) + ": expected str instance, " +
                                      type_name(items[i]) + " found");
      if (i) out += s;
      out += items[i].str();
      OSP_RETURN_IF_ERROR(ev.check_string_size(out.size()));
    }
    return ev.make_string(std::move(out));
  }
  if (name == "splitlines") {
    OSP_ASSIGN_OR_RETURN(Args p, bind_args(name, a, {"keepends"}));
    List out;
    for (auto& line : py_splitlines(s, arg_bool(p[0], false))) out.push_back(Value::string(std::move(line)));
    return ev.make_list(std::move(out));
  }
  if (name == "removeprefix" || name == "removesuffix") {
    OSP_ASSIGN_OR_RETURN(Args p, bind_args(name, a, {"affix"}));
    OSP_ASSIGN_OR_RETURN(std::string x, str_arg(name, p[0]));
    if (name == "removeprefix" && s.compare(0, x.size(), x) == 0) return ev.make_string(s.substr(x.size()));
    if (name == "removesuffix" && !x.empty() && s.size() >= x.size() &&
        s.compare(s.size() - x.size(), x.size(), x) == 0)
      return ev.make_string(s.substr(0, s.size() - x.size()));
    return self;
  }
  return str_method_more(ev, self, name, a);
}

// Padding, partition, the is*() predicates and format().
Result<Value> str_method_more(Evaluator& ev, const Value& self, std::string_view name, CallArgs& a) {
  const std::string& s = self.str();
  auto no_args = [&]() { return bind_args(name, a, {}).status(); };
  auto pred = [&](bool (*f)(uint32_t)) -> Result<Value> {
    OSP_RETURN_IF_ERROR(no_args());
    return Value::boolean(py_all_of(s, f));
  };
  if (name == "partition" || name == "rpartition") return partition_method(ev, self, a, name == "rpartition");
  if (name == "center" || name == "ljust" || name == "rjust" || name == "zfill") return pad_method(ev, self, a, name);
  if (name == "isalpha") return pred(py_is_alpha);
  if (name == "isdigit") return pred(py_is_digit);
  if (name == "isdecimal") return pred(py_is_decimal);
  if (name == "isnumeric") return pred(py_is_numeric);
  if (name == "isspace") return pred(py_isspace);
  if (name == "isalnum") return pred([](uint32_t c) { return py_is_alpha(c) || py_is_numeric(c); });
  if (name == "islower" || name == "isupper" || name == "istitle") {
    OSP_RETURN_IF_ERROR(no_args());
    if (name == "istitle") return Value::boolean(!s.empty() && py_title(s) == s && py_lower(s) != s);
    const bool lower = name == "islower";
    const bool has_cased = py_upper(s) != py_lower(s);
    return Value::boolean(has_cased && (lower ? py_lower(s) == s : py_upper(s) == s));
  }
  if (name == "format") {
    OSP_ASSIGN_OR_RETURN(std::string out, str_format(ev, s, a));
    return ev.make_string(std::move(out));
  }
  return base::invalid_argument("'str' object has no method '" + std::string(name) + "'");
}

Result<Value> dict_method(Evaluator& ev, const Value& self, std::string_view name, CallArgs& a) {
  const Dict& d = self.dict();
  if (name == "get") {
    OSP_ASSIGN_OR_RETURN(Args p, bind_args(name, a, {"key", "default"}));
    if (!p[0]) return base::invalid_argument("get expected at least 1 argument, got 0");
    if ((p[0]->is_list() && p[0]->list_kind() != ListKind::kTuple) || p[0]->is_dict())
      return base::invalid_argument(std::string("unhashable type: '") + type_name(*p[0]) + "'");
    if (const Value* v = d.find(*p[0])) return *v;
    return p[1] ? *p[1] : Value::none();
  }
  OSP_RETURN_IF_ERROR(bind_args(name, a, {}).status());
  if (name == "items") return dict_items(ev, d, ListKind::kDictItems);
  if (name == "copy") return self;
  List out;
  out.reserve(d.size());
  for (const auto& [k, v] : d.entries()) out.push_back(name == "keys" ? k : v);
  return ev.make_list(std::move(out), name == "keys" ? ListKind::kDictKeys : ListKind::kDictValues);
}

Result<Value> list_method(const Value& self, std::string_view name, CallArgs& a) {
  if (name == "copy") {
    OSP_RETURN_IF_ERROR(bind_args(name, a, {}).status());
    return self;
  }
  OSP_ASSIGN_OR_RETURN(Args p, bind_args(name, a, {"value"}));
  if (!p[0]) return base::invalid_argument(std::string(name) + "() takes exactly one argument");
  const auto& items = self.items();
  if (name == "count")
    return Value::integer(std::count_if(items.begin(), items.end(), [&](const Value& v) { return values_equal(v, *p[0]); }));
  for (size_t i = 0; i < items.size(); ++i)
    if (values_equal(items[i], *p[0])) return Value::integer(static_cast<int64_t>(i));
  std::string r;
  append_repr(r, *p[0]);
  return base::invalid_argument(r + " is not in list");
}

}  // namespace

bool has_method(const Value& obj, std::string_view name) {
  switch (obj.type()) {
    case ValueType::kString:
      return str_methods().count(name) > 0;
    case ValueType::kDict:
      return name == "get" || name == "items" || name == "keys" || name == "values" || name == "copy";
    case ValueType::kList:
      return is_seq(obj) && (name == "index" || name == "count" || (name == "copy" && obj.list_kind() == ListKind::kList));
    case ValueType::kObject:
      return obj.object().has_method(name);
    default:
      return false;
  }
}

bool is_unsafe_method(const Value& obj, std::string_view name) {
  if (obj.is_list())
    return name == "append" || name == "clear" || name == "pop" || name == "reverse" || name == "insert" ||
           name == "sort" || name == "extend" || name == "remove";
  if (obj.is_dict())
    return name == "clear" || name == "pop" || name == "popitem" || name == "setdefault" || name == "update";
  return false;
}

Result<Value> call_method(Evaluator& ev, const Value& obj, std::string_view name, CallArgs& args) {
  switch (obj.type()) {
    case ValueType::kString:
      return str_method(ev, obj, name, args);
    case ValueType::kDict:
      return dict_method(ev, obj, name, args);
    case ValueType::kList:
      return list_method(obj, name, args);
    case ValueType::kObject:
      return obj.object().call_method(ev, name, args);
    default:
      return base::invalid_argument(std::string("'") + type_name(obj) + "' object has no method '" +
                                    std::string(name) + "'");
  }
}

}  // namespace osprey::chat
