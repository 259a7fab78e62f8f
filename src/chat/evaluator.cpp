#include "src/chat/evaluator.h"

#include <algorithm>

#include "src/chat/builtins.h"
#include "src/chat/py_string.h"

namespace osprey::chat {

namespace {

struct DepthScope {
  explicit DepthScope(int& d) : d_(d) { ++d_; }
  ~DepthScope() { --d_; }
  int& d_;
};

// The `loop` variable of a for loop.
class LoopObject : public Object {
 public:
  LoopObject(List items, int depth, const Stmt* stmt, ScopePtr scope)
      : items_(std::move(items)), depth_(depth), stmt_(stmt), scope_(std::move(scope)) {}
  const char* type_name() const override { return "LoopContext"; }
  size_t size() const { return items_.size(); }
  const Value& item(size_t i) const { return items_[i]; }
  void set_index(size_t i) { index_ = i; }

  Value get_attr(std::string_view name) const override {
    const auto n = static_cast<int64_t>(items_.size());
    const auto i = static_cast<int64_t>(index_);
    if (name == "index") return Value::integer(i + 1);
    if (name == "index0") return Value::integer(i);
    if (name == "revindex") return Value::integer(n - i);
    if (name == "revindex0") return Value::integer(n - i - 1);
    if (name == "first") return Value::boolean(i == 0);
    if (name == "last") return Value::boolean(i == n - 1);
    if (name == "length") return Value::integer(n);
    if (name == "depth") return Value::integer(depth_ + 1);
    if (name == "depth0") return Value::integer(depth_);
    if (name == "previtem")
      return i > 0 ? items_[index_ - 1] : Value::undefined("there is no previous item");
    if (name == "nextitem")
      return i + 1 < n ? items_[index_ + 1] : Value::undefined("there is no next item");
    return Value::undefined("'LoopContext' object has no attribute '" + std::string(name) + "'");
  }

  bool has_method(std::string_view name) const override {
    return name == "cycle" || name == "changed";
  }

  Result<Value> call_method(Evaluator&, std::string_view name, CallArgs& args) override {
    if (!args.keyword.empty())
      return base::invalid_argument("loop." + std::string(name) + "() takes no keyword arguments");
    if (name == "cycle") {
      if (args.positional.empty()) return base::invalid_argument("no items for cycling given");
      return args.positional[index_ % args.positional.size()];
    }
    // changed(*values): true when the values differ from the previous call's.
    Value now = Value::list(args.positional);
    const bool changed = !has_last_ || !values_equal(now, last_changed_);
    last_changed_ = std::move(now);
    has_last_ = true;
    return Value::boolean(changed);
  }

  bool is_callable() const override { return true; }
  Result<Value> call(Evaluator& ev, CallArgs& args) override {
    if (!stmt_ || !stmt_->recursive)
      return base::invalid_argument("The loop must have the 'recursive' marker to be called recursively.");
    if (args.positional.size() != 1 || !args.keyword.empty())
      return base::invalid_argument("loop() takes exactly one iterable argument");
    OSP_ASSIGN_OR_RETURN(List items, iterate_value(args.positional[0]));
    OSP_ASSIGN_OR_RETURN(std::string text, ev.capture_loop(*stmt_, scope_, std::move(items), depth_ + 1));
    return ev.make_string(std::move(text));
  }

  void repr(std::string& out, int) const override {
    out += "<LoopContext " + std::to_string(index_ + 1) + "/" + std::to_string(items_.size()) + ">";
  }
  void clear() override {
    items_.clear();
    last_changed_ = Value();
    scope_.reset();
  }

 private:
  List items_;
  size_t index_ = 0;
  int depth_ = 0;
  const Stmt* stmt_ = nullptr;
  ScopePtr scope_;
  Value last_changed_;
  bool has_last_ = false;
};

std::string quote(std::string_view s) { return "'" + std::string(s) + "'"; }

}  // namespace

// ---- Scope -----------------------------------------------------------------------------------

const Value* Scope::lookup(std::string_view name) const {
  for (const Scope* s = this; s; s = s->parent_.get())
    for (const auto& [k, v] : s->vars_)
      if (k == name) return &v;
  return nullptr;
}

void Scope::set(std::string_view name, Value v) {
  for (auto& [k, val] : vars_) {
    if (k == name) {
      val = std::move(v);
      return;
    }
  }
  vars_.emplace_back(std::string(name), std::move(v));
}

// ---- Evaluator: setup and services ------------------------------------------------------------

Evaluator::Evaluator(const RenderLimits& limits, std::optional<std::time_t> now)
    : limits_(limits), now_(now), globals_(make_globals()) {
  limits_.max_output_bytes = std::min(limits_.max_output_bytes, kMaxStringBytes);
}

Evaluator::~Evaluator() {
  // Macros capture scopes and namespaces can hold themselves: clear them so nothing leaks.
  for (auto& s : scopes_) s->clear();
  for (auto& o : objects_) o->clear();
}

Status Evaluator::render(const Program& prog, const Dict& context, std::string& out) {
  auto root = std::make_shared<Scope>();
  for (const auto& [k, v] : context.entries())
    if (k.is_string()) root->set(k.str(), v);
  out_ = &out;
  Status st = exec_body(prog.body, root);
  out_ = nullptr;
  root->clear();
  return st;
}

Status Evaluator::step() {
  if (++steps_ > limits_.max_steps)
    return base::resource_exhausted("template evaluation exceeded " +
                                    std::to_string(limits_.max_steps) + " steps");
  return ok_status();
}

Status Evaluator::work(uint64_t units) {
  steps_ = add_weight(steps_, units / 16);
  if (steps_ > limits_.max_steps)
    return base::resource_exhausted("template evaluation exceeded " +
                                    std::to_string(limits_.max_steps) + " steps");
  return ok_status();
}

Status Evaluator::charge(size_t bytes) {
  total_bytes_ += bytes;
  if (total_bytes_ > limits_.max_total_bytes)
    return base::resource_exhausted("template built more than " +
                                    std::to_string(limits_.max_total_bytes) + " bytes of values");
  return ok_status();
}

Status Evaluator::check_string_size(size_t bytes) const {
  if (bytes > limits_.max_output_bytes)
    return base::resource_exhausted("template string of " + std::to_string(bytes) +
                                    " bytes exceeds the limit of " +
                                    std::to_string(limits_.max_output_bytes));
  return ok_status();
}

Result<Value> Evaluator::make_string(std::string s) {
  OSP_RETURN_IF_ERROR(check_string_size(s.size()));
  OSP_RETURN_IF_ERROR(charge(s.size()));
  return Value::string(std::move(s));
}

Result<Value> Evaluator::make_list(List items, ListKind kind) {
  OSP_RETURN_IF_ERROR(charge(items.size() * sizeof(Value)));
  Value v = Value::list(std::move(items), kind);
  if (v.depth() > kMaxNesting)
    return base::resource_exhausted("value nested deeper than " + std::to_string(kMaxNesting) +
                                    " levels");
  return v;
}

Result<Value> Evaluator::make_dict(Dict d) {
  OSP_RETURN_IF_ERROR(charge(d.size() * 2 * sizeof(Value)));
  if (d.depth() > kMaxNesting)
    return base::resource_exhausted("value nested deeper than " + std::to_string(kMaxNesting) +
                                    " levels");
  return Value::dict(std::move(d));
}

Status Evaluator::raise(std::string message) {
  error_located_ = true;
  return base::invalid_argument(std::move(message));
}

Result<Value> Evaluator::call_value(const Value& fn, CallArgs& args) {
  if (fn.is_callable()) return fn.callable().fn(*this, args);
  if (fn.is_object() && fn.object().is_callable()) return fn.object().call(*this, args);
  if (fn.is_undefined()) return undefined_error(fn);
  return base::invalid_argument(quote(type_name(fn)) + " object is not callable");
}

static uint64_t args_weight(const CallArgs& args) {
  uint64_t w = 0;
  for (const auto& v : args.positional) w = add_weight(w, v.weight());
  for (const auto& [k, v] : args.keyword) w = add_weight(w, v.weight());
  return w;
}

Result<Value> Evaluator::apply_filter(std::string_view name, const Value& v, CallArgs& args) {
  FilterFn f = find_filter(name);
  if (!f) return base::invalid_argument("no filter named " + quote(name));
  // replace() searches its input for `old`: up to len(input) * len(old).
  const uint64_t aw = args_weight(args);
  OSP_RETURN_IF_ERROR(work(name == "replace" ? v.weight() * std::min<uint64_t>(add_weight(aw, 1), 1u << 30)
                                             : add_weight(v.weight(), aw)));
  return f(*this, v, args);
}

Result<bool> Evaluator::apply_test(std::string_view name, const Value& v, CallArgs& args) {
  TestFn t = find_test(name);
  if (!t) return base::invalid_argument("no test named " + quote(name));
  OSP_RETURN_IF_ERROR(work(add_weight(v.weight(), args_weight(args))));
  return t(*this, v, args);
}

Result<Value> Evaluator::method(const Value& obj, std::string_view name, CallArgs& args) {
  // String searches cost up to len(self) * len(needle).
  const uint64_t aw = args_weight(args);
  const uint64_t w = obj.is_string() ? obj.weight() * std::min<uint64_t>(add_weight(aw, 1), 1u << 30)
                                     : add_weight(obj.weight(), aw);
  OSP_RETURN_IF_ERROR(work(w));
  if (obj.is_object()) return obj.object().call_method(*this, name, args);
  return call_method(*this, obj, name, args);
}

Result<List> iterate_value(const Value& v) {
  switch (v.type()) {
    case ValueType::kUndefined:
      return List{};
    case ValueType::kString: {
      List out;
      const std::string& s = v.str();
      size_t pos = 0;
      while (pos < s.size()) {
        size_t len = 1;
        decode_utf8(s, pos, &len);
        out.push_back(Value::string(s.substr(pos, len)));
        pos += len;
      }
      return out;
    }
    case ValueType::kList:
      return v.items();
    case ValueType::kDict: {
      List out;
      out.reserve(v.dict().size());
      for (const auto& [k, val] : v.dict().entries()) out.push_back(k);
      return out;
    }
    default:
      return base::invalid_argument(quote(type_name(v)) + " object is not iterable");
  }
}

Result<List> Evaluator::iterate(const Value& v) {
  size_t n = 0;
  if (v.is_string()) n = v.str().size();
  if (v.is_list()) n = v.items().size();
  if (v.is_dict()) n = v.dict().size();
  OSP_RETURN_IF_ERROR(charge(n * sizeof(Value)));
  return iterate_value(v);
}

Result<Value> Evaluator::lookup(const std::string& name, const ScopePtr& scope) {
  if (const Value* v = scope->lookup(name)) return *v;
  if (const Value* g = globals_.find(std::string_view(name))) return *g;
  return Value::undefined(quote(name) + " is undefined");
}

static Value bound_method(const Value& obj, std::string_view name) {
  auto c = std::make_shared<Callable>();
  c->name = std::string(name);
  c->fn = [obj, n = std::string(name)](Evaluator& ev, CallArgs& args) -> Result<Value> {
    return ev.method(obj, n, args);
  };
  return Value::callable(std::move(c));
}

static std::string object_desc(const Value& v) {
  if (v.is_none()) return "None";
  return quote(std::string(type_name(v)) + " object");
}

Result<Value> Evaluator::get_attr(const Value& obj, std::string_view name) {
  if (obj.is_undefined()) return undefined_error(obj);
  if (!name.empty() && name[0] == '_')
    return Value::undefined("access to attribute " + quote(name) + " of " + object_desc(obj) +
                            " is unsafe");
  if (obj.is_object()) {
    if (obj.object().has_method(name)) return bound_method(obj, name);
    return obj.object().get_attr(name);
  }
  if (has_method(obj, name)) return bound_method(obj, name);
  if (is_unsafe_method(obj, name))
    return Value::undefined("access to attribute " + quote(name) + " of " + object_desc(obj) +
                            " is unsafe");
  if (obj.is_dict())
    if (const Value* v = obj.dict().find(name)) return *v;
  return Value::undefined(object_desc(obj) + " has no attribute " + quote(name));
}

Result<Value> Evaluator::get_item(const Value& obj, const Value& key) {
  if (obj.is_undefined()) return undefined_error(obj);
  const bool int_key = key.is_int() || key.is_bool();
  if (obj.is_dict() && !key.is_list() && !key.is_dict()) {
    if (!key.is_string()) OSP_RETURN_IF_ERROR(work(obj.dict().size()));
    if (const Value* v = obj.dict().find(key)) return *v;
  } else if (obj.is_list() && int_key &&
             (obj.list_kind() == ListKind::kList || obj.list_kind() == ListKind::kTuple)) {
    const auto& items = obj.items();
    int64_t i = key.as_int();
    if (i < 0) i += static_cast<int64_t>(items.size());
    if (i >= 0 && i < static_cast<int64_t>(items.size())) return items[static_cast<size_t>(i)];
  } else if (obj.is_string() && int_key) {
    const std::string& s = obj.str();
    OSP_RETURN_IF_ERROR(charge(s.size() / 16));
    const auto offs = code_point_offsets(s);
    int64_t i = key.as_int();
    const auto n = static_cast<int64_t>(offs.size()) - 1;
    if (i < 0) i += n;
    if (i >= 0 && i < n) return make_string(s.substr(offs[i], offs[i + 1] - offs[i]));
  }
  if (key.is_string()) return get_attr(obj, key.str());
  std::string k;
  append_repr(k, key);
  return Value::undefined(object_desc(obj) + " has no element " + k);
}

// ---- statements ------------------------------------------------------------------------------

Status Evaluator::emit(std::string_view text) {
  if (out_->size() + text.size() > limits_.max_output_bytes)
    return base::resource_exhausted("rendered output exceeds " +
                                    std::to_string(limits_.max_output_bytes) + " bytes");
  OSP_RETURN_IF_ERROR(charge(text.size()));
  out_->append(text);
  return ok_status();
}

Result<std::string> Evaluator::capture(const Body& body, const ScopePtr& scope) {
  std::string buf;
  std::string* saved = out_;
  out_ = &buf;
  Status st = exec_body(body, scope);
  out_ = saved;
  if (!st.ok()) return st;
  return buf;
}

Status Evaluator::exec_body(const Body& body, const ScopePtr& scope) {
  for (const auto& s : body) {
    OSP_RETURN_IF_ERROR(exec(*s, scope));
    if (flow_ != Flow::kNormal) return ok_status();
  }
  return ok_status();
}

Status Evaluator::exec(const Stmt& s, const ScopePtr& scope) {
  OSP_RETURN_IF_ERROR(step());
  DepthScope guard(depth_);
  Status st;
  if (depth_ > limits_.max_depth) {
    st = depth_error();
  } else {
    switch (s.kind) {
      case StmtKind::kData:
        st = emit(s.text);
        break;
      case StmtKind::kPrint:
        st = exec_print(s, scope);
        break;
      case StmtKind::kIf:
        st = exec_if(s, scope);
        break;
      case StmtKind::kFor:
        st = exec_for(s, scope);
        break;
      case StmtKind::kSet:
      case StmtKind::kSetBlock:
      case StmtKind::kMacro:
        st = exec_set(s, scope);
        break;
      case StmtKind::kCallBlock:
        st = exec_call_block(s, scope);
        break;
      case StmtKind::kFilterBlock:
        st = exec_filter_block(s, scope);
        break;
      case StmtKind::kWith:
        st = exec_with(s, scope);
        break;
      case StmtKind::kBreak:
        flow_ = Flow::kBreak;
        break;
      case StmtKind::kContinue:
        flow_ = Flow::kContinue;
        break;
      case StmtKind::kBlock:
        st = exec_body(s.body, scope);
        break;
    }
  }
  if (!st.ok() && !error_located_) return locate(s, st);
  return st;
}

[[gnu::noinline, gnu::cold]] Status Evaluator::locate(const Stmt& s, const Status& st) {
  error_located_ = true;
  return Status(st.code(), "template error at line " + std::to_string(s.line) + ": " + st.message());
}

Status Evaluator::exec_if(const Stmt& s, const ScopePtr& scope) {
  for (const auto& [cond, body] : s.branches) {
    OSP_ASSIGN_OR_RETURN(Value c, eval(*cond, scope));
    if (truthy(c)) return exec_body(body, scope);
  }
  return exec_body(s.else_body, scope);
}

Status Evaluator::exec_print(const Stmt& s, const ScopePtr& scope) {
  OSP_ASSIGN_OR_RETURN(Value v, eval(*s.expr, scope));
  if (v.is_string()) return emit(v.str());
  return emit(to_str(v));
}

Status Evaluator::exec_filter_block(const Stmt& s, const ScopePtr& scope) {
  OSP_ASSIGN_OR_RETURN(std::string text, capture(s.body, scope));
  OSP_ASSIGN_OR_RETURN(Value in, make_string(std::move(text)));
  OSP_ASSIGN_OR_RETURN(Value v, apply_filter_chain(*s.filter, in, scope));
  return emit(to_str(v));
}

Status Evaluator::exec_with(const Stmt& s, const ScopePtr& scope) {
  auto child = std::make_shared<Scope>(scope);
  for (const auto& [target, expr] : s.assigns) {
    OSP_ASSIGN_OR_RETURN(Value v, eval(*expr, child));
    OSP_RETURN_IF_ERROR(assign(target, v, child));
  }
  return exec_body(s.body, child);
}

Status Evaluator::exec_for(const Stmt& s, const ScopePtr& scope) {
  OSP_ASSIGN_OR_RETURN(Value iterable, eval(*s.expr, scope));
  OSP_ASSIGN_OR_RETURN(List items, iterate(iterable));
  return run_loop(s, scope, std::move(items), 0);
}

Result<std::string> Evaluator::capture_loop(const Stmt& s, const ScopePtr& scope, List items, int depth) {
  DepthScope guard(depth_);
  if (depth_ > limits_.max_depth) return depth_error();
  std::string buf;
  std::string* saved = out_;
  out_ = &buf;
  Status st = run_loop(s, scope, std::move(items), depth);
  out_ = saved;
  if (!st.ok()) return st;
  return buf;
}

Status Evaluator::run_loop(const Stmt& s, const ScopePtr& scope, List items, int depth) {
  if (s.cond) {
    List kept;
    for (auto& item : items) {
      auto fs = std::make_shared<Scope>(scope);
      OSP_RETURN_IF_ERROR(assign(s.target, item, fs));
      OSP_ASSIGN_OR_RETURN(Value c, eval(*s.cond, fs));
      if (truthy(c)) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    if (s.else_body.empty()) return ok_status();
    return exec_body(s.else_body, std::make_shared<Scope>(scope));
  }
  auto loop = std::make_shared<LoopObject>(std::move(items), depth, &s, scope);
  if (s.recursive) track(loop);
  const Value loop_value = Value::object(loop);
  for (size_t i = 0; i < loop->size(); ++i) {
    loop->set_index(i);
    auto it_scope = std::make_shared<Scope>(scope);
    OSP_RETURN_IF_ERROR(assign(s.target, loop->item(i), it_scope));
    it_scope->set("loop", loop_value);
    OSP_RETURN_IF_ERROR(exec_body(s.body, it_scope));
    if (flow_ == Flow::kBreak) {
      flow_ = Flow::kNormal;
      break;
    }
    flow_ = Flow::kNormal;
  }
  return ok_status();
}

Status Evaluator::exec_set(const Stmt& s, const ScopePtr& scope) {
  if (s.kind == StmtKind::kMacro) {
    auto def = s.macro;
    auto c = std::make_shared<Callable>();
    c->name = def->name;
    c->is_macro = true;
    c->fn = [def, closure = scope](Evaluator& ev, CallArgs& args) {
      return ev.invoke_macro(*def, closure, args);
    };
    track(scope);
    scope->set(def->name, Value::callable(std::move(c)));
    return ok_status();
  }
  if (s.kind == StmtKind::kSet) {
    OSP_ASSIGN_OR_RETURN(Value v, eval(*s.expr, scope));
    return assign(s.target, v, scope);
  }
  OSP_ASSIGN_OR_RETURN(std::string text, capture(s.body, scope));
  OSP_ASSIGN_OR_RETURN(Value v, make_string(std::move(text)));
  if (s.filter) {
    OSP_ASSIGN_OR_RETURN(v, apply_filter_chain(*s.filter, v, scope));
  }
  return assign(s.target, v, scope);
}

Status Evaluator::assign(const Target& t, const Value& v, const ScopePtr& scope) {
  if (!t.ns_attr.empty()) {
    const Value* ns = scope->lookup(t.names[0]);
    if (!ns || !ns->is_object() || !ns->object().is_namespace())
      return base::invalid_argument("cannot assign attribute on non-namespace object " +
                                    quote(t.names[0]));
    ns->object().set_attr(t.ns_attr, v);
    return ok_status();
  }
  if (!t.is_tuple) {
    scope->set(t.names[0], v);
    return ok_status();
  }
  if (!v.is_list() && !v.is_string() && !v.is_dict())
    return base::invalid_argument("cannot unpack non-iterable " + std::string(type_name(v)) +
                                  " object");
  OSP_ASSIGN_OR_RETURN(List parts, iterate(v));
  const size_t n = t.names.size();
  if (parts.size() > n)
    return base::invalid_argument("too many values to unpack (expected " + std::to_string(n) + ")");
  if (parts.size() < n)
    return base::invalid_argument("not enough values to unpack (expected " + std::to_string(n) +
                                  ", got " + std::to_string(parts.size()) + ")");
  for (size_t i = 0; i < n; ++i) scope->set(t.names[i], parts[i]);
  return ok_status();
}

Status Evaluator::exec_call_block(const Stmt& s, const ScopePtr& scope) {
  auto def = s.macro;
  auto c = std::make_shared<Callable>();
  c->name = "caller";
  c->is_macro = true;
  c->fn = [def, closure = scope](Evaluator& ev, CallArgs& args) {
    return ev.invoke_macro(*def, closure, args);
  };
  track(scope);
  const Value caller = Value::callable(std::move(c));
  OSP_ASSIGN_OR_RETURN(Value r, eval_call(*s.expr, scope, &caller));
  return emit(to_str(r));
}

Result<Value> Evaluator::invoke_macro(const MacroDef& m, const ScopePtr& closure, CallArgs& args) {
  auto scope = std::make_shared<Scope>(closure);
  const size_t np = m.params.size();
  std::vector<bool> bound(np, false);
  List varargs;
  for (size_t i = 0; i < args.positional.size(); ++i) {
    if (i < np) {
      scope->set(m.params[i], args.positional[i]);
      bound[i] = true;
    } else if (m.uses_varargs) {
      varargs.push_back(args.positional[i]);
    } else {
      return base::invalid_argument("macro " + quote(m.name) + " takes not more than " +
                                    std::to_string(np) + " argument(s)");
    }
  }
  Dict kwargs;
  std::optional<Value> caller;
  for (auto& [name, value] : args.keyword) {
    const auto it = std::find(m.params.begin(), m.params.end(), name);
    if (it != m.params.end()) {
      const size_t idx = static_cast<size_t>(it - m.params.begin());
      if (bound[idx])
        return base::invalid_argument("macro " + quote(m.name) + " got multiple values for argument " +
                                      quote(name));
      scope->set(name, value);
      bound[idx] = true;
    } else if (name == "caller" && m.uses_caller) {
      caller = value;
    } else if (m.uses_kwargs) {
      kwargs.set(Value::string(name), value);
    } else {
      return base::invalid_argument("macro " + quote(m.name) + " takes no keyword argument " +
                                    quote(name));
    }
  }
  for (size_t i = 0; i < np; ++i) {
    if (bound[i]) continue;
    if (m.defaults[i]) {
      OSP_ASSIGN_OR_RETURN(Value d, eval(*m.defaults[i], scope));
      scope->set(m.params[i], std::move(d));
    } else {
      scope->set(m.params[i], Value::undefined("parameter " + quote(m.params[i]) + " was not provided"));
    }
  }
  if (m.uses_varargs) {
    OSP_ASSIGN_OR_RETURN(Value va, make_list(std::move(varargs), ListKind::kTuple));
    scope->set("varargs", std::move(va));
  }
  if (m.uses_kwargs) {
    OSP_ASSIGN_OR_RETURN(Value kw, make_dict(std::move(kwargs)));
    scope->set("kwargs", std::move(kw));
  }
  if (m.uses_caller) scope->set("caller", caller ? *caller : Value::undefined("no caller defined"));
  OSP_ASSIGN_OR_RETURN(std::string text, capture(m.body, scope));
  flow_ = Flow::kNormal;
  return make_string(std::move(text));
}

Result<Value> Evaluator::apply_filter_chain(const Expr& f, const Value& input, const ScopePtr& scope) {
  Value base = input;
  if (f.a) {
    OSP_ASSIGN_OR_RETURN(base, apply_filter_chain(*f.a, input, scope));
  }
  CallArgs args;
  OSP_RETURN_IF_ERROR(eval_args(f, scope, args));
  return apply_filter(f.name, base, args);
}

}  // namespace osprey::chat
