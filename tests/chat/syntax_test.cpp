// Lexing and whitespace control (trim_blocks + lstrip_blocks as Hugging Face sets them), literals,
// operators and printing of values. Expected texts are what Python Jinja2 3.1 renders.
#include "tests/chat/chat_test_util.h"

namespace osprey::chat::test {
namespace {

TEST(ChatSyntax, TrimBlocksAndLstripBlocks) {
  expect_renders({
      {R"T(  {% if true %}
  x
  {% endif %}
  {{ 'y' }})T", R"E(  x
  y)E"},
      {R"T(a   {# c #}  
b)T", R"E(a     
b)E"},
      {R"T(  {#- c #}
x)T", R"E(x)E"},
      {R"T(x
    {%+ if true %}y{% endif %})T", R"E(x
    y)E"},
      {R"T({% if true +%}
y{% endif %})T", R"E(
y)E"},
      {R"T({% for i in xs %}
  {{ i }}
{% endfor %})T", R"E(  1
  2
  3
)E"},
      {R"T(  {{ 'v' }}
z)T", R"E(  v
z)E"},
  });
}

TEST(ChatSyntax, MinusStripsAllWhitespace) {
  expect_renders({
      {R"T(a  
  {{- 'b' -}}  
  c)T", R"E(abc)E"},
      {R"T(a {%- if true -%} b {%- endif -%} c)T", R"E(abc)E"},
      {R"T(x {#- comment -#}
 y)T", R"E(xy)E"},
      {R"T({%- for m in msgs -%}
    {%- if loop.first -%}
        first
    {%- endif %}
    {{ m.role }}
{% endfor -%}
END)T", R"E(first    system
    user
    assistant
END)E"},
  });
}

TEST(ChatSyntax, TrailingNewlineAndLineEndings) {
  EXPECT_EQ(render("a\n").value(), "a");
  EXPECT_EQ(render("a\n\n").value(), "a\n");
  EXPECT_EQ(render("a\r\nb\rc\r\n").value(), "a\nb\nc");
  EXPECT_EQ(render("{{ 'x' }}\n").value(), "x");
  EXPECT_EQ(render("").value(), "");
}

TEST(ChatSyntax, RawAndComments) {
  expect_renders({
      {R"T({% raw %}
x {{ y }} {% if %}
  {% endraw %}
z)T", R"E(
x {{ y }} {% if %}
z)E"},
      {R"T({{ '}}' }} {{ "%}" }} {# {% if %} #}ok)T", R"E(}} %} ok)E"},
      {R"T({#
multi
line #}x)T", R"E(x)E"},
  });
}

TEST(ChatSyntax, Literals) {
  expect_renders({
      {R"T({{ 0x10 }} {{ 0o17 }} {{ 0b101 }} {{ 1_000 }} {{ 1e3 }} {{ 1.5e-3 }} {{ 00 }})T",
       R"E(16 15 5 1000 1000.0 0.0015 0)E"},
      {R"T({{ '\x41\101\u0041\U00000041\t|\\|\'|\"' }})T", R"E(AAAA	|\|'|")E"},
      {R"T({{ 'a\qb' }} {{ 'a' 'b' "c" }})T", R"E(a\qb abc)E"},
      {R"T({% set 名前 = 'x' %}{{ 名前 }}{% set café2 = 3 %}{{ café2 }}|{{ é }}|)T", R"E(x3||)E"},
      {R"T({{ '\a\b\f\v'|length }} {{ 'x\
y' }} {{ '\u00e9\xe9\351' }} {{ '\U0001F642'|length }})T", R"E(4 xy ééé 1)E"},
      {R"T({{ true }} {{ True }} {{ false }} {{ none }} {{ None }})T", R"E(True True False None None)E"},
      {R"T({{ [1, 'a', none, true, 1.5, {'k': (1,)}] }})T", R"E([1, 'a', None, True, 1.5, {'k': (1,)}])E"},
      {R"T({{ [1, 2, ] }} {{ {'a': 1, } }} {{ (1, 2, ) }} {{ () }})T", R"E([1, 2] {'a': 1} (1, 2) ())E"},
      {R"T({{ {'a': {'b': 1}} }})T", R"E({'a': {'b': 1}})E"},
      {R"T({{ "it's" }} {{ ["it's", 'say "x"', 'both \' "'] }})T",
       R"E(it's ["it's", 'say "x"', 'both \' "'])E"},
  });
}

TEST(ChatSyntax, FloatsPrintLikePython) {
  expect_renders({
      {R"T({{ 1e16 }} {{ 1e15 }} {{ 0.0001 }} {{ 0.00001 }} {{ 1/3 }} {{ 10/2 }} {{ 2**0.5 }})T",
       R"E(1e+16 1000000000000000.0 0.0001 1e-05 0.3333333333333333 5.0 1.4142135623730951)E"},
      {R"T({{ 1.0 }} {{ 100.0 }} {{ 0.1 + 0.2 }} {{ 1e-7 }} {{ -0.0 }} {{ 5e-324 }})T",
       R"E(1.0 100.0 0.30000000000000004 1e-07 -0.0 5e-324)E"},
  });
}

TEST(ChatSyntax, Arithmetic) {
  expect_renders({
      {R"T({{ 7//2 }} {{ -7//2 }} {{ -7 % 3 }} {{ -3 // 2 }} {{ -3 % 2 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }})T",
       R"E(3 -4 2 -2 1 3.0 0.5)E"},
      {R"T({{ 2 ** 3 ** 2 }} {{ 2 ** -1 }} {{ 2 * 3 ** 2 }} {{ -2 ** 2 }} {{ (1 + 2) * 3 }} {{ 1 + 2 * 3 }})T",
       R"E(64 0.5 18 4 9 7)E"},
      {R"T({{ 'abc' * 3 }} {{ [1] * 3 }} {{ 3 * 'x' }} {{ xs * -1 }} {{ 'ab' * 0 }})T",
       R"E(abcabcabc [1, 1, 1] xxx [] )E"},
      {R"T({{ ('' * 1000000000000000000)|length }} {{ ([] * 1000000000000000000)|length }} {{ range(-9223372036854775807, 9223372036854775807, 4611686018427387904)|list }})T",
       R"E(0 0 [-9223372036854775807, -4611686018427387903, 1, 4611686018427387905])E"},
      {R"T({{ 'a' + 'b' }} {{ xs + [4] }} {{ 1 + 1.5 }} {{ true + 1 }} {{ -f }} {{ +neg }})T",
       R"E(ab [1, 2, 3, 4] 2.5 2 -1.5 -7)E"},
      {R"T({{ 1 ~ 2.0 ~ none ~ true }} {{ 'x' ~ missing ~ 'y' }} {{ 'x' ~ 2 * 3 }})T", R"E(12.0NoneTrue xy x6)E"},
  });
}

TEST(ChatSyntax, ComparisonsAndLogic) {
  expect_renders({
      {R"T({{ [1,2] == (1,2) }} {{ 1 == 1.0 }} {{ 'a' < 'b' }} {{ [1,2] < [1,3] }} {{ 1 == true }})T",
       R"E(False True True True True)E"},
      {R"T({{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 1 == 1 != 2 }} {{ not true == false }})T",
       R"E(True False True True)E"},
      {R"T({{ 1 if none else 2 }} {{ none or 'x' }} {{ 0 and 1 }} {{ 'a' and 'b' }} {{ not 0 }} {{ not missing }})T",
       R"E(2 x 0 b True True)E"},
      {R"T({{ 'b' in d }} {{ 'a' in d }} {{ 1 in xs }} {{ 'll' in s }} {{ 'x' not in s }} {{ 'a' in missing }})T",
       R"E(True True True True True False)E"},
      {R"T({{ missing == missing }} {{ missing == none }} {{ none == none }} {{ missing != 1 }})T",
       R"E(True False True True)E"},
      {R"T({{ msgs[0] == msgs[0] }} {{ msgs[0] == msgs[1] }} {{ d == {'a': 1, 'b': [1, 'x'], 'c': none} }})T",
       R"E(True False True)E"},
      {R"T({{ 'x' if false }}|{{ 'a' if xs|length > 5 else 'b' if true else 'c' }})T", R"E(|b)E"},
  });
}

TEST(ChatSyntax, FiltersAndTestsBindTighterThanOperators) {
  expect_renders({
      {R"T({{ -neg|abs }} {{ not xs | length }} {{ 'a' + s | upper }} {{ s|length > 3 and xs|length == 3 }})T",
       R"E(7 False aHELLO WORLD True)E"},
      {R"T({{ not missing is defined }} {{ xs | join(", ") | upper }})T", R"E(True 1, 2, 3)E"},
  });
}

TEST(ChatSyntax, AttributesSubscriptsAndSlices) {
  expect_renders({
      {R"T({{ nested.a.b.c[1] }} {{ nested['a']['b'] }} {{ xs.0 }} {{ nested.a.b.c.1 }})T",
       R"E(20 {'c': [10, 20]} 1 20)E"},
      {R"T({{ xs[1:] }} {{ xs[:-1] }} {{ xs[::2] }} {{ xs[::-1] }} {{ xs[5:] }} {{ xs[-10:2] }} {{ s[100:] }}|)T",
       R"E([2, 3] [1, 2] [1, 3] [3, 2, 1] [] [1, 2] |)E"},
      {R"T({{ s[::-1] }} {{ s[1:3] }} {{ s[-1] }} {{ u[1] }} {{ u[-2:] }} {{ u|length }})T",
       R"E(dlroW olleH el d é 你好 14)E"},
      {R"T({{ xs[5] }}|{{ n.foo }}|{{ (n.foo) is defined }}|{{ n[0] }}|{{ nested.a.x }}|)T", R"E(||False|||)E"},
      {R"T({{ msgs[-1].tool_calls[0]['function']['name'] }} {{ msgs[0]['role'] }})T", R"E(f system)E"},
      {R"T({{ d.items is defined }}|{{ xs.pop is defined }}|{{ s._private }}|{{ s.upper is callable }})T",
       R"E(True|False||True)E"},
  });
}

TEST(ChatSyntax, UndefinedIsLenient) {
  expect_renders({
      {R"T([{{ missing }}]{{ missing|length }}{{ missing|list }}{{ missing|join }}{{ missing|upper }})T", R"E([]0[])E"},
      {R"T({% if missing %}a{% else %}b{% endif %}{% for x in missing %}{{ x }}{% else %}empty{% endfor %})T",
       R"E(bempty)E"},
      {R"T({{ missing is defined }} {{ missing is undefined }} {{ missing is iterable }} {{ missing is sequence }})T",
       R"E(False True True True)E"},
  });
}

}  // namespace
}  // namespace osprey::chat::test
