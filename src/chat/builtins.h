// Internal: the interpreter's built-in filters, tests, methods, operators and global functions.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/base/status.h"
#include "src/chat/ast.h"
#include "src/chat/evaluator.h"
#include "src/chat/value.h"

namespace osprey::chat {

using FilterFn = Result<Value> (*)(Evaluator&, const Value&, CallArgs&);
using TestFn = Result<bool> (*)(Evaluator&, const Value&, CallArgs&);

FilterFn find_filter(std::string_view name);
TestFn find_test(std::string_view name);

// Methods called as obj.name(...) on strings, dicts, lists and loop objects.
bool has_method(const Value& obj, std::string_view name);
// Methods the immutable sandbox refuses (list.append, dict.update, ...).
bool is_unsafe_method(const Value& obj, std::string_view name);
Result<Value> call_method(Evaluator& ev, const Value& obj, std::string_view name, CallArgs& args);

// Global functions: range, namespace, dict, raise_exception, strftime_now, joiner, cycler.
Dict make_globals();

// Python binary operators (+ - * / // % **) and membership.
Result<Value> binary_op(Evaluator& ev, BinOp op, const Value& a, const Value& b);
Result<bool> contains(const Value& container, const Value& item);
// printf-style "fmt % args" and "fmt"|format(args). `allow_unused`: Python's leniency when the
// right operand is a mapping-like value (a dict or list) that the format does not consume.
Result<std::string> percent_format(const std::string& fmt, const List& args, const Dict* kwargs,
                                   bool allow_unused = false);
// The "'x' is undefined"-style error for using an undefined value.
Status undefined_error(const Value& v);

// Binds a call's arguments to parameter names as Python would; absent parameters stay empty.
Result<std::vector<std::optional<Value>>> bind_args(std::string_view fn, const CallArgs& args,
                                                    std::initializer_list<std::string_view> params);
// Argument converters with the callee's name in their errors.
Result<int64_t> arg_int(std::string_view fn, const std::optional<Value>& v, int64_t dflt);
Result<std::optional<std::string>> arg_opt_string(std::string_view fn, const std::optional<Value>& v);
bool arg_bool(const std::optional<Value>& v, bool dflt);

}  // namespace osprey::chat
