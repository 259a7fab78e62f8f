#include "src/model/registry.h"

namespace osprey::model {

// The only list of architectures: adding one is archs/<name>.cpp defining create_<name>() plus
// one X(<name>) here.
#define OSPREY_ARCHITECTURES(X) \
  X(llama)                      \
  X(qwen2)                      \
  X(qwen3)

#define OSPREY_DECLARE_ARCH(name) std::unique_ptr<Architecture> create_##name();
OSPREY_ARCHITECTURES(OSPREY_DECLARE_ARCH)
#undef OSPREY_DECLARE_ARCH

const std::vector<ArchEntry>& architectures() {
#define OSPREY_ARCH_ENTRY(name) ArchEntry{#name, &create_##name},
  static const std::vector<ArchEntry> kList = {OSPREY_ARCHITECTURES(OSPREY_ARCH_ENTRY)};
#undef OSPREY_ARCH_ENTRY
  return kList;
}

const ArchEntry* find_architecture(std::string_view name) {
  for (const auto& e : architectures())
    if (name == e.name) return &e;
  return nullptr;
}

std::string architecture_names() {
  std::string s;
  for (const auto& e : architectures()) s += (s.empty() ? "" : ", ") + std::string(e.name);
  return s;
}

}  // namespace osprey::model
