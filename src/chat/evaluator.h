// Template evaluator: walks the syntax tree with Jinja2 scoping (a fresh scope per loop
// iteration and macro call, namespace() for state that outlives them) and Python semantics.
#pragma once

#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/base/status.h"
#include "src/chat/ast.h"
#include "src/chat/render_limits.h"
#include "src/chat/value.h"

namespace osprey::chat {

class Scope {
 public:
  explicit Scope(std::shared_ptr<Scope> parent = nullptr) : parent_(std::move(parent)) {}
  const Value* lookup(std::string_view name) const;
  void set(std::string_view name, Value v);
  void clear() { vars_.clear(); }

 private:
  std::shared_ptr<Scope> parent_;
  std::vector<std::pair<std::string, Value>> vars_;
};
using ScopePtr = std::shared_ptr<Scope>;

class Evaluator {
 public:
  Evaluator(const RenderLimits& limits, std::optional<std::time_t> now);
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  // Renders prog with the context's variables into out.
  Status render(const Program& prog, const Dict& context, std::string& out);

  // ---- services for filters, tests, methods and globals --------------------------------------
  Result<Value> call_value(const Value& fn, CallArgs& args);
  Result<Value> apply_filter(std::string_view name, const Value& v, CallArgs& args);
  Result<bool> apply_test(std::string_view name, const Value& v, CallArgs& args);
  Result<Value> get_attr(const Value& obj, std::string_view name);
  // obj.name(args) for str/dict/list methods and object methods.
  Result<Value> method(const Value& obj, std::string_view name, CallArgs& args);
  Result<Value> get_item(const Value& obj, const Value& key);
  // A string or list the template builds: checks the size limits and charges the budget.
  Result<Value> make_string(std::string s);
  Result<Value> make_list(List items, ListKind kind = ListKind::kList);
  Result<Value> make_dict(Dict d);
  Status charge(size_t bytes);
  // Work proportional to data size (comparisons, searches, sorts), counted against max_steps.
  Status work(uint64_t units);
  Status check_string_size(size_t bytes) const;
  // Objects and scopes that may take part in reference cycles are cleared when the render ends.
  void track(std::shared_ptr<Object> obj) { objects_.push_back(std::move(obj)); }
  void track(ScopePtr scope) { scopes_.push_back(std::move(scope)); }
  // The message of raise_exception(): returned as is, without a line prefix.
  Status raise(std::string message);
  const RenderLimits& limits() const { return limits_; }
  const std::optional<std::time_t>& now() const { return now_; }
  Result<Value> invoke_macro(const MacroDef& m, const ScopePtr& closure, CallArgs& args);
  // Renders a for loop's body over items at the given depth (recursive loops call it again).
  Status run_loop(const Stmt& s, const ScopePtr& scope, List items, int depth);
  Result<std::string> capture_loop(const Stmt& s, const ScopePtr& scope, List items, int depth);

 private:
  enum class Flow { kNormal, kBreak, kContinue };

  Status step();
  Status exec_body(const Body& body, const ScopePtr& scope);
  Status exec(const Stmt& s, const ScopePtr& scope);
  Status exec_for(const Stmt& s, const ScopePtr& scope);
  Status exec_if(const Stmt& s, const ScopePtr& scope);
  Status exec_print(const Stmt& s, const ScopePtr& scope);
  Status exec_filter_block(const Stmt& s, const ScopePtr& scope);
  Status exec_with(const Stmt& s, const ScopePtr& scope);
  Status locate(const Stmt& s, const Status& st);
  Status exec_set(const Stmt& s, const ScopePtr& scope);
  Status exec_call_block(const Stmt& s, const ScopePtr& scope);
  Status assign(const Target& t, const Value& v, const ScopePtr& scope);
  Status emit(std::string_view text);
  Result<std::string> capture(const Body& body, const ScopePtr& scope);
  Result<Value> apply_filter_chain(const Expr& f, const Value& input, const ScopePtr& scope);

  Result<Value> eval(const Expr& e, const ScopePtr& scope);
  Result<Value> eval_inner(const Expr& e, const ScopePtr& scope);
  Result<Value> eval_compare(const Expr& e, const ScopePtr& scope);
  Result<Value> eval_sequence(const Expr& e, const ScopePtr& scope);
  Result<Value> eval_dict(const Expr& e, const ScopePtr& scope);
  Result<Value> eval_concat(const Expr& e, const ScopePtr& scope);
  Result<Value> eval_filter_or_test(const Expr& e, const ScopePtr& scope);
  Status depth_error() const;
  Result<Value> eval_unary(const Expr& e, const ScopePtr& scope);
  Result<Value> eval_slice(const Expr& e, const ScopePtr& scope);
  Result<Value> eval_call(const Expr& e, const ScopePtr& scope, const Value* caller);
  Status eval_args(const Expr& e, const ScopePtr& scope, CallArgs& out);
  Result<Value> lookup(const std::string& name, const ScopePtr& scope);
  Result<List> iterate(const Value& v);

  RenderLimits limits_;
  std::optional<std::time_t> now_;
  Dict globals_;
  std::string* out_ = nullptr;
  Flow flow_ = Flow::kNormal;
  uint64_t steps_ = 0;
  size_t total_bytes_ = 0;
  int depth_ = 0;
  bool error_located_ = false;  // the error already names its line (or is a raise)
  std::vector<std::shared_ptr<Object>> objects_;
  std::vector<ScopePtr> scopes_;
};

// Python's iter(): the items a for loop, list filter or `in` would see.
Result<List> iterate_value(const Value& v);

}  // namespace osprey::chat
