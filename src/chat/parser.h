// Template parser: tokens to a syntax tree, following Jinja2's grammar and operator precedence.
#pragma once

#include <memory>
#include <string_view>

#include "src/base/status.h"
#include "src/chat/ast.h"

namespace osprey::chat {

// Nesting bounds: statement/parenthesis nesting while parsing, and height of an expression tree.
inline constexpr int kMaxParseDepth = 128;
inline constexpr int kMaxExprHeight = 256;

// Parses a template source. Errors name the line and column.
Result<std::shared_ptr<const Program>> parse_template(std::string_view source);

}  // namespace osprey::chat
