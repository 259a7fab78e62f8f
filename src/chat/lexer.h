// Template lexer: splits Jinja source into data and tag tokens exactly as Jinja2 does with
// trim_blocks + lstrip_blocks (HF settings), keep_trailing_newline=False, comments and raw blocks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "src/base/status.h"

namespace osprey::chat {
using base::ok_status;

enum class TokenKind : uint8_t {
  kData, kVarBegin, kVarEnd, kBlockBegin, kBlockEnd, kName, kString, kInt, kFloat, kOp, kEof
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  std::string text;  // data, name, operator, or the decoded string literal
  int64_t int_value = 0;
  double float_value = 0;
  int line = 1;
  int col = 1;
};

// Template sources larger than this are refused.
inline constexpr size_t kMaxTemplateBytes = 1u << 20;  // real templates are under 100 KB

Result<std::vector<Token>> tokenize(std::string_view source);

}  // namespace osprey::chat
