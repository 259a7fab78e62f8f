// Python str semantics helpers: float repr, str repr, whitespace, splitting, slicing, UTF-8.
// Expected values are what CPython 3.11 prints.
#include <gtest/gtest.h>

#include "src/chat/json_dump.h"
#include "src/chat/py_string.h"

namespace osprey::chat {
namespace {

TEST(ChatPyString, FloatRepr) {
  EXPECT_EQ(format_py_float(0.1), "0.1");
  EXPECT_EQ(format_py_float(1e22), "1e+22");
  EXPECT_EQ(format_py_float(1e-5), "1e-05");
  EXPECT_EQ(format_py_float(0.001), "0.001");
  EXPECT_EQ(format_py_float(123456789.123), "123456789.123");
  EXPECT_EQ(format_py_float(2.5e-10), "2.5e-10");
  EXPECT_EQ(format_py_float(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(format_py_float(9007199254740993.0), "9007199254740992.0");
  EXPECT_EQ(format_py_float(1e16), "1e+16");
  EXPECT_EQ(format_py_float(9999999999999998.0), "9999999999999998.0");
  EXPECT_EQ(format_py_float(-0.0), "-0.0");
  EXPECT_EQ(format_py_float(3.0), "3.0");
  EXPECT_EQ(format_py_float(1.0 / 0.0), "inf");
  EXPECT_EQ(format_py_float(-1.0 / 0.0), "-inf");
}

TEST(ChatPyString, StrRepr) {
  std::string out;
  append_py_repr(out, std::string("a\0b\x7f\u200b\u00a0\U0001F642\u2028\\", 17));
  EXPECT_EQ(out, R"('a\x00b\x7f\u200b\xa0🙂\u2028\\')");
  out.clear();
  append_py_repr(out, "tab\there");
  append_py_repr(out, "it's");
  append_py_repr(out, "both ' \"");
  EXPECT_EQ(out, R"('tab\there'"it's"'both \' "')");
}

TEST(ChatPyString, WhitespaceAndSplitting) {
  EXPECT_EQ(py_strip(" \u3000a\u2003 ", std::nullopt, true, true), "a");
  EXPECT_EQ(py_strip("xxaxx", std::string("x"), true, false), "axx");
  EXPECT_EQ(py_split(" a ", std::nullopt, 0), (std::vector<std::string>{"a "}));
  EXPECT_EQ(py_rsplit(" a ", std::nullopt, 0), (std::vector<std::string>{" a"}));
  const auto lines = py_splitlines("a\x0b" "b\x0c" "c\x1c" "d\u0085e\r\nf", false);
  EXPECT_EQ(lines, (std::vector<std::string>{"a", "b", "c", "d", "e", "f"}));
  EXPECT_EQ(py_split("  a  b  c  ", std::nullopt, 1), (std::vector<std::string>{"a", "b  c  "}));
  EXPECT_EQ(py_rsplit("  a  b  c  ", std::nullopt, 1), (std::vector<std::string>{"  a  b", "c"}));
  EXPECT_EQ(py_split("a,,b", std::string(","), -1), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(py_rsplit("a,b,c", std::string(","), 1), (std::vector<std::string>{"a,b", "c"}));
  EXPECT_EQ(py_replace("aaa", "a", "b", 2), "bba");
  EXPECT_EQ(py_find("héllo", "l", std::nullopt, std::nullopt, false), 2);
  EXPECT_EQ(py_find("héllo", "l", std::nullopt, std::nullopt, true), 3);
  EXPECT_EQ(py_count("ababa", "aba"), 1);
}

TEST(ChatPyString, Slices) {
  std::vector<int64_t> idx;
  ASSERT_TRUE(slice_indices({std::nullopt, std::nullopt, -1}, 4, &idx));
  EXPECT_EQ(idx, (std::vector<int64_t>{3, 2, 1, 0}));
  ASSERT_TRUE(slice_indices({-10, 2, std::nullopt}, 4, &idx));
  EXPECT_EQ(idx, (std::vector<int64_t>{0, 1}));
  ASSERT_TRUE(slice_indices({1, std::nullopt, INT64_MAX}, 4, &idx));
  EXPECT_EQ(idx, (std::vector<int64_t>{1}));
  ASSERT_TRUE(slice_indices({INT64_MAX, INT64_MIN, INT64_MIN}, 4, &idx));
  EXPECT_EQ(idx, (std::vector<int64_t>{3}));
  EXPECT_FALSE(slice_indices({std::nullopt, std::nullopt, 0}, 4, &idx));
}

TEST(ChatPyString, InvalidUtf8KeepsBytes) {
  const std::string bad = "a\xff\xc3(b";
  EXPECT_EQ(code_point_count(bad), 5u);
  std::string rebuilt;
  for (size_t pos = 0; pos < bad.size();) {
    size_t len = 1;
    append_utf8(rebuilt, decode_utf8(bad, pos, &len));
    pos += len;
  }
  EXPECT_EQ(rebuilt, bad);
  EXPECT_EQ(py_upper(bad), "A\xff\xc3(B");
}

TEST(ChatJsonDump, PythonJsonDumps) {
  Dict d;
  d.set(Value::string("k"), Value::list({Value::integer(1), Value::number(2.0), Value::none()}));
  d.set(Value::string("é"), Value::boolean(true));
  std::string out;
  ASSERT_TRUE(py_json_dumps(Value::dict(d), JsonDumpOptions{}, 1 << 20, out).ok());
  EXPECT_EQ(out, R"({"k": [1, 2.0, null], "é": true})");
  out.clear();
  JsonDumpOptions ascii;
  ascii.ensure_ascii = true;
  ASSERT_TRUE(py_json_dumps(Value::dict(d), ascii, 1 << 20, out).ok());
  EXPECT_EQ(out, R"({"k": [1, 2.0, null], "\u00e9": true})");
  out.clear();
  EXPECT_FALSE(py_json_dumps(Value(), JsonDumpOptions{}, 1 << 20, out).ok());
  out.clear();
  const Value big = Value::list(List(1000, Value::string("xxxxxxxxxx")));
  EXPECT_EQ(py_json_dumps(big, JsonDumpOptions{}, 100, out).code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace osprey::chat
