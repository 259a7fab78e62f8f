// The list of supported architectures, keyed by GGUF general.architecture.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/model/arch.h"

namespace osprey::model {

struct ArchEntry {
  const char* name;
  std::unique_ptr<Architecture> (*create)();
};

const std::vector<ArchEntry>& architectures();
const ArchEntry* find_architecture(std::string_view name);
// "llama, qwen2, qwen3"
std::string architecture_names();

}  // namespace osprey::model
