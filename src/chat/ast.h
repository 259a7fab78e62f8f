// Syntax tree of a parsed template. Nodes are plain tagged structs: the parser fills the fields a
// kind uses, the evaluator switches on the kind.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "src/chat/value.h"

namespace osprey::chat {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

enum class ExprKind : uint8_t {
  kLiteral,   // value
  kName,      // name
  kList,      // items
  kTuple,     // items
  kDict,      // items: key0, value0, key1, value1, ...
  kUnary,     // un_op a
  kBinary,    // a bin_op b
  kAnd,       // a and b
  kOr,        // a or b
  kConcat,    // items joined with ~
  kCompare,   // items[0] ops[0] items[1] ops[1] items[2] ...
  kCond,      // b if a else c (c may be null)
  kGetAttr,   // a.name
  kGetItem,   // a[b]
  kSlice,     // a[items[0]:items[1]:items[2]] (each may be null)
  kCall,      // a(args)
  kFilter,    // a|name(args); a is null inside {% filter %} / {% set x | f %} chains
  kTest,      // a is [not] name(args)
};

enum class UnOp : uint8_t { kNeg, kPos, kNot };
enum class BinOp : uint8_t { kAdd, kSub, kMul, kDiv, kFloorDiv, kMod, kPow };
enum class CmpOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn };

struct Arg {
  std::string name;  // empty for a positional argument
  ExprPtr value;
};

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  int line = 0;
  int height = 1;  // longest path to a leaf, bounded by the parser
  Value value;
  std::string name;
  ExprPtr a, b, c;
  std::vector<ExprPtr> items;
  std::vector<CmpOp> ops;
  std::vector<Arg> args;
  ExprPtr star_args, star_kwargs;  // *args / **kwargs in a call
  UnOp un_op = UnOp::kNot;
  BinOp bin_op = BinOp::kAdd;
  bool negated = false;  // `is not`
};

// Assignment target: a name, a tuple of names, or namespace.attr.
struct Target {
  std::vector<std::string> names;
  bool is_tuple = false;
  std::string ns_attr;  // non-empty: names[0].ns_attr
};

struct MacroDef {
  std::string name;
  std::vector<std::string> params;
  std::vector<ExprPtr> defaults;  // one per param, null when none
  Body body;
  bool uses_caller = false;
  bool uses_varargs = false;
  bool uses_kwargs = false;
};

enum class StmtKind : uint8_t {
  kData,         // text
  kPrint,        // {{ expr }}
  kIf,           // branches, else_body
  kFor,          // target in expr [if cond]: body else else_body
  kSet,          // target = expr
  kSetBlock,     // {% set target | filter %}body{% endset %}
  kMacro,        // macro
  kCallBlock,    // {% call(macro->params) expr %}macro->body{% endcall %}
  kFilterBlock,  // {% filter expr %}body{% endfilter %}
  kWith,         // assigns, body
  kBreak,
  kContinue,
  kBlock,        // body rendered in place ({% generation %})
};

struct Stmt {
  StmtKind kind = StmtKind::kData;
  int line = 0;
  std::string text;
  ExprPtr expr;
  ExprPtr cond;
  ExprPtr filter;  // kSetBlock / kFilterBlock chain; its innermost operand is null
  std::vector<std::pair<ExprPtr, Body>> branches;
  Body body;
  Body else_body;
  Target target;
  std::shared_ptr<MacroDef> macro;
  std::vector<std::pair<Target, ExprPtr>> assigns;
  bool recursive = false;  // kFor: `loop(items)` renders the body again one level deeper
};

struct Program {
  Body body;
};

}  // namespace osprey::chat
