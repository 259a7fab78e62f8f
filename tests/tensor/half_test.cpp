#include "src/tensor/half.h"

#include <gtest/gtest.h>

#include <cmath>

#include "src/tensor/dtype.h"

namespace osprey::tensor {
namespace {

TEST(Half, EveryFp16RoundTrips) {
  for (uint32_t h = 0; h < 65536; ++h) {
    float f = fp16_to_fp32(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    ASSERT_EQ(fp32_to_fp16(f), h) << "bits " << h;
  }
}

TEST(Half, RoundsToNearestEven) {
  EXPECT_EQ(fp16_to_fp32(fp32_to_fp16(1.0f + 1.0f / 4096)), 1.0f);  // tie -> even
  EXPECT_EQ(fp16_to_fp32(fp32_to_fp16(65519.0f)), 65504.0f);
  EXPECT_TRUE(std::isinf(fp16_to_fp32(fp32_to_fp16(65520.0f))));
  EXPECT_EQ(bf16_to_fp32(fp32_to_bf16(1.5f)), 1.5f);
}

TEST(DType, TableMatchesBlockStructs) {
  EXPECT_EQ(info(DType::kQ4_K).type_size, sizeof(BlockQ4_K));
  EXPECT_EQ(info(DType::kQ6_K).block_size, 256);
  EXPECT_EQ(row_size(DType::kQ8_0, 64), 68u);
  EXPECT_EQ(dtype_from_name("q5_k"), DType::kQ5_K);
  EXPECT_FALSE(dtype_info(4).has_value());
  EXPECT_STREQ(dtype_info(39)->name, "MXFP4");
  EXPECT_FALSE(dtype_info(39)->supported);
}

}  // namespace
}  // namespace osprey::tensor
