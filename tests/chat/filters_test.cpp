// Filters (Jinja2 3.1 built-ins and Hugging Face's tojson). Expected texts are what Python Jinja2
// renders with the transformers settings.
#include "tests/chat/chat_test_util.h"

namespace osprey::chat::test {
namespace {

TEST(ChatFilters, ToJson) {
  expect_renders({
      {R"T({{ d|tojson }})T", R"E({"a": 1, "b": [1, "x"], "c": null})E"},
      {R"T({{ d|tojson(indent=2) }})T", R"E({
  "a": 1,
  "b": [
    1,
    "x"
  ],
  "c": null
})E"},
      {R"T({{ {'b': 1, 'a': {'d': 2, 'c': 3}}|tojson(sort_keys=true) }})T", R"E({"a": {"c": 3, "d": 2}, "b": 1})E"},
      {R"T({{ u|tojson }} {{ u|tojson(ensure_ascii=true) }} {{ '🙂'|tojson(ensure_ascii=true) }})T",
       R"E("héllo wörld 你好" "h\u00e9llo w\u00f6rld \u4f60\u597d" "\ud83d\ude42")E"},
      {R"T({{ 'a"b\\c\n\t\u0001'|tojson }} {{ 1.0|tojson }} {{ none|tojson }} {{ (1, 2)|tojson }} {{ true|tojson }})T",
       R"E("a\"b\\c\n\t\u0001" 1.0 null [1, 2] true)E"},
      {R"T({{ {1: 'a', none: 'b', true: 'c', 2.5: 'd'}|tojson }})T", R"E({"1": "c", "null": "b", "2.5": "d"})E"},
      {R"T({{ d|tojson(indent='--') }})T", R"E({
--"a": 1,
--"b": [
----1,
----"x"
--],
--"c": null
})E"},
      {R"T({{ [1,[2,[]],{}]|tojson(indent=0) }} {{ d|tojson(separators=(',', ':')) }})T", R"E([
1,
[
2,
[]
],
{}
] {"a":1,"b":[1,"x"],"c":null})E"},
      {R"T({{ {'k': [1]}|tojson(none, 1, none, true) }} {{ xs|tojson(4) }})T", R"E({
 "k": [
  1
 ]
} [1, 2, 3])E"},
      {R"T({{ msgs[2].tool_calls[0].function.arguments|tojson }})T", R"E({"x": 1})E"},
  });
}

TEST(ChatFilters, StringFilters) {
  expect_renders({
      {R"T({{ "  x  "|trim }}|{{ "xxaxx"|trim('x') }}|{{ s|upper }}|{{ s|lower }}|{{ "they're"|capitalize }})T",
       R"E(x|a|HELLO WORLD|hello world|They're)E"},
      {R"T({{ "hello world  x"|title }} {{ "they're bill's"|title }} {{ "a-b (c) [d"|title }})T",
       R"E(Hello World  X They're Bill's A-B (C) [D)E"},
      {R"T({{ s|replace('l', 'L') }} {{ s|replace('l', 'L', 2) }} {{ 'ab'|replace('', '-') }})T",
       R"E(HeLLo WorLd HeLLo World -a-b-)E"},
      {R"T({{ "x\ny\n\nz"|indent(2) }}|{{ "x\ny"|indent(2, true) }}|{{ "x\n\ny"|indent(2, blank=true) }}|{{ "a\nb"|indent('>') }})T",
       R"E(x
  y

  z|  x
  y|x
  
  y|a
>b)E"},
      {R"T({{ 'abc'|center(9) }}| {{ 'a b c'|wordcount }} {{ 'héllo-wörld x_y 12'|wordcount }})T", R"E(   abc   | 3 4)E"},
      {R"T({{ 'Hello World'|truncate(5) }} {{ 'Hello World'|truncate(9, true) }} {{ 'Hello World Again Here'|truncate(12, leeway=0) }})T",
       R"E(He... Hello World Hello...)E"},
      {R"T({{ 'abc'|e }} {{ '<a href="x">&\'</a>'|escape }} {{ '<b>'|safe }})T",
       R"E(abc &lt;a href=&#34;x&#34;&gt;&amp;&#39;&lt;/a&gt; <b>)E"},
      {R"T({{ "%s is %d"|format('a', 3) }} {{ xs|string }} {{ 12|string + 'x' }} {{ s|reverse }})T",
       R"E(a is 3 [1, 2, 3] 12x dlroW olleH)E"},
  });
}

TEST(ChatFilters, DefaultLengthFirstLast) {
  expect_renders({
      {R"T({{ e|default('dflt') }} {{ e|default('dflt', true) }} {{ missing|default('m') }} {{ missing|d }}| {{ none|default('x') }} {{ n|default('z', boolean=true) }})T",
       R"E( dflt m | None z)E"},
      {R"T({{ xs|length }} {{ s|count }} {{ d|length }} {{ u|length }} {{ missing|length }})T", R"E(3 11 3 14 0)E"},
      {R"T({{ xs|first }} {{ xs|last }} {{ e|first }} {{ s|first }} {{ d|first }} {{ d|list }} {{ s|list|length }})T",
       R"E(1 3  H a ['a', 'b', 'c'] 11)E"},
  });
}

TEST(ChatFilters, Numbers) {
  expect_renders({
      {R"T({{ 3|round }} {{ 2.5|round }} {{ 2.675|round(2) }} {{ -2.5|round }} {{ 1234|round(-2) }} {{ 2.5|round(method='floor') }} {{ 3|round(method='ceil') }})T",
       R"E(3 2.0 2.67 -2.0 1200 2.0 3.0)E"},
      {R"T({{ 3.7|int }} {{ '3.7'|int }} {{ ' 12 '|int }} {{ '1_000'|int }} {{ '0x1A'|int(base=16) }} {{ '12abc'|int(7) }} {{ true|int }} {{ '-3.9'|int }})T",
       R"E(3 3 12 1000 26 7 1 -3)E"},
      {R"T({{ 'x'|float }} {{ 5|float }} {{ '1e3'|float }} {{ ' 2.5 '|float }} {{ 'abc'|float(1.5) }} {{ none|float }})T",
       R"E(0.0 5.0 1000.0 2.5 1.5 0.0)E"},
      {R"T({{ neg|abs }} {{ -1.5|abs }} {{ xs|sum }} {{ objs[:2]|sum(attribute='v') }} {{ xs|sum(start=10) }})T", R"E(7 1.5 6 3 16)E"},
      {R"T({{ xs|max }} {{ []|max }} {{ objs|max(attribute='n') }} {{ ['a','B']|max }} {{ ['a','B']|max(case_sensitive=true) }} {{ strs|min }})T",
       R"E(3  {'n': 'z'} B a A)E"},
  });
}

TEST(ChatFilters, Sequences) {
  expect_renders({
      {R"T({{ xs|join(',') }} {{ objs|join('|', attribute='n') }} {{ 'abc'|join('-') }} {{ [1, none, 'x']|join }})T",
       R"E(1,2,3 x|y|z a-b-c 1Nonex)E"},
      {R"T({{ {'b':1,'A':2,'a':3}|dictsort }} {{ {'x': 2, 'y': 1}|dictsort(by='value') }} {{ {'b': 2, 'a': 1}|dictsort(reverse=true) }})T",
       R"E([('A', 2), ('a', 3), ('b', 1)] [('y', 1), ('x', 2)] [('b', 2), ('a', 1)])E"},
      {R"T({{ strs|sort }} {{ strs|sort(case_sensitive=true) }} {{ strs|sort(reverse=true) }} {{ objs|sort(attribute='n', reverse=true)|map(attribute='n')|join }})T",
       R"E(['A', 'a', 'b', 'C'] ['A', 'C', 'a', 'b'] ['C', 'b', 'A', 'a'] zyx)E"},
      {R"T({{ ['b','A','a']|unique|list }} {{ strs|unique(case_sensitive=true)|list }} {{ [1, 1.0, 2, true]|unique|list }})T",
       R"E(['b', 'A'] ['b', 'A', 'a', 'C'] [1, 2])E"},
      {R"T({{ xs|reverse|list }} {{ xs|list }} {{ d|items|list }} {{ missing|items|list }})T",
       R"E([3, 2, 1] [1, 2, 3] [('a', 1), ('b', [1, 'x']), ('c', None)] [])E"},
      {R"T({{ xs|batch(2)|list }} {{ range(5)|batch(2, 0)|list }} {{ xs|slice(2)|list }} {{ range(7)|slice(3, 'x')|list }})T",
       R"E([[1, 2], [3]] [[0, 1], [2, 3], [4, 0]] [[1, 2], [3]] [[0, 1, 2], [3, 4, 'x'], [5, 6, 'x']])E"},
  });
}

TEST(ChatFilters, MapSelectReject) {
  expect_renders({
      {R"T({{ xs|map('string')|list }} {{ [{'a':1},{'a':2}]|map(attribute='a')|list }} {{ objs|map(attribute='v', default=0)|list }})T",
       R"E(['1', '2', '3'] [1, 2] [2, 1, 0])E"},
      {R"T({{ 'a,b'.split(',')|map('upper')|list }} {{ ['1', '2']|map('int')|sum }} {{ nested|map('upper')|list }})T",
       R"E(['A', 'B'] 3 ['A'])E"},
      {R"T({{ xs|select('odd')|list }} {{ xs|reject('odd')|list }} {{ [0, 1, '', 'a', none]|select|list }} {{ xs|select('greaterthan', 1)|list }} {{ xs|select('>', 1)|list }})T",
       R"E([1, 3] [2] [1, 'a'] [2, 3] [2, 3])E"},
      {R"T({{ msgs|selectattr('role', 'equalto', 'user')|map(attribute='content')|list }} {{ msgs|selectattr('tool_calls', 'defined')|list|length }} {{ objs|selectattr('v')|list|length }} {{ objs|rejectattr('v', 'equalto', 2)|map(attribute='n')|list }})T",
       R"E(['hi'] 1 2 ['y', 'z'])E"},
      {R"T({{ 0|reject|list }} {{ none|map('upper')|list }} {{ ''|select|list }} {{ strs|truncate(3)|length }})T", R"E([] [] [] 4)E"},
      {R"T({{ msgs|map(attribute='role')|join(',') }} {{ [{'a': {'b': 5}}]|map(attribute='a.b')|list }} {{ [[1, 2]]|map(attribute='1')|list }})T",
       R"E(system,user,assistant [5] [2])E"},
  });
}

}  // namespace
}  // namespace osprey::chat::test
