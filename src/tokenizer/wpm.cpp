// WordPiece with the BERT normalizer and pre-tokenizer.
#include "src/tokenizer/wpm.h"

#include <utf8proc.h>

#include <algorithm>

#include "src/tokenizer/utf8.h"

namespace osprey::tokenizer {

namespace {

constexpr size_t kMaxWordChars = 100;  // longer words are the unknown token (BERT's limit)
constexpr std::string_view kWordStart = "\xE2\x96\x81";  // "▁"

bool is_other(uint32_t cp) {  // Unicode category C*, which BERT's cleaning drops (except \t \n \r)
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CN:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_CS: return true;
    default: return false;
  }
}

bool is_space(uint32_t cp) {
  if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r') return true;
  const auto c = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP;
}

bool is_punct(uint32_t cp) {
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126))
    return true;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO: return true;
    default: return false;
  }
}

bool is_cjk(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
         (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) ||
         (cp >= 0x2B820 && cp <= 0x2CEAF) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

}  // namespace

WpmModel::WpmModel(const VocabData& v, const TokenIndex& index) : v_(v), index_(index) {
  for (const std::string& t : v.tokens) max_token_bytes_ = std::max(max_token_bytes_, t.size());
}

std::vector<std::string> WpmModel::split_words(std::string_view text) const {
  std::vector<std::string> words;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) words.push_back(std::move(cur));
    cur.clear();
  };
  utf8proc_int32_t buf[32];
  for (uint32_t cp : decode_utf8(text)) {
    if (cp == 0 || cp == 0xFFFD || (is_other(cp) && !is_space(cp))) continue;
    if (is_space(cp)) {
      flush();
      continue;
    }
    if (is_cjk(cp)) {
      flush();
      append_utf8(cp, cur);
      flush();
      continue;
    }
    int boundclass = 0;
    utf8proc_ssize_t n = 1;
    buf[0] = static_cast<utf8proc_int32_t>(cp);
    if (v_.strip_accents) {
      n = utf8proc_decompose_char(buf[0], buf, 32, UTF8PROC_DECOMPOSE, &boundclass);
      if (n < 0 || n > 32) n = 1, buf[0] = static_cast<utf8proc_int32_t>(cp);
    }
    for (utf8proc_ssize_t k = 0; k < n; ++k) {
      uint32_t c = static_cast<uint32_t>(buf[k]);
      if (v_.strip_accents && utf8proc_category(buf[k]) == UTF8PROC_CATEGORY_MN) continue;
      if (v_.lowercase) c = static_cast<uint32_t>(utf8proc_tolower(buf[k]));
      if (is_punct(c)) {
        flush();
        append_utf8(c, cur);
        flush();
      } else {
        append_utf8(c, cur);
      }
    }
  }
  flush();
  return words;
}

void WpmModel::encode_word(const std::string& word, std::vector<int32_t>& out) const {
  size_t n_chars = 0;
  for (size_t p = 0; p < word.size(); p += utf8_char_len(std::string_view(word).substr(p))) ++n_chars;
  if (n_chars > kMaxWordChars) {
    if (v_.unk_id >= 0) out.push_back(v_.unk_id);
    return;
  }
  const std::string full = std::string(kWordStart) + word;
  const std::string_view s = full;
  const size_t first = out.size();
  size_t pos = 0;  // the first piece includes the "▁" marker
  while (pos < s.size()) {
    const size_t begin = pos == 0 ? 0 : pos;
    size_t end = std::min(s.size(), begin + max_token_bytes_);
    int32_t id = -1;
    for (; end > (pos == 0 ? kWordStart.size() : pos); --end) {
      if (end < s.size() && (static_cast<uint8_t>(s[end]) & 0xC0) == 0x80) continue;  // not a boundary
      id = find_id(index_, s.substr(begin, end - begin));
      if (id >= 0) break;
    }
    if (id < 0) {
      out.resize(first);
      if (v_.unk_id >= 0) out.push_back(v_.unk_id);
      return;
    }
    out.push_back(id);
    pos = end;
  }
}

void WpmModel::encode(std::string_view text, std::vector<int32_t>& out) const {
  for (const std::string& w : split_words(text)) encode_word(w, out);
}

}  // namespace osprey::tokenizer
