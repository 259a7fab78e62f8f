// Statements: if/elif/else, for (loop.*, break, continue, else, unpacking, inline filter,
// recursive), set (block set, namespace), scoping, macros, call blocks, with, filter blocks.
// Expected texts are what Python Jinja2 3.1 renders.
#include "tests/chat/chat_test_util.h"

namespace osprey::chat::test {
namespace {

TEST(ChatStatements, IfElifElse) {
  expect_renders({
      {R"T({% if true %}a{% elif false %}b{% else %}c{% endif %}{% if false %}a{% elif true %}b{% endif %})T", R"E(ab)E"},
      {R"T({% if msgs[0].content is string and msgs[0].content is not mapping %}ok{% endif %})T", R"E(ok)E"},
      {R"T({% if xs %}{% if not e %}nested{% endif %}{% endif %})T", R"E(nested)E"},
  });
}

TEST(ChatStatements, ForLoopVariables) {
  expect_renders({
      {R"T({% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %})T",
       R"E(1032TrueFalse3;2121FalseFalse3;3210FalseTrue3;)E"},
      {R"T({% for x in xs %}{{ loop.previtem }}-{{ loop.nextitem }}-{{ loop.cycle('a','b') }},{% endfor %})T",
       R"E(-2-a,1-3-b,2--a,)E"},
      {R"T({% for x in xs %}{{ loop.changed(x > 1) }}{% endfor %})T", R"E(TrueTrueFalse)E"},
      {R"T({% for x in xs %}{% for y in xs %}{{ loop.index }}{% endfor %}{{ loop.index }};{% endfor %})T",
       R"E(1231;1232;1233;)E"},
      {R"T({% for x in xs %}{{ loop.depth }}{{ loop.depth0 }}{% endfor %})T", R"E(101010)E"},
  });
}

TEST(ChatStatements, ForBreakContinueElse) {
  expect_renders({
      {R"T({% for i in [1,2,3] %}{% if i == 2 %}{% break %}{% endif %}{{ i }}{% else %}E{% endfor %}|{% for i in [] %}{% else %}E{% endfor %})T",
       R"E(1|E)E"},
      {R"T({% for x in xs %}{% continue %}{{ x }}{% endfor %}done)T", R"E(done)E"},
      {R"T({% for x in xs %}{% if x is odd %}{% continue %}{% endif %}{{ x }}{% endfor %})T", R"E(2)E"},
      {R"T({% for x in xs if x > 5 %}{{ x }}{% else %}none matched{% endfor %})T", R"E(none matched)E"},
  });
}

TEST(ChatStatements, ForIterablesAndUnpacking) {
  expect_renders({
      {R"T({% for a, b in d.items() %}{{ a }}={{ b }};{% endfor %})T", R"E(a=1;b=[1, 'x'];c=None;)E"},
      {R"T({% for k in d %}{{ k }}{% endfor %} {% for c in 'abc' %}{{ c }}-{% endfor %})T", R"E(abc a-b-c-)E"},
      {R"T({% for a, b in [[1, 2], [3, 4]] %}{{ a + b }}{% endfor %})T", R"E(37)E"},
      {R"T({% for k, v in msgs[0]|items %}{{ k }}={{ v }} {% endfor %})T", R"E(role=system content=sys )E"},
      {R"T({% for x in xs if x != 2 %}{{ loop.index }}:{{ x }}:{{ loop.revindex0 }} {% endfor %})T", R"E(1:1:1 2:3:0 )E"},
      {R"T({% for m in msgs[::-1] %}{{ m.role[0] }}{% endfor %})T", R"E(aus)E"},
  });
}

TEST(ChatStatements, RecursiveLoops) {
  expect_renders({
      {R"T({% for x in [1, [2, [3, 4]], 5] recursive %}{% if x is iterable %}<{{ loop(x) }}>{% else %}{{ x }}@{{ loop.depth }}{% endif %}{% endfor %})T",
       R"E(1@1<2@2<3@34@3>>5@1)E"},
      {R"T({% set tree = [{'n': 'a', 'c': [{'n': 'b', 'c': []}]}] %}{% for t in tree recursive %}{{ t.n }}{% if t.c %}({{ loop(t.c) }}){% endif %}{% endfor %})T",
       R"E(a(b))E"},
  });
}

TEST(ChatStatements, SetAndScoping) {
  expect_renders({
      {R"T({% set x = 1 %}{% for i in [1,2] %}{{ x }}{% set x = 2 %}{{ x }}{% endfor %}{{ x }})T", R"E(12121)E"},
      {R"T({% for i in [1,2] %}{% if i == 1 %}{% set y = 5 %}{% endif %}[{{ y }}]{% endfor %})T", R"E([5][])E"},
      {R"T({% set x = 1 %}{% if true %}{% set x = 2 %}{% endif %}{{ x }})T", R"E(2)E"},
      {R"T({% set a, b = 1, 2 %}{{ a }}{{ b }}{% set t = (1,) %}{{ t }})T", R"E(12(1,))E"},
      {R"T({% set l = [] %}{% for x in xs %}{% set l = l + [x] %}{% endfor %}{{ l }})T", R"E([])E"},
      {R"T({%- set messages = msgs[1:] -%}{{ messages|length }}{{ msgs|length }})T", R"E(23)E"},
      {R"T({% set s %}  block {{ 1 }} {% endset %}[{{ s }}])T", R"E([  block 1 ])E"},
      {R"T({% set x | upper %}hello{% endset %}{{ x }})T", R"E(HELLO)E"},
  });
}

TEST(ChatStatements, Namespaces) {
  expect_renders({
      {R"T({% set ns = namespace(a=1, b=[]) %}{% set ns.a = ns.a + 1 %}{% set ns.b = ns.b + [ns.a] %}{{ ns.a }} {{ ns.b }} {{ ns.c }})T",
       R"E(2 [2] )E"},
      {R"T({% set ns = namespace(found=false) %}{% for x in xs %}{% if x == 2 %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.found }})T",
       R"E(True)E"},
      {R"T({% set ns = namespace() %}{% set ns.v = 'x' %}{{ ns.v }} {{ namespace(a=1) }})T", R"E(x <Namespace {'a': 1}>)E"},
      {R"T({% set ns = namespace(v=0) %}{% macro bump() %}{% set ns.v = ns.v + 1 %}{% endmacro %}{{ bump() }}{{ bump() }}{{ ns.v }})T",
       R"E(2)E"},
  });
}

TEST(ChatStatements, Macros) {
  expect_renders({
      {R"T({% macro m(a, b=2) %}{{ a }}{{ b }}{{ x }}{% endmacro %}{% set x = 'X' %}{{ m(1) }}{% set x = 'Y' %}{{ m(1, 3) }})T",
       R"E(12X13Y)E"},
      {R"T({% macro m(x, y=x * 2) %}{{ x }},{{ y }}{% endmacro %}{{ m(3) }} {{ m(3, 1) }} {{ m(y=1, x=2) }})T", R"E(3,6 3,1 2,1)E"},
      {R"T({% macro rec(n) %}{% if n > 0 %}{{ n }}{{ rec(n - 1) }}{% endif %}{% endmacro %}{{ rec(5) }})T", R"E(54321)E"},
      {R"T({% macro m() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, a=3) }})T", R"E((1, 2){'a': 3})E"},
      {R"T({% macro m(a, b) %}{{ a }}{{ b }}{% endmacro %}{{ m(1) }}|{{ m(b=2) }})T", R"E(1|2)E"},
      {R"T({% macro m() %}[{{ i }}]{% endmacro %}{% for i in [1,2] %}{{ m() }}{% endfor %})T", R"E([][])E"},
      {R"T({% for i in [1,2] %}{% macro m() %}[{{ i }}]{% endmacro %}{{ m() }}{% endfor %})T", R"E([1][2])E"},
      {R"T({% set x = 1 %}{% macro m() %}{% set x = 2 %}{{ x }}{% endmacro %}{{ m() }}{{ x }})T", R"E(21)E"},
      {R"T({% macro outer() %}{% macro inner() %}in{% endmacro %}{{ inner() }}out{% endmacro %}{{ outer() }})T", R"E(inout)E"},
      {R"T({% macro m() %}x{% endmacro %}{{ m is callable }} {{ m }})T", R"E(True <Macro 'm'>)E"},
  });
}

TEST(ChatStatements, CallBlocks) {
  expect_renders({
      {R"T({% macro m(a) %}<{{ caller(a) }}>{% endmacro %}{% call(v) m(5) %}got {{ v }}{% endcall %})T", R"E(<got 5>)E"},
      {R"T({% macro m() %}{{ caller() }}{{ caller() }}{% endmacro %}{% call m() %}c{% endcall %})T", R"E(cc)E"},
      {R"T({% macro m(a) %}{{ caller(a * 2) }}{% endmacro %}{% for i in xs %}{% call(v) m(i) %}{{ v }}-{{ i }};{% endcall %}{% endfor %})T",
       R"E(2-1;4-2;6-3;)E"},
  });
}

TEST(ChatStatements, WithFilterBlocksAndGlobals) {
  expect_renders({
      {R"T({% with x = 5, y = 6 %}{{ x + y }}{% endwith %}{{ x }})T", R"E(11)E"},
      {R"T({% set x = 1 %}{% with %}{% set x = 2 %}{{ x }}{% endwith %}{{ x }})T", R"E(21)E"},
      {R"T({% filter upper %}abc {{ s }}{% endfilter %})T", R"E(ABC HELLO WORLD)E"},
      {R"T({% set j = joiner(', ') %}{% for x in xs %}{{ j() }}{{ x }}{% endfor %})T", R"E(1, 2, 3)E"},
      {R"T({% set c = cycler('a', 'b') %}{{ c.next() }}{{ c.next() }}{{ c.next() }}{{ c.current }})T", R"E(abab)E"},
      {R"T({{ range(5)|list }} {{ range(1,10,3)|list }} {{ range(10, 0, -3)|list }} {{ range(0)|list }})T",
       R"E([0, 1, 2, 3, 4] [1, 4, 7] [10, 7, 4, 1] [])E"},
      {R"T({{ dict(a=1, b='x') }} {{ dict({'z': 1}, y=2) }})T", R"E({'a': 1, 'b': 'x'} {'z': 1, 'y': 2})E"},
      {R"T({{ strftime_now('%Y-%m-%d %H:%M:%S %A %B %d, %Y %j') }})T", R"E(2026-01-15 00:00:00 Thursday January 15, 2026 015)E"},
      {R"T({{ raise_exception('x') if false else 'fine' }})T", R"E(fine)E"},
  });
}

}  // namespace
}  // namespace osprey::chat::test
