#include "src/base/cpu_features.h"

#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace osprey::base {

CpuFeatures detect_cpu_features() {
  CpuFeatures f;
  unsigned hc = std::thread::hardware_concurrency();
  f.logical_cores = hc == 0 ? 1 : static_cast<int>(hc);
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(1, &a, &b, &c, &d)) {
    f.fma = (c >> 12) & 1;
    f.f16c = (c >> 29) & 1;
    bool osxsave = (c >> 27) & 1;
    bool avx = (c >> 28) & 1;
    if (osxsave && avx) {
      unsigned xlo = 0, xhi = 0;
      __asm__("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
      bool ymm = (xlo & 0x6) == 0x6;
      bool zmm = (xlo & 0xe6) == 0xe6;
      if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        f.avx2 = ymm && ((b >> 5) & 1);
        f.avx512f = zmm && ((b >> 16) & 1);
        f.avx512bw = zmm && ((b >> 30) & 1);
        f.avx512vnni = zmm && ((c >> 11) & 1);
      }
      if (__get_cpuid_count(7, 1, &a, &b, &c, &d)) f.avxvnni = ymm && ((a >> 4) & 1);
    }
  }
#elif defined(__aarch64__)
  f.neon = true;
#endif
  return f;
}

std::string CpuFeatures::to_string() const {
  std::string s;
  auto add = [&](bool on, const char* name) {
    if (on) s += s.empty() ? name : std::string(" ") + name;
  };
  add(avx2, "AVX2");
  add(fma, "FMA");
  add(f16c, "F16C");
  add(avx512f, "AVX512F");
  add(avx512bw, "AVX512BW");
  add(avx512vnni, "AVX512VNNI");
  add(avxvnni, "AVXVNNI");
  add(neon, "NEON");
  return s.empty() ? "scalar" : s;
}

}  // namespace osprey::base
