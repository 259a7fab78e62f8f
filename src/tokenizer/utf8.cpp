// UTF-8 scanning and sanitizing.
#include "src/tokenizer/utf8.h"

#include <utf8proc.h>

#include <cstdlib>

namespace osprey::tokenizer {

namespace {
constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD
}

Utf8Scan scan_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  const unsigned c = p[0];
  if (c < 0x80) return {Utf8Scan::kValid, 1};
  size_t need = 0;
  unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    need = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // at most U+10FFFF
  } else {
    return {Utf8Scan::kInvalid, 1};
  }
  for (size_t i = 1; i < need; ++i) {
    if (i >= n) return {Utf8Scan::kIncomplete, n};
    const unsigned b = p[i];
    const unsigned l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xBF;
    if (b < l || b > h) return {Utf8Scan::kInvalid, i};
  }
  return {Utf8Scan::kValid, need};
}

bool is_valid_utf8(std::string_view s) {
  while (!s.empty()) {
    Utf8Scan r = scan_utf8(s);
    if (r.kind != Utf8Scan::kValid) return false;
    s.remove_prefix(r.len);
  }
  return true;
}

void append_utf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::vector<uint32_t> decode_utf8(std::string_view s) {
  std::vector<uint32_t> cps;
  cps.reserve(s.size());
  while (!s.empty()) {
    Utf8Scan r = scan_utf8(s);
    if (r.kind != Utf8Scan::kValid) {
      cps.push_back(0xFFFD);
      s.remove_prefix(r.len);
      continue;
    }
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    uint32_t cp = 0;
    switch (r.len) {
      case 1: cp = p[0]; break;
      case 2: cp = ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu); break;
      case 3: cp = ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu); break;
      default:
        cp = ((p[0] & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
    }
    cps.push_back(cp);
    s.remove_prefix(r.len);
  }
  return cps;
}

std::string sanitize_utf8(std::string_view s) {
  std::string out;
  Utf8Sanitizer z;
  z.feed(s, out);
  z.finish(out);
  return out;
}

namespace {

// NFC of each maximal valid UTF-8 run of s appended to out; invalid bytes stay as they are.
void nfc_runs(std::string_view s, std::string& out) {
  size_t run = 0, pos = 0;
  auto flush = [&](size_t end) {
    if (end == run) return;
    utf8proc_uint8_t* dst = nullptr;
    const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + run),
                                            static_cast<utf8proc_ssize_t>(end - run), &dst,
                                            static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
    if (n >= 0 && dst != nullptr) out.append(reinterpret_cast<const char*>(dst), static_cast<size_t>(n));
    else out.append(s.data() + run, end - run);
    std::free(dst);
  };
  while (pos < s.size()) {
    const Utf8Scan r = scan_utf8(s.substr(pos));
    if (r.kind == Utf8Scan::kValid) {
      pos += r.len;
      continue;
    }
    flush(pos);
    out.append(s.data() + pos, r.len);
    pos += r.len;
    run = pos;
  }
  flush(pos);
}

}  // namespace

// ASCII characters are starters that never compose with what precedes them, so the text can be
// cut before any of them: only each non-ASCII run together with the one character before it
// (which a combining mark may compose with) goes through utf8proc.
std::string nfc_normalize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t pos = 0;
  while (pos < s.size()) {
    size_t q = pos;
    while (q < s.size() && static_cast<uint8_t>(s[q]) < 0x80) ++q;
    if (q == s.size()) {
      out.append(s.substr(pos));
      break;
    }
    const size_t seg = q > pos ? q - 1 : q;
    out.append(s.substr(pos, seg - pos));
    size_t e = q;
    while (e < s.size() && static_cast<uint8_t>(s[e]) >= 0x80) ++e;
    nfc_runs(s.substr(seg, e - seg), out);
    pos = e;
  }
  return out;
}

void Utf8Sanitizer::feed(std::string_view bytes, std::string& out) {
  // Complete the held-back sequence first, byte by byte (it is at most 3 bytes long).
  while (!pending_.empty() && !bytes.empty()) {
    pending_ += bytes.front();
    bytes.remove_prefix(1);
    Utf8Scan r = scan_utf8(pending_);
    if (r.kind == Utf8Scan::kIncomplete) continue;
    if (r.kind == Utf8Scan::kValid) {
      out += pending_;
      pending_.clear();
    } else {
      // The maximal subpart becomes U+FFFD; the bytes after it are scanned again.
      out += kReplacement;
      std::string rest = pending_.substr(r.len);
      pending_.clear();
      std::string tmp;
      feed(rest, tmp);  // rest is at most 3 bytes
      out += tmp;
    }
  }
  while (!bytes.empty()) {
    Utf8Scan r = scan_utf8(bytes);
    if (r.kind == Utf8Scan::kIncomplete) {
      pending_.assign(bytes);
      return;
    }
    if (r.kind == Utf8Scan::kValid) {
      out.append(bytes.data(), r.len);
    } else {
      out += kReplacement;
    }
    bytes.remove_prefix(r.len);
  }
}

void Utf8Sanitizer::finish(std::string& out) {
  if (!pending_.empty()) out += kReplacement;
  pending_.clear();
}

}  // namespace osprey::tokenizer
