// Helpers shared by every test binary: where ../shared is, and skipping when it is absent.
#pragma once

#include <gtest/gtest.h>

#include <string>

namespace osprey::test {

// $OSPREY_SHARED, else <repo>/../shared. Empty string if neither exists.
std::string shared_dir();
// Full path of a file under the shared folder ("" if the folder is missing).
std::string shared_path(const std::string& rel);
// A fresh temporary directory for this test process.
std::string temp_dir();

}  // namespace osprey::test

// Skips the current test with a message naming the missing path when ../shared is absent.
#define OSP_REQUIRE_SHARED(rel)                                                             \
  do {                                                                                      \
    if (::osprey::test::shared_path(rel).empty())                                           \
      GTEST_SKIP() << "shared material missing: " << (rel)                                  \
                   << " (set OSPREY_SHARED or put shared/ beside the repository)";          \
  } while (0)
