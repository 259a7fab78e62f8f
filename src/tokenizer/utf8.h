// UTF-8 helpers: validation by maximal subparts (Unicode 15, table 3-7), code point decoding, and an
// incremental sanitizer that never emits a partial sequence.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace osprey::tokenizer {

struct Utf8Scan {
  enum Kind { kValid, kIncomplete, kInvalid } kind;
  size_t len;  // kValid: sequence length; kIncomplete: bytes available; kInvalid: maximal subpart (>= 1)
};

// Classifies the bytes at the start of s (s must not be empty).
Utf8Scan scan_utf8(std::string_view s);

// Length of one "character" for segmentation: a valid sequence, else 1 (a lone invalid byte).
inline size_t utf8_char_len(std::string_view s) {
  Utf8Scan r = scan_utf8(s);
  return r.kind == Utf8Scan::kValid ? r.len : 1;
}

bool is_valid_utf8(std::string_view s);
void append_utf8(uint32_t cp, std::string& out);
// Code points of s; each invalid maximal subpart (or truncated tail) becomes U+FFFD.
std::vector<uint32_t> decode_utf8(std::string_view s);
// NFC of each maximal valid UTF-8 run of s; invalid bytes are kept as they are.
std::string nfc_normalize(std::string_view s);
// s with each invalid maximal subpart replaced by U+FFFD.
std::string sanitize_utf8(std::string_view s);

// Feeds bytes in pieces; emits only whole valid characters (invalid subparts as U+FFFD) and holds an
// incomplete but so far valid tail until the next feed. Feeding a string in any split gives the same
// output as sanitize_utf8 of the whole.
class Utf8Sanitizer {
 public:
  void feed(std::string_view bytes, std::string& out);
  // Emits U+FFFD for a held-back incomplete tail.
  void finish(std::string& out);
  size_t pending_bytes() const { return pending_.size(); }

 private:
  std::string pending_;  // at most 3 bytes: a valid prefix of one sequence
};

}  // namespace osprey::tokenizer
