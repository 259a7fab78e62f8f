// Packed 6-bit scale codes of the K-quants (12 bytes per superblock).
#pragma once

#include <cstdint>

namespace osprey::kernels::ref {

// Q4_K / Q5_K: eight (scale, min) pairs of 6 bits. For j < 4, byte j holds scale j and byte j + 4
// holds min j in their low 6 bits; for j >= 4, byte j + 4 holds scale j (low nibble) and min j
// (high nibble), and their top 2 bits sit in the top 2 bits of bytes j - 4 (scale) and j (min).
inline void unpack_scale_min_k4(const uint8_t* s, int j, int* scale, int* min) {
  if (j < 4) {
    *scale = s[j] & 63;
    *min = s[j + 4] & 63;
  } else {
    *scale = (s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4);
    *min = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

inline void pack_scale_min_k4(const uint8_t* scale, const uint8_t* min, uint8_t* s) {
  for (int j = 0; j < 4; ++j) {
    s[j] = static_cast<uint8_t>((scale[j] & 63) | ((scale[j + 4] >> 4) << 6));
    s[j + 4] = static_cast<uint8_t>((min[j] & 63) | ((min[j + 4] >> 4) << 6));
    s[j + 8] = static_cast<uint8_t>((scale[j + 4] & 0x0f) | ((min[j + 4] & 0x0f) << 4));
  }
}

// Q3_K: sixteen 6-bit codes (stored scale + 32). Code j has its low 4 bits in byte j (j < 8, low
// nibble) or byte j - 8 (high nibble), and its top 2 bits at bits 2*(j/4) of byte 8 + j%4.
inline int unpack_scale_q3k(const uint8_t* s, int j) {
  const int low = j < 8 ? (s[j] & 0x0f) : (s[j - 8] >> 4);
  const int high = (s[8 + j % 4] >> (2 * (j / 4))) & 3;
  return low | (high << 4);
}

inline void pack_scales_q3k(const uint8_t* codes, uint8_t* s) {
  for (int i = 0; i < 12; ++i) s[i] = 0;
  for (int j = 0; j < 16; ++j) {
    const uint8_t low = codes[j] & 0x0f;
    s[j < 8 ? j : j - 8] |= static_cast<uint8_t>(j < 8 ? low : low << 4);
    s[8 + j % 4] |= static_cast<uint8_t>(((codes[j] >> 4) & 3) << (2 * (j / 4)));
  }
}

}  // namespace osprey::kernels::ref
