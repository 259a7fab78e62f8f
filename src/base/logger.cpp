#include "src/base/logger.h"

namespace osprey::base {

void Logger::write(LogLevel level, const std::string& line) {
  static constexpr const char* kTags[] = {"D", "I", "W", "E", ""};
  std::lock_guard<std::mutex> lock(mu_);
  std::fprintf(sink_, "%s %s\n", kTags[static_cast<int>(level)], line.c_str());
  std::fflush(sink_);
}

}  // namespace osprey::base
