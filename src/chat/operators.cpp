// Python arithmetic, membership and %-formatting on template values; argument binding helpers.
#include <cmath>
#include <cstdio>

#include "src/chat/builtins.h"
#include "src/chat/py_string.h"

namespace osprey::chat {

namespace {

Status unsupported(const char* op, const Value& a, const Value& b) {
  return base::invalid_argument(std::string("unsupported operand type(s) for ") + op + ": '" +
                                type_name(a) + "' and '" + type_name(b) + "'");
}

Status overflow() { return base::out_of_range("integer overflow (Python would use a big integer)"); }

bool is_seq(const Value& v) {
  return v.is_list() && (v.list_kind() == ListKind::kList || v.list_kind() == ListKind::kTuple);
}
bool is_intlike(const Value& v) { return v.is_int() || v.is_bool(); }

// Python float divmod.
void float_divmod(double vx, double wx, double* floordiv, double* mod) {
  double m = std::fmod(vx, wx);
  double div = (vx - m) / wx;
  if (m != 0.0) {
    if ((wx < 0) != (m < 0)) {
      m += wx;
      div -= 1.0;
    }
  } else {
    m = std::copysign(0.0, wx);
  }
  double fd;
  if (div != 0.0) {
    fd = std::floor(div);
    if (div - fd > 0.5) fd += 1.0;
  } else {
    fd = std::copysign(0.0, vx / wx);
  }
  *floordiv = fd;
  *mod = m;
}

Result<Value> repeat(Evaluator& ev, const Value& seq, int64_t n) {
  if (n < 0) n = 0;
  if (seq.is_string() ? seq.str().empty() : seq.items().empty()) n = std::min<int64_t>(n, 1);
  if (seq.is_string()) {
    const std::string& s = seq.str();
    if (!s.empty() && static_cast<uint64_t>(n) > ev.limits().max_output_bytes / s.size())
      return ev.check_string_size(ev.limits().max_output_bytes + 1);
    std::string out;
    out.reserve(s.size() * static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) out += s;
    return ev.make_string(std::move(out));
  }
  const auto& items = seq.items();
  const uint64_t max_items = ev.limits().max_total_bytes / sizeof(Value);
  if (!items.empty() && static_cast<uint64_t>(n) > max_items / items.size())
    return base::resource_exhausted("list repetition too large");
  List out;
  OSP_RETURN_IF_ERROR(ev.charge(items.size() * static_cast<size_t>(n) * sizeof(Value)));
  out.reserve(items.size() * static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), items.begin(), items.end());
  return ev.make_list(std::move(out), seq.list_kind());
}

Result<Value> int_pow(int64_t base, int64_t exp) {
  int64_t result = 1;
  while (exp > 0) {
    if (exp & 1)
      if (__builtin_mul_overflow(result, base, &result)) return overflow();
    exp >>= 1;
    if (exp && __builtin_mul_overflow(base, base, &base)) return overflow();
  }
  return Value::integer(result);
}


Result<Value> add_op(Evaluator& ev, const Value& a, const Value& b) {
  if (a.is_numeric() && b.is_numeric()) {
    if (a.is_float() || b.is_float()) return Value::number(a.as_double() + b.as_double());
    int64_t r;
    if (__builtin_add_overflow(a.as_int(), b.as_int(), &r)) return overflow();
    return Value::integer(r);
  }
  if (a.is_string() && b.is_string()) {
    OSP_RETURN_IF_ERROR(ev.check_string_size(a.str().size() + b.str().size()));
    return ev.make_string(a.str() + b.str());
  }
  if (is_seq(a) && is_seq(b) && a.list_kind() == b.list_kind()) {
    List out = a.items();
    out.insert(out.end(), b.items().begin(), b.items().end());
    return ev.make_list(std::move(out), a.list_kind());
  }
  if (a.is_string() || is_seq(a)) {
    const char* t = type_name(a);
    return base::invalid_argument(std::string("can only concatenate ") + t + " (not \"" +
                                  type_name(b) + "\") to " + t);
  }
  return unsupported("+", a, b);
}

Result<Value> sub_mul_op(Evaluator& ev, BinOp op, const Value& a, const Value& b) {
  const bool mul = op == BinOp::kMul;
  if (a.is_numeric() && b.is_numeric()) {
    if (a.is_float() || b.is_float())
      return Value::number(mul ? a.as_double() * b.as_double() : a.as_double() - b.as_double());
    int64_t r;
    const bool bad = mul ? __builtin_mul_overflow(a.as_int(), b.as_int(), &r)
                         : __builtin_sub_overflow(a.as_int(), b.as_int(), &r);
    if (bad) return overflow();
    return Value::integer(r);
  }
  if (mul && (a.is_string() || is_seq(a)) && is_intlike(b)) return repeat(ev, a, b.as_int());
  if (mul && (b.is_string() || is_seq(b)) && is_intlike(a)) return repeat(ev, b, a.as_int());
  return unsupported(mul ? "*" : "-", a, b);
}

// "fmt" % args: a tuple gives the arguments, a dict the named ones, anything else one argument.
Result<Value> string_percent(Evaluator& ev, const Value& a, const Value& b) {
  List args;
  if (is_seq(b) && b.list_kind() == ListKind::kTuple) {
    args = b.items();
  } else if (!b.is_dict()) {
    args.push_back(b);
  }
  const bool mapping_like = b.is_dict() || (b.is_list() && b.list_kind() != ListKind::kTuple);
  OSP_ASSIGN_OR_RETURN(std::string s,
                       percent_format(a.str(), args, b.is_dict() ? &b.dict() : nullptr, mapping_like));
  return ev.make_string(std::move(s));
}

Result<Value> div_mod_op(Evaluator& ev, BinOp op, const Value& a, const Value& b) {
  if (op == BinOp::kMod && a.is_string()) return string_percent(ev, a, b);
  const char* name = op == BinOp::kDiv ? "/" : op == BinOp::kFloorDiv ? "//" : "%";
  if (!a.is_numeric() || !b.is_numeric()) return unsupported(name, a, b);
  if (op == BinOp::kDiv) {
    if (b.as_double() == 0.0) return base::invalid_argument("division by zero");
    return Value::number(a.as_double() / b.as_double());
  }
  const bool is_div = op == BinOp::kFloorDiv;
  if (a.is_float() || b.is_float()) {
    if (b.as_double() == 0.0) return base::invalid_argument("float division by zero");
    double fd, m;
    float_divmod(a.as_double(), b.as_double(), &fd, &m);
    return Value::number(is_div ? fd : m);
  }
  const int64_t x = a.as_int(), y = b.as_int();
  if (y == 0) return base::invalid_argument("integer division or modulo by zero");
  if (x == INT64_MIN && y == -1) {
    if (is_div) return overflow();
    return Value::integer(0);
  }
  int64_t q = x / y, r = x % y;
  if (r != 0 && ((r < 0) != (y < 0))) {
    r += y;
    q -= 1;
  }
  return Value::integer(is_div ? q : r);
}

Result<Value> pow_op(const Value& a, const Value& b) {
  if (!a.is_numeric() || !b.is_numeric()) return unsupported("** or pow()", a, b);
  if (!a.is_float() && !b.is_float() && b.as_int() >= 0) return int_pow(a.as_int(), b.as_int());
  const double x = a.as_double(), y = b.as_double();
  if (x == 0.0 && y < 0) return base::invalid_argument("0.0 cannot be raised to a negative power");
  if (x < 0 && y != std::floor(y))
    return base::unimplemented("a negative number raised to a fractional power is complex");
  return Value::number(std::pow(x, y));
}

}  // namespace

Status undefined_error(const Value& v) {
  return base::invalid_argument(v.str().empty() ? std::string("value is undefined") : v.str());
}

Result<Value> binary_op(Evaluator& ev, BinOp op, const Value& a, const Value& b) {
  if (a.is_undefined()) return undefined_error(a);
  if (b.is_undefined()) return undefined_error(b);
  switch (op) {
    case BinOp::kAdd:
      return add_op(ev, a, b);
    case BinOp::kSub:
    case BinOp::kMul:
      return sub_mul_op(ev, op, a, b);
    case BinOp::kDiv:
    case BinOp::kFloorDiv:
    case BinOp::kMod:
      return div_mod_op(ev, op, a, b);
    case BinOp::kPow:
      return pow_op(a, b);
  }
  return base::internal_error("unknown binary operator");
}

Result<bool> contains(const Value& container, const Value& item) {
  switch (container.type()) {
    case ValueType::kUndefined:
      return false;
    case ValueType::kString:
      if (!item.is_string())
        return base::invalid_argument(std::string("'in <string>' requires string as left operand, not ") +
                                      type_name(item));
      return container.str().find(item.str()) != std::string::npos;
    case ValueType::kList:
      for (const auto& v : container.items())
        if (values_equal(v, item)) return true;
      return false;
    case ValueType::kDict:
      if ((item.is_list() && item.list_kind() != ListKind::kTuple) || item.is_dict())
        return base::invalid_argument(std::string("unhashable type: '") + type_name(item) + "'");
      return container.dict().find(item) != nullptr;
    default:
      return base::invalid_argument(std::string("argument of type '") + type_name(container) +
                                    "' is not iterable");
  }
}

// ---- %-formatting ----------------------------------------------------------------------------

namespace {

struct PercentSpec {
  std::string flags;  // "%" + flags + width + precision, ready for snprintf
  bool left = false;
  int width = 0;
  int prec = -1;
};

// One %-conversion of v appended to out.
Status percent_one(char conv, const PercentSpec& sp, const Value& v, std::string& out) {
  auto fmt_to = [&](const std::string& f, auto x) {
    const int n = std::snprintf(nullptr, 0, f.c_str(), x);
    std::vector<char> buf(static_cast<size_t>(std::max(n, 0)) + 1, 0);
    std::snprintf(buf.data(), buf.size(), f.c_str(), x);
    out.append(buf.data(), static_cast<size_t>(std::max(n, 0)));
  };
  switch (conv) {
    case 's': case 'r': case 'a': {
      std::string s;
      if (conv == 's') {
        append_str(s, v);
      } else {
        append_repr(s, v);
      }
      const auto offs = code_point_offsets(s);
      if (sp.prec >= 0 && static_cast<size_t>(sp.prec) + 1 < offs.size()) s.resize(offs[sp.prec]);
      const int64_t len = static_cast<int64_t>(code_point_count(s));
      const std::string fill(sp.width > len ? static_cast<size_t>(sp.width - len) : 0, ' ');
      out += sp.left ? s + fill : fill + s;
      return ok_status();
    }
    case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': case 'c': {
      if (!v.is_numeric())
        return base::invalid_argument(std::string("%") + conv + " format: a real number is required, not " +
                                      type_name(v));
      if (v.is_float() && !(std::fabs(v.as_double()) < 9.2e18))
        return base::out_of_range("%" + std::string(1, conv) + " format: " + format_py_float(v.as_double()) +
                                  " does not fit a 64-bit integer");
      const long long n = v.is_float() ? static_cast<long long>(v.as_double()) : v.as_int();
      if (conv == 'c') {
        if (n < 0 || n > 0x10FFFF) return base::out_of_range("%c arg not in range(0x110000)");
        append_utf8(out, static_cast<uint32_t>(n));
      } else {
        fmt_to(sp.flags + "ll" + (conv == 'i' || conv == 'u' ? 'd' : conv), n);
      }
      return ok_status();
    }
    case 'f': case 'F': case 'e': case 'E': case 'g': case 'G':
      if (!v.is_numeric()) return base::invalid_argument(std::string("must be real number, not ") + type_name(v));
      fmt_to(sp.flags + conv, v.as_double());
      return ok_status();
    default:
      return base::invalid_argument(std::string("unsupported format character '") + conv + "'");
  }
}

}  // namespace

Result<std::string> percent_format(const std::string& fmt, const List& args, const Dict* kwargs,
                                   bool allow_unused) {
  std::string out;
  size_t next_arg = 0;
  auto take = [&](const std::string& key) -> Result<Value> {
    if (!key.empty()) {
      if (!kwargs) return base::invalid_argument("format requires a mapping");
      const Value* v = kwargs->find(std::string_view(key));
      if (!v) return base::invalid_argument("format key '" + key + "' not found");
      return *v;
    }
    if (kwargs && args.empty()) return Value::dict(*kwargs);
    if (next_arg >= args.size()) return base::invalid_argument("not enough arguments for format string");
    return args[next_arg++];
  };
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out.push_back(fmt[i]);
      continue;
    }
    if (++i >= fmt.size()) return base::invalid_argument("incomplete format");
    std::string key;
    if (fmt[i] == '(') {
      const size_t close = fmt.find(')', i);
      if (close == std::string::npos) return base::invalid_argument("incomplete format key");
      key = fmt.substr(i + 1, close - i - 1);
      i = close + 1;
    }
    PercentSpec sp;
    sp.flags = "%";
    while (i < fmt.size() && std::string_view("-+ #0").find(fmt[i]) != std::string_view::npos) {
      sp.left = sp.left || fmt[i] == '-';
      sp.flags.push_back(fmt[i++]);
    }
    auto read_num = [&]() -> Result<int> {
      if (i < fmt.size() && fmt[i] == '*') {
        ++i;
        OSP_ASSIGN_OR_RETURN(Value w, take(""));
        if (!w.is_int()) return base::invalid_argument("* wants int");
        if (w.as_int() > 100000 || w.as_int() < -100000) return base::out_of_range("width too large");
        return static_cast<int>(w.as_int());
      }
      int n = 0;
      while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') {
        n = n * 10 + (fmt[i++] - '0');
        if (n > 100000) return base::out_of_range("format width too large");
      }
      return n;
    };
    OSP_ASSIGN_OR_RETURN(sp.width, read_num());
    if (sp.width < 0) {
      sp.left = true;
      sp.width = -sp.width;
    }
    if (sp.width) sp.flags += std::to_string(sp.width);
    if (i < fmt.size() && fmt[i] == '.') {
      ++i;
      OSP_ASSIGN_OR_RETURN(sp.prec, read_num());
      sp.flags += "." + std::to_string(sp.prec);
    }
    if (i >= fmt.size()) return base::invalid_argument("incomplete format");
    if (fmt[i] == '%') {
      out.push_back('%');
      continue;
    }
    OSP_ASSIGN_OR_RETURN(Value v, take(key));
    OSP_RETURN_IF_ERROR(percent_one(fmt[i], sp, v, out));
    if (out.size() > kMaxStringBytes)
      return base::resource_exhausted("%-format result exceeds " + std::to_string(kMaxStringBytes) + " bytes");
  }
  if (!kwargs && !allow_unused && next_arg < args.size())
    return base::invalid_argument("not all arguments converted during string formatting");
  return out;
}

// ---- argument binding --------------------------------------------------------------------------

Result<std::vector<std::optional<Value>>> bind_args(std::string_view fn, const CallArgs& args,
                                                    std::initializer_list<std::string_view> params) {
  std::vector<std::optional<Value>> out(params.size());
  if (args.positional.size() > params.size())
    return base::invalid_argument(std::string(fn) + "() takes at most " + std::to_string(params.size()) +
                                  " arguments (" + std::to_string(args.positional.size()) + " given)");
  for (size_t i = 0; i < args.positional.size(); ++i) out[i] = args.positional[i];
  for (const auto& [name, value] : args.keyword) {
    size_t idx = 0;
    for (auto p : params) {
      if (p == name) break;
      ++idx;
    }
    if (idx == params.size())
      return base::invalid_argument(std::string(fn) + "() got an unexpected keyword argument '" + name + "'");
    if (out[idx])
      return base::invalid_argument(std::string(fn) + "() got multiple values for argument '" + name + "'");
    out[idx] = value;
  }
  return out;
}

Result<int64_t> arg_int(std::string_view fn, const std::optional<Value>& v, int64_t dflt) {
  if (!v || v->is_undefined()) return dflt;
  if (v->is_int() || v->is_bool()) return v->as_int();
  return base::invalid_argument(std::string(fn) + "(): expected an integer, got '" + type_name(*v) + "'");
}

Result<std::optional<std::string>> arg_opt_string(std::string_view fn, const std::optional<Value>& v) {
  if (!v || v->is_undefined() || v->is_none()) return std::optional<std::string>();
  if (v->is_string()) return std::optional<std::string>(v->str());
  return base::invalid_argument(std::string(fn) + "(): expected a string, got '" + type_name(*v) + "'");
}

bool arg_bool(const std::optional<Value>& v, bool dflt) {
  if (!v || v->is_undefined()) return dflt;
  return truthy(*v);
}

}  // namespace osprey::chat
