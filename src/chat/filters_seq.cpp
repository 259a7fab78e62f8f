// Sequence filters (sort, dictsort, unique, min/max, map, select/reject, batch, slice, sum) and
// the number parsing helpers behind int/float.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_set>

#include "src/chat/filters_util.h"
#include "src/chat/py_string.h"

namespace osprey::chat {

namespace {

using Args = std::vector<std::optional<Value>>;

Value fold_case(const Value& v, bool case_sensitive) {
  if (!case_sensitive && v.is_string()) return Value::string(py_lower(v.str()));
  return v;
}

struct Keyed {
  Value key;
  Value item;
};

// Stable sort by key with Python ordering; the first comparison error is returned.
Status sort_keyed(std::vector<Keyed>& items, bool reverse) {
  Status err;
  std::stable_sort(items.begin(), items.end(), [&](const Keyed& x, const Keyed& y) {
    auto c = reverse ? compare_values(y.key, x.key, "<") : compare_values(x.key, y.key, "<");
    if (!c.ok()) {
      if (err.ok()) err = c.status();
      return false;
    }
    return c.value() < 0;
  });
  return err;
}

Result<std::vector<Keyed>> keyed(Evaluator& ev, const Value& v, const std::optional<Value>& attribute,
                                 bool case_sensitive) {
  OSP_ASSIGN_OR_RETURN(List items, iterate_value(v));
  OSP_RETURN_IF_ERROR(ev.charge(items.size() * 2 * sizeof(Value)));
  std::vector<Keyed> out;
  out.reserve(items.size());
  for (auto& it : items) {
    Value key = it;
    if (attribute && !attribute->is_none() && !attribute->is_undefined()) {
      OSP_ASSIGN_OR_RETURN(key, attr_path(ev, it, *attribute));
    }
    out.push_back({fold_case(key, case_sensitive), std::move(it)});
  }
  return out;
}

Result<Value> min_max(Evaluator& ev, const Value& v, CallArgs& a, bool want_max) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args(want_max ? "max" : "min", a, {"case_sensitive", "attribute"}));
  OSP_ASSIGN_OR_RETURN(auto items, keyed(ev, v, p[1], arg_bool(p[0], false)));
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  size_t best = 0;
  for (size_t i = 1; i < items.size(); ++i) {
    OSP_ASSIGN_OR_RETURN(int c, compare_values(items[i].key, items[best].key, "<"));
    if (want_max ? c > 0 : c < 0) best = i;
  }
  return items[best].item;
}

Result<Value> select_or_reject(Evaluator& ev, const Value& v, CallArgs& a, bool select, bool by_attr) {
  // Jinja yields nothing for a falsy input (`if value: for item in value`).
  List items;
  if (truthy(v)) {
    OSP_ASSIGN_OR_RETURN(items, iterate_value(v));
  }
  size_t off = 0;
  Value attribute;
  if (by_attr) {
    if (a.positional.empty()) return base::invalid_argument("Missing parameter for attribute name");
    attribute = a.positional[0];
    off = 1;
  }
  std::string test;
  if (a.positional.size() > off) test = to_str(a.positional[off]);
  CallArgs test_args;
  for (size_t i = off + 1; i < a.positional.size(); ++i) test_args.positional.push_back(a.positional[i]);
  test_args.keyword = a.keyword;
  List out;
  for (auto& item : items) {
    Value subject = item;
    if (by_attr) {
      OSP_ASSIGN_OR_RETURN(subject, attr_path(ev, item, attribute));
    }
    bool r;
    if (a.positional.size() > off) {
      CallArgs ta = test_args;
      OSP_ASSIGN_OR_RETURN(r, ev.apply_test(test, subject, ta));
    } else {
      r = truthy(subject);
    }
    if (r == select) out.push_back(std::move(item));
  }
  return ev.make_list(std::move(out));
}

}  // namespace

Result<Value> attr_path(Evaluator& ev, const Value& item, const Value& attribute) {
  if (attribute.is_int()) return ev.get_item(item, attribute);
  const std::string path = to_str(attribute);
  Value cur = item;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    Value key = Value::string(part);
    if (!part.empty() && part.size() < 18 &&
        std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }))
      key = Value::integer(std::strtoll(part.c_str(), nullptr, 10));
    OSP_ASSIGN_OR_RETURN(cur, ev.get_item(cur, key));
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

Result<Value> dict_items(Evaluator& ev, const Dict& d, ListKind kind) {
  List out;
  out.reserve(d.size());
  for (const auto& [k, v] : d.entries()) out.push_back(Value::list({k, v}, ListKind::kTuple));
  return ev.make_list(std::move(out), kind);
}

std::optional<int64_t> parse_py_int(std::string_view s, int64_t base) {
  std::string t = py_strip(s, std::nullopt, true, true);
  if (base != 0 && (base < 2 || base > 36)) return std::nullopt;
  size_t i = 0;
  bool neg = false;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) neg = t[i++] == '-';
  auto prefix = [&](char c) {
    return i + 1 < t.size() && t[i] == '0' && (t[i + 1] | 0x20) == c;
  };
  if ((base == 16 || base == 0) && prefix('x')) {
    base = 16;
    i += 2;
  } else if ((base == 8 || base == 0) && prefix('o')) {
    base = 8;
    i += 2;
  } else if ((base == 2 || base == 0) && prefix('b')) {
    base = 2;
    i += 2;
  } else if (base == 0) {
    base = 10;
    if (i + 1 < t.size() && t[i] == '0') {  // base 0 refuses leading zeros except all-zero
      for (size_t k = i; k < t.size(); ++k)
        if (t[k] != '0' && t[k] != '_') return std::nullopt;
    }
  } else if (i < t.size() && t[i] == '_') {
    return std::nullopt;
  }
  if (i < t.size() && t[i] == '_') ++i;  // 0x_ff
  if (i >= t.size()) return std::nullopt;
  uint64_t v = 0;
  bool prev_underscore = false;
  for (; i < t.size(); ++i) {
    const char c = t[i];
    if (c == '_') {
      if (prev_underscore) return std::nullopt;
      prev_underscore = true;
      continue;
    }
    prev_underscore = false;
    int d = c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'z' ? (c | 0x20) - 'a' + 10 : 99;
    if (d >= base) return std::nullopt;
    if (v > (static_cast<uint64_t>(INT64_MAX) - d) / static_cast<uint64_t>(base)) return std::nullopt;
    v = v * base + d;
  }
  if (prev_underscore) return std::nullopt;
  return neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
}

std::optional<double> parse_py_float(std::string_view s) {
  std::string t = py_strip(s, std::nullopt, true, true);
  std::string clean;
  size_t i = 0;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) clean.push_back(t[i++]);
  std::string rest = py_lower(t.substr(i));
  if (rest == "inf" || rest == "infinity" || rest == "nan") return std::strtod((clean + rest).c_str(), nullptr);
  bool digits = false, dot = false, exp = false;
  for (; i < t.size(); ++i) {
    const char c = t[i];
    if (c >= '0' && c <= '9') {
      digits = true;
      clean.push_back(c);
    } else if (c == '_') {
      if (i == 0 || i + 1 >= t.size() || !(t[i - 1] >= '0' && t[i - 1] <= '9') || !(t[i + 1] >= '0' && t[i + 1] <= '9'))
        return std::nullopt;
    } else if (c == '.' && !dot && !exp) {
      dot = true;
      clean.push_back(c);
    } else if ((c == 'e' || c == 'E') && digits && !exp) {
      exp = true;
      clean.push_back('e');
      if (i + 1 < t.size() && (t[i + 1] == '+' || t[i + 1] == '-')) clean.push_back(t[++i]);
      if (i + 1 >= t.size()) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  if (!digits) return std::nullopt;
  return std::strtod(clean.c_str(), nullptr);
}

double py_round(double x, int ndigits) {
  if (!std::isfinite(x)) return x;
  if (ndigits >= 0) {
    if (ndigits > 330) return x;
    std::vector<char> buf(static_cast<size_t>(ndigits) + 340);
    std::snprintf(buf.data(), buf.size(), "%.*f", ndigits, x);
    return std::strtod(buf.data(), nullptr);
  }
  const double scale = std::pow(10.0, -ndigits);
  return std::nearbyint(x / scale) * scale;
}

Result<Value> f_sort(Evaluator& ev, const Value& v, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args("sort", a, {"reverse", "case_sensitive", "attribute"}));
  OSP_ASSIGN_OR_RETURN(auto items, keyed(ev, v, p[2], arg_bool(p[1], false)));
  OSP_RETURN_IF_ERROR(sort_keyed(items, arg_bool(p[0], false)));
  List out;
  for (auto& k : items) out.push_back(std::move(k.item));
  return ev.make_list(std::move(out));
}

Result<Value> f_dictsort(Evaluator& ev, const Value& v, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args("dictsort", a, {"case_sensitive", "by", "reverse"}));
  if (!v.is_dict()) return base::invalid_argument(std::string("dictsort expects a mapping, got ") + type_name(v));
  const std::string by = p[1] ? to_str(*p[1]) : "key";
  if (by != "key" && by != "value")
    return base::invalid_argument("You can only sort by either 'key' or 'value'");
  const bool cs = arg_bool(p[0], false);
  std::vector<Keyed> items;
  for (const auto& [k, val] : v.dict().entries())
    items.push_back({fold_case(by == "key" ? k : val, cs), Value::list({k, val}, ListKind::kTuple)});
  OSP_RETURN_IF_ERROR(sort_keyed(items, arg_bool(p[2], false)));
  List out;
  for (auto& k : items) out.push_back(std::move(k.item));
  return ev.make_list(std::move(out));
}

Result<Value> f_unique(Evaluator& ev, const Value& v, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args("unique", a, {"case_sensitive", "attribute"}));
  OSP_ASSIGN_OR_RETURN(auto items, keyed(ev, v, p[1], arg_bool(p[0], false)));
  std::unordered_set<std::string> seen_str;
  List seen_other, out;
  for (auto& k : items) {
    if (k.key.is_list() || k.key.is_dict())
      return base::invalid_argument(std::string("unhashable type: '") + type_name(k.key) + "'");
    if (k.key.is_string()) {
      if (!seen_str.insert(k.key.str()).second) continue;
    } else {
      OSP_RETURN_IF_ERROR(ev.work(seen_other.size() * 16));
      if (std::any_of(seen_other.begin(), seen_other.end(),
                      [&](const Value& s) { return values_equal(s, k.key); }))
        continue;
      seen_other.push_back(k.key);
    }
    out.push_back(std::move(k.item));
  }
  return ev.make_list(std::move(out));
}

Result<Value> f_max(Evaluator& ev, const Value& v, CallArgs& a) { return min_max(ev, v, a, true); }
Result<Value> f_min(Evaluator& ev, const Value& v, CallArgs& a) { return min_max(ev, v, a, false); }

Result<Value> f_sum(Evaluator& ev, const Value& v, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args("sum", a, {"attribute", "start"}));
  OSP_ASSIGN_OR_RETURN(List items, iterate_value(v));
  Value total = p[1] ? *p[1] : Value::integer(0);
  for (const auto& it : items) {
    Value x = it;
    if (p[0] && !p[0]->is_none()) {
      OSP_ASSIGN_OR_RETURN(x, attr_path(ev, it, *p[0]));
    }
    OSP_ASSIGN_OR_RETURN(total, binary_op(ev, BinOp::kAdd, total, x));
  }
  return total;
}

Result<Value> f_map(Evaluator& ev, const Value& v, CallArgs& a) {
  List items;
  if (truthy(v)) {
    OSP_ASSIGN_OR_RETURN(items, iterate_value(v));
  }
  List out;
  out.reserve(items.size());
  const auto attr_it = std::find_if(a.keyword.begin(), a.keyword.end(),
                                    [](const auto& kv) { return kv.first == "attribute"; });
  if (a.positional.empty() && attr_it != a.keyword.end()) {
    Value attribute = attr_it->second;
    std::optional<Value> dflt;
    for (const auto& [k, val] : a.keyword) {
      if (k == "default") {
        dflt = val;
      } else if (k != "attribute") {
        return base::invalid_argument("Unexpected keyword argument '" + k + "'");
      }
    }
    for (auto& it : items) {
      OSP_ASSIGN_OR_RETURN(Value x, attr_path(ev, it, attribute));
      if (dflt && !dflt->is_none() && x.is_undefined()) x = *dflt;
      out.push_back(std::move(x));
    }
    return ev.make_list(std::move(out));
  }
  if (a.positional.empty()) return base::invalid_argument("map requires a filter argument");
  const std::string name = to_str(a.positional[0]);
  for (auto& it : items) {
    CallArgs fa;
    fa.positional.assign(a.positional.begin() + 1, a.positional.end());
    fa.keyword = a.keyword;
    OSP_ASSIGN_OR_RETURN(Value x, ev.apply_filter(name, it, fa));
    out.push_back(std::move(x));
  }
  return ev.make_list(std::move(out));
}

Result<Value> f_select(Evaluator& ev, const Value& v, CallArgs& a) { return select_or_reject(ev, v, a, true, false); }
Result<Value> f_reject(Evaluator& ev, const Value& v, CallArgs& a) { return select_or_reject(ev, v, a, false, false); }
Result<Value> f_selectattr(Evaluator& ev, const Value& v, CallArgs& a) { return select_or_reject(ev, v, a, true, true); }
Result<Value> f_rejectattr(Evaluator& ev, const Value& v, CallArgs& a) { return select_or_reject(ev, v, a, false, true); }

Result<Value> f_batch(Evaluator& ev, const Value& v, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args("batch", a, {"linecount", "fill_with"}));
  if (!p[0]) return base::invalid_argument("batch() needs a linecount");
  OSP_ASSIGN_OR_RETURN(int64_t n, arg_int("batch", p[0], 1));
  if (n <= 0) return base::invalid_argument("batch() linecount must be positive, got " + std::to_string(n));
  OSP_ASSIGN_OR_RETURN(List items, iterate_value(v));
  List out, cur;
  for (auto& it : items) {
    cur.push_back(std::move(it));
    if (static_cast<int64_t>(cur.size()) == n) {
      out.push_back(Value::list(std::move(cur)));
      cur.clear();
    }
  }
  if (!cur.empty()) {
    if (p[1] && !p[1]->is_none()) {
      if (n > 1'000'000) return base::resource_exhausted("batch() padding to " + std::to_string(n) + " items is too large");
      OSP_RETURN_IF_ERROR(ev.charge(static_cast<size_t>(n) * sizeof(Value)));
      while (static_cast<int64_t>(cur.size()) < n) cur.push_back(*p[1]);
    }
    out.push_back(Value::list(std::move(cur)));
  }
  return ev.make_list(std::move(out));
}

Result<Value> f_slice(Evaluator& ev, const Value& v, CallArgs& a) {
  OSP_ASSIGN_OR_RETURN(Args p, bind_args("slice", a, {"slices", "fill_with"}));
  if (!p[0]) return base::invalid_argument("slice() needs a number of slices");
  OSP_ASSIGN_OR_RETURN(int64_t slices, arg_int("slice", p[0], 1));
  if (slices <= 0 || slices > 100000)
    return base::invalid_argument("slice() count must be in 1..100000, got " + std::to_string(slices));
  OSP_ASSIGN_OR_RETURN(List seq, iterate_value(v));
  const auto length = static_cast<int64_t>(seq.size());
  const int64_t per = length / slices, extra = length % slices;
  int64_t offset = 0;
  List out;
  for (int64_t s = 0; s < slices; ++s) {
    const int64_t start = offset + s * per;
    if (s < extra) ++offset;
    const int64_t end = offset + (s + 1) * per;
    List part(seq.begin() + start, seq.begin() + end);
    if (p[1] && !p[1]->is_none() && s >= extra) part.push_back(*p[1]);
    out.push_back(Value::list(std::move(part)));
  }
  return ev.make_list(std::move(out));
}

}  // namespace osprey::chat
