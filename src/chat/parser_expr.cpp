// Expression grammar, lowest precedence first:
//   condexpr: or ('if' or ('else' condexpr)?)*
//   or / and / not / compare (== != < <= > >= in, not in; chainable)
//   math1 (+ -) / concat (~) / math2 (* / // %) / pow (**, left-assoc as in Jinja)
//   unary (- +) primary postfix (. [] ()) then filters (|f) and tests (is t) bind tightest.
#include "src/chat/parser_impl.h"

namespace osprey::chat::detail {

Result<ExprPtr> Parser::parse_tuple(bool simplified, bool with_condexpr,
                                    std::initializer_list<const char*> extra_end,
                                    bool explicit_parens) {
  const int line = cur().line;
  std::vector<ExprPtr> items;
  bool is_tuple = false;
  while (true) {
    if (!items.empty()) OSP_RETURN_IF_ERROR(expect_op(","));
    const auto k = cur().kind;
    if (k == TokenKind::kVarEnd || k == TokenKind::kBlockEnd || is_op(")") || is_name_in(extra_end))
      break;
    ExprPtr item;
    if (simplified) {
      OSP_ASSIGN_OR_RETURN(item, parse_primary());
    } else {
      OSP_ASSIGN_OR_RETURN(item, parse_expression(with_condexpr));
    }
    items.push_back(std::move(item));
    if (is_op(",")) {
      is_tuple = true;
    } else {
      break;
    }
  }
  if (!is_tuple) {
    if (!items.empty()) return std::move(items[0]);
    if (!explicit_parens)
      return error(cur(), "expected an expression, got '" + describe(cur()) + "'");
  }
  ExprPtr t = make(ExprKind::kTuple, line);
  t->items = std::move(items);
  return finish(std::move(t));
}

Result<ExprPtr> Parser::parse_expression(bool with_condexpr) {
  DepthGuard g(depth_);
  OSP_RETURN_IF_ERROR(check_depth());
  return with_condexpr ? parse_condexpr() : parse_or();
}

Result<ExprPtr> Parser::parse_condexpr() {
  const int line = cur().line;
  OSP_ASSIGN_OR_RETURN(ExprPtr expr, parse_or());
  while (is_name("if")) {
    next();
    ExprPtr node = make(ExprKind::kCond, line);
    node->b = std::move(expr);
    OSP_ASSIGN_OR_RETURN(node->a, parse_or());
    if (is_name("else")) {
      next();
      OSP_ASSIGN_OR_RETURN(node->c, parse_condexpr());
    }
    OSP_ASSIGN_OR_RETURN(expr, finish(std::move(node)));
  }
  return expr;
}

Result<ExprPtr> Parser::parse_or() {
  const int line = cur().line;
  OSP_ASSIGN_OR_RETURN(ExprPtr left, parse_and());
  while (is_name("or")) {
    next();
    ExprPtr node = make(ExprKind::kOr, line);
    node->a = std::move(left);
    OSP_ASSIGN_OR_RETURN(node->b, parse_and());
    OSP_ASSIGN_OR_RETURN(left, finish(std::move(node)));
  }
  return left;
}

Result<ExprPtr> Parser::parse_and() {
  const int line = cur().line;
  OSP_ASSIGN_OR_RETURN(ExprPtr left, parse_not());
  while (is_name("and")) {
    next();
    ExprPtr node = make(ExprKind::kAnd, line);
    node->a = std::move(left);
    OSP_ASSIGN_OR_RETURN(node->b, parse_not());
    OSP_ASSIGN_OR_RETURN(left, finish(std::move(node)));
  }
  return left;
}

Result<ExprPtr> Parser::parse_not() {
  if (is_name("not")) {
    DepthGuard g(depth_);
    OSP_RETURN_IF_ERROR(check_depth());
    ExprPtr node = make(ExprKind::kUnary, cur().line);
    node->un_op = UnOp::kNot;
    next();
    OSP_ASSIGN_OR_RETURN(node->a, parse_not());
    return finish(std::move(node));
  }
  return parse_compare();
}

Result<ExprPtr> Parser::parse_compare() {
  const int line = cur().line;
  OSP_ASSIGN_OR_RETURN(ExprPtr first, parse_math1());
  ExprPtr node;
  while (true) {
    CmpOp op;
    if (is_op("==")) {
      op = CmpOp::kEq;
    } else if (is_op("!=")) {
      op = CmpOp::kNe;
    } else if (is_op("<")) {
      op = CmpOp::kLt;
    } else if (is_op("<=")) {
      op = CmpOp::kLe;
    } else if (is_op(">")) {
      op = CmpOp::kGt;
    } else if (is_op(">=")) {
      op = CmpOp::kGe;
    } else if (is_name("in")) {
      op = CmpOp::kIn;
    } else if (is_name("not") && peek().kind == TokenKind::kName && peek().text == "in") {
      next();
      op = CmpOp::kNotIn;
    } else {
      break;
    }
    next();
    if (!node) {
      node = make(ExprKind::kCompare, line);
      node->items.push_back(std::move(first));
    }
    node->ops.push_back(op);
    OSP_ASSIGN_OR_RETURN(ExprPtr rhs, parse_math1());
    node->items.push_back(std::move(rhs));
  }
  if (!node) return first;
  return finish(std::move(node));
}

Result<ExprPtr> Parser::parse_math1() {
  const int line = cur().line;
  OSP_ASSIGN_OR_RETURN(ExprPtr left, parse_concat());
  while (is_op("+") || is_op("-")) {
    ExprPtr node = make(ExprKind::kBinary, line);
    node->bin_op = is_op("+") ? BinOp::kAdd : BinOp::kSub;
    next();
    node->a = std::move(left);
    OSP_ASSIGN_OR_RETURN(node->b, parse_concat());
    OSP_ASSIGN_OR_RETURN(left, finish(std::move(node)));
  }
  return left;
}

Result<ExprPtr> Parser::parse_concat() {
  const int line = cur().line;
  OSP_ASSIGN_OR_RETURN(ExprPtr first, parse_math2());
  if (!is_op("~")) return first;
  ExprPtr node = make(ExprKind::kConcat, line);
  node->items.push_back(std::move(first));
  while (is_op("~")) {
    next();
    OSP_ASSIGN_OR_RETURN(ExprPtr rhs, parse_math2());
    node->items.push_back(std::move(rhs));
  }
  return finish(std::move(node));
}

Result<ExprPtr> Parser::parse_math2() {
  const int line = cur().line;
  OSP_ASSIGN_OR_RETURN(ExprPtr left, parse_pow());
  while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
    ExprPtr node = make(ExprKind::kBinary, line);
    node->bin_op = is_op("*")    ? BinOp::kMul
                   : is_op("/")  ? BinOp::kDiv
                   : is_op("//") ? BinOp::kFloorDiv
                                 : BinOp::kMod;
    next();
    node->a = std::move(left);
    OSP_ASSIGN_OR_RETURN(node->b, parse_pow());
    OSP_ASSIGN_OR_RETURN(left, finish(std::move(node)));
  }
  return left;
}

Result<ExprPtr> Parser::parse_pow() {
  const int line = cur().line;
  OSP_ASSIGN_OR_RETURN(ExprPtr left, parse_unary(true));
  while (is_op("**")) {
    next();
    ExprPtr node = make(ExprKind::kBinary, line);
    node->bin_op = BinOp::kPow;
    node->a = std::move(left);
    OSP_ASSIGN_OR_RETURN(node->b, parse_unary(true));
    OSP_ASSIGN_OR_RETURN(left, finish(std::move(node)));
  }
  return left;
}

Result<ExprPtr> Parser::parse_unary(bool with_filter) {
  DepthGuard g(depth_);
  OSP_RETURN_IF_ERROR(check_depth());
  ExprPtr node;
  if (is_op("-") || is_op("+")) {
    node = make(ExprKind::kUnary, cur().line);
    node->un_op = is_op("-") ? UnOp::kNeg : UnOp::kPos;
    next();
    OSP_ASSIGN_OR_RETURN(node->a, parse_unary(false));
    OSP_ASSIGN_OR_RETURN(node, finish(std::move(node)));
  } else {
    OSP_ASSIGN_OR_RETURN(node, parse_primary());
  }
  OSP_ASSIGN_OR_RETURN(node, parse_postfix(std::move(node)));
  if (with_filter) return parse_filter_expr(std::move(node));
  return node;
}

Result<ExprPtr> Parser::parse_primary() {
  DepthGuard g(depth_);
  OSP_RETURN_IF_ERROR(check_depth());
  const Token& t = cur();
  ExprPtr node = make(ExprKind::kLiteral, t.line);
  switch (t.kind) {
    case TokenKind::kName:
      if (t.text == "true" || t.text == "True") {
        node->value = Value::boolean(true);
      } else if (t.text == "false" || t.text == "False") {
        node->value = Value::boolean(false);
      } else if (t.text == "none" || t.text == "None") {
        node->value = Value::none();
      } else {
        node->kind = ExprKind::kName;
        node->name = t.text;
        if (!macros_.empty()) {
          if (t.text == "caller") macros_.back()->uses_caller = true;
          if (t.text == "varargs") macros_.back()->uses_varargs = true;
          if (t.text == "kwargs") macros_.back()->uses_kwargs = true;
        }
      }
      next();
      return node;
    case TokenKind::kString: {
      std::string s;
      while (cur().kind == TokenKind::kString) {  // adjacent literals concatenate
        s += cur().text;
        next();
      }
      node->value = Value::string(std::move(s));
      return node;
    }
    case TokenKind::kInt:
      node->value = Value::integer(t.int_value);
      next();
      return node;
    case TokenKind::kFloat:
      node->value = Value::number(t.float_value);
      next();
      return node;
    default:
      break;
  }
  if (is_op("(")) {
    next();
    OSP_ASSIGN_OR_RETURN(ExprPtr inner, parse_tuple(false, true, {}, true));
    OSP_RETURN_IF_ERROR(expect_op(")"));
    return inner;
  }
  if (is_op("[") || is_op("{")) {
    const bool is_dict = is_op("{");
    const char* close = is_dict ? "}" : "]";
    node->kind = is_dict ? ExprKind::kDict : ExprKind::kList;
    next();
    while (!is_op(close)) {
      if (!node->items.empty()) {
        OSP_RETURN_IF_ERROR(expect_op(","));
        if (is_op(close)) break;
      }
      OSP_ASSIGN_OR_RETURN(ExprPtr item, parse_expression(true));
      node->items.push_back(std::move(item));
      if (is_dict) {
        OSP_RETURN_IF_ERROR(expect_op(":"));
        OSP_ASSIGN_OR_RETURN(ExprPtr value, parse_expression(true));
        node->items.push_back(std::move(value));
      }
    }
    next();
    return finish(std::move(node));
  }
  return error(t, "unexpected '" + describe(t) + "'");
}

Result<ExprPtr> Parser::parse_postfix(ExprPtr node) {
  while (true) {
    if (is_op(".") || is_op("[")) {
      OSP_ASSIGN_OR_RETURN(node, parse_subscript(std::move(node)));
    } else if (is_op("(")) {
      ExprPtr call = make(ExprKind::kCall, cur().line);
      call->a = std::move(node);
      OSP_RETURN_IF_ERROR(parse_call_args(*call));
      OSP_ASSIGN_OR_RETURN(node, finish(std::move(call)));
    } else {
      return node;
    }
  }
}

Result<ExprPtr> Parser::parse_filter_expr(ExprPtr node) {
  while (true) {
    if (is_op("|")) {
      OSP_ASSIGN_OR_RETURN(node, parse_filter(std::move(node), false));
    } else if (is_name("is")) {
      OSP_ASSIGN_OR_RETURN(node, parse_test(std::move(node)));
    } else if (is_op("(")) {
      ExprPtr call = make(ExprKind::kCall, cur().line);
      call->a = std::move(node);
      OSP_RETURN_IF_ERROR(parse_call_args(*call));
      OSP_ASSIGN_OR_RETURN(node, finish(std::move(call)));
    } else {
      return node;
    }
  }
}

Result<ExprPtr> Parser::parse_subscript(ExprPtr node) {
  const int line = cur().line;
  if (is_op(".")) {
    next();
    if (cur().kind == TokenKind::kName) {
      ExprPtr e = make(ExprKind::kGetAttr, line);
      e->a = std::move(node);
      e->name = cur().text;
      next();
      return finish(std::move(e));
    }
    if (cur().kind == TokenKind::kInt) {
      ExprPtr e = make(ExprKind::kGetItem, line);
      e->a = std::move(node);
      e->b = make(ExprKind::kLiteral, line);
      e->b->value = Value::integer(cur().int_value);
      next();
      return finish(std::move(e));
    }
    return error(cur(), "expected a name or number after '.'");
  }
  next();  // [
  std::vector<ExprPtr> args;
  while (!is_op("]")) {
    if (!args.empty()) OSP_RETURN_IF_ERROR(expect_op(","));
    OSP_ASSIGN_OR_RETURN(ExprPtr arg, parse_subscribed());
    args.push_back(std::move(arg));
  }
  next();
  if (args.empty()) return error(cur(), "expected a subscript");
  ExprPtr index;
  if (args.size() == 1) {
    index = std::move(args[0]);
  } else {
    for (const auto& a : args)
      if (a->kind == ExprKind::kSlice && !a->a) return error(cur(), "a slice cannot be part of a tuple subscript");
    index = make(ExprKind::kTuple, line);
    index->items = std::move(args);
    OSP_ASSIGN_OR_RETURN(index, finish(std::move(index)));
  }
  if (index->kind == ExprKind::kSlice && !index->a) {
    index->a = std::move(node);
    return finish(std::move(index));
  }
  ExprPtr e = make(ExprKind::kGetItem, line);
  e->a = std::move(node);
  e->b = std::move(index);
  return finish(std::move(e));
}

// One subscript: an expression or a slice start:stop:step (returned as kSlice with a null a).
Result<ExprPtr> Parser::parse_subscribed() {
  const int line = cur().line;
  ExprPtr slice = make(ExprKind::kSlice, line);
  slice->items.resize(3);
  if (is_op(":")) {
    next();
  } else {
    OSP_ASSIGN_OR_RETURN(ExprPtr e, parse_expression(true));
    if (!is_op(":")) return e;
    next();
    slice->items[0] = std::move(e);
  }
  if (!is_op(":") && !is_op("]") && !is_op(",")) {
    OSP_ASSIGN_OR_RETURN(slice->items[1], parse_expression(true));
  }
  if (is_op(":")) {
    next();
    if (!is_op("]") && !is_op(",")) {
      OSP_ASSIGN_OR_RETURN(slice->items[2], parse_expression(true));
    }
  }
  return finish(std::move(slice));
}

Status Parser::parse_call_args(Expr& call) {
  OSP_RETURN_IF_ERROR(expect_op("("));
  bool need_comma = false;
  while (!is_op(")")) {
    if (need_comma) {
      OSP_RETURN_IF_ERROR(expect_op(","));
      if (is_op(")")) break;
    }
    const Token& t = cur();
    if (is_op("*") || is_op("**")) {
      const bool kw = is_op("**");
      if (call.star_kwargs || (!kw && call.star_args)) return error(t, "invalid argument syntax");
      next();
      OSP_ASSIGN_OR_RETURN(ExprPtr e, parse_expression(true));
      (kw ? call.star_kwargs : call.star_args) = std::move(e);
    } else if (t.kind == TokenKind::kName && peek().kind == TokenKind::kOp && peek().text == "=") {
      if (call.star_args || call.star_kwargs) return error(t, "invalid argument syntax");
      Arg arg;
      arg.name = t.text;
      next();
      next();
      OSP_ASSIGN_OR_RETURN(arg.value, parse_expression(true));
      call.args.push_back(std::move(arg));
    } else {
      const bool has_kw = std::any_of(call.args.begin(), call.args.end(),
                                      [](const Arg& a) { return !a.name.empty(); });
      if (call.star_args || call.star_kwargs || has_kw)
        return error(t, "positional argument follows keyword argument");
      Arg arg;
      OSP_ASSIGN_OR_RETURN(arg.value, parse_expression(true));
      call.args.push_back(std::move(arg));
    }
    need_comma = true;
  }
  next();
  return ok_status();
}

Result<ExprPtr> Parser::parse_filter(ExprPtr node, bool start_inline) {
  while (is_op("|") || start_inline) {
    if (!start_inline) next();
    start_inline = false;
    ExprPtr f = make(ExprKind::kFilter, cur().line);
    OSP_ASSIGN_OR_RETURN(f->name, expect_name());
    while (is_op(".")) {
      next();
      OSP_ASSIGN_OR_RETURN(std::string part, expect_name());
      f->name += "." + part;
    }
    f->a = std::move(node);
    if (is_op("(")) OSP_RETURN_IF_ERROR(parse_call_args(*f));
    OSP_ASSIGN_OR_RETURN(node, finish(std::move(f)));
  }
  return node;
}

Result<ExprPtr> Parser::parse_test(ExprPtr node) {
  const int line = cur().line;
  next();  // is
  ExprPtr t = make(ExprKind::kTest, line);
  if (is_name("not")) {
    next();
    t->negated = true;
  }
  OSP_ASSIGN_OR_RETURN(t->name, expect_name());
  while (is_op(".")) {
    next();
    OSP_ASSIGN_OR_RETURN(std::string part, expect_name());
    t->name += "." + part;
  }
  t->a = std::move(node);
  const auto k = cur().kind;
  if (is_op("(")) {
    OSP_RETURN_IF_ERROR(parse_call_args(*t));
  } else if ((k == TokenKind::kName || k == TokenKind::kString || k == TokenKind::kInt ||
              k == TokenKind::kFloat || is_op("[") || is_op("{")) &&
             !is_name_in({"else", "or", "and"})) {
    if (is_name("is")) return error(cur(), "you cannot chain multiple tests with is");
    OSP_ASSIGN_OR_RETURN(ExprPtr arg, parse_primary());
    OSP_ASSIGN_OR_RETURN(arg, parse_postfix(std::move(arg)));
    t->args.push_back(Arg{std::string(), std::move(arg)});
  }
  return finish(std::move(t));
}

}  // namespace osprey::chat::detail
