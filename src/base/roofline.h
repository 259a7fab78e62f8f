// Machine ceilings measured in the running process: memory read bandwidth, fp32 FMA peak and, on
// CPUs with AMX-BF16, the tiles' bf16 dot-product peak.
// Benchmarks report their results as a fraction of these, measured in the same run.
#pragma once

#include <cstddef>
#include <string>

#include "src/base/thread_pool.h"

namespace osprey::base {

struct RooflineParams {
  size_t buffer_bytes = size_t{512} << 20;  // read-bandwidth buffer; several times the L3 size
  int repetitions = 5;                      // best of this many passes
  double fma_seconds = 0.1;                 // duration of one FMA-peak pass
};

struct Ceilings {
  int threads = 1;               // threads used for the *_nt figures
  double read_gbs_1t = 0;        // memory read bandwidth, 1 thread, GB/s (1e9 bytes/s)
  double read_gbs_nt = 0;        // memory read bandwidth, `threads` threads
  double fma_gflops_1t = 0;      // fp32 FMA peak (256-bit vectors when AVX2+FMA exist), GFLOP/s
  double fma_gflops_nt = 0;
  std::string isa;               // which loop measured the FMA peak ("avx2+fma" or "scalar")
  double amx_gflops_1t = 0;      // AMX-BF16 tile peak (2 flops per multiply-add), 0 without AMX
  double amx_gflops_nt = 0;

  std::string to_string() const;
};

// Read bandwidth with the pool's threads: each thread streams its own slice of a buffer it first
// touched itself. Returns GB/s of the best repetition. `n_threads` <= pool.size() take part.
double measure_read_bandwidth(ThreadPool& pool, int n_threads, const RooflineParams& params);

// fp32 FMA peak in GFLOP/s (2 flops per lane per FMA), `n_threads` <= pool.size() take part.
double measure_fma_peak(ThreadPool& pool, int n_threads, const RooflineParams& params);

// AMX-BF16 peak in GFLOP/s (TDPBF16PS on tiles already loaded), or 0 when the CPU or OS lacks it.
double measure_amx_peak(ThreadPool& pool, int n_threads, const RooflineParams& params);

// Every ceiling with 1 thread and with all of the pool's threads.
Ceilings measure_ceilings(ThreadPool& pool, const RooflineParams& params = {});

}  // namespace osprey::base
