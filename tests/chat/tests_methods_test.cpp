// `is` tests and the Python methods of str, dict and list values. Expected texts are what Python
// Jinja2 3.1 renders in the immutable sandbox.
#include "tests/chat/chat_test_util.h"

namespace osprey::chat::test {
namespace {

TEST(ChatTests, TypeTests) {
  expect_renders({
      {R"T({{ t is true }} {{ t is boolean }} {{ 1 is boolean }} {{ 1 is integer }} {{ true is integer }} {{ 1.0 is float }} {{ true is number }})T",
       R"E(True True False True False True True)E"},
      {R"T({{ xs is iterable }} {{ s is string }} {{ d is mapping }} {{ xs is mapping }} {{ {} is sequence }} {{ none is sequence }} {{ d.items() is sequence }})T",
       R"E(True True True False True False False)E"},
      {R"T({{ n is none }} {{ n is not none }} {{ missing is defined }} {{ tools is defined }} {{ namespace() is iterable }})T",
       R"E(True False False False False)E"},
      {R"T({{ 'ABC' is upper }} {{ 'AbC' is upper }} {{ 'a' is lower }} {{ 'upper' is filter }} {{ 'nope' is filter }} {{ 'defined' is test }})T",
       R"E(True False True True False True)E"},
      {R"T({{ missing is callable }} {{ xs is callable }} {{ true is sameas true }} {{ xs is sameas xs }})T",
       R"E(True False True True)E"},
  });
}

TEST(ChatTests, ValueTests) {
  expect_renders({
      {R"T({{ 4 is divisibleby 2 }} {{ 5 is divisibleby(2) }} {{ 3 is odd }} {{ 4 is even }} {{ 3.0 is odd }})T",
       R"E(True False True True True)E"},
      {R"T({{ 1 is eq 1 }} {{ 2 is gt 1 }} {{ 2 is lt 1 }} {{ 'a' is in 'abc' }} {{ 1 is ne 1 }} {{ 2 is ge 2 }} {{ 'x' is equalto 'x' }})T",
       R"E(True True False True False True True)E"},
  });
}

TEST(ChatMethods, StringMethods) {
  expect_renders({
      {R"T({{ s.split() }} {{ ' a  b '.split(' ') }} {{ 'a,b,c'.split(',', 1) }} {{ 'a b'.split(None) }} {{ "a\tb".split() }})T",
       R"E(['Hello', 'World'] ['', 'a', '', 'b', ''] ['a', 'b,c'] ['a', 'b'] ['a', 'b'])E"},
      {R"T({{ "a-b-c".rsplit('-', 1) }} {{ " a b c ".rsplit(None, 1) }} {{ "a\nb\r\nc".splitlines() }} {{ "abc".partition('b') }})T",
       R"E(['a-b', 'c'] [' a b', 'c'] ['a', 'b', 'c'] ('a', 'b', 'c'))E"},
      {R"T({{ '  a  '.strip() }}|{{ 'xya'.lstrip('xy') }}|{{ 'a\n'.rstrip() }}|{{ '\n\nx\n'.strip('\n') }}|)T", R"E(a|a|a|x|)E"},
      {R"T({{ s.startswith('He') }} {{ s.endswith('ld') }} {{ s.startswith('el', 1) }} {{ 'abc'.startswith(('x','a')) }})T",
       R"E(True True True True)E"},
      {R"T({{ 'abc'.startswith('a', -9223372036854775807) }} {{ 'abc'.startswith('', 3) }} {{ 'abc'.startswith('', 4) }})T",
       R"E(True True False)E"},
      {R"T({{ 'abc'.find('c') }} {{ 'abc'.find('z') }} {{ 'abcabc'.rfind('b') }} {{ 'abc'.index('b') }} {{ 'aaa'.count('a') }} {{ 'abc'.find('a', 1) }})T",
       R"E(2 -1 4 1 3 -1)E"},
      {R"T({{ s.replace('o', '0', 1) }} {{ s.upper() }} {{ s.lower() }} {{ 'a b'.title() }} {{ 'Hello'.swapcase() }} {{ 'ß'.upper() }})T",
       R"E(Hell0 World HELLO WORLD hello world A B hELLO SS)E"},
      {R"T({{ ', '.join(['a', 'b']) }} {{ ''.join('abc') }} {{ 'abc'.removeprefix('a') }} {{ 'abc'.removesuffix('c') }})T",
       R"E(a, b abc bc ab)E"},
      {R"T({{ 'x'.center(4, '*') }} {{ '5'.zfill(3) }} {{ '-5'.zfill(4) }} {{ 'a'.ljust(3, '.') }}|{{ 'a'.rjust(3) }})T",
       R"E(*x** 005 -005 a..|  a)E"},
      {R"T({{ '123'.isdigit() }} {{ 'ab1'.isalnum() }} {{ ' '.isspace() }} {{ 'Ab'.istitle() }} {{ 'abc'.isupper() }} {{ 'x'.isalpha() }})T",
       R"E(True True True True False True)E"},
      {R"T({{ u.title() }} {{ u|upper }} {{ u.find('w') }} {{ u|wordcount }})T", R"E(Héllo Wörld 你好 HÉLLO WÖRLD 你好 6 3)E"},
  });
}

TEST(ChatMethods, Formatting) {
  expect_renders({
      {R"T({{ '{}x{}'.format(1,2) }} {{ '{0:>5}|{1:.2f}|{n}'.format('a', 3.14159, n=5) }})T", R"E(1x2     a|3.14|5)E"},
      {R"T({{ '{:5d}|{:<5}|{:^5}|{:05.1f}|{:x}|{:,}|{!r}'.format(42, 'ab', 'c', 3.14159, 255, 1234567, 'q') }})T",
       R"E(   42|ab   |  c  |003.1|ff|1,234,567|'q')E"},
      {R"T({{ '{0}{1}{0}'.format('a', 'b') }} {{ '{a[0]}{b.c}'.format(a=[9], b={'c': 8}) }} {{ '{{}}'.format() }})T", R"E(aba 98 {})E"},
      {R"T({{ "%s-%s" % ('a', 'b') }} {{ "%5.2f|%-4s|%03d" % (3.14159, 'x', 7) }} {{ '%(a)s-%(b)d' % {'a': 'x', 'b': 3} }})T",
       R"E(a-b  3.14|x   |007 x-3)E"},
      {R"T({{ 'ab' % xs }}|{{ 'ab' % {'k': 1} }}|{{ '%s' % [1] }})T", R"E(ab|ab|[1])E"},
      {R"T({{ '%x %o %e %g %c %%' % (255, 8, 12345.678, 0.0001, 65) }} {{ '%.3s|%5s|%-5d|%+d|% d' % ('abcdef', 'ab', 3, 3, 3) }})T",
       R"E(ff 10 1.234568e+04 0.0001 A % abc|   ab|3    |+3| 3)E"},
  });
}

TEST(ChatMethods, DictAndListMethods) {
  expect_renders({
      {R"T({{ d.get('zz') }} {{ d.get('a', 5) }} {{ msgs[0].get('role') }} {{ msgs[0].get('nope', 'dflt') }})T", R"E(None 1 system dflt)E"},
      {R"T({{ d.items() }}|{{ d.keys() }}|{{ d.values() }}|{{ msgs[0].items()|list|length }})T",
       R"E(dict_items([('a', 1), ('b', [1, 'x']), ('c', None)])|dict_keys(['a', 'b', 'c'])|dict_values([1, [1, 'x'], None])|2)E"},
      {R"T({{ xs.index(2) }} {{ xs.count(1) }} {{ d.copy() == d }})T", R"E(1 1 True)E"},
  });
}

}  // namespace
}  // namespace osprey::chat::test
