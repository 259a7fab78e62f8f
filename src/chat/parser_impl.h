// Internal: the recursive-descent parser shared by parser.cpp (statements) and
// parser_expr.cpp (expressions).
#pragma once

#include <algorithm>
#include <initializer_list>
#include <string>
#include <vector>

#include "src/chat/ast.h"
#include "src/chat/lexer.h"
#include "src/chat/parser.h"

namespace osprey::chat::detail {

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  Result<std::shared_ptr<const Program>> run() {
    auto prog = std::make_shared<Program>();
    OSP_ASSIGN_OR_RETURN(prog->body, parse_body({}));
    if (cur().kind != TokenKind::kEof) return error(cur(), "unexpected '" + describe(cur()) + "'");
    return std::shared_ptr<const Program>(std::move(prog));
  }

 private:
  // ---- token helpers -----------------------------------------------------------------------
  const Token& cur() const { return t_[i_]; }
  const Token& peek() const { return t_[std::min(i_ + 1, t_.size() - 1)]; }
  void next() {
    if (i_ + 1 < t_.size()) ++i_;
  }
  bool is_op(const char* op) const { return cur().kind == TokenKind::kOp && cur().text == op; }
  bool is_name(const char* n) const { return cur().kind == TokenKind::kName && cur().text == n; }
  bool is_name_in(std::initializer_list<const char*> names) const {
    for (const char* n : names)
      if (is_name(n)) return true;
    return false;
  }

  static std::string describe(const Token& t) {
    switch (t.kind) {
      case TokenKind::kEof:
        return "end of template";
      case TokenKind::kBlockEnd:
        return "end of statement block";
      case TokenKind::kVarEnd:
        return "end of print statement";
      case TokenKind::kBlockBegin:
        return "begin of statement block";
      case TokenKind::kVarBegin:
        return "begin of print statement";
      case TokenKind::kData:
        return "template data";
      default:
        return t.text;
    }
  }

  Status error(const Token& t, const std::string& msg) const {
    return base::invalid_argument("template syntax error at line " + std::to_string(t.line) +
                                  ", column " + std::to_string(t.col) + ": " + msg);
  }

  Status expect_op(const char* op) {
    if (!is_op(op))
      return error(cur(), std::string("expected '") + op + "', got '" + describe(cur()) + "'");
    next();
    return ok_status();
  }
  Status expect_kind(TokenKind k, const char* what) {
    if (cur().kind != k) return error(cur(), std::string("expected ") + what + ", got '" + describe(cur()) + "'");
    next();
    return ok_status();
  }
  Status expect_block_end() { return expect_kind(TokenKind::kBlockEnd, "end of statement block"); }
  Result<std::string> expect_name() {
    if (cur().kind != TokenKind::kName) return error(cur(), "expected a name, got '" + describe(cur()) + "'");
    std::string n = cur().text;
    next();
    return n;
  }

  // Depth guard for recursive descent.
  struct DepthGuard {
    explicit DepthGuard(int& d) : d_(d) { ++d_; }
    ~DepthGuard() { --d_; }
    int& d_;
  };
  Status check_depth() const {
    if (depth_ > kMaxParseDepth)
      return error(cur(), "template nested deeper than " + std::to_string(kMaxParseDepth) + " levels");
    return ok_status();
  }

  ExprPtr make(ExprKind kind, int line) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = line;
    return e;
  }
  // Sets the height of a freshly built compound node and checks the bound.
  Result<ExprPtr> finish(ExprPtr e) {
    int h = 0;
    auto take = [&](const ExprPtr& c) {
      if (c) h = std::max(h, c->height);
    };
    take(e->a);
    take(e->b);
    take(e->c);
    take(e->star_args);
    take(e->star_kwargs);
    for (const auto& it : e->items) take(it);
    for (const auto& arg : e->args) take(arg.value);
    e->height = h + 1;
    if (e->height > kMaxExprHeight)
      return base::invalid_argument("template syntax error at line " + std::to_string(e->line) +
                                    ": expression nested deeper than " +
                                    std::to_string(kMaxExprHeight) + " levels");
    return e;
  }

  // ---- statements --------------------------------------------------------------------------
  Result<Body> parse_body(std::initializer_list<const char*> end_names);
  Result<StmtPtr> parse_statement();
  Result<StmtPtr> parse_if();
  Result<StmtPtr> parse_for();
  Result<StmtPtr> parse_set();
  Result<StmtPtr> parse_macro();
  Result<StmtPtr> parse_call_block();
  Result<StmtPtr> parse_filter_block();
  Result<StmtPtr> parse_with();
  Result<Body> parse_until(std::initializer_list<const char*> end_names);
  Status parse_signature(MacroDef& m);
  Result<Target> parse_assign_target(std::initializer_list<const char*> extra_end, bool name_only,
                                     bool with_namespace);

  // ---- expressions -------------------------------------------------------------------------
  Result<ExprPtr> parse_tuple(bool simplified, bool with_condexpr,
                              std::initializer_list<const char*> extra_end, bool explicit_parens);
  Result<ExprPtr> parse_expression(bool with_condexpr = true);
  Result<ExprPtr> parse_condexpr();
  Result<ExprPtr> parse_or();
  Result<ExprPtr> parse_and();
  Result<ExprPtr> parse_not();
  Result<ExprPtr> parse_compare();
  Result<ExprPtr> parse_math1();
  Result<ExprPtr> parse_concat();
  Result<ExprPtr> parse_math2();
  Result<ExprPtr> parse_pow();
  Result<ExprPtr> parse_unary(bool with_filter);
  Result<ExprPtr> parse_primary();
  Result<ExprPtr> parse_postfix(ExprPtr node);
  Result<ExprPtr> parse_filter_expr(ExprPtr node);
  Result<ExprPtr> parse_subscript(ExprPtr node);
  Result<ExprPtr> parse_subscribed();
  Status parse_call_args(Expr& call);
  Result<ExprPtr> parse_filter(ExprPtr node, bool start_inline);
  Result<ExprPtr> parse_test(ExprPtr node);

  std::vector<Token> t_;
  size_t i_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
  std::vector<MacroDef*> macros_;  // macros being parsed, innermost last
};

}  // namespace osprey::chat::detail
