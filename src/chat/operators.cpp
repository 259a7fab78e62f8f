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

}  // namespace

Status undefined_error(const Value& v) {
  return base::invalid_argument(v.str().empty() ? std::string("value is undefined") : v.str());
}

Result<Value> binary_op(Evaluator& ev, BinOp op, const Value& a, const Value& b) {
  if (a.is_undefined()) return undefined_error(a);
  if (b.is_undefined()) return undefined_error(b);
  const bool num = a.is_numeric() && b.is_numeric();
  const bool flt = num && (a.is_float() || b.is_float());
  switch (op) {
    case BinOp::kAdd: {
      if (flt) return Value::number(a.as_double() + b.as_double());
      if (num) {
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
    case BinOp::kSub: {
      if (flt) return Value::number(a.as_double() - b.as_double());
      if (num) {
        int64_t r;
        if (__builtin_sub_overflow(a.as_int(), b.as_int(), &r)) return overflow();
        return Value::integer(r);
      }
      return unsupported("-", a, b);
    }
    case BinOp::kMul: {
      if (flt) return Value::number(a.as_double() * b.as_double());
      if (num) {
        int64_t r;
        if (__builtin_mul_overflow(a.as_int(), b.as_int(), &r)) return overflow();
        return Value::integer(r);
      }
      if ((a.is_string() || is_seq(a)) && is_intlike(b)) return repeat(ev, a, b.as_int());
      if ((b.is_string() || is_seq(b)) && is_intlike(a)) return repeat(ev, b, a.as_int());
      return unsupported("*", a, b);
    }
    case BinOp::kDiv: {
      if (!num) return unsupported("/", a, b);
      if (b.as_double() == 0.0) return base::invalid_argument("division by zero");
      return Value::number(a.as_double() / b.as_double());
    }
    case BinOp::kFloorDiv:
    case BinOp::kMod: {
      const bool is_div = op == BinOp::kFloorDiv;
      if (op == BinOp::kMod && a.is_string()) {
        Dict kw;
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
      if (!num) return unsupported(is_div ? "//" : "%", a, b);
      if (flt) {
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
    case BinOp::kPow: {
      if (!num) return unsupported("** or pow()", a, b);
      if (!flt && b.as_int() >= 0) return int_pow(a.as_int(), b.as_int());
      const double x = a.as_double(), y = b.as_double();
      if (x == 0.0 && y < 0) return base::invalid_argument("0.0 cannot be raised to a negative power");
      if (x < 0 && y != std::floor(y))
        return base::unimplemented("a negative number raised to a fractional power is complex");
      return Value::number(std::pow(x, y));
    }
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
    std::string spec = "%";
    bool left = false;
    while (i < fmt.size() && std::string_view("-+ #0").find(fmt[i]) != std::string_view::npos) {
      left = left || fmt[i] == '-';
      spec.push_back(fmt[i++]);
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
    OSP_ASSIGN_OR_RETURN(int width, read_num());
    if (width < 0) {
      left = true;
      width = -width;
    }
    if (width) spec += std::to_string(width);
    int prec = -1;
    if (i < fmt.size() && fmt[i] == '.') {
      ++i;
      OSP_ASSIGN_OR_RETURN(prec, read_num());
      spec += "." + std::to_string(prec);
    }
    if (i >= fmt.size()) return base::invalid_argument("incomplete format");
    const char conv = fmt[i];
    if (conv == '%') {
      out.push_back('%');
      continue;
    }
    OSP_ASSIGN_OR_RETURN(Value v, take(key));
    std::vector<char> buf;
    auto fmt_to = [&](const std::string& s, auto... x) {
      const int n = std::snprintf(nullptr, 0, s.c_str(), x...);
      buf.assign(static_cast<size_t>(std::max(n, 0)) + 1, 0);
      std::snprintf(buf.data(), buf.size(), s.c_str(), x...);
      out.append(buf.data(), static_cast<size_t>(std::max(n, 0)));
    };
    switch (conv) {
      case 's':
      case 'r':
      case 'a': {
        std::string s;
        if (conv == 's') {
          append_str(s, v);
        } else {
          append_repr(s, v);
        }
        const auto offs = code_point_offsets(s);
        if (prec >= 0 && static_cast<size_t>(prec) + 1 < offs.size()) s.resize(offs[prec]);
        const int64_t len = static_cast<int64_t>(code_point_count(s));
        const std::string fill(width > len ? static_cast<size_t>(width - len) : 0, ' ');
        out += left ? s + fill : fill + s;
        break;
      }
      case 'd':
      case 'i':
      case 'u':
      case 'x':
      case 'X':
      case 'o':
      case 'c': {
        if (!v.is_numeric())
          return base::invalid_argument(std::string("%") + conv + " format: a real number is required, not " +
                                        type_name(v));
        const long long n = v.is_float() ? static_cast<long long>(v.as_double()) : v.as_int();
        if (conv == 'c') {
          if (n < 0 || n > 0x10FFFF) return base::out_of_range("%c arg not in range(0x110000)");
          std::string ch;
          append_utf8(ch, static_cast<uint32_t>(n));
          out += ch;
        } else {
          const char c = conv == 'i' || conv == 'u' ? 'd' : conv;
          fmt_to(spec + "ll" + c, n);
        }
        break;
      }
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G':
        if (!v.is_numeric())
          return base::invalid_argument(std::string("must be real number, not ") + type_name(v));
        fmt_to(spec + conv, v.as_double());
        break;
      default:
        return base::invalid_argument(std::string("unsupported format character '") + conv + "'");
    }
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
