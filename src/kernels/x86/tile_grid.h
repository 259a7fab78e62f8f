// The generic tiled loops every x86 matmul kernel shares. A kernel type T<R, C> computes an R-row by
// C-token tile over the whole k; the walks below cover the output in such tiles, taking smaller
// instantiations at the edges. Each output value is accumulated by the same instruction sequence
// whatever tile it falls in, so results do not depend on how rows are split between threads.
//  - mm_tiles: T<R, C>::run reads the weight blocks directly (decode, small batches).
//  - mm_unpacked: each group of R weight rows is first unpacked by U::unpack into `scratch`
//    (quants widened to bytes, scales spread, ready for the multiply), then T<R, C>::run streams
//    every token tile past it (prompt batches: the unpacking is paid once per row tile).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace osprey::kernels::x86 {
namespace {

// y[t * ys + r] for r < R, t < C; w rows are wrb bytes apart, activation rows xrb bytes apart.
using TileRunFn = void (*)(const uint8_t* w, size_t wrb, const uint8_t* x, size_t xrb, float* y, int64_t ys,
                           int64_t k);

template <class Fn, template <int, int> class T, int R, int C>
constexpr std::array<Fn, R * C> make_grid() {
  std::array<Fn, R * C> a{};
  [&]<int... I>(std::integer_sequence<int, I...>) {
    ((a[I] = &T<I / C + 1, I % C + 1>::run), ...);
  }(std::make_integer_sequence<int, R * C>{});
  return a;
}

template <template <int, int> class T, int R, int C>
void mm_tiles(const void* w, size_t wrb, const void* x, size_t xrb, float* y, int64_t ys, int64_t n_rows,
              int64_t n_tok, int64_t k) {
  static constexpr std::array<TileRunFn, R * C> kGrid = make_grid<TileRunFn, T, R, C>();
  const auto* wb = static_cast<const uint8_t*>(w);
  const auto* xb = static_cast<const uint8_t*>(x);
  for (int64_t r0 = 0; r0 < n_rows; r0 += R) {
    const int rr = static_cast<int>(n_rows - r0 < R ? n_rows - r0 : R);
    for (int64_t t0 = 0; t0 < n_tok; t0 += C) {
      const int cc = static_cast<int>(n_tok - t0 < C ? n_tok - t0 : C);
      kGrid[(rr - 1) * C + (cc - 1)](wb + r0 * wrb, wrb, xb + t0 * xrb, xrb, y + t0 * ys + r0, ys, k);
    }
  }
}

// A tile over unpacked weights: `u` holds rr rows unpacked by U (rr = the tile's R).
using UnpackedRunFn = void (*)(const uint8_t* u, const uint8_t* x, size_t xrb, float* y, int64_t ys, int64_t k);

// U::unpack(const uint8_t* w, size_t wrb, int rows, int64_t k, uint8_t* dst) writes rows unpacked;
// U::bytes(rows, k) is the space it needs.
template <class U, template <int, int> class T, int R, int C>
void mm_unpacked(const void* w, size_t wrb, const void* x, size_t xrb, float* y, int64_t ys, int64_t n_rows,
                 int64_t n_tok, int64_t k, uint8_t* scratch) {
  static constexpr std::array<UnpackedRunFn, R * C> kGrid = make_grid<UnpackedRunFn, T, R, C>();
  const auto* wb = static_cast<const uint8_t*>(w);
  const auto* xb = static_cast<const uint8_t*>(x);
  for (int64_t r0 = 0; r0 < n_rows; r0 += R) {
    const int rr = static_cast<int>(n_rows - r0 < R ? n_rows - r0 : R);
    U::unpack(wb + r0 * wrb, wrb, rr, k, scratch);
    for (int64_t t0 = 0; t0 < n_tok; t0 += C) {
      const int cc = static_cast<int>(n_tok - t0 < C ? n_tok - t0 : C);
      kGrid[(rr - 1) * C + (cc - 1)](scratch, xb + t0 * xrb, xrb, y + t0 * ys + r0, ys, k);
    }
  }
}

}  // namespace
}  // namespace osprey::kernels::x86
