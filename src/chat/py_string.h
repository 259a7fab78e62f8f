// Python str semantics on UTF-8 strings: code-point indexing, split/strip/case methods, repr and
// float formatting, so that templates see the same strings that Python Jinja2 sees.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace osprey::chat {

// Decodes one code point at `pos`; an invalid byte decodes as itself (0xDC00 + byte, like
// Python's surrogateescape) with length 1, so that slicing keeps the original bytes.
uint32_t decode_utf8(std::string_view s, size_t pos, size_t* len);
void append_utf8(std::string& out, uint32_t cp);
// Byte offsets of every code point start, plus s.size() at the end.
std::vector<size_t> code_point_offsets(std::string_view s);
size_t code_point_count(std::string_view s);

bool py_isspace(uint32_t cp);
bool py_is_printable(uint32_t cp);
bool py_is_alpha(uint32_t cp);
bool py_is_decimal(uint32_t cp);
bool py_is_digit(uint32_t cp);
bool py_is_numeric(uint32_t cp);
bool py_is_cased_upper(uint32_t cp);
bool py_is_cased_lower(uint32_t cp);
bool py_is_cased(uint32_t cp);
uint32_t py_to_upper(uint32_t cp);
uint32_t py_to_lower(uint32_t cp);
uint32_t py_to_title(uint32_t cp);
// True when every code point satisfies pred and the string is not empty (str.isdigit etc.).
bool py_all_of(std::string_view s, bool (*pred)(uint32_t));

std::string py_upper(std::string_view s);
std::string py_lower(std::string_view s);
std::string py_swapcase(std::string_view s);
std::string py_title(std::string_view s);        // str.title()
std::string py_capitalize(std::string_view s);   // str.capitalize()
std::string jinja_title(std::string_view s);     // Jinja's |title filter (splits on -, space, ( { [ <)

// str.strip/lstrip/rstrip; `chars` absent strips Python whitespace.
std::string py_strip(std::string_view s, const std::optional<std::string>& chars, bool left,
                     bool right);
// str.split / str.rsplit; `sep` absent splits on runs of whitespace. maxsplit < 0: no limit.
std::vector<std::string> py_split(std::string_view s, const std::optional<std::string>& sep,
                                  int64_t maxsplit);
std::vector<std::string> py_rsplit(std::string_view s, const std::optional<std::string>& sep,
                                   int64_t maxsplit);
std::vector<std::string> py_splitlines(std::string_view s, bool keepends);
// str.replace; count < 0 replaces all.
std::string py_replace(std::string_view s, std::string_view old, std::string_view repl,
                       int64_t count);
// Code-point index of the first/last occurrence of sub in s[start:end] (Python slice bounds), -1 if none.
int64_t py_find(std::string_view s, std::string_view sub, std::optional<int64_t> start,
                std::optional<int64_t> end, bool reverse);
int64_t py_count(std::string_view s, std::string_view sub);
std::string py_center(std::string_view s, int64_t width, std::string_view fill);

// repr(str): quotes chosen as Python does, escapes for non-printable characters.
void append_py_repr(std::string& out, std::string_view s);
// repr(float) / str(float): shortest round-trip digits, "1e+16", "0.0001", "1.0", "inf", "nan".
std::string format_py_float(double d);

// Python slice resolution: fills the selected indices of a sequence of length n.
struct SliceSpec {
  std::optional<int64_t> start, stop, step;
};
// Returns false when step == 0 (ValueError in Python).
bool slice_indices(const SliceSpec& spec, int64_t n, std::vector<int64_t>* out);

}  // namespace osprey::chat
