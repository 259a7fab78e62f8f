// 64-byte aligned heap buffers for tensors and scratch space.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>

namespace osprey::base {

inline constexpr size_t kAlignment = 64;

struct AlignedFree {
  void operator()(void* p) const { std::free(p); }
};

template <typename T>
using AlignedPtr = std::unique_ptr<T[], AlignedFree>;

// Allocates `n` elements of T (uninitialized storage for trivial T). Throws std::bad_alloc on failure.
template <typename T>
AlignedPtr<T> aligned_alloc_array(size_t n) {
  size_t bytes = (n * sizeof(T) + kAlignment - 1) / kAlignment * kAlignment;
  if (bytes == 0) bytes = kAlignment;
  void* p = std::aligned_alloc(kAlignment, bytes);
  if (p == nullptr) throw std::bad_alloc();
  return AlignedPtr<T>(static_cast<T*>(p));
}

}  // namespace osprey::base
