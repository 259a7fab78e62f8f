#include "src/chat/parser.h"

#include "src/chat/builtins.h"
#include "src/chat/parser_impl.h"

namespace osprey::chat {
namespace detail {

// ---- statements ----------------------------------------------------------------------------

Result<Body> Parser::parse_body(std::initializer_list<const char*> end_names) {
  DepthGuard g(depth_);
  OSP_RETURN_IF_ERROR(check_depth());
  Body body;
  while (true) {
    const Token& t = cur();
    if (t.kind == TokenKind::kData) {
      auto s = std::make_unique<Stmt>();
      s->kind = StmtKind::kData;
      s->line = t.line;
      s->text = t.text;
      body.push_back(std::move(s));
      next();
    } else if (t.kind == TokenKind::kVarBegin) {
      next();
      auto s = std::make_unique<Stmt>();
      s->kind = StmtKind::kPrint;
      s->line = t.line;
      OSP_ASSIGN_OR_RETURN(s->expr, parse_tuple(false, true, {}, false));
      OSP_RETURN_IF_ERROR(expect_kind(TokenKind::kVarEnd, "'}}'"));
      body.push_back(std::move(s));
    } else if (t.kind == TokenKind::kBlockBegin) {
      next();
      for (const char* n : end_names)
        if (is_name(n)) return body;
      OSP_ASSIGN_OR_RETURN(StmtPtr s, parse_statement());
      body.push_back(std::move(s));
    } else if (t.kind == TokenKind::kEof) {
      if (end_names.size() == 0) return body;
      std::string want;
      for (const char* n : end_names) want += (want.empty() ? "'" : " or '") + std::string(n) + "'";
      return error(t, "unexpected end of template; looking for " + want);
    } else {
      return error(t, "unexpected '" + describe(t) + "'");
    }
  }
}

Result<Body> Parser::parse_until(std::initializer_list<const char*> end_names) {
  OSP_ASSIGN_OR_RETURN(Body body, parse_body(end_names));
  next();  // the end tag name
  OSP_RETURN_IF_ERROR(expect_block_end());
  return body;
}

Result<StmtPtr> Parser::parse_statement() {
  const Token& t = cur();
  if (t.kind != TokenKind::kName) return error(t, "tag name expected");
  const std::string& n = t.text;
  if (n == "if") return parse_if();
  if (n == "for") return parse_for();
  if (n == "set") return parse_set();
  if (n == "macro") return parse_macro();
  if (n == "call") return parse_call_block();
  if (n == "filter") return parse_filter_block();
  if (n == "with") return parse_with();
  auto s = std::make_unique<Stmt>();
  s->line = t.line;
  if (n == "break" || n == "continue") {
    if (loop_depth_ == 0) return error(t, "'" + n + "' outside of a loop");
    s->kind = n == "break" ? StmtKind::kBreak : StmtKind::kContinue;
    next();
    OSP_RETURN_IF_ERROR(expect_block_end());
    return s;
  }
  if (n == "print") {
    next();
    s->kind = StmtKind::kPrint;
    OSP_ASSIGN_OR_RETURN(s->expr, parse_tuple(false, true, {}, false));
    OSP_RETURN_IF_ERROR(expect_block_end());
    return s;
  }
  if (n == "generation") {  // transformers' assistant-mask marker: renders its body in place
    next();
    OSP_RETURN_IF_ERROR(expect_block_end());
    s->kind = StmtKind::kBlock;
    OSP_ASSIGN_OR_RETURN(s->body, parse_until({"endgeneration"}));
    return s;
  }
  return error(t, "encountered unknown tag '" + n + "'");
}

Result<StmtPtr> Parser::parse_if() {
  auto s = std::make_unique<Stmt>();
  s->kind = StmtKind::kIf;
  s->line = cur().line;
  next();
  while (true) {
    OSP_ASSIGN_OR_RETURN(ExprPtr cond, parse_tuple(false, false, {}, false));
    OSP_RETURN_IF_ERROR(expect_block_end());
    OSP_ASSIGN_OR_RETURN(Body body, parse_body({"elif", "else", "endif"}));
    s->branches.emplace_back(std::move(cond), std::move(body));
    if (is_name("elif")) {
      next();
      continue;
    }
    if (is_name("else")) {
      next();
      OSP_RETURN_IF_ERROR(expect_block_end());
      OSP_ASSIGN_OR_RETURN(s->else_body, parse_until({"endif"}));
      return s;
    }
    next();  // endif
    OSP_RETURN_IF_ERROR(expect_block_end());
    return s;
  }
}

Result<StmtPtr> Parser::parse_for() {
  auto s = std::make_unique<Stmt>();
  s->kind = StmtKind::kFor;
  s->line = cur().line;
  next();
  OSP_ASSIGN_OR_RETURN(s->target, parse_assign_target({"in"}, false, false));
  if (!is_name("in")) return error(cur(), "expected 'in', got '" + describe(cur()) + "'");
  next();
  OSP_ASSIGN_OR_RETURN(s->expr, parse_tuple(false, false, {"recursive"}, false));
  if (is_name("if")) {
    next();
    OSP_ASSIGN_OR_RETURN(s->cond, parse_expression(true));
  }
  if (is_name("recursive")) {
    s->recursive = true;
    next();
  }
  OSP_RETURN_IF_ERROR(expect_block_end());
  ++loop_depth_;
  auto body = parse_body({"endfor", "else"});
  --loop_depth_;
  if (!body.ok()) return body.status();
  s->body = std::move(body).value();
  if (is_name("else")) {
    next();
    OSP_RETURN_IF_ERROR(expect_block_end());
    OSP_ASSIGN_OR_RETURN(s->else_body, parse_until({"endfor"}));
    return s;
  }
  next();
  OSP_RETURN_IF_ERROR(expect_block_end());
  return s;
}

Result<Target> Parser::parse_assign_target(std::initializer_list<const char*> extra_end,
                                           bool name_only, bool with_namespace) {
  Target target;
  const Token& start = cur();
  if (with_namespace && cur().kind == TokenKind::kName && peek().kind == TokenKind::kOp &&
      peek().text == ".") {
    target.names.push_back(cur().text);
    next();
    next();
    OSP_ASSIGN_OR_RETURN(target.ns_attr, expect_name());
    return target;
  }
  if (name_only) {
    OSP_ASSIGN_OR_RETURN(std::string n, expect_name());
    target.names.push_back(std::move(n));
    return target;
  }
  OSP_ASSIGN_OR_RETURN(ExprPtr e, parse_tuple(true, false, extra_end, false));
  if (e->kind == ExprKind::kName) {
    target.names.push_back(e->name);
    return target;
  }
  if (e->kind == ExprKind::kTuple) {
    target.is_tuple = true;
    for (const auto& it : e->items) {
      if (it->kind != ExprKind::kName) return error(start, "can only assign to names");
      target.names.push_back(it->name);
    }
    return target;
  }
  return error(start, "can't assign to this expression");
}

Result<StmtPtr> Parser::parse_set() {
  auto s = std::make_unique<Stmt>();
  s->line = cur().line;
  next();
  OSP_ASSIGN_OR_RETURN(s->target, parse_assign_target({}, false, true));
  if (is_op("=")) {
    next();
    s->kind = StmtKind::kSet;
    OSP_ASSIGN_OR_RETURN(s->expr, parse_tuple(false, true, {}, false));
    OSP_RETURN_IF_ERROR(expect_block_end());
    return s;
  }
  s->kind = StmtKind::kSetBlock;
  if (is_op("|")) {
    OSP_ASSIGN_OR_RETURN(s->filter, parse_filter(nullptr, false));
  }
  OSP_RETURN_IF_ERROR(expect_block_end());
  OSP_ASSIGN_OR_RETURN(s->body, parse_until({"endset"}));
  return s;
}

Status Parser::parse_signature(MacroDef& m) {
  OSP_RETURN_IF_ERROR(expect_op("("));
  bool any_default = false;
  while (!is_op(")")) {
    if (!m.params.empty()) OSP_RETURN_IF_ERROR(expect_op(","));
    OSP_ASSIGN_OR_RETURN(std::string name, expect_name());
    ExprPtr dflt;
    if (is_op("=")) {
      next();
      OSP_ASSIGN_OR_RETURN(dflt, parse_expression(true));
      any_default = true;
    } else if (any_default) {
      return error(cur(), "non-default argument follows default argument");
    }
    m.params.push_back(std::move(name));
    m.defaults.push_back(std::move(dflt));
  }
  next();
  return ok_status();
}

Result<StmtPtr> Parser::parse_macro() {
  auto s = std::make_unique<Stmt>();
  s->kind = StmtKind::kMacro;
  s->line = cur().line;
  next();
  s->macro = std::make_shared<MacroDef>();
  OSP_ASSIGN_OR_RETURN(s->macro->name, expect_name());
  OSP_RETURN_IF_ERROR(parse_signature(*s->macro));
  OSP_RETURN_IF_ERROR(expect_block_end());
  macros_.push_back(s->macro.get());
  const int saved_loops = loop_depth_;
  loop_depth_ = 0;
  auto body = parse_until({"endmacro"});
  loop_depth_ = saved_loops;
  macros_.pop_back();
  if (!body.ok()) return body.status();
  s->macro->body = std::move(body).value();
  return s;
}

Result<StmtPtr> Parser::parse_call_block() {
  auto s = std::make_unique<Stmt>();
  s->kind = StmtKind::kCallBlock;
  s->line = cur().line;
  next();
  s->macro = std::make_shared<MacroDef>();
  s->macro->name = "caller";
  if (is_op("(")) OSP_RETURN_IF_ERROR(parse_signature(*s->macro));
  OSP_ASSIGN_OR_RETURN(s->expr, parse_expression(true));
  if (s->expr->kind != ExprKind::kCall) return error(cur(), "expected a call after 'call'");
  OSP_RETURN_IF_ERROR(expect_block_end());
  macros_.push_back(s->macro.get());
  const int saved_loops = loop_depth_;
  loop_depth_ = 0;
  auto body = parse_until({"endcall"});
  loop_depth_ = saved_loops;
  macros_.pop_back();
  if (!body.ok()) return body.status();
  s->macro->body = std::move(body).value();
  return s;
}

Result<StmtPtr> Parser::parse_filter_block() {
  auto s = std::make_unique<Stmt>();
  s->kind = StmtKind::kFilterBlock;
  s->line = cur().line;
  next();
  OSP_ASSIGN_OR_RETURN(s->filter, parse_filter(nullptr, true));
  OSP_RETURN_IF_ERROR(expect_block_end());
  OSP_ASSIGN_OR_RETURN(s->body, parse_until({"endfilter"}));
  return s;
}

Result<StmtPtr> Parser::parse_with() {
  auto s = std::make_unique<Stmt>();
  s->kind = StmtKind::kWith;
  s->line = cur().line;
  next();
  while (cur().kind != TokenKind::kBlockEnd) {
    if (!s->assigns.empty()) OSP_RETURN_IF_ERROR(expect_op(","));
    OSP_ASSIGN_OR_RETURN(Target target, parse_assign_target({}, false, false));
    OSP_RETURN_IF_ERROR(expect_op("="));
    OSP_ASSIGN_OR_RETURN(ExprPtr value, parse_expression(true));
    s->assigns.emplace_back(std::move(target), std::move(value));
  }
  next();
  OSP_ASSIGN_OR_RETURN(s->body, parse_until({"endwith"}));
  return s;
}

// Jinja refuses unknown filters and tests when it compiles a template, except inside if
// statements and conditional expressions (soft frames), where the error waits for the call.
// Loops, macros, call/filter/set/with blocks open non-soft frames again.
Status check_expr(const Expr* e, bool soft);

Status check_body(const Body& body, bool soft);

Status check_expr(const Expr* e, bool soft) {
  if (!e) return ok_status();
  if (e->kind == ExprKind::kCond) soft = true;
  if (!soft && e->kind == ExprKind::kFilter && !find_filter(e->name))
    return base::invalid_argument("template syntax error at line " + std::to_string(e->line) +
                                  ": no filter named '" + e->name + "'");
  if (!soft && e->kind == ExprKind::kTest && !find_test(e->name))
    return base::invalid_argument("template syntax error at line " + std::to_string(e->line) +
                                  ": no test named '" + e->name + "'");
  for (const Expr* c : {e->a.get(), e->b.get(), e->c.get(), e->star_args.get(), e->star_kwargs.get()})
    OSP_RETURN_IF_ERROR(check_expr(c, soft));
  for (const auto& it : e->items) OSP_RETURN_IF_ERROR(check_expr(it.get(), soft));
  for (const auto& arg : e->args) OSP_RETURN_IF_ERROR(check_expr(arg.value.get(), soft));
  return ok_status();
}

Status check_stmt(const Stmt& s, bool soft) {
  switch (s.kind) {
    case StmtKind::kIf:
      for (const auto& [cond, body] : s.branches) {
        OSP_RETURN_IF_ERROR(check_expr(cond.get(), true));
        OSP_RETURN_IF_ERROR(check_body(body, true));
      }
      return check_body(s.else_body, true);
    case StmtKind::kFor:
      OSP_RETURN_IF_ERROR(check_expr(s.expr.get(), soft));
      OSP_RETURN_IF_ERROR(check_expr(s.cond.get(), false));
      OSP_RETURN_IF_ERROR(check_body(s.body, false));
      return check_body(s.else_body, false);
    case StmtKind::kMacro:
    case StmtKind::kCallBlock:
      for (const auto& d : s.macro->defaults) OSP_RETURN_IF_ERROR(check_expr(d.get(), false));
      OSP_RETURN_IF_ERROR(check_expr(s.expr.get(), soft));
      return check_body(s.macro->body, false);
    case StmtKind::kWith:
      for (const auto& [target, value] : s.assigns) OSP_RETURN_IF_ERROR(check_expr(value.get(), soft));
      return check_body(s.body, false);
    case StmtKind::kSetBlock:
    case StmtKind::kFilterBlock:
      OSP_RETURN_IF_ERROR(check_expr(s.filter.get(), false));
      return check_body(s.body, false);
    case StmtKind::kBlock:
      return check_body(s.body, soft);
    default:
      return check_expr(s.expr.get(), soft);
  }
}

Status check_body(const Body& body, bool soft) {
  for (const auto& s : body) OSP_RETURN_IF_ERROR(check_stmt(*s, soft));
  return ok_status();
}

}  // namespace detail

Result<std::shared_ptr<const Program>> parse_template(std::string_view source) {
  OSP_ASSIGN_OR_RETURN(std::vector<Token> tokens, tokenize(source));
  detail::Parser parser(std::move(tokens));
  OSP_ASSIGN_OR_RETURN(std::shared_ptr<const Program> prog, parser.run());
  OSP_RETURN_IF_ERROR(detail::check_body(prog->body, false));
  return prog;
}

}  // namespace osprey::chat
