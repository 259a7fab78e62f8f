// Expression evaluation of the template evaluator.
#include <algorithm>

#include "src/chat/builtins.h"
#include "src/chat/evaluator.h"
#include "src/chat/py_string.h"

namespace osprey::chat {

namespace {

struct DepthScope {
  explicit DepthScope(int& d) : d_(d) { ++d_; }
  ~DepthScope() { --d_; }
  int& d_;
};

const char* cmp_name(CmpOp op) {
  switch (op) {
    case CmpOp::kLt:
      return "<";
    case CmpOp::kLe:
      return "<=";
    case CmpOp::kGt:
      return ">";
    case CmpOp::kGe:
      return ">=";
    default:
      return "==";
  }
}

}  // namespace

// Error paths live out of line so the recursive frames stay small.
[[gnu::noinline, gnu::cold]] Status Evaluator::depth_error() const {
  return base::resource_exhausted("template evaluation nested deeper than " +
                                  std::to_string(limits_.max_depth) + " levels");
}

Result<Value> Evaluator::eval(const Expr& e, const ScopePtr& scope) {
  OSP_RETURN_IF_ERROR(step());
  DepthScope guard(depth_);
  if (depth_ > limits_.max_depth) return depth_error();
  return eval_inner(e, scope);
}

Result<Value> Evaluator::eval_inner(const Expr& e, const ScopePtr& scope) {
  switch (e.kind) {
    case ExprKind::kLiteral:
      return e.value;
    case ExprKind::kName:
      return lookup(e.name, scope);
    case ExprKind::kList:
    case ExprKind::kTuple:
      return eval_sequence(e, scope);
    case ExprKind::kDict:
      return eval_dict(e, scope);
    case ExprKind::kUnary:
      return eval_unary(e, scope);
    case ExprKind::kBinary: {
      OSP_ASSIGN_OR_RETURN(Value a, eval(*e.a, scope));
      OSP_ASSIGN_OR_RETURN(Value b, eval(*e.b, scope));
      return binary_op(*this, e.bin_op, a, b);
    }
    case ExprKind::kAnd:
    case ExprKind::kOr: {
      OSP_ASSIGN_OR_RETURN(Value a, eval(*e.a, scope));
      if (truthy(a) == (e.kind == ExprKind::kOr)) return a;
      return eval(*e.b, scope);
    }
    case ExprKind::kConcat:
      return eval_concat(e, scope);
    case ExprKind::kCompare:
      return eval_compare(e, scope);
    case ExprKind::kCond: {
      OSP_ASSIGN_OR_RETURN(Value c, eval(*e.a, scope));
      if (truthy(c)) return eval(*e.b, scope);
      if (e.c) return eval(*e.c, scope);
      return Value::undefined("the inline if-expression evaluated to false and no else section was defined");
    }
    case ExprKind::kGetAttr: {
      OSP_ASSIGN_OR_RETURN(Value obj, eval(*e.a, scope));
      return get_attr(obj, e.name);
    }
    case ExprKind::kGetItem: {
      OSP_ASSIGN_OR_RETURN(Value obj, eval(*e.a, scope));
      OSP_ASSIGN_OR_RETURN(Value key, eval(*e.b, scope));
      return get_item(obj, key);
    }
    case ExprKind::kSlice:
      return eval_slice(e, scope);
    case ExprKind::kCall:
      return eval_call(e, scope, nullptr);
    case ExprKind::kFilter:
    case ExprKind::kTest:
      return eval_filter_or_test(e, scope);
  }
  return base::internal_error("unknown expression kind");
}

Result<Value> Evaluator::eval_sequence(const Expr& e, const ScopePtr& scope) {
  List items;
  items.reserve(e.items.size());
  for (const auto& it : e.items) {
    OSP_ASSIGN_OR_RETURN(Value v, eval(*it, scope));
    items.push_back(std::move(v));
  }
  return make_list(std::move(items), e.kind == ExprKind::kTuple ? ListKind::kTuple : ListKind::kList);
}

Result<Value> Evaluator::eval_dict(const Expr& e, const ScopePtr& scope) {
  Dict d;
  for (size_t i = 0; i + 1 < e.items.size(); i += 2) {
    OSP_ASSIGN_OR_RETURN(Value k, eval(*e.items[i], scope));
    if ((k.is_list() && k.list_kind() != ListKind::kTuple) || k.is_dict() || k.is_undefined())
      return base::invalid_argument(std::string("unhashable type: '") + type_name(k) + "'");
    OSP_ASSIGN_OR_RETURN(Value v, eval(*e.items[i + 1], scope));
    d.set(std::move(k), std::move(v));
  }
  return make_dict(std::move(d));
}

Result<Value> Evaluator::eval_concat(const Expr& e, const ScopePtr& scope) {
  std::string s;
  for (const auto& it : e.items) {
    OSP_ASSIGN_OR_RETURN(Value v, eval(*it, scope));
    append_str(s, v);
    OSP_RETURN_IF_ERROR(check_string_size(s.size()));
  }
  return make_string(std::move(s));
}

Result<Value> Evaluator::eval_filter_or_test(const Expr& e, const ScopePtr& scope) {
  if (!e.a) return base::internal_error("filter without operand");
  OSP_ASSIGN_OR_RETURN(Value v, eval(*e.a, scope));
  CallArgs args;
  OSP_RETURN_IF_ERROR(eval_args(e, scope, args));
  if (e.kind == ExprKind::kFilter) return apply_filter(e.name, v, args);
  OSP_ASSIGN_OR_RETURN(bool r, apply_test(e.name, v, args));
  return Value::boolean(r != e.negated);
}

Result<Value> Evaluator::eval_compare(const Expr& e, const ScopePtr& scope) {
  OSP_ASSIGN_OR_RETURN(Value left, eval(*e.items[0], scope));
  for (size_t i = 0; i < e.ops.size(); ++i) {
    OSP_ASSIGN_OR_RETURN(Value right, eval(*e.items[i + 1], scope));
    const bool substring = (e.ops[i] == CmpOp::kIn || e.ops[i] == CmpOp::kNotIn) && right.is_string();
    OSP_RETURN_IF_ERROR(work(substring ? right.weight() * std::min<uint64_t>(left.weight(), 1u << 30)
                                       : add_weight(left.weight(), right.weight())));
    bool r = false;
    switch (e.ops[i]) {
      case CmpOp::kEq:
        r = values_equal(left, right);
        break;
      case CmpOp::kNe:
        r = !values_equal(left, right);
        break;
      case CmpOp::kIn:
      case CmpOp::kNotIn: {
        OSP_ASSIGN_OR_RETURN(bool in, contains(right, left));
        r = in == (e.ops[i] == CmpOp::kIn);
        break;
      }
      default: {
        OSP_ASSIGN_OR_RETURN(int c, compare_values(left, right, cmp_name(e.ops[i])));
        const CmpOp op = e.ops[i];
        r = op == CmpOp::kLt ? c < 0 : op == CmpOp::kLe ? c <= 0 : op == CmpOp::kGt ? c > 0 : c >= 0;
      }
    }
    if (!r) return Value::boolean(false);
    left = std::move(right);
  }
  return Value::boolean(true);
}

Result<Value> Evaluator::eval_unary(const Expr& e, const ScopePtr& scope) {
  OSP_ASSIGN_OR_RETURN(Value v, eval(*e.a, scope));
  if (e.un_op == UnOp::kNot) return Value::boolean(!truthy(v));
  if (v.is_undefined()) return undefined_error(v);
  const bool neg = e.un_op == UnOp::kNeg;
  if (v.is_float()) return Value::number(neg ? -v.as_double() : v.as_double());
  if (v.is_int() || v.is_bool()) {
    const int64_t i = v.as_int();
    if (neg && i == INT64_MIN) return base::out_of_range("integer overflow in unary minus");
    return Value::integer(neg ? -i : i);
  }
  return base::invalid_argument(std::string("bad operand type for unary ") + (neg ? "-" : "+") +
                                ": '" + type_name(v) + "'");
}

Result<Value> Evaluator::eval_slice(const Expr& e, const ScopePtr& scope) {
  // A slice inside a tuple subscript (x[::, 1]) is a key no sequence or dict accepts.
  if (!e.a) return Value::undefined("slice objects cannot be used as a key");
  OSP_ASSIGN_OR_RETURN(Value obj, eval(*e.a, scope));
  SliceSpec spec;
  std::optional<int64_t>* parts[3] = {&spec.start, &spec.stop, &spec.step};
  for (int i = 0; i < 3; ++i) {
    if (!e.items[i]) continue;
    OSP_ASSIGN_OR_RETURN(Value v, eval(*e.items[i], scope));
    if (v.is_none()) continue;
    if (!v.is_int() && !v.is_bool())
      return base::invalid_argument("slice indices must be integers or None, got '" +
                                    std::string(type_name(v)) + "'");
    *parts[i] = v.as_int();
  }
  if (obj.is_undefined()) return undefined_error(obj);
  std::vector<int64_t> idx;
  if (obj.is_string()) {
    const std::string& s = obj.str();
    OSP_RETURN_IF_ERROR(charge(s.size()));
    const auto offs = code_point_offsets(s);
    if (!slice_indices(spec, static_cast<int64_t>(offs.size()) - 1, &idx))
      return base::invalid_argument("slice step cannot be zero");
    std::string out;
    if (spec.step.value_or(1) == 1) {
      if (!idx.empty()) out = s.substr(offs[idx.front()], offs[idx.back() + 1] - offs[idx.front()]);
    } else {
      for (int64_t i : idx) out.append(s, offs[i], offs[i + 1] - offs[i]);
    }
    return make_string(std::move(out));
  }
  if (obj.is_list() && (obj.list_kind() == ListKind::kList || obj.list_kind() == ListKind::kTuple)) {
    const auto& items = obj.items();
    if (!slice_indices(spec, static_cast<int64_t>(items.size()), &idx))
      return base::invalid_argument("slice step cannot be zero");
    List out;
    out.reserve(idx.size());
    for (int64_t i : idx) out.push_back(items[static_cast<size_t>(i)]);
    return make_list(std::move(out), obj.list_kind());
  }
  return Value::undefined(std::string("'") + type_name(obj) + "' object is not subscriptable");
}

Status Evaluator::eval_args(const Expr& e, const ScopePtr& scope, CallArgs& out) {
  for (const auto& arg : e.args) {
    OSP_ASSIGN_OR_RETURN(Value v, eval(*arg.value, scope));
    if (arg.name.empty()) {
      out.positional.push_back(std::move(v));
    } else {
      out.keyword.emplace_back(arg.name, std::move(v));
    }
  }
  if (e.star_args) {
    OSP_ASSIGN_OR_RETURN(Value v, eval(*e.star_args, scope));
    OSP_ASSIGN_OR_RETURN(List items, iterate(v));
    for (auto& it : items) out.positional.push_back(std::move(it));
  }
  if (e.star_kwargs) {
    OSP_ASSIGN_OR_RETURN(Value v, eval(*e.star_kwargs, scope));
    if (!v.is_dict())
      return base::invalid_argument("argument after ** must be a mapping, not " +
                                    std::string(type_name(v)));
    for (const auto& [k, val] : v.dict().entries()) {
      if (!k.is_string()) return base::invalid_argument("keywords must be strings");
      out.keyword.emplace_back(k.str(), val);
    }
  }
  return ok_status();
}

Result<Value> Evaluator::eval_call(const Expr& e, const ScopePtr& scope, const Value* caller) {
  const Expr& callee = *e.a;
  Value fn;
  if (callee.kind == ExprKind::kGetAttr) {
    OSP_ASSIGN_OR_RETURN(Value obj, eval(*callee.a, scope));
    if (obj.is_undefined()) return undefined_error(obj);
    const bool direct = obj.is_object() ? obj.object().has_method(callee.name)
                                        : has_method(obj, callee.name);
    if (direct) {
      CallArgs args;
      OSP_RETURN_IF_ERROR(eval_args(e, scope, args));
      if (caller) args.keyword.emplace_back("caller", *caller);
      return method(obj, callee.name, args);
    }
    if (!obj.is_object() && is_unsafe_method(obj, callee.name))
      return base::invalid_argument("access to attribute '" + callee.name + "' of '" +
                                    type_name(obj) + "' object is unsafe");
    OSP_ASSIGN_OR_RETURN(fn, get_attr(obj, callee.name));
  } else {
    OSP_ASSIGN_OR_RETURN(fn, eval(callee, scope));
  }
  CallArgs args;
  OSP_RETURN_IF_ERROR(eval_args(e, scope, args));
  if (caller) args.keyword.emplace_back("caller", *caller);
  return call_value(fn, args);
}

}  // namespace osprey::chat
