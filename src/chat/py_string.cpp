#include "src/chat/py_string.h"

#include <utf8proc.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace osprey::chat {

uint32_t decode_utf8(std::string_view s, size_t pos, size_t* len) {
  const auto b0 = static_cast<unsigned char>(s[pos]);
  *len = 1;
  if (b0 < 0x80) return b0;
  int n = 0;
  uint32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4;
    cp = b0 & 0x07;
  } else {
    return 0xDC00 + b0;
  }
  if (pos + n > s.size()) return 0xDC00 + b0;
  for (int i = 1; i < n; ++i) {
    const auto b = static_cast<unsigned char>(s[pos + i]);
    if ((b & 0xC0) != 0x80) return 0xDC00 + b0;
    cp = (cp << 6) | (b & 0x3F);
  }
  // Overlong forms, surrogates and values above U+10FFFF are invalid.
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
      cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0xDC00 + b0;
  *len = n;
  return cp;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp >= 0xDC80 && cp <= 0xDCFF) {  // an escaped invalid byte: restore it
    out.push_back(static_cast<char>(cp - 0xDC00));
  } else if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::vector<size_t> code_point_offsets(std::string_view s) {
  std::vector<size_t> offs;
  offs.reserve(s.size() + 1);
  size_t pos = 0;
  while (pos < s.size()) {
    offs.push_back(pos);
    size_t len = 1;
    decode_utf8(s, pos, &len);
    pos += len;
  }
  offs.push_back(s.size());
  return offs;
}

size_t code_point_count(std::string_view s) {
  size_t n = 0, pos = 0;
  while (pos < s.size()) {
    size_t len = 1;
    decode_utf8(s, pos, &len);
    pos += len;
    ++n;
  }
  return n;
}

bool py_isspace(uint32_t cp) {
  if (cp < 0x80) return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20);
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

static utf8proc_category_t category(uint32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xDC80 && cp <= 0xDCFF)) return UTF8PROC_CATEGORY_CS;
  return utf8proc_category(static_cast<utf8proc_int32_t>(cp));
}

bool py_is_printable(uint32_t cp) {
  if (cp == ' ') return true;
  switch (category(cp)) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_CN:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_ZS:
      return false;
    default:
      return true;
  }
}

bool py_is_alpha(uint32_t cp) {
  const auto c = category(cp);
  return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LL || c == UTF8PROC_CATEGORY_LT ||
         c == UTF8PROC_CATEGORY_LM || c == UTF8PROC_CATEGORY_LO;
}
bool py_is_decimal(uint32_t cp) { return category(cp) == UTF8PROC_CATEGORY_ND; }
bool py_is_digit(uint32_t cp) {
  // Nd plus the superscript/circled digits that Python counts as digits.
  return py_is_decimal(cp) || cp == 0xB2 || cp == 0xB3 || cp == 0xB9 ||
         (cp >= 0x2070 && cp <= 0x2079 && cp != 0x2071 && cp != 0x2072 && cp != 0x2073) ||
         (cp >= 0x2080 && cp <= 0x2089) || (cp >= 0x2460 && cp <= 0x2468);
}
bool py_is_numeric(uint32_t cp) {
  const auto c = category(cp);
  return c == UTF8PROC_CATEGORY_ND || c == UTF8PROC_CATEGORY_NL || c == UTF8PROC_CATEGORY_NO ||
         py_is_digit(cp);
}
bool py_is_cased_upper(uint32_t cp) {
  const auto c = category(cp);
  return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LT;
}
bool py_is_cased_lower(uint32_t cp) { return category(cp) == UTF8PROC_CATEGORY_LL; }
bool py_is_cased(uint32_t cp) { return py_is_cased_upper(cp) || py_is_cased_lower(cp); }

uint32_t py_to_upper(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') ? cp - 32 : cp;
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return cp;
  return static_cast<uint32_t>(utf8proc_toupper(static_cast<utf8proc_int32_t>(cp)));
}
uint32_t py_to_lower(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return cp;
  return static_cast<uint32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp)));
}
uint32_t py_to_title(uint32_t cp) {
  if (cp < 0x80) return py_to_upper(cp);
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return cp;
  return static_cast<uint32_t>(utf8proc_totitle(static_cast<utf8proc_int32_t>(cp)));
}

bool py_all_of(std::string_view s, bool (*pred)(uint32_t)) {
  if (s.empty()) return false;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t len = 1;
    const uint32_t cp = decode_utf8(s, pos, &len);
    if (!pred(cp)) return false;
    pos += len;
  }
  return true;
}

template <typename F>
static std::string map_code_points(std::string_view s, F&& f) {
  std::string out;
  out.reserve(s.size());
  size_t pos = 0;
  while (pos < s.size()) {
    size_t len = 1;
    const uint32_t cp = decode_utf8(s, pos, &len);
    append_utf8(out, f(cp));
    pos += len;
  }
  return out;
}

std::string py_upper(std::string_view s) {
  // German sharp s is the one common full mapping that differs from the simple one.
  std::string out;
  out.reserve(s.size());
  size_t pos = 0;
  while (pos < s.size()) {
    size_t len = 1;
    const uint32_t cp = decode_utf8(s, pos, &len);
    if (cp == 0xDF) {
      out += "SS";
    } else {
      append_utf8(out, py_to_upper(cp));
    }
    pos += len;
  }
  return out;
}
std::string py_lower(std::string_view s) { return map_code_points(s, py_to_lower); }
std::string py_swapcase(std::string_view s) {
  return map_code_points(s, [](uint32_t cp) {
    if (py_is_cased_upper(cp)) return py_to_lower(cp);
    if (py_is_cased_lower(cp)) return py_to_upper(cp);
    return cp;
  });
}

std::string py_title(std::string_view s) {
  bool prev_cased = false;
  return map_code_points(s, [&](uint32_t cp) {
    const uint32_t r = prev_cased ? py_to_lower(cp) : py_to_title(cp);
    prev_cased = py_is_cased(r);
    return r;
  });
}

std::string py_capitalize(std::string_view s) {
  bool first = true;
  return map_code_points(s, [&](uint32_t cp) {
    const uint32_t r = first ? py_to_title(cp) : py_to_lower(cp);
    first = false;
    return r;
  });
}

std::string jinja_title(std::string_view s) {
  auto is_sep = [](uint32_t cp) {
    return cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<' || py_isspace(cp);
  };
  std::string out;
  out.reserve(s.size());
  bool at_token_start = true;
  bool prev_sep = false;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t len = 1;
    const uint32_t cp = decode_utf8(s, pos, &len);
    const bool sep = is_sep(cp);
    if (pos == 0 || sep != prev_sep) at_token_start = true;
    append_utf8(out, at_token_start ? py_to_upper(cp) : py_to_lower(cp));
    at_token_start = false;
    prev_sep = sep;
    pos += len;
  }
  return out;
}

std::string py_strip(std::string_view s, const std::optional<std::string>& chars, bool left,
                     bool right) {
  std::vector<uint32_t> set;
  if (chars) {
    size_t p = 0;
    while (p < chars->size()) {
      size_t len = 1;
      set.push_back(decode_utf8(*chars, p, &len));
      p += len;
    }
  }
  auto strip_it = [&](uint32_t cp) {
    return chars ? std::find(set.begin(), set.end(), cp) != set.end() : py_isspace(cp);
  };
  const auto offs = code_point_offsets(s);
  size_t b = 0, e = offs.size() - 1;  // code point range [b, e)
  auto cp_at = [&](size_t i) {
    size_t len = 1;
    return decode_utf8(s, offs[i], &len);
  };
  if (left)
    while (b < e && strip_it(cp_at(b))) ++b;
  if (right)
    while (e > b && strip_it(cp_at(e - 1))) --e;
  return std::string(s.substr(offs[b], offs[e] - offs[b]));
}

// Whitespace run splitting (sep=None).
static std::vector<std::string> split_whitespace(std::string_view s, int64_t maxsplit) {
  std::vector<std::string> out;
  const auto offs = code_point_offsets(s);
  const size_t n = offs.size() - 1;
  auto space_at = [&](size_t i) {
    size_t len = 1;
    return py_isspace(decode_utf8(s, offs[i], &len));
  };
  size_t i = 0;
  while (i < n) {
    while (i < n && space_at(i)) ++i;
    if (i == n) break;
    if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) {
      out.emplace_back(s.substr(offs[i]));  // the remainder keeps its trailing whitespace
      return out;
    }
    size_t j = i;
    while (j < n && !space_at(j)) ++j;
    out.emplace_back(s.substr(offs[i], offs[j] - offs[i]));
    i = j;
  }
  return out;
}

std::vector<std::string> py_split(std::string_view s, const std::optional<std::string>& sep,
                                  int64_t maxsplit) {
  if (!sep) return split_whitespace(s, maxsplit);
  std::vector<std::string> out;
  size_t pos = 0;
  while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
    const size_t f = s.find(*sep, pos);
    if (f == std::string_view::npos) break;
    out.emplace_back(s.substr(pos, f - pos));
    pos = f + sep->size();
  }
  out.emplace_back(s.substr(pos));
  return out;
}

std::vector<std::string> py_rsplit(std::string_view s, const std::optional<std::string>& sep,
                                   int64_t maxsplit) {
  if (maxsplit < 0) return py_split(s, sep, maxsplit);
  std::vector<std::string> out;
  if (!sep) {
    const auto offs = code_point_offsets(s);
    auto space_at = [&](size_t i) {
      size_t len = 1;
      return py_isspace(decode_utf8(s, offs[i], &len));
    };
    size_t e = offs.size() - 1;
    while (true) {
      while (e > 0 && space_at(e - 1)) --e;
      if (e == 0) break;
      if (static_cast<int64_t>(out.size()) == maxsplit) {
        out.emplace_back(s.substr(0, offs[e]));  // the remainder keeps its leading whitespace
        break;
      }
      size_t b = e;
      while (b > 0 && !space_at(b - 1)) --b;
      out.emplace_back(s.substr(offs[b], offs[e] - offs[b]));
      e = b;
    }
    std::reverse(out.begin(), out.end());
    return out;
  }
  size_t end = s.size();
  while (static_cast<int64_t>(out.size()) < maxsplit) {
    if (end < sep->size()) break;
    const size_t f = s.rfind(*sep, end - sep->size());
    if (f == std::string_view::npos) break;
    out.emplace_back(s.substr(f + sep->size(), end - f - sep->size()));
    end = f;
  }
  out.emplace_back(s.substr(0, end));
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<std::string> py_splitlines(std::string_view s, bool keepends) {
  std::vector<std::string> out;
  size_t pos = 0, line_start = 0;
  while (pos < s.size()) {
    size_t len = 1;
    const uint32_t cp = decode_utf8(s, pos, &len);
    const bool brk = cp == '\n' || cp == '\r' || cp == 0x0B || cp == 0x0C || cp == 0x1C ||
                     cp == 0x1D || cp == 0x1E || cp == 0x85 || cp == 0x2028 || cp == 0x2029;
    if (!brk) {
      pos += len;
      continue;
    }
    size_t eol = pos + len;
    if (cp == '\r' && eol < s.size() && s[eol] == '\n') ++eol;
    out.emplace_back(s.substr(line_start, (keepends ? eol : pos) - line_start));
    pos = line_start = eol;
  }
  if (line_start < s.size()) out.emplace_back(s.substr(line_start));
  return out;
}

std::string py_replace(std::string_view s, std::string_view old, std::string_view repl,
                       int64_t count) {
  std::string out;
  if (old.empty()) {
    const auto offs = code_point_offsets(s);
    int64_t done = 0;
    for (size_t i = 0; i + 1 < offs.size(); ++i) {
      if (count < 0 || done < count) {
        out += repl;
        ++done;
      }
      out += s.substr(offs[i], offs[i + 1] - offs[i]);
    }
    if (count < 0 || done < count) out += repl;
    return out;
  }
  size_t pos = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    const size_t f = s.find(old, pos);
    if (f == std::string_view::npos) break;
    out += s.substr(pos, f - pos);
    out += repl;
    pos = f + old.size();
    ++done;
  }
  out += s.substr(pos);
  return out;
}

int64_t py_find(std::string_view s, std::string_view sub, std::optional<int64_t> start,
                std::optional<int64_t> end, bool reverse) {
  const auto offs = code_point_offsets(s);
  const int64_t n = static_cast<int64_t>(offs.size()) - 1;
  auto clamp = [n](int64_t v) {
    if (v < 0) v += n;
    return std::clamp<int64_t>(v, 0, n);
  };
  int64_t b = start ? clamp(*start) : 0;
  int64_t e = end ? clamp(*end) : n;
  if (start && *start > n) return -1;
  if (b > e) return -1;
  const std::string_view hay = s.substr(offs[b], offs[e] - offs[b]);
  const size_t f = reverse ? hay.rfind(sub) : hay.find(sub);
  if (f == std::string_view::npos) return -1;
  const size_t byte = offs[b] + f;
  return static_cast<int64_t>(std::lower_bound(offs.begin(), offs.end(), byte) - offs.begin());
}

int64_t py_count(std::string_view s, std::string_view sub) {
  if (sub.empty()) return static_cast<int64_t>(code_point_count(s)) + 1;
  int64_t n = 0;
  size_t pos = 0;
  while ((pos = s.find(sub, pos)) != std::string_view::npos) {
    ++n;
    pos += sub.size();
  }
  return n;
}

std::string py_center(std::string_view s, int64_t width, std::string_view fill) {
  const int64_t len = static_cast<int64_t>(code_point_count(s));
  if (width <= len) return std::string(s);
  const int64_t marg = width - len;
  const int64_t left = marg / 2 + (marg & width & 1);
  std::string out;
  for (int64_t i = 0; i < left; ++i) out += fill;
  out += s;
  for (int64_t i = 0; i < marg - left; ++i) out += fill;
  return out;
}

void append_py_repr(std::string& out, std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  out.push_back(quote);
  size_t pos = 0;
  char buf[16];
  while (pos < s.size()) {
    size_t len = 1;
    const uint32_t cp = decode_utf8(s, pos, &len);
    if (cp == static_cast<uint32_t>(quote) || cp == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(cp));
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp < 0x20 || cp == 0x7F) {
      std::snprintf(buf, sizeof(buf), "\\x%02x", cp);
      out += buf;
    } else if (cp < 0x80 || py_is_printable(cp)) {
      out.append(s.substr(pos, len));
    } else if (cp < 0x100) {
      std::snprintf(buf, sizeof(buf), "\\x%02x", cp);
      out += buf;
    } else if (cp < 0x10000) {
      std::snprintf(buf, sizeof(buf), "\\u%04x", cp);
      out += buf;
    } else {
      std::snprintf(buf, sizeof(buf), "\\U%08x", cp);
      out += buf;
    }
    pos += len;
  }
  out.push_back(quote);
}

std::string format_py_float(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  std::string out;
  size_t i = 0;
  if (sci[0] == '-') {
    out.push_back('-');
    i = 1;
  }
  const size_t epos = sci.find('e');
  std::string digits;
  for (size_t k = i; k < epos; ++k)
    if (sci[k] != '.') digits.push_back(sci[k]);
  const int exp10 = std::atoi(sci.c_str() + epos + 1);
  const int decpt = exp10 + 1;
  if (decpt <= -4 || decpt > 16) {
    out.push_back(digits[0]);
    if (digits.size() > 1) {
      out.push_back('.');
      out.append(digits, 1, std::string::npos);
    }
    std::snprintf(buf, sizeof(buf), "e%c%02d", exp10 < 0 ? '-' : '+', std::abs(exp10));
    out += buf;
  } else if (decpt <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-decpt), '0');
    out += digits;
  } else if (static_cast<size_t>(decpt) >= digits.size()) {
    out += digits;
    out.append(decpt - digits.size(), '0');
    out += ".0";
  } else {
    out.append(digits, 0, decpt);
    out.push_back('.');
    out.append(digits, decpt, std::string::npos);
  }
  return out;
}

bool slice_indices(const SliceSpec& spec, int64_t n, std::vector<int64_t>* out) {
  const int64_t step = spec.step.value_or(1);
  if (step == 0) return false;
  const int64_t lower = step > 0 ? 0 : -1;
  const int64_t upper = step > 0 ? n : n - 1;
  auto resolve = [&](const std::optional<int64_t>& v, int64_t dflt) {
    if (!v) return dflt;
    int64_t x = *v;
    if (x < 0) {
      x = x < -n ? lower : x + n;
      if (x < lower) x = lower;
    } else if (x > upper) {
      x = upper;
    }
    return x;
  };
  const int64_t start = resolve(spec.start, step > 0 ? lower : upper);
  const int64_t stop = resolve(spec.stop, step > 0 ? upper : lower);
  out->clear();
  if (step > 0) {
    for (int64_t i = start; i < stop; i += step) {
      out->push_back(i);
      if (stop - i <= step) break;
    }
  } else {
    for (int64_t i = start; i > stop; i += step) {
      out->push_back(i);
      if (static_cast<__int128>(i) - stop <= -static_cast<__int128>(step)) break;
    }
  }
  return true;
}

}  // namespace osprey::chat
