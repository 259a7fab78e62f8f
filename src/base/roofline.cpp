#include "src/base/roofline.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#include "src/base/aligned.h"
#include "src/base/cpu_features.h"
#include "src/base/timer.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace osprey::base {

namespace {

#if defined(__x86_64__)
// Software prefetch on top of the hardware prefetcher: on some machines this reads faster than
// plain loads, and the decode kernels prefetch too, so the ceiling must. Two policies, as the
// kernels use: 8 KiB ahead into L1 (the 256-bit kernels) and 32 KiB ahead into L2 (the AVX-512
// K-quant GEMV); the ceiling is the faster.
// kL1: prefetch into L1 (T0), else into L2 (T1). (The hint is spelled out: GCC takes an enum,
// clang a constant, so it cannot be a template argument of one type for both.)
template <int kAhead, bool kL1>
__attribute__((target("avx2"))) uint64_t read_avx2(const uint8_t* p, size_t bytes) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i + 128 <= bytes; i += 128) {
    const char* next = reinterpret_cast<const char*>(p + i + kAhead);
    if constexpr (kL1) {
      _mm_prefetch(next, _MM_HINT_T0);
      _mm_prefetch(next + 64, _MM_HINT_T0);
    } else {
      _mm_prefetch(next, _MM_HINT_T1);
      _mm_prefetch(next + 64, _MM_HINT_T1);
    }
    a0 = _mm256_xor_si256(a0, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i)));
    a1 = _mm256_xor_si256(a1, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 32)));
    a2 = _mm256_xor_si256(a2, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 64)));
    a3 = _mm256_xor_si256(a3, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 96)));
  }
  __m256i a = _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3));
  return static_cast<uint64_t>(_mm256_extract_epi64(a, 0) ^ _mm256_extract_epi64(a, 3));
}

// 12 independent FMA chains cover latency 4 x 2 ports with room to spare.
__attribute__((target("avx2,fma"))) float fma_avx2(int64_t iters, float seed) {
  __m256 acc[12];
  for (int j = 0; j < 12; ++j) acc[j] = _mm256_set1_ps(seed + 0.01f * j);
  const __m256 m = _mm256_set1_ps(0.999999f), a = _mm256_set1_ps(1e-7f);
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 12
    for (int j = 0; j < 12; ++j) acc[j] = _mm256_fmadd_ps(acc[j], m, a);
  }
  __m256 s = acc[0];
  for (int j = 1; j < 12; ++j) s = _mm256_add_ps(s, acc[j]);
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0] + out[7];
}

struct alignas(64) TileConfig {
  uint8_t palette = 1, start_row = 0, reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};

// 4 independent accumulator tiles, each TDPBF16PS 16 x 16 x 32 multiply-adds; sources are zero
// tiles, so the values stay finite.
__attribute__((target("amx-tile,amx-bf16"))) float amx_bf16(int64_t iters) {
  TileConfig c;
  for (int i = 0; i < 8; ++i) c.colsb[i] = 64, c.rows[i] = 16;
  _tile_loadconfig(&c);
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  _tile_zero(4);
  _tile_zero(5);
  _tile_zero(6);
  _tile_zero(7);
  for (int64_t i = 0; i < iters; ++i) {
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
  }
  alignas(64) float out[256];
  _tile_stored(0, out, 64);
  _tile_release();
  return out[0];
}
#endif

uint64_t read_scalar(const uint8_t* p, size_t bytes) {
  uint64_t a = 0, b = 0;
  for (size_t i = 0; i + 16 <= bytes; i += 16) {
    uint64_t x, y;
    std::memcpy(&x, p + i, 8);
    std::memcpy(&y, p + i + 8, 8);
    a ^= x;
    b ^= y;
  }
  return a ^ b;
}

float fma_scalar(int64_t iters, float seed) {
  float acc[8];
  for (int j = 0; j < 8; ++j) acc[j] = seed + 0.01f * j;
  for (int64_t i = 0; i < iters; ++i)
    for (int j = 0; j < 8; ++j) acc[j] = acc[j] * 0.999999f + 1e-7f;
  float s = 0;
  for (float v : acc) s += v;
  return s;
}

bool has_avx2_fma() {
  static const bool kHas = [] {
    CpuFeatures f = detect_cpu_features();
    return f.avx2 && f.fma;
  }();
  return kHas;
}

}  // namespace

double measure_read_bandwidth(ThreadPool& pool, int n_threads, const RooflineParams& params) {
  n_threads = std::clamp(n_threads, 1, pool.size());
  const size_t slice = params.buffer_bytes / static_cast<size_t>(n_threads) / 4096 * 4096;
  AlignedPtr<uint8_t> buf = aligned_alloc_array<uint8_t>(slice * static_cast<size_t>(n_threads));
  uint8_t* base = buf.get();
  pool.run([&](int ti, int) {
    if (ti < n_threads) std::memset(base + slice * static_cast<size_t>(ti), ti + 1, slice);
  });
  const bool simd = has_avx2_fma();
  uint64_t sink[64] = {};
  double best = 0;
  for (int rep = 0; rep < std::max(1, params.repetitions); ++rep) {
    for (int policy = 0; policy < (simd ? 2 : 1); ++policy) {
      Stopwatch sw;
      pool.run([&](int ti, int) {
        if (ti >= n_threads) return;
        const uint8_t* p = base + slice * static_cast<size_t>(ti);
#if defined(__x86_64__)
        sink[ti % 64] ^= !simd        ? read_scalar(p, slice)
                         : policy == 0 ? read_avx2<8192, true>(p, slice)
                                       : read_avx2<32768, false>(p, slice);
#else
        sink[ti % 64] ^= read_scalar(p, slice);
#endif
      });
      double s = sw.elapsed_s();
      if (s > 0) best = std::max(best, static_cast<double>(slice) * n_threads / s / 1e9);
    }
  }
  // Keeps the reads observable so the compiler cannot drop them.
  if (sink[0] == 0x5eed5eed5eed5eedull) best += 1e-12;
  return best;
}

namespace {

// GFLOP/s of `kernel(iters, thread)` (flops_per_iter per iteration) on n_threads threads: the
// iteration count is calibrated to about params.fma_seconds per pass, then the best of
// params.repetitions passes.
template <typename Kernel>
double calibrated_peak(ThreadPool& pool, int n_threads, const RooflineParams& params, double flops_per_iter,
                       int64_t first_iters, Kernel kernel) {
  n_threads = std::clamp(n_threads, 1, pool.size());
  auto pass = [&](int64_t iters) {
    float sink[64] = {};
    Stopwatch sw;
    pool.run([&](int ti, int) {
      if (ti < n_threads) sink[ti % 64] = kernel(iters, ti);
    });
    double s = sw.elapsed_s();
    if (sink[0] == 12345.678f) s += 1e-12;  // keeps the results observable
    return s;
  };
  int64_t iters = first_iters;
  double s = pass(iters);
  while (s < params.fma_seconds / 8 && iters < (int64_t{1} << 40)) {
    iters *= 4;
    s = pass(iters);
  }
  if (s > 0) iters = std::max<int64_t>(1, static_cast<int64_t>(iters * params.fma_seconds / s));
  double best = 0;
  for (int rep = 0; rep < std::max(1, params.repetitions); ++rep) {
    s = pass(iters);
    if (s > 0) best = std::max(best, flops_per_iter * static_cast<double>(iters) * n_threads / s / 1e9);
  }
  return best;
}

}  // namespace

double measure_fma_peak(ThreadPool& pool, int n_threads, const RooflineParams& params) {
  const bool simd = has_avx2_fma();
  return calibrated_peak(pool, n_threads, params, simd ? 12.0 * 8 * 2 : 8.0 * 2, int64_t{1} << 16,
                         [simd](int64_t iters, int ti) {
#if defined(__x86_64__)
                           return simd ? fma_avx2(iters, 1.0f + ti) : fma_scalar(iters, 1.0f + ti);
#else
                           (void)simd;
                           return fma_scalar(iters, 1.0f + ti);
#endif
                         });
}

double measure_amx_peak(ThreadPool& pool, int n_threads, const RooflineParams& params) {
#if defined(__x86_64__)
  if (!detect_cpu_features().amx_bf16) return 0;
  return calibrated_peak(pool, n_threads, params, 4.0 * 16 * 16 * 32 * 2, int64_t{1} << 12,
                         [](int64_t iters, int) { return amx_bf16(iters); });
#else
  (void)pool, (void)n_threads, (void)params;
  return 0;
#endif
}

Ceilings measure_ceilings(ThreadPool& pool, const RooflineParams& params) {
  Ceilings c;
  c.threads = pool.size();
  c.isa = has_avx2_fma() ? "avx2+fma" : "scalar";
  c.read_gbs_1t = measure_read_bandwidth(pool, 1, params);
  c.read_gbs_nt = c.threads > 1 ? measure_read_bandwidth(pool, c.threads, params) : c.read_gbs_1t;
  c.fma_gflops_1t = measure_fma_peak(pool, 1, params);
  c.fma_gflops_nt = c.threads > 1 ? measure_fma_peak(pool, c.threads, params) : c.fma_gflops_1t;
  c.amx_gflops_1t = measure_amx_peak(pool, 1, params);
  c.amx_gflops_nt = c.threads > 1 && c.amx_gflops_1t > 0 ? measure_amx_peak(pool, c.threads, params) : c.amx_gflops_1t;
  return c;
}

std::string Ceilings::to_string() const {
  return fmt::format(
      "memory read {:.1f} GB/s (1 thread), {:.1f} GB/s ({} threads); fp32 FMA peak {:.1f} GFLOP/s "
      "(1 thread), {:.1f} GFLOP/s ({} threads) [{}]{}",
      read_gbs_1t, read_gbs_nt, threads, fma_gflops_1t, fma_gflops_nt, threads, isa,
      amx_gflops_1t > 0 ? fmt::format("; AMX-BF16 peak {:.0f} GFLOP/s (1 thread), {:.0f} GFLOP/s ({} threads)",
                                      amx_gflops_1t, amx_gflops_nt, threads)
                        : std::string());
}

}  // namespace osprey::base
