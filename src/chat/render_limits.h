// Bounds on one template render: no template may loop forever or exhaust memory.
#pragma once

#include <cstddef>
#include <cstdint>

namespace osprey::chat {

struct RenderLimits {
  size_t max_output_bytes = 8u << 20;    // the prompt, and any single string a template builds
  size_t max_total_bytes = 256u << 20;   // cumulative bytes of all strings and lists built
  uint64_t max_steps = 20'000'000;       // statements + expressions evaluated
  // Nested evaluation frames (blocks, expressions, macro calls: ~200 levels of macro recursion);
  // the deepest render needs about 1 MB of stack (several times that under ASan).
  int max_depth = 500;
  int64_t max_range = 100'000;           // range() length, as Jinja's sandbox (MAX_RANGE)
};

}  // namespace osprey::chat
