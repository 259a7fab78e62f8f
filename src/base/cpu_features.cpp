#include "src/base/cpu_features.h"

#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#if defined(__linux__) && defined(__x86_64__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace osprey::base {

namespace {

// Linux hands out the 8 KiB AMX tile state only to processes that ask for it.
bool request_amx_permission() {
#if defined(__linux__) && defined(__x86_64__)
  constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
#else
  return false;
#endif
}

}  // namespace

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
        const bool amx_tile = (d >> 24) & 1, amx_bf16 = (d >> 22) & 1;
        const bool tile_state = (xlo & 0x60000) == 0x60000;  // XCR0 bits 17, 18: TILECFG, TILEDATA
        f.amx_bf16 = zmm && amx_tile && amx_bf16 && tile_state;
      }
      if (__get_cpuid_count(7, 1, &a, &b, &c, &d)) {
        f.avxvnni = ymm && ((a >> 4) & 1);
        f.avx512bf16 = zmm && ((a >> 5) & 1);
      }
      f.amx_bf16 = f.amx_bf16 && f.avx512bf16 && request_amx_permission();
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
  add(avx512bf16, "AVX512BF16");
  add(amx_bf16, "AMX-BF16");
  add(neon, "NEON");
  return s.empty() ? "scalar" : s;
}

}  // namespace osprey::base
