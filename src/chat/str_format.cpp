// Python str.format: {} / {0} / {name} fields with .attr and [key] lookups, !r/!s conversions
// and the format-spec mini-language (fill, align, sign, width, grouping, precision, type).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "src/chat/filters_util.h"
#include "src/chat/py_string.h"

namespace osprey::chat {

namespace {

struct Spec {
  std::string fill = " ";
  char align = 0;
  char sign = '-';
  bool alt = false;
  int64_t width = 0;
  char grouping = 0;
  int64_t precision = -1;
  char type = 0;
};

Result<Spec> parse_spec(const std::string& s) {
  Spec sp;
  size_t i = 0;
  auto is_align = [](char c) { return c == '<' || c == '>' || c == '=' || c == '^'; };
  size_t first_len = 1;
  if (!s.empty()) decode_utf8(s, 0, &first_len);
  if (s.size() > first_len && is_align(s[first_len])) {
    sp.fill = s.substr(0, first_len);
    sp.align = s[first_len];
    i = first_len + 1;
  } else if (!s.empty() && is_align(s[0])) {
    sp.align = s[0];
    i = 1;
  }
  if (i < s.size() && (s[i] == '+' || s[i] == '-' || s[i] == ' ')) sp.sign = s[i++];
  if (i < s.size() && s[i] == '#') {
    sp.alt = true;
    ++i;
  }
  if (i < s.size() && s[i] == '0') {
    if (!sp.align) {
      sp.fill = "0";
      sp.align = '=';
    }
    ++i;
  }
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    sp.width = sp.width * 10 + (s[i++] - '0');
    if (sp.width > 100000) return base::out_of_range("format width too large");
  }
  if (i < s.size() && (s[i] == ',' || s[i] == '_')) sp.grouping = s[i++];
  if (i < s.size() && s[i] == '.') {
    ++i;
    sp.precision = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      sp.precision = sp.precision * 10 + (s[i++] - '0');
      if (sp.precision > 1000) return base::out_of_range("format precision too large");
    }
  }
  if (i < s.size()) sp.type = s[i++];
  if (i != s.size()) return base::invalid_argument("Invalid format specifier '" + s + "'");
  return sp;
}

std::string group_digits(const std::string& digits, char sep) {
  std::string out;
  const size_t n = digits.size();
  for (size_t i = 0; i < n; ++i) {
    if (i && (n - i) % 3 == 0) out.push_back(sep);
    out.push_back(digits[i]);
  }
  return out;
}

std::string pad(const std::string& body, const std::string& sign, const Spec& sp, char default_align) {
  const int64_t len = static_cast<int64_t>(code_point_count(body) + sign.size());
  if (len >= sp.width) return sign + body;
  std::string fill;
  for (int64_t i = 0; i < sp.width - len; ++i) fill += sp.fill;
  const char align = sp.align ? sp.align : default_align;
  if (align == '<') return sign + body + fill;
  if (align == '=') return sign + fill + body;
  if (align == '^') {
    const size_t half = static_cast<size_t>((sp.width - len) / 2) * sp.fill.size();
    return fill.substr(0, half) + sign + body + fill.substr(half);
  }
  return fill + sign + body;
}

Result<std::string> format_number(const Value& v, const Spec& sp) {
  const char t = sp.type;
  const bool is_float_type = t == 'e' || t == 'E' || t == 'f' || t == 'F' || t == 'g' || t == 'G' || t == '%';
  std::string body;
  bool neg = false;
  if (!v.is_float() && !is_float_type) {
    int64_t n = v.as_int();
    neg = n < 0;
    const uint64_t mag = neg ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
    char buf[80];
    switch (t) {
      case 0: case 'd': case 'n':
        std::snprintf(buf, sizeof(buf), "%llu", static_cast<unsigned long long>(mag));
        break;
      case 'x': case 'X': case 'o':
        std::snprintf(buf, sizeof(buf), t == 'x' ? "%llx" : t == 'X' ? "%llX" : "%llo", static_cast<unsigned long long>(mag));
        break;
      case 'b': {
        std::string bits;
        for (uint64_t m = mag; m; m >>= 1) bits.insert(bits.begin(), static_cast<char>('0' + (m & 1)));
        std::snprintf(buf, sizeof(buf), "%s", bits.empty() ? "0" : bits.c_str());
        break;
      }
      case 'c': {
        if (neg || mag > 0x10FFFF) return base::out_of_range("%c arg not in range(0x110000)");
        std::string ch;
        append_utf8(ch, static_cast<uint32_t>(mag));
        return pad(ch, "", sp, '<');
      }
      default:
        return base::invalid_argument(std::string("Unknown format code '") + t + "' for object of type 'int'");
    }
    body = buf;
    if (sp.grouping) body = group_digits(body, sp.grouping);
    if (sp.alt && t && t != 'd' && t != 'n') body = std::string("0") + (t == 'X' ? 'X' : t) + body;
  } else {
    if (t && !is_float_type && t != 'n')
      return base::invalid_argument(std::string("Unknown format code '") + t + "' for object of type '" +
                                    type_name(v) + "'");
    double d = v.as_double();
    neg = std::signbit(d);
    d = std::fabs(d);
    const int prec = sp.precision < 0 ? 6 : static_cast<int>(sp.precision);
    std::vector<char> buf(static_cast<size_t>(prec) + 400);
    if (t == 0 && sp.precision < 0) {
      body = format_py_float(d);
    } else if (t == '%') {
      std::snprintf(buf.data(), buf.size(), "%.*f", prec, d * 100);
      body = std::string(buf.data()) + "%";
    } else {
      const char c = t == 0 || t == 'n' ? 'g' : t;
      const std::string f = std::string("%") + (sp.alt ? "#" : "") + ".*" + c;
      std::snprintf(buf.data(), buf.size(), f.c_str(), t == 0 && prec == 0 ? 1 : prec, d);
      body = buf.data();
    }
    if (sp.grouping) {
      const size_t dot = body.find_first_not_of("0123456789");
      body = group_digits(body.substr(0, dot), sp.grouping) + (dot == std::string::npos ? "" : body.substr(dot));
    }
  }
  std::string sign = neg ? "-" : sp.sign == '+' ? "+" : sp.sign == ' ' ? " " : "";
  return pad(body, sign, sp, '>');
}

Result<std::string> format_value(const Value& v, const std::string& spec_text) {
  if (spec_text.empty()) return to_str(v);
  OSP_ASSIGN_OR_RETURN(Spec sp, parse_spec(spec_text));
  if (v.is_string()) {
    if (sp.type && sp.type != 's')
      return base::invalid_argument(std::string("Unknown format code '") + sp.type + "' for object of type 'str'");
    std::string s = v.str();
    if (sp.precision >= 0) {
      const auto offs = code_point_offsets(s);
      if (static_cast<size_t>(sp.precision) + 1 < offs.size()) s.resize(offs[static_cast<size_t>(sp.precision)]);
    }
    return pad(s, "", sp, '<');
  }
  if (v.is_numeric()) return format_number(v, sp);
  return base::invalid_argument(std::string("unsupported format string passed to ") + type_name(v) + ".__format__");
}

// The value a replacement field names: "", "0", "name", then .attr / [key] lookups. Sets *end to
// the offset after the field name.
Result<Value> resolve_field(Evaluator& ev, const std::string& field, const CallArgs& a, size_t* auto_idx,
                            size_t* end) {
  size_t k = 0;
  while (k < field.size() && field[k] != '!' && field[k] != ':' && field[k] != '.' && field[k] != '[') ++k;
  const std::string first = field.substr(0, k);
  Value v;
  if (first.empty()) {
    if (*auto_idx >= a.positional.size())
      return base::invalid_argument("Replacement index " + std::to_string(*auto_idx) + " out of range");
    v = a.positional[(*auto_idx)++];
  } else if (first.find_first_not_of("0123456789") == std::string::npos) {
    const size_t idx = first.size() > 6 ? SIZE_MAX : std::stoul(first);
    if (idx >= a.positional.size()) return base::invalid_argument("Replacement index " + first + " out of range");
    v = a.positional[idx];
  } else {
    const auto it = std::find_if(a.keyword.begin(), a.keyword.end(), [&](const auto& kv) { return kv.first == first; });
    if (it == a.keyword.end()) return base::invalid_argument("KeyError: '" + first + "'");
    v = it->second;
  }
  while (k < field.size() && (field[k] == '.' || field[k] == '[')) {
    if (field[k] == '.') {
      size_t e = k + 1;
      while (e < field.size() && field[e] != '.' && field[e] != '[' && field[e] != '!' && field[e] != ':') ++e;
      OSP_ASSIGN_OR_RETURN(v, ev.get_attr(v, field.substr(k + 1, e - k - 1)));
      k = e;
    } else {
      const size_t e = field.find(']', k);
      if (e == std::string::npos) return base::invalid_argument("Missing ']' in format string");
      const std::string key = field.substr(k + 1, e - k - 1);
      Value kv = Value::string(key);
      if (!key.empty() && key.size() < 18 && key.find_first_not_of("0123456789") == std::string::npos)
        kv = Value::integer(std::stoll(key));
      OSP_ASSIGN_OR_RETURN(v, ev.get_item(v, kv));
      k = e + 1;
    }
  }
  *end = k;
  return v;
}

}  // namespace

Result<std::string> str_format(Evaluator& ev, const std::string& fmt, const CallArgs& a) {
  std::string out;
  size_t auto_idx = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    const char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
        out.push_back('}');
        ++i;
        continue;
      }
      return base::invalid_argument("Single '}' encountered in format string");
    }
    if (c != '{') {
      out.push_back(c);
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out.push_back('{');
      ++i;
      continue;
    }
    // Find the closing brace, allowing one level of nested {} in the spec.
    size_t j = i + 1;
    int nest = 0;
    bool in_bracket = false;
    for (; j < fmt.size(); ++j) {
      if (fmt[j] == '[') in_bracket = true;
      if (fmt[j] == ']') in_bracket = false;
      if (in_bracket) continue;
      if (fmt[j] == '{') ++nest;
      if (fmt[j] == '}' && nest-- == 0) break;
    }
    if (j >= fmt.size()) return base::invalid_argument("Single '{' encountered in format string");
    const std::string field = fmt.substr(i + 1, j - i - 1);
    i = j;
    size_t k = 0;
    OSP_ASSIGN_OR_RETURN(Value v, resolve_field(ev, field, a, &auto_idx, &k));
    if (v.is_undefined()) return undefined_error(v);
    if (k < field.size() && field[k] == '!') {
      if (k + 1 >= field.size()) return base::invalid_argument("end of string while looking for conversion specifier");
      const char conv = field[k + 1];
      std::string s;
      if (conv == 's') {
        append_str(s, v);
      } else if (conv == 'r' || conv == 'a') {
        append_repr(s, v);
      } else {
        return base::invalid_argument(std::string("Unknown conversion specifier ") + conv);
      }
      v = Value::string(std::move(s));
      k += 2;
    }
    std::string spec;
    if (k < field.size()) {
      if (field[k] != ':') return base::invalid_argument("expected ':' after conversion specifier");
      spec = field.substr(k + 1);
      if (spec.find('{') != std::string::npos) {
        OSP_ASSIGN_OR_RETURN(spec, str_format(ev, spec, a));
      }
    }
    OSP_ASSIGN_OR_RETURN(std::string piece, format_value(v, spec));
    out += piece;
    OSP_RETURN_IF_ERROR(ev.check_string_size(out.size()));
  }
  return out;
}

}  // namespace osprey::chat
