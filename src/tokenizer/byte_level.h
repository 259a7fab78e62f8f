// GPT-2's reversible byte <-> code point mapping used by byte-level BPE vocabularies: printable
// Latin-1 bytes map to themselves, the other 68 bytes to U+0100.. in byte order (space -> "Ġ").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace osprey::tokenizer {

uint32_t byte_to_codepoint(uint8_t b);
// The byte a code point stands for, or -1 when it is not in the mapping.
int codepoint_to_byte(uint32_t cp);
// Appends the byte-level text of raw bytes.
void byte_level_encode(std::string_view bytes, std::string& out);
// Appends the raw bytes of a byte-level text; characters outside the mapping are copied unchanged.
void byte_level_decode(std::string_view text, std::string& out);

}  // namespace osprey::tokenizer
