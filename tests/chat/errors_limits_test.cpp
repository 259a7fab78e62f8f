// Error cases (each also fails in Python Jinja2) with clear messages, syntax errors naming line
// and column, raise_exception, and the render limits that keep hostile templates bounded.
#include <string>

#include "tests/chat/chat_test_util.h"

namespace osprey::chat::test {
namespace {

TEST(ChatErrors, RuntimeErrors) {
  expect_errors({
      {R"X({{ xs.append(4) }})X", "unsafe"},
      {R"X({{ d.update({'z': 1}) }})X", "unsafe"},
      {R"X({{ 'a' + 1 }})X", "can only concatenate str"},
      {R"X({{ undefined_x + 1 }})X", "'undefined_x' is undefined"},
      {R"X({{ missing.attr }})X", "'missing' is undefined"},
      {R"X({{ missing['k'] }})X", "'missing' is undefined"},
      {R"X({{ missing() }})X", "'missing' is undefined"},
      {R"X({{ nested.a.x.y }})X", "has no attribute 'x'"},
      {R"X({{ xs() }})X", "not callable"},
      {R"X({% for x in none %}{% endfor %})X", "'NoneType' object is not iterable"},
      {R"X({% for x in 5 %}{% endfor %})X", "not iterable"},
      {R"X({{ 'a' in none }})X", "not iterable"},
      {R"X({{ 1 in 'abc' }})X", "requires string as left operand"},
      {R"X({{ 1 < 'a' }})X", "not supported between instances of 'int' and 'str'"},
      {R"X({{ missing < 1 }})X", "'missing' is undefined"},
      {R"X({{ xs[::0] }})X", "slice step cannot be zero"},
      {R"X({{ 10 / 0 }})X", "division by zero"},
      {R"X({{ 10 // 0 }})X", "division or modulo by zero"},
      {R"X({{ 7 % 0 }})X", "modulo by zero"},
      {R"X({{ missing|tojson }})X", "not JSON serializable"},
      {R"X({{ n|length }})X", "has no len()"},
      {R"X({{ '%d' % 'x' }})X", "a real number is required"},
      {R"X({{ '%s %s' % ('a',) }})X", "not enough arguments"},
      {R"X({{ 'abc'.index('z') }})X", "substring not found"},
      {R"X({{ ', '.join([1, 2]) }})X", "expected str instance"},
      {R"X({% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }})X", "takes not more than 1 argument"},
      {R"X({% macro m(a) %}{{ a }}{% endmacro %}{{ m(b=2) }})X", "keyword argument 'b'"},
      {R"X({% for a, b in [[1, 2, 3]] %}{% endfor %})X", "too many values to unpack"},
      {R"X({% set x = 1 %}{% set x.y = 2 %})X", "non-namespace"},
      {R"X({{ s|nofilter }})X", "no filter named 'nofilter'"},
      {R"X({{ s is notatest }})X", "no test named 'notatest'"},
      {R"X({{ range(1000000)|length }})X", "Range too big"},
      {R"X({{ 'x'.split('') }})X", "empty separator"},
      {R"X({{ 1.5|indent }})X", "unsupported operand"},
      {R"X({{ missing|int }})X", "'missing' is undefined"},
      {R"X({{ missing|float }})X", "'missing' is undefined"},
      {R"X({{ true|truncate(3) }})X", "has no len()"},
      {R"X({% for x in xs %}{{ x|nofilter if false else x|alsonofilter }}{% endfor %})X", "no filter named 'alsonofilter'"},
      {R"X({% if false %}{% for y in xs %}{{ y|nofilter }}{% endfor %}{% endif %})X", "no filter named 'nofilter'"},
      {R"X({% macro m() %}{{ 1 is nosuchtest }}{% endmacro %})X", "no test named 'nosuchtest'"},
      {R"X({{ d|dictsort(by='nope') }})X", "sort by either 'key' or 'value'"},
  });
}

TEST(ChatErrors, UnknownFiltersInsideIfFailOnlyWhenUsed) {
  // Jinja defers unknown filter/test errors inside if statements and conditional expressions.
  expect_renders({
      {R"T({% if false %}{{ x|nofilter }}{% endif %}{{ x|nofilter if false else 1 }}ok)T", R"E(1ok)E"},
  });
  expect_errors({{R"X({% if true %}{{ 1|nofilter }}{% endif %})X", "no filter named 'nofilter'"}});
}

TEST(ChatErrors, SyntaxErrors) {
  expect_errors({
      {R"X({{ x)X", "line 1"},
      {R"X({% if true %}unclosed)X", "unexpected end of template"},
      {R"X({% for %})X", "expected"},
      {R"X({% endif %})X", "unknown tag 'endif'"},
      {R"X({% unknown %})X", "unknown tag 'unknown'"},
      {R"X({{ 1 + }})X", "unexpected"},
      {R"X({% break %})X", "'break' outside of a loop"},
      {R"X({% for x in xs %}{% macro m() %}{% continue %}{% endmacro %}{% endfor %})X", "outside of a loop"},
      {R"X({{ 'abc }})X", "unterminated string"},
      {R"X({{ (1 }})X", "unexpected '}'"},
      {R"X({% macro m(a=1, b) %}{% endmacro %})X", "non-default argument follows default argument"},
      {R"X({# never closed)X", "missing end of comment"},
      {R"X({% raw %}never closed)X", "missing end of raw"},
      {R"X({{ x is defined is defined }})X", "chain multiple tests"},
      {R"X({{ xs[::, -1] }})X", "slice cannot be part of a tuple"},
  });
}

TEST(ChatErrors, MessagesNameLineAndColumn) {
  auto syntax = render("a\nb\n  {{ 1 + }}");
  ASSERT_FALSE(syntax.ok());
  EXPECT_NE(syntax.status().message().find("line 3, column 10"), std::string::npos) << syntax.status().message();
  auto runtime = render("x\n\n{% if true %}\n{{ missing.a }}{% endif %}");
  ASSERT_FALSE(runtime.ok());
  EXPECT_NE(runtime.status().message().find("line 4"), std::string::npos) << runtime.status().message();
}

TEST(ChatErrors, RaiseExceptionMessageIsKept) {
  auto out = render("{% if true %}{{ raise_exception('Conversation roles must alternate ' ~ 1) }}{% endif %}");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "Conversation roles must alternate 1");
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
}

TEST(ChatErrors, BadContext) {
  auto t = ChatTemplate::parse("{{ x }}");
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->render(json::array()).ok());
  json deep = json::array();
  for (int i = 0; i < 300; ++i) deep = json::array({deep});
  auto out = t->render(json{{"x", deep}});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("nested deeper"), std::string::npos);
  EXPECT_FALSE(render("{{ 99999999999999999999 }}").ok());  // Python would have a big integer
}

Status render_status(const std::string& src, const RenderLimits& limits = RenderLimits{}) {
  auto out = render(src, context(), limits);
  return out.ok() ? Status() : out.status();
}

TEST(ChatLimits, StepsBoundLoops) {
  // 10^10 iterations end with an error (steps or bytes, whichever runs out first).
  Status st = render_status("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}");
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  RenderLimits tight;
  tight.max_steps = 1000;
  st = render_status("{% for i in range(2000) %}{{ i }}{% endfor %}", tight);
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(st.message().find("steps"), std::string::npos) << st.message();
  EXPECT_TRUE(render_status("{% for i in range(50) %}{{ i }}{% endfor %}", tight).ok());
}

TEST(ChatLimits, DepthBoundsRecursion) {
  Status st = render_status("{% macro r(n) %}{{ r(n + 1) }}{% endmacro %}{{ r(0) }}");
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(st.message().find("nested deeper"), std::string::npos) << st.message();
  // Reasonable recursion (a nested JSON schema) stays within the bound.
  EXPECT_TRUE(render_status("{% macro r(n) %}{% if n > 0 %}{{ r(n - 1) }}{% endif %}{% endmacro %}{{ r(40) }}").ok());
}

TEST(ChatLimits, OutputAndStringSizes) {
  Status out = render_status("{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}");
  EXPECT_EQ(out.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(out.message().find("exceeds"), std::string::npos) << out.message();
  EXPECT_EQ(render_status("{{ 'x' * 1000000000 }}").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(render_status("{{ ([1] * 1000000000)|length }}").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(render_status("{% set ns = namespace(s='x') %}{% for i in range(100) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}")
                .code(),
            StatusCode::kResourceExhausted);
  RenderLimits small;
  small.max_output_bytes = 10;
  EXPECT_EQ(render_status("{{ 'x' * 11 }}", small).code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(render_status("{{ 'x' * 10 }}", small).ok());
}

TEST(ChatLimits, WorkOnLargeDataIsCounted) {
  // A quadratic substring search on megabyte strings runs out of steps instead of hanging.
  Status st = render_status("{% set a = 'a' * 1000000 %}{% for i in range(100) %}{{ (a ~ 'b') in (a ~ a) }}{% endfor %}");
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  // Comparing a list of many shared references to a big list is charged by reachable elements.
  st = render_status("{% set b = range(10000)|list %}{% set c = [b] * 10000 %}{% for i in range(100) %}{{ c == c }}{% endfor %}");
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
}

TEST(ChatLimits, NestingIsBounded) {
  Status st = render_status("{% set ns = namespace(l=[]) %}{% for i in range(1000) %}{% set ns.l = [ns.l] %}{% endfor %}");
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(st.message().find("nested deeper"), std::string::npos) << st.message();
  const std::string parens = "{{ " + std::string(1000, '(') + "1" + std::string(1000, ')') + " }}";
  EXPECT_FALSE(ChatTemplate::parse(parens).ok());
  std::string chain = "{{ 1";
  for (int i = 0; i < 10000; ++i) chain += " + 1";
  EXPECT_FALSE(ChatTemplate::parse(chain + " }}").ok());
  std::string ifs;
  for (int i = 0; i < 1000; ++i) ifs += "{% if true %}";
  EXPECT_FALSE(ChatTemplate::parse(ifs).ok());
  std::string nots = "{{ " ;
  for (int i = 0; i < 5000; ++i) nots += "not ";
  EXPECT_FALSE(ChatTemplate::parse(nots + "x }}").ok());
}

TEST(ChatLimits, HugeTemplateSourceIsRefused) {
  const std::string big(2u << 20, 'x');
  auto t = ChatTemplate::parse(big);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("limit"), std::string::npos) << t.status().message();
}

TEST(ChatLimits, SelfReferenceIsSafe) {
  // Python prints the inner namespace as {...}; the reference cycle is broken after the render.
  auto out = render("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}");
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out.value(), "<Namespace {'me': <Namespace {...}>}>");
  EXPECT_TRUE(render("{% macro m() %}{% endmacro %}{% set ns = namespace(f=m) %}{% set ns.ns = ns %}").ok());
}

}  // namespace
}  // namespace osprey::chat::test
