// Hand-built blocks: bytes written from the format definitions, decoded values worked out by hand.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "src/kernels/ref/quants.h"
#include "src/tensor/dtype.h"

namespace osprey::kernels::ref {
namespace {

using tensor::DType;

constexpr uint16_t kHalfOne = 0x3C00;      // 1.0
constexpr uint16_t kHalfHalf = 0x3800;     // 0.5
constexpr uint16_t kHalfQuarter = 0x3400;  // 0.25
constexpr uint16_t kHalfMinus4 = 0xC400;   // -4.0

template <typename Block>
std::vector<float> decode(DType t, const Block& b, int n) {
  std::vector<float> out(static_cast<size_t>(n));
  dequantize_row(t, &b, out.data(), n);
  return out;
}

TEST(RefBlocks, F16AndBF16Bits) {
  const uint16_t h[4] = {0x3C00, 0xC000, 0x7BFF, 0x0001};
  float f[4];
  dequantize_row(DType::kF16, h, f, 4);
  EXPECT_EQ(f[0], 1.0f);
  EXPECT_EQ(f[1], -2.0f);
  EXPECT_EQ(f[2], 65504.0f);
  EXPECT_EQ(f[3], 0x1p-24f);
  const uint16_t b[3] = {0x3F80, 0xC040, 0x4049};
  dequantize_row(DType::kBF16, b, f, 3);
  EXPECT_EQ(f[0], 1.0f);
  EXPECT_EQ(f[1], -3.0f);
  EXPECT_EQ(f[2], 3.140625f);
  const float src[2] = {1.5f, -0.25f};
  dequantize_row(DType::kF32, src, f, 2);
  EXPECT_EQ(f[0], 1.5f);
  EXPECT_EQ(f[1], -0.25f);
}

TEST(RefBlocks, Q4_0LowNibblesFirstHalf) {
  tensor::BlockQ4_0 b{};
  b.d = kHalfOne;
  for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  const auto y = decode(DType::kQ4_0, b, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], static_cast<float>(j - 8)) << j;
    EXPECT_EQ(y[j + 16], static_cast<float>(7 - j)) << j;
  }
}

TEST(RefBlocks, Q4_1ScaleAndMin) {
  tensor::BlockQ4_1 b{};
  b.d = kHalfHalf;
  b.m = kHalfMinus4;
  b.qs[0] = 0xF0;  // element 0: 0, element 16: 15
  b.qs[3] = 0x27;  // element 3: 7, element 19: 2
  const auto y = decode(DType::kQ4_1, b, 32);
  EXPECT_EQ(y[0], -4.0f);
  EXPECT_EQ(y[16], 3.5f);
  EXPECT_EQ(y[3], -0.5f);
  EXPECT_EQ(y[19], -3.0f);
  EXPECT_EQ(y[1], -4.0f);
}

TEST(RefBlocks, Q5_0HighBitsFromQh) {
  tensor::BlockQ5_0 b{};
  b.d = kHalfOne;
  for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  const uint8_t qh[4] = {0x01, 0x00, 0x00, 0x80};  // bit 0 (element 0) and bit 31 (element 31)
  std::memcpy(b.qh, qh, 4);
  const auto y = decode(DType::kQ5_0, b, 32);
  EXPECT_EQ(y[0], 0.0f);    // 0 + 16 - 16
  EXPECT_EQ(y[1], -15.0f);  // 1 - 16
  EXPECT_EQ(y[15], -1.0f);
  EXPECT_EQ(y[16], -1.0f);  // 15 - 16
  EXPECT_EQ(y[30], -15.0f);
  EXPECT_EQ(y[31], 0.0f);   // 0 + 16 - 16
}

TEST(RefBlocks, Q5_1HighBitsFromQh) {
  tensor::BlockQ5_1 b{};
  b.d = kHalfHalf;
  b.m = kHalfMinus4;
  b.qs[1] = 0x03;                                   // element 1: 3, element 17: 0
  b.qs[0] = 0x50;                                   // element 0: 0, element 16: 5
  const uint8_t qh[4] = {0x02, 0x00, 0x01, 0x00};  // bit 1 (element 1), bit 16 (element 16)
  std::memcpy(b.qh, qh, 4);
  const auto y = decode(DType::kQ5_1, b, 32);
  EXPECT_EQ(y[1], 5.5f);   // 0.5 * 19 - 4
  EXPECT_EQ(y[16], 6.5f);  // 0.5 * 21 - 4
  EXPECT_EQ(y[0], -4.0f);
  EXPECT_EQ(y[17], -4.0f);
}

TEST(RefBlocks, Q8Formats) {
  tensor::BlockQ8_0 b0{};
  b0.d = kHalfHalf;
  for (int j = 0; j < 32; ++j) b0.qs[j] = static_cast<int8_t>(j - 16);
  auto y = decode(DType::kQ8_0, b0, 32);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(y[j], 0.5f * static_cast<float>(j - 16));
  tensor::BlockQ8_1 b1{};
  b1.d = kHalfQuarter;
  b1.s = 0x7BFF;  // s never enters the values
  b1.qs[5] = -128;
  b1.qs[6] = 127;
  y = decode(DType::kQ8_1, b1, 32);
  EXPECT_EQ(y[5], -32.0f);
  EXPECT_EQ(y[6], 31.75f);
  EXPECT_EQ(y[7], 0.0f);
  tensor::BlockQ8_K bk{};
  bk.d = 0.125f;
  bk.qs[200] = -3;
  y = decode(DType::kQ8_K, bk, 256);
  EXPECT_EQ(y[200], -0.375f);
  EXPECT_EQ(y[199], 0.0f);
}

TEST(RefBlocks, Q2_K) {
  tensor::BlockQ2_K b{};
  b.d = kHalfOne;
  b.dmin = kHalfHalf;
  for (int j = 0; j < 16; ++j) b.scales[j] = static_cast<uint8_t>(j | (((j + 1) & 15) << 4));  // sc j, mc j+1
  b.qs[5] = 0xE4;   // elements 5, 37, 69, 101 get 0, 1, 2, 3
  b.qs[40] = 0x03;  // element 128 + 8 = 136 gets 3
  const auto y = decode(DType::kQ2_K, b, 256);
  EXPECT_EQ(y[5], -0.5f);    // sub 0: 0 * 0 - 0.5 * 1
  EXPECT_EQ(y[37], 0.5f);    // sub 2: 2 * 1 - 0.5 * 3
  EXPECT_EQ(y[69], 5.5f);    // sub 4: 4 * 2 - 0.5 * 5
  EXPECT_EQ(y[101], 14.5f);  // sub 6: 6 * 3 - 0.5 * 7
  EXPECT_EQ(y[136], 19.5f);  // sub 8: 8 * 3 - 0.5 * 9
  EXPECT_EQ(y[6], -0.5f);
  EXPECT_EQ(y[255], 0.0f);   // sub 15: mc = 0
  EXPECT_EQ(y[240], 0.0f);
  EXPECT_EQ(y[239], -7.5f);  // sub 14: -0.5 * 15
}

TEST(RefBlocks, Q3_K) {
  tensor::BlockQ3_K b{};
  b.d = kHalfOne;
  std::memset(b.hmask, 0xFF, sizeof(b.hmask));  // bit set: no -4
  b.scales[0] = 0x21;  // code 0 low nibble 1, code 8 low nibble 2
  b.scales[8] = 0xE4;  // top bits: code 0 -> 0, code 4 -> 1, code 8 -> 2, code 12 -> 3
  // codes: 0 -> 1 (scale -31), 4 -> 16 (-16), 8 -> 34 (2), 12 -> 48 (16), others 0 (-32)
  b.qs[3] = 0xE4;      // elements 3, 35, 67, 99 get low bits 0, 1, 2, 3
  b.hmask[3] = 0xFD;   // bit 1 clear: element 32 + 3 = 35 gets -4
  b.qs[32] = 0x03;     // element 128 gets 3
  b.qs[40] = 0x20;     // element 128 + 64 + 8 = 200 gets 2
  b.hmask[8] = 0xBF;   // bit 6 clear: element 192 + 8 = 200 gets -4
  const auto y = decode(DType::kQ3_K, b, 256);
  EXPECT_EQ(y[3], 0.0f);     // sub 0, q 0
  EXPECT_EQ(y[35], 96.0f);   // sub 2 (scale -32), q 1 - 4
  EXPECT_EQ(y[67], -32.0f);  // sub 4 (scale -16), q 2
  EXPECT_EQ(y[99], -96.0f);  // sub 6 (scale -32), q 3
  EXPECT_EQ(y[128], 6.0f);   // sub 8 (scale 2), q 3
  EXPECT_EQ(y[200], -32.0f); // sub 12 (scale 16), q 2 - 4
  EXPECT_EQ(y[0], 0.0f);
}

TEST(RefBlocks, Q3_KClearMaskMeansMinusFour) {
  tensor::BlockQ3_K b{};
  b.d = kHalfHalf;  // all codes 0: scale -32 * 0.5 = -16; all quants 0 - 4
  const auto y = decode(DType::kQ3_K, b, 256);
  for (int e = 0; e < 256; ++e) EXPECT_EQ(y[e], 64.0f) << e;
}

TEST(RefBlocks, Q4_K) {
  tensor::BlockQ4_K b{};
  b.d = kHalfOne;
  b.dmin = kHalfQuarter;
  b.scales[0] = 0x45;  // sc0 = 5, top bits 01 -> sc4 high = 1
  b.scales[4] = 0x83;  // mc0 = 3, top bits 10 -> mc4 high = 2
  b.scales[8] = 0x72;  // sc4 low = 2 (sc4 = 18), mc4 low = 7 (mc4 = 39)
  b.qs[2] = 0x9C;      // element 2: 12 (sub 0), element 34: 9 (sub 1, scale 0)
  b.qs[70] = 0x0F;     // element 128 + 6 = 134: 15 (sub 4)
  const auto y = decode(DType::kQ4_K, b, 256);
  EXPECT_EQ(y[2], 59.25f);    // 5 * 12 - 0.25 * 3
  EXPECT_EQ(y[34], 0.0f);
  EXPECT_EQ(y[134], 260.25f); // 18 * 15 - 0.25 * 39
  EXPECT_EQ(y[0], -0.75f);
  EXPECT_EQ(y[159], -9.75f);
  EXPECT_EQ(y[160], 0.0f);
}

TEST(RefBlocks, Q5_K) {
  tensor::BlockQ5_K b{};
  b.d = kHalfOne;
  b.dmin = kHalfQuarter;
  b.scales[0] = 0x45;
  b.scales[4] = 0x83;
  b.scales[8] = 0x72;  // sc0 5, mc0 3, sc4 18, mc4 39 (as in the Q4_K test)
  b.qs[2] = 0x9C;      // element 2 low bits 12
  b.qs[66] = 0x01;     // element 130 low bits 1
  b.qh[2] = 0x11;      // bit 0: element 2, bit 4: element 128 + 2 = 130
  const auto y = decode(DType::kQ5_K, b, 256);
  EXPECT_EQ(y[2], 139.25f);   // 5 * 28 - 0.75
  EXPECT_EQ(y[130], 296.25f); // 18 * 17 - 9.75
  EXPECT_EQ(y[34], 0.0f);
  EXPECT_EQ(y[1], -0.75f);
  EXPECT_EQ(y[131], -9.75f);
}

TEST(RefBlocks, Q6_K) {
  tensor::BlockQ6_K b{};
  b.d = kHalfHalf;
  for (int j = 0; j < 16; ++j) b.scales[j] = static_cast<int8_t>(j - 8);
  b.ql[5] = 0xA3;   // element 5 low 3, element 69 low 10
  b.qh[5] = 0xE4;   // element 5 high 0, 37 high 1, 69 high 2, 101 high 3
  b.ql[103] = 0xF0; // element 128 + 96 + 7 = 231 low 15
  b.qh[39] = 0x40;  // element 231 high 1
  const auto y = decode(DType::kQ6_K, b, 256);
  EXPECT_EQ(y[5], 116.0f);   // 0.5 * -8 * (3 - 32)
  EXPECT_EQ(y[37], 48.0f);   // 0.5 * -6 * (16 - 32)
  EXPECT_EQ(y[69], -20.0f);  // 0.5 * -4 * (42 - 32)
  EXPECT_EQ(y[101], -16.0f); // 0.5 * -2 * (48 - 32)
  EXPECT_EQ(y[231], -3.0f);  // 0.5 * 6 * (31 - 32)
  EXPECT_EQ(y[167], -32.0f); // untouched: 0.5 * 2 * -32
  EXPECT_EQ(y[0], 128.0f);   // untouched: 0.5 * -8 * -32
}

}  // namespace
}  // namespace osprey::kernels::ref
