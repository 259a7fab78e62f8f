#include "server/schema.h"

#include <gtest/gtest.h>

namespace osprey::server {
namespace {

// A number too large for a double is a client error (400), not an exception out of the parser.
TEST(Schema, OverflowingNumberIsInvalidArgument) {
  RequestDefaults d;
  for (const char* body : {R"({"prompt": "x", "max_tokens": 8e888})", "8888888888E8888888888888co"}) {
    auto c = parse_completion_request(body, d);
    ASSERT_FALSE(c.ok()) << body;
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(c.status().message().find("malformed JSON"), std::string::npos) << c.status().message();
    auto chat = parse_chat_request(body, d);
    ASSERT_FALSE(chat.ok()) << body;
    EXPECT_EQ(chat.status().code(), StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace osprey::server
