// GPT-2 byte-level mapping.
#include "src/tokenizer/byte_level.h"

#include <array>

#include "src/tokenizer/utf8.h"

namespace osprey::tokenizer {

namespace {

bool is_printable_byte(unsigned b) {
  return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

struct ByteTables {
  std::array<uint32_t, 256> to_cp{};
  std::array<std::string, 256> to_utf8;
  std::array<int16_t, 324> from_cp{};  // code points 0..323 -> byte or -1
};

const ByteTables& tables() {
  static const ByteTables t = [] {
    ByteTables x;
    x.from_cp.fill(-1);
    uint32_t next = 256;
    for (unsigned b = 0; b < 256; ++b) {
      const uint32_t cp = is_printable_byte(b) ? b : next++;
      x.to_cp[b] = cp;
      append_utf8(cp, x.to_utf8[b]);
      x.from_cp[cp] = static_cast<int16_t>(b);
    }
    return x;
  }();
  return t;
}

}  // namespace

uint32_t byte_to_codepoint(uint8_t b) { return tables().to_cp[b]; }

int codepoint_to_byte(uint32_t cp) { return cp < 324 ? tables().from_cp[cp] : -1; }

void byte_level_encode(std::string_view bytes, std::string& out) {
  const ByteTables& t = tables();
  for (char c : bytes) out += t.to_utf8[static_cast<uint8_t>(c)];
}

void byte_level_decode(std::string_view text, std::string& out) {
  const ByteTables& t = tables();
  while (!text.empty()) {
    const unsigned c0 = static_cast<uint8_t>(text[0]);
    // Code points below U+0144 take one or two bytes.
    if (c0 < 0x80) {
      if (t.from_cp[c0] >= 0) out += static_cast<char>(t.from_cp[c0]);
      else out += static_cast<char>(c0);
      text.remove_prefix(1);
      continue;
    }
    const size_t len = utf8_char_len(text);
    if (len == 2) {
      const uint32_t cp = ((c0 & 0x1Fu) << 6) | (static_cast<uint8_t>(text[1]) & 0x3Fu);
      if (cp < 324 && t.from_cp[cp] >= 0) {
        out += static_cast<char>(t.from_cp[cp]);
        text.remove_prefix(2);
        continue;
      }
    }
    out.append(text.data(), len);
    text.remove_prefix(len);
  }
}

}  // namespace osprey::tokenizer
