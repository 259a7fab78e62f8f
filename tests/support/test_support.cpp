#include "tests/support/test_support.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace osprey::test {

namespace fs = std::filesystem;

std::string shared_dir() {
  if (const char* env = std::getenv("OSPREY_SHARED"); env != nullptr && fs::is_directory(env))
    return env;
  fs::path p = fs::path(OSPREY_SOURCE_DIR).parent_path() / "shared";
  if (fs::is_directory(p)) return p.string();
  return "";
}

std::string shared_path(const std::string& rel) {
  std::string dir = shared_dir();
  if (dir.empty()) return "";
  fs::path p = fs::path(dir) / rel;
  return fs::exists(p) ? p.string() : "";
}

std::string temp_dir() {
  static std::string dir;
  if (dir.empty()) {
    fs::path base = fs::temp_directory_path() / ("osprey-test-" + std::to_string(::getpid()));
    fs::create_directories(base);
    dir = base.string();
  }
  return dir;
}

}  // namespace osprey::test
