// CPU feature detection, run once at start-up by whoever chooses kernels.
#pragma once

#include <string>

namespace osprey::base {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vnni = false;
  bool avxvnni = false;
  bool avx512bf16 = false;
  // AMX tiles with BF16 dot products, usable: the CPU reports them and the OS granted this
  // process the tile state (Linux arch_prctl ARCH_REQ_XCOMP_PERM, asked once by detection).
  bool amx_bf16 = false;
  bool neon = false;
  int logical_cores = 1;

  std::string to_string() const;
};

CpuFeatures detect_cpu_features();

}  // namespace osprey::base
