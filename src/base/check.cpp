#include "src/base/check.h"

namespace osprey::base {
void check_failed(const char* file, int line, const std::string& what) {
  std::fprintf(stderr, "osprey: internal check failed at %s:%d: %s\n", file, line, what.c_str());
  std::fflush(stderr);
  std::abort();
}
}  // namespace osprey::base
