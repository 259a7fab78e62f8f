// Internal: helpers shared by the filter files, and the sequence filters of filters_seq.cpp.
#pragma once

#include <optional>
#include <string_view>

#include "src/chat/builtins.h"

namespace osprey::chat {

// Jinja's attribute getter: "a.b.0" looks up item a, then b, then index 0.
Result<Value> attr_path(Evaluator& ev, const Value& item, const Value& attribute);
// dict.items() as a list of (key, value) tuples.
Result<Value> dict_items(Evaluator& ev, const Dict& d, ListKind kind);
// Python int(str, base) and float(str); empty when Python would raise ValueError.
std::optional<int64_t> parse_py_int(std::string_view s, int64_t base);
std::optional<double> parse_py_float(std::string_view s);
// Python round(x, ndigits) for floats.
double py_round(double x, int ndigits);
// Python str.format(*args, **kwargs).
Result<std::string> str_format(Evaluator& ev, const std::string& fmt, const CallArgs& a);

Result<Value> f_batch(Evaluator& ev, const Value& v, CallArgs& a);
Result<Value> f_dictsort(Evaluator& ev, const Value& v, CallArgs& a);
Result<Value> f_map(Evaluator& ev, const Value& v, CallArgs& a);
Result<Value> f_max(Evaluator& ev, const Value& v, CallArgs& a);
Result<Value> f_min(Evaluator& ev, const Value& v, CallArgs& a);
Result<Value> f_reject(Evaluator& ev, const Value& v, CallArgs& a);
Result<Value> f_rejectattr(Evaluator& ev, const Value& v, CallArgs& a);
Result<Value> f_select(Evaluator& ev, const Value& v, CallArgs& a);
Result<Value> f_selectattr(Evaluator& ev, const Value& v, CallArgs& a);
Result<Value> f_slice(Evaluator& ev, const Value& v, CallArgs& a);
Result<Value> f_sort(Evaluator& ev, const Value& v, CallArgs& a);
Result<Value> f_sum(Evaluator& ev, const Value& v, CallArgs& a);
Result<Value> f_unique(Evaluator& ev, const Value& v, CallArgs& a);

}  // namespace osprey::chat
