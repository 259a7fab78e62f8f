// Jinja2's built-in filters (3.1 signatures) plus Hugging Face's tojson.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>
#include <unordered_set>

#include "src/chat/builtins.h"
#include "src/chat/filters_util.h"
#include "src/chat/json_dump.h"
#include "src/chat/py_string.h"

namespace osprey::chat {

namespace {

using Args = std::vector<std::optional<Value>>;

Result<Value> f_length(Evaluator&, const Value& v, CallArgs& a) {
  OSP_RETURN_IF_ERROR(bind_args("length", a, {}).status());
  switch (v.type()) {
    case ValueType::kUndefined:
      return Value::integer(0);
    case ValueType::kString:
      return Value::integer(static_cast<int64_t>(code_point_count(v.str())));
    case ValueType::kList:
      return Value::integer(static_cast<int64_t>(v.items().size()));
    case ValueType::kDict:
      return Value::integer(static_cast<int64_t>(v.dict().size()));
    default:
      return base::invalid_argument(std::string("object of type '") + type_name(v) + "' has no len()");
  }
}

Result<Value> f_default(Evaluator&, const Value& v, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args("default", a, {"default_value", "boolean"}));
  const bool boolean = arg_bool(p[1], false);
  if (v.is_undefined() || (boolean && !truthy(v))) return p[0] ? *p[0] : Value::string("");
  return v;
}

Result<Value> string_map(Evaluator& ev, const Value& v, CallArgs& a, const char* name,
                         std::string (*fn)(std::string_view)) {
  OSP_RETURN_IF_ERROR(bind_args(name, a, {}).status());
  return ev.make_string(fn(to_str(v)));
}
Result<Value> f_upper(Evaluator& ev, const Value& v, CallArgs& a) { return string_map(ev, v, a, "upper", py_upper); }
Result<Value> f_lower(Evaluator& ev, const Value& v, CallArgs& a) { return string_map(ev, v, a, "lower", py_lower); }
Result<Value> f_title(Evaluator& ev, const Value& v, CallArgs& a) { return string_map(ev, v, a, "title", jinja_title); }
Result<Value> f_capitalize(Evaluator& ev, const Value& v, CallArgs& a) {
  return string_map(ev, v, a, "capitalize", py_capitalize);
}

Result<Value> f_trim(Evaluator& ev, const Value& v, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args("trim", a, {"chars"}));
  OSP_ASSIGN_OR_RETURN(auto chars, arg_opt_string("trim", p[0]));
  return ev.make_string(py_strip(to_str(v), chars, true, true));
}

Result<Value> f_string(Evaluator& ev, const Value& v, CallArgs& a) {
  OSP_RETURN_IF_ERROR(bind_args("string", a, {}).status());
  if (v.is_string()) return v;
  return ev.make_string(to_str(v));
}

Result<Value> f_safe(Evaluator& ev, const Value& v, CallArgs& a) { return f_string(ev, v, a); }

Result<Value> f_escape(Evaluator& ev, const Value& v, CallArgs& a) {
  OSP_RETURN_IF_ERROR(bind_args("escape", a, {}).status());
  std::string out;
  for (char c : to_str(v)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return ev.make_string(std::move(out));
}

Result<Value> f_replace(Evaluator& ev, const Value& v, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args("replace", a, {"old", "new", "count"}));
  if (!p[0] || !p[1]) return base::invalid_argument("replace() needs 'old' and 'new' arguments");
  OSP_ASSIGN_OR_RETURN(int64_t count, arg_int("replace", p[2] && p[2]->is_none() ? std::nullopt : p[2], -1));
  const std::string s = to_str(v), old = to_str(*p[0]), repl = to_str(*p[1]);
  if (!old.empty() && !repl.empty() && repl.size() > old.size()) {
    const int64_t n = py_count(s, old);
    OSP_RETURN_IF_ERROR(ev.check_string_size(s.size() + static_cast<size_t>(n) * (repl.size() - old.size())));
  } else if (old.empty()) {
    OSP_RETURN_IF_ERROR(ev.check_string_size(s.size() + (code_point_count(s) + 1) * repl.size()));
  }
  return ev.make_string(py_replace(s, old, repl, count));
}

Result<Value> f_join(Evaluator& ev, const Value& v, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args("join", a, {"d", "attribute"}));
  const std::string sep = p[0] ? to_str(*p[0]) : std::string();
  OSP_ASSIGN_OR_RETURN(List items, iterate_value(v));
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    Value item = items[i];
    if (p[1] && !p[1]->is_none()) {
      OSP_ASSIGN_OR_RETURN(item, attr_path(ev, item, *p[1]));
    }
    append_str(out, item);
    OSP_RETURN_IF_ERROR(ev.check_string_size(out.size()));
  }
  return ev.make_string(std::move(out));
}

Result<Value> f_first(Evaluator&, const Value& v, CallArgs& a) {
  OSP_RETURN_IF_ERROR(bind_args("first", a, {}).status());
  OSP_ASSIGN_OR_RETURN(List items, iterate_value(v));
  if (items.empty()) return Value::undefined("No first item, sequence was empty.");
  return items.front();
}

Result<Value> f_last(Evaluator&, const Value& v, CallArgs& a) {
  OSP_RETURN_IF_ERROR(bind_args("last", a, {}).status());
  OSP_ASSIGN_OR_RETURN(List items, iterate_value(v));
  if (items.empty()) return Value::undefined("No last item, sequence was empty.");
  return items.back();
}

Result<Value> f_list(Evaluator& ev, const Value& v, CallArgs& a) {
  OSP_RETURN_IF_ERROR(bind_args("list", a, {}).status());
  OSP_ASSIGN_OR_RETURN(List items, iterate_value(v));
  return ev.make_list(std::move(items));
}

Result<Value> f_items(Evaluator& ev, const Value& v, CallArgs& a) {
  OSP_RETURN_IF_ERROR(bind_args("items", a, {}).status());
  if (v.is_undefined()) return ev.make_list({});
  if (!v.is_dict()) return base::invalid_argument("Can only get item pairs from a mapping.");
  return dict_items(ev, v.dict(), ListKind::kList);
}

Result<Value> f_reverse(Evaluator& ev, const Value& v, CallArgs& a) {
  OSP_RETURN_IF_ERROR(bind_args("reverse", a, {}).status());
  if (v.is_string()) {
    const auto offs = code_point_offsets(v.str());
    std::string out;
    for (size_t i = offs.size() - 1; i > 0; --i) out.append(v.str(), offs[i - 1], offs[i] - offs[i - 1]);
    return ev.make_string(std::move(out));
  }
  OSP_ASSIGN_OR_RETURN(List items, iterate_value(v));
  std::reverse(items.begin(), items.end());
  return ev.make_list(std::move(items));
}

Result<Value> f_tojson(Evaluator& ev, const Value& v, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args("tojson", a, {"ensure_ascii", "indent", "separators", "sort_keys"}));
  JsonDumpOptions o;
  o.ensure_ascii = arg_bool(p[0], false);
  if (p[1] && !p[1]->is_none() && !p[1]->is_undefined()) {
    if (p[1]->is_string()) {
      o.indent = p[1]->str();
    } else if (p[1]->is_int() || p[1]->is_bool()) {
      const int64_t n = p[1]->as_int();
      if (n > 1000) return base::out_of_range("tojson indent " + std::to_string(n) + " is larger than 1000");
      o.indent = std::string(static_cast<size_t>(std::max<int64_t>(n, 0)), ' ');
    } else {
      return base::invalid_argument(std::string("tojson indent must be an int or a string, not ") + type_name(*p[1]));
    }
    o.item_sep = ",";
  }
  if (p[2] && !p[2]->is_none() && !p[2]->is_undefined()) {
    const Value& s = *p[2];
    if (!s.is_list() || s.items().size() != 2 || !s.items()[0].is_string() || !s.items()[1].is_string())
      return base::invalid_argument("tojson separators must be a pair of strings");
    o.item_sep = s.items()[0].str();
    o.key_sep = s.items()[1].str();
  }
  o.sort_keys = arg_bool(p[3], false);
  std::string out;
  OSP_RETURN_IF_ERROR(py_json_dumps(v, o, ev.limits().max_output_bytes, out));
  return ev.make_string(std::move(out));
}

Result<Value> f_int(Evaluator&, const Value& v, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args("int", a, {"default", "base"}));
  const Value dflt = p[0] ? *p[0] : Value::integer(0);
  OSP_ASSIGN_OR_RETURN(int64_t base, arg_int("int", p[1], 10));
  if (v.is_undefined()) return undefined_error(v);
  if (v.is_int() || v.is_bool()) return Value::integer(v.as_int());
  if (v.is_float()) {
    const double d = v.as_double();
    if (!std::isfinite(d) || std::fabs(d) >= 9.2e18) return dflt;
    return Value::integer(static_cast<int64_t>(d));
  }
  if (v.is_string()) {
    if (auto i = parse_py_int(v.str(), base)) return Value::integer(*i);
    if (auto d = parse_py_float(v.str()); d && std::isfinite(*d) && std::fabs(*d) < 9.2e18)
      return Value::integer(static_cast<int64_t>(*d));
  }
  return dflt;
}

Result<Value> f_float(Evaluator&, const Value& v, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args("float", a, {"default"}));
  if (v.is_undefined()) return undefined_error(v);
  if (v.is_numeric()) return Value::number(v.as_double());
  if (v.is_string())
    if (auto d = parse_py_float(v.str())) return Value::number(*d);
  return p[0] ? *p[0] : Value::number(0.0);
}

Result<Value> f_abs(Evaluator&, const Value& v, CallArgs& a) {
  OSP_RETURN_IF_ERROR(bind_args("abs", a, {}).status());
  if (v.is_float()) return Value::number(std::fabs(v.as_double()));
  if (v.is_int() || v.is_bool()) {
    if (v.as_int() == INT64_MIN) return base::out_of_range("integer overflow in abs");
    return Value::integer(std::llabs(v.as_int()));
  }
  return base::invalid_argument(std::string("bad operand type for abs(): '") + type_name(v) + "'");
}

Result<Value> f_round(Evaluator&, const Value& v, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args("round", a, {"precision", "method"}));
  OSP_ASSIGN_OR_RETURN(int64_t prec, arg_int("round", p[0], 0));
  const std::string method = p[1] ? to_str(*p[1]) : "common";
  if (method != "common" && method != "ceil" && method != "floor")
    return base::invalid_argument("method must be 'common', 'ceil' or 'floor', got '" + method + "'");
  if (!v.is_numeric()) return base::invalid_argument(std::string("type ") + type_name(v) + " doesn't define __round__ method");
  prec = std::clamp<int64_t>(prec, -400, 400);
  if (method == "common") {
    if (!v.is_float()) {
      if (prec >= 0) return Value::integer(v.as_int());
      const double scale = std::pow(10.0, static_cast<double>(-prec));
      const double r = std::nearbyint(v.as_double() / scale) * scale;
      if (!(std::fabs(r) < 9.2e18)) return base::out_of_range("round(): integer overflow");
      return Value::integer(static_cast<int64_t>(r));
    }
    return Value::number(py_round(v.as_double(), static_cast<int>(prec)));
  }
  const double scale = std::pow(10.0, static_cast<double>(prec));
  const double x = v.as_double() * scale;
  return Value::number((method == "ceil" ? std::ceil(x) : std::floor(x)) / scale);
}

Result<Value> f_indent(Evaluator& ev, const Value& v, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args("indent", a, {"width", "first", "blank"}));
  std::string ind;
  if (p[0] && p[0]->is_string()) {
    ind = p[0]->str();
  } else {
    OSP_ASSIGN_OR_RETURN(int64_t w, arg_int("indent", p[0], 4));
    if (w > 10000) return base::out_of_range("indent width " + std::to_string(w) + " is larger than 10000");
    ind.assign(static_cast<size_t>(std::max<int64_t>(w, 0)), ' ');
  }
  const bool first = arg_bool(p[1], false), blank = arg_bool(p[2], false);
  if (v.is_undefined()) return undefined_error(v);
  if (!v.is_string())
    return base::invalid_argument(std::string("unsupported operand type(s) for +=: '") + type_name(v) + "' and 'str'");
  const std::string s = v.str() + "\n";
  const auto lines = py_splitlines(s, false);
  OSP_RETURN_IF_ERROR(ev.check_string_size(s.size() + lines.size() * ind.size() + ind.size()));
  std::string rv;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i) rv += "\n";
    if (i && (blank || !lines[i].empty())) rv += ind;
    rv += lines[i];
  }
  if (first) rv = ind + rv;
  return ev.make_string(std::move(rv));
}

Result<Value> f_center(Evaluator& ev, const Value& v, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args("center", a, {"width"}));
  OSP_ASSIGN_OR_RETURN(int64_t w, arg_int("center", p[0], 80));
  OSP_RETURN_IF_ERROR(ev.check_string_size(static_cast<size_t>(std::max<int64_t>(w, 0))));
  return ev.make_string(py_center(to_str(v), w, " "));
}

Result<Value> f_wordcount(Evaluator&, const Value& v, CallArgs& a) {
  OSP_RETURN_IF_ERROR(bind_args("wordcount", a, {}).status());
  const std::string s = to_str(v);
  int64_t n = 0;
  bool in_word = false;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t len = 1;
    const uint32_t cp = decode_utf8(s, pos, &len);
    const bool w = cp == '_' || py_is_alpha(cp) || py_is_numeric(cp);
    if (w && !in_word) ++n;
    in_word = w;
    pos += len;
  }
  return Value::integer(n);
}

Result<Value> f_format(Evaluator& ev, const Value& v, CallArgs& a) {
  if (!a.positional.empty() && !a.keyword.empty())
    return base::invalid_argument("can't handle positional and keyword arguments at the same time");
  Dict kw;
  for (const auto& [k, val] : a.keyword) kw.set(Value::string(k), val);
  OSP_ASSIGN_OR_RETURN(std::string s, percent_format(to_str(v), a.positional, a.keyword.empty() ? nullptr : &kw));
  return ev.make_string(std::move(s));
}

Result<Value> f_truncate(Evaluator& ev, const Value& v, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args("truncate", a, {"length", "killwords", "end", "leeway"}));
  OSP_ASSIGN_OR_RETURN(int64_t length, arg_int("truncate", p[0], 255));
  OSP_ASSIGN_OR_RETURN(int64_t leeway, arg_int("truncate", p[3], 5));
  const std::string end = p[2] ? to_str(*p[2]) : "...";
  if (!v.is_string()) {  // Jinja measures len(value) itself: short sequences pass through
    int64_t n = 0;
    if (v.is_list()) n = static_cast<int64_t>(v.items().size());
    else if (v.is_dict()) n = static_cast<int64_t>(v.dict().size());
    else if (!v.is_undefined())
      return base::invalid_argument(std::string("object of type '") + type_name(v) + "' has no len()");
    if (n <= length + leeway) return v;
    return base::invalid_argument(std::string("can only truncate a string, not '") + type_name(v) + "'");
  }
  const std::string s = to_str(v);
  const auto offs = code_point_offsets(s);
  const auto n = static_cast<int64_t>(offs.size()) - 1;
  if (n <= length + leeway) return ev.make_string(s);
  const int64_t keep = std::clamp<int64_t>(length - static_cast<int64_t>(code_point_count(end)), 0, n);
  std::string head = s.substr(0, offs[keep]);
  if (!arg_bool(p[1], false)) {
    const size_t sp = head.rfind(' ');
    if (sp != std::string::npos) head.resize(sp);
  }
  return ev.make_string(head + end);
}

Result<Value> f_pprint(Evaluator& ev, const Value& v, CallArgs&) {
  std::string s;
  append_repr(s, v);
  return ev.make_string(std::move(s));
}

Result<Value> f_attr(Evaluator& ev, const Value& v, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args("attr", a, {"name"}));
  if (!p[0]) return base::invalid_argument("attr() needs a name");
  const std::string name = to_str(*p[0]);
  if (v.is_dict() && !has_method(v, name)) return Value::undefined("'dict object' has no attribute '" + name + "'");
  return ev.get_attr(v, name);
}

}  // namespace

FilterFn find_filter(std::string_view name) {
  static const std::unordered_map<std::string_view, FilterFn> kFilters = {
      {"abs", f_abs},         {"attr", f_attr},
      {"batch", f_batch},     {"capitalize", f_capitalize},
      {"center", f_center},   {"count", f_length},
      {"d", f_default},       {"default", f_default},
      {"dictsort", f_dictsort}, {"e", f_escape},
      {"escape", f_escape},   {"first", f_first},
      {"float", f_float},     {"forceescape", f_escape},
      {"format", f_format},   {"indent", f_indent},
      {"int", f_int},         {"items", f_items},
      {"join", f_join},       {"last", f_last},
      {"length", f_length},   {"list", f_list},
      {"lower", f_lower},     {"map", f_map},
      {"max", f_max},         {"min", f_min},
      {"pprint", f_pprint},   {"reject", f_reject},
      {"rejectattr", f_rejectattr}, {"replace", f_replace},
      {"reverse", f_reverse}, {"round", f_round},
      {"safe", f_safe},       {"select", f_select},
      {"selectattr", f_selectattr}, {"slice", f_slice},
      {"sort", f_sort},       {"string", f_string},
      {"sum", f_sum},         {"title", f_title},
      {"tojson", f_tojson},   {"trim", f_trim},
      {"truncate", f_truncate}, {"unique", f_unique},
      {"upper", f_upper},     {"wordcount", f_wordcount},
  };
  const auto it = kFilters.find(name);
  return it == kFilters.end() ? nullptr : it->second;
}

}  // namespace osprey::chat
