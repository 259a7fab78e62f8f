// Invariant checks: a broken invariant is a bug, so it prints both values and aborts.
// Bad input never reaches these; it returns a Status instead.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

namespace osprey::base {
[[noreturn]] void check_failed(const char* file, int line, const std::string& what);

template <typename A, typename B>
std::string check_op_message(const char* expr, const A& a, const B& b) {
  std::ostringstream os;
  os << expr << " (" << a << " vs " << b << ")";
  return os.str();
}
}  // namespace osprey::base

#define OSP_CHECK(cond)                                                      \
  do {                                                                       \
    if (!(cond)) ::osprey::base::check_failed(__FILE__, __LINE__, #cond);    \
  } while (0)

#define OSP_CHECK_OP_(a, b, op)                                                          \
  do {                                                                                   \
    const auto& osp_a_ = (a);                                                            \
    const auto& osp_b_ = (b);                                                            \
    if (!(osp_a_ op osp_b_))                                                             \
      ::osprey::base::check_failed(                                                      \
          __FILE__, __LINE__,                                                            \
          ::osprey::base::check_op_message(#a " " #op " " #b, osp_a_, osp_b_));          \
  } while (0)

#define OSP_CHECK_EQ(a, b) OSP_CHECK_OP_(a, b, ==)
#define OSP_CHECK_NE(a, b) OSP_CHECK_OP_(a, b, !=)
#define OSP_CHECK_LT(a, b) OSP_CHECK_OP_(a, b, <)
#define OSP_CHECK_LE(a, b) OSP_CHECK_OP_(a, b, <=)
#define OSP_CHECK_GT(a, b) OSP_CHECK_OP_(a, b, >)
#define OSP_CHECK_GE(a, b) OSP_CHECK_OP_(a, b, >=)
