// AVX-VNNI entry points of the 32-block kernels (q32_kernels.h): vpdpbusd replaces
// maddubs + madd. Call only when the CPU reports AVX-VNNI.
#pragma GCC target("avxvnni")
#define OSP_X86_VNNI 1
#include "src/kernels/x86/q32_kernels.h"

namespace osprey::kernels::x86 {

OSP_MM_PAIR(mm_q4_0_vnni, Q4_0P, Q4_0T, Q4_0U, 2, 2, 4, 2, 4)
OSP_MM_PAIR(mm_q4_1_vnni, Q4_1P, Q4_1T, Q4_1U, 2, 2, 4, 2, 4)
OSP_MM_PAIR(mm_q5_0_vnni, Q5_0P, Q5_0T, Q5_0U, 2, 2, 4, 2, 4)
OSP_MM_PAIR(mm_q5_1_vnni, Q5_1P, Q5_1T, Q5_1U, 2, 2, 4, 2, 4)
OSP_MM_PAIR(mm_q8_0_vnni, Q8_0P, Q8_0T, Q8_0U, 2, 1, 4, 2, 4)

}  // namespace osprey::kernels::x86
