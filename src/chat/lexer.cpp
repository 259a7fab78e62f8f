#include "src/chat/lexer.h"

#include <algorithm>
#include <cstdlib>

#include "src/chat/py_string.h"

namespace osprey::chat {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

class Lexer {
 public:
  explicit Lexer(std::string src) : src_(std::move(src)) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < src_.size(); ++i)
      if (src_[i] == '\n') line_starts_.push_back(i + 1);
  }

  Result<std::vector<Token>> run() {
    size_t pos = 0;
    bool line_starting = true;
    const size_t n = src_.size();
    while (pos < n) {
      const size_t tag = find_tag(pos);
      if (tag == std::string::npos) {
        emit_data(pos, src_.substr(pos));
        break;
      }
      const char kind = src_[tag + 1];
      size_t p = tag + 2;
      char sign = 0;
      if (p < n && (src_[p] == '-' || src_[p] == '+')) sign = src_[p++];
      std::string text = src_.substr(pos, tag - pos);
      size_t raw_end = 0;
      const bool raw = kind == '%' && match_raw_begin(p, &raw_end);
      strip_text(text, sign, kind != '{', line_starting);
      emit_data(pos, std::move(text));
      if (raw) {
        OSP_RETURN_IF_ERROR(lex_raw(tag, raw_end, &pos, &line_starting));
      } else if (kind == '#') {
        OSP_RETURN_IF_ERROR(lex_comment(tag, p, &pos, &line_starting));
      } else {
        OSP_RETURN_IF_ERROR(lex_tag(tag, p, kind == '%', &pos, &line_starting));
      }
    }
    Token eof;
    eof.kind = TokenKind::kEof;
    set_pos(eof, src_.size());
    tokens_.push_back(std::move(eof));
    return std::move(tokens_);
  }

 private:
  size_t find_tag(size_t pos) const {
    while (true) {
      pos = src_.find('{', pos);
      if (pos == std::string::npos || pos + 1 >= src_.size()) return std::string::npos;
      const char c = src_[pos + 1];
      if (c == '{' || c == '%' || c == '#') return pos;
      ++pos;
    }
  }

  void set_pos(Token& t, size_t offset) const {
    const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    const size_t line = static_cast<size_t>(it - line_starts_.begin());
    t.line = static_cast<int>(line);
    t.col = static_cast<int>(offset - line_starts_[line - 1] + 1);
  }

  Status error_at(size_t offset, const std::string& msg) const {
    Token t;
    set_pos(t, offset);
    return base::invalid_argument("template syntax error at line " + std::to_string(t.line) +
                                  ", column " + std::to_string(t.col) + ": " + msg);
  }

  void emit(TokenKind kind, size_t offset, std::string text = {}) {
    Token t;
    t.kind = kind;
    t.text = std::move(text);
    set_pos(t, offset);
    tokens_.push_back(std::move(t));
  }

  void emit_data(size_t offset, std::string text) {
    if (!text.empty()) emit(TokenKind::kData, offset, std::move(text));
  }

  // Python's \s at s[pos]: returns the byte length of a whitespace code point, or 0.
  size_t space_len(size_t pos) const {
    if (pos >= src_.size()) return 0;
    size_t len = 1;
    return py_isspace(decode_utf8(src_, pos, &len)) ? len : 0;
  }
  size_t skip_space(size_t pos) const {
    while (size_t l = space_len(pos)) pos += l;
    return pos;
  }
  bool starts(size_t pos, std::string_view s) const {
    return src_.compare(pos, s.size(), s) == 0;
  }

  // `{%-` strips all whitespace before the tag; lstrip_blocks strips a line's indentation
  // before a block or comment tag unless the tag is `{%+`.
  void strip_text(std::string& text, char sign, bool lstrip_kind, bool line_starting) const {
    if (sign == '-') {
      size_t e = text.size();
      while (e > 0) {
        // Step back over one code point.
        size_t b = e - 1;
        while (b > 0 && (static_cast<unsigned char>(text[b]) & 0xC0) == 0x80 && e - b < 4) --b;
        size_t len = 1;
        const uint32_t cp = decode_utf8(text, b, &len);
        if (b + len != e || !py_isspace(cp)) break;
        e = b;
      }
      text.resize(e);
      return;
    }
    if (sign == '+' || !lstrip_kind) return;
    const size_t nl = text.rfind('\n');
    const size_t l_pos = nl == std::string::npos ? 0 : nl + 1;
    if (l_pos == 0 && !line_starting) return;
    if (l_pos == text.size()) return;
    size_t p = l_pos;
    while (p < text.size()) {
      size_t len = 1;
      if (!py_isspace(decode_utf8(text, p, &len))) return;
      p += len;
    }
    text.resize(l_pos);
  }

  bool match_raw_begin(size_t p, size_t* end) const {
    p = skip_space(p);
    if (!starts(p, "raw")) return false;
    p = skip_space(p + 3);
    if (starts(p, "-%}")) {
      *end = skip_space(p + 3);
      return true;
    }
    if (starts(p, "%}")) {
      *end = p + 2;
      return true;
    }
    return false;
  }

  Status lex_raw(size_t tag, size_t body, size_t* pos, bool* line_starting) {
    bool ls = src_[body - 1] == '\n';
    for (size_t q = src_.find("{%", body); q != std::string::npos; q = src_.find("{%", q + 1)) {
      size_t p = q + 2;
      char sign = 0;
      if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) sign = src_[p++];
      p = skip_space(p);
      if (!starts(p, "endraw")) continue;
      p = skip_space(p + 6);
      size_t end;
      if (starts(p, "+%}")) {
        end = p + 3;
      } else if (starts(p, "-%}")) {
        end = skip_space(p + 3);
      } else if (starts(p, "%}")) {
        end = p + 2;
        if (end < src_.size() && src_[end] == '\n') ++end;
      } else {
        continue;
      }
      std::string text = src_.substr(body, q - body);
      strip_text(text, sign, true, ls);
      emit_data(body, std::move(text));
      *pos = end;
      *line_starting = src_[end - 1] == '\n';
      return ok_status();
    }
    return error_at(tag, "missing end of raw directive");
  }

  Status lex_comment(size_t tag, size_t p, size_t* pos, bool* line_starting) {
    for (size_t q = p; q < src_.size(); ++q) {
      size_t end = 0;
      if (starts(q, "+#}")) {
        end = q + 3;
      } else if (starts(q, "-#}")) {
        end = skip_space(q + 3);
      } else if (starts(q, "#}")) {
        end = q + 2;
        if (end < src_.size() && src_[end] == '\n') ++end;
      } else {
        continue;
      }
      *pos = end;
      *line_starting = src_[end - 1] == '\n';
      return ok_status();
    }
    return error_at(tag, "missing end of comment tag");
  }

  // Returns the end of `(\d+_)*\d+` at p, or p if no digit.
  size_t digit_run(size_t p) const {
    if (p >= src_.size() || !is_digit(src_[p])) return p;
    while (p < src_.size() && is_digit(src_[p])) ++p;
    while (p + 1 < src_.size() && src_[p] == '_' && is_digit(src_[p + 1])) {
      ++p;
      while (p < src_.size() && is_digit(src_[p])) ++p;
    }
    return p;
  }

  // Float per Jinja's float_re; returns the end offset or 0.
  size_t match_float(size_t p) const {
    if (p > 0 && src_[p - 1] == '.') return 0;
    const size_t a = digit_run(p);
    if (a == p) return 0;
    size_t q = a;
    bool frac = false;
    if (q + 1 < src_.size() && src_[q] == '.' && is_digit(src_[q + 1])) {
      q = digit_run(q + 1);
      frac = true;
    }
    if (q < src_.size() && (src_[q] == 'e' || src_[q] == 'E')) {
      size_t e = q + 1;
      if (e < src_.size() && (src_[e] == '+' || src_[e] == '-')) ++e;
      const size_t f = digit_run(e);
      if (f > e) return f;
    }
    return frac ? q : 0;
  }

  static int digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return 99;
  }

  // Integer per Jinja's integer_re; returns end offset or 0 and the value.
  Result<size_t> match_int(size_t p, int64_t* value) const {
    const size_t n = src_.size();
    int base = 10;
    size_t q = p;
    if (src_[p] == '0' && p + 1 < n) {
      const char b = static_cast<char>(src_[p + 1] | 0x20);
      base = b == 'b' ? 2 : b == 'o' ? 8 : b == 'x' ? 16 : 10;
      if (base != 10) q = p + 2;
    }
    if (base == 10) {
      if (!is_digit(src_[p])) return size_t{0};
      if (src_[p] == '0') {  // 0(_?0)*
        q = p + 1;
        while (q < n && (src_[q] == '0' || (src_[q] == '_' && q + 1 < n && src_[q + 1] == '0')))
          q += src_[q] == '_' ? 2 : 1;
        *value = 0;
        return q;
      }
    }
    uint64_t v = 0;
    const size_t digits_start = q;
    while (q < n) {
      size_t step = 1;
      char c = src_[q];
      if (c == '_' && q + 1 < n && digit_value(src_[q + 1]) < base) {
        c = src_[q + 1];
        step = 2;
      }
      const int d = digit_value(c);
      if (d >= base) break;
      if (v > (static_cast<uint64_t>(INT64_MAX) - d) / base)
        return error_at(p, "integer literal too large");
      v = v * base + d;
      q += step;
    }
    if (q == digits_start) return size_t{0};
    *value = static_cast<int64_t>(v);
    return q;
  }

  static std::string strip_underscores(std::string_view s) {
    std::string out;
    for (char c : s)
      if (c != '_') out.push_back(c);
    return out;
  }

  Result<std::string> decode_string(size_t start, std::string_view raw) const;

  // End of the tag at p (`%}` with trim_blocks' newline, `-%}` with following whitespace, `+%}`,
  // `}}`, `-}}`), or 0 when p is not a tag end.
  size_t tag_end(size_t p, bool block) const {
    if (block) {
      if (starts(p, "+%}")) return p + 3;
      if (starts(p, "-%}")) return skip_space(p + 3);
      if (starts(p, "%}")) return p + 2 + (p + 2 < src_.size() && src_[p + 2] == '\n' ? 1 : 0);
      return 0;
    }
    if (starts(p, "-}}")) return skip_space(p + 3);
    if (starts(p, "}}")) return p + 2;
    return 0;
  }

  // End of an identifier at p (ASCII, or letters/digits of any script as Python allows), or p.
  size_t name_end(size_t p) const {
    size_t q = p;
    while (q < src_.size()) {
      const char c = src_[q];
      if (static_cast<unsigned char>(c) < 0x80) {
        if (q == p ? !is_name_start(c) : !is_name_char(c)) break;
        ++q;
        continue;
      }
      size_t len = 1;
      const uint32_t cp = decode_utf8(src_, q, &len);
      if (!py_is_alpha(cp) && (q == p || !py_is_numeric(cp))) break;
      q += len;
    }
    return q;
  }

  // A number, name or string literal at p; returns the offset after it, or p if none.
  Result<size_t> lex_literal(size_t p) {
    if (size_t f = match_float(p)) {
      Token t;
      t.kind = TokenKind::kFloat;
      set_pos(t, p);
      t.text = strip_underscores(std::string_view(src_).substr(p, f - p));
      t.float_value = std::strtod(t.text.c_str(), nullptr);
      tokens_.push_back(std::move(t));
      return f;
    }
    int64_t iv = 0;
    OSP_ASSIGN_OR_RETURN(size_t ie, match_int(p, &iv));
    if (ie) {
      Token t;
      t.kind = TokenKind::kInt;
      set_pos(t, p);
      t.int_value = iv;
      t.text = src_.substr(p, ie - p);
      tokens_.push_back(std::move(t));
      return ie;
    }
    const char c = src_[p];
    if (size_t q = name_end(p); q > p) {
      emit(TokenKind::kName, p, src_.substr(p, q - p));
      return q;
    }
    if (c == '\'' || c == '"') {
      size_t q = p + 1;
      while (q < src_.size() && src_[q] != c) q += src_[q] == '\\' ? 2 : 1;
      if (q >= src_.size()) return error_at(p, "unterminated string literal");
      OSP_ASSIGN_OR_RETURN(std::string s, decode_string(p, std::string_view(src_).substr(p + 1, q - p - 1)));
      emit(TokenKind::kString, p, std::move(s));
      return q + 1;
    }
    return p;
  }

  // An operator at p, keeping brackets balanced; returns the offset after it.
  Result<size_t> lex_operator(size_t p, std::vector<char>& balance) {
    static constexpr std::string_view kTwo[] = {"//", "**", "==", "!=", ">=", "<="};
    std::string op;
    for (auto t : kTwo)
      if (starts(p, t)) op = std::string(t);
    if (op.empty() && std::string_view("+-/*%~[](){}><=.:|,;").find(src_[p]) != std::string_view::npos)
      op = std::string(1, src_[p]);
    if (op.empty()) {
      std::string shown;
      size_t len = 1;
      append_utf8(shown, decode_utf8(src_, p, &len));
      return error_at(p, "unexpected char '" + shown + "'");
    }
    if (op == "{" || op == "(" || op == "[") {
      balance.push_back(op == "{" ? '}' : op == "(" ? ')' : ']');
    } else if (op == "}" || op == ")" || op == "]") {
      if (balance.empty()) return error_at(p, "unexpected '" + op + "'");
      if (balance.back() != op[0])
        return error_at(p, "unexpected '" + op + "', expected '" + balance.back() + "'");
      balance.pop_back();
    }
    emit(TokenKind::kOp, p, op);
    return p + op.size();
  }

  // The inside of a {% %} or {{ }} tag, up to and including its end.
  Status lex_tag(size_t tag, size_t p, bool block, size_t* pos, bool* line_starting) {
    emit(block ? TokenKind::kBlockBegin : TokenKind::kVarBegin, tag);
    std::vector<char> balance;
    while (true) {
      if (p >= src_.size()) return error_at(tag, block ? "unclosed block tag '{%'" : "unclosed variable tag '{{'");
      if (balance.empty()) {
        if (size_t end = tag_end(p, block)) {
          emit(block ? TokenKind::kBlockEnd : TokenKind::kVarEnd, p);
          *pos = end;
          *line_starting = src_[end - 1] == '\n';
          return ok_status();
        }
      }
      if (size_t l = space_len(p)) {
        p = skip_space(p + l);
        continue;
      }
      OSP_ASSIGN_OR_RETURN(size_t after, lex_literal(p));
      if (after == p) {
        OSP_ASSIGN_OR_RETURN(after, lex_operator(p, balance));
      }
      p = after;
    }
  }

  std::string src_;
  std::vector<size_t> line_starts_;
  std::vector<Token> tokens_;
};

// Appends code points, joining \uD8xx\uDCxx surrogate pairs; a lone surrogate becomes U+FFFD.
class SurrogateJoiner {
 public:
  explicit SurrogateJoiner(std::string& out) : out_(out) {}
  void put(uint32_t cp) {
    if (high_) {
      if (cp >= 0xDC00 && cp <= 0xDFFF) {
        append_utf8(out_, 0x10000 + ((high_ - 0xD800) << 10) + (cp - 0xDC00));
        high_ = 0;
        return;
      }
      flush();
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      high_ = cp;
    } else {
      append_utf8(out_, cp >= 0xD800 && cp <= 0xDFFF ? 0xFFFD : cp);
    }
  }
  void raw(char c) {
    flush();
    out_.push_back(c);
  }
  void flush() {
    if (high_) append_utf8(out_, 0xFFFD);
    high_ = 0;
  }

 private:
  std::string& out_;
  uint32_t high_ = 0;
};

// Python's unicode-escape decoding of a string literal body.
Result<std::string> Lexer::decode_string(size_t start, std::string_view raw) const {
  std::string out;
  out.reserve(raw.size());
  SurrogateJoiner j(out);
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\' || i + 1 >= raw.size()) {
      j.raw(raw[i]);
      continue;
    }
    const char e = raw[++i];
    auto hex = [&](int count) -> Result<uint32_t> {
      uint32_t v = 0;
      for (int k = 1; k <= count; ++k) {
        if (i + k >= raw.size() || digit_value(raw[i + k]) >= 16)
          return error_at(start, "truncated \\x, \\u or \\U escape in string literal");
        v = v * 16 + digit_value(raw[i + k]);
      }
      i += count;
      return v;
    };
    static constexpr std::string_view kSimple = "\\'\"abfnrtv";
    static constexpr char kSimpleValue[] = {'\\', '\'', '"', 7, 8, 12, '\n', '\r', '\t', 11};
    if (e == '\n') continue;  // line continuation
    if (const size_t k = kSimple.find(e); k != std::string_view::npos) {
      j.put(static_cast<uint32_t>(kSimpleValue[k]));
    } else if (e == 'x' || e == 'u' || e == 'U') {
      OSP_ASSIGN_OR_RETURN(uint32_t v, hex(e == 'x' ? 2 : e == 'u' ? 4 : 8));
      if (v > 0x10FFFF) return error_at(start, "illegal Unicode character in string literal");
      j.put(v);
    } else if (e == 'N') {
      return error_at(start, "\\N{...} escapes are not supported");
    } else if (e >= '0' && e <= '7') {
      uint32_t v = e - '0';
      for (int k = 0; k < 2 && i + 1 < raw.size() && raw[i + 1] >= '0' && raw[i + 1] <= '7'; ++k)
        v = v * 8 + (raw[++i] - '0');
      j.put(v);
    } else {
      j.raw('\\');
      j.raw(e);
    }
  }
  j.flush();
  return out;
}

}  // namespace

Result<std::vector<Token>> tokenize(std::string_view source) {
  if (source.size() > kMaxTemplateBytes)
    return base::invalid_argument("template source has " + std::to_string(source.size()) +
                                  " bytes; the limit is " + std::to_string(kMaxTemplateBytes));
  // Newlines become \n and one trailing newline is dropped (keep_trailing_newline=False).
  std::string src;
  src.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      src.push_back('\n');
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      src.push_back(source[i]);
    }
  }
  if (!src.empty() && src.back() == '\n') src.pop_back();
  Lexer lexer(std::move(src));
  return lexer.run();
}

}  // namespace osprey::chat
