// AVX2 entry points of the K-quant kernels (qk_kernels.h).
#include "src/kernels/x86/qk_kernels.h"

namespace osprey::kernels::x86 {

size_t k_unpack_bytes(int64_t k) { return kUnpackRows * static_cast<size_t>(k / tensor::kQK_K) * sizeof(UnpackedK); }

OSP_MM_K(mm_q2_k_avx2, Q2_KP, Q2_KT, 1, 2, 4, 2, 4)
OSP_MM_K(mm_q3_k_avx2, Q3_KP, Q3_KT, 1, 2, 4, 2, 4)
OSP_MM_K(mm_q4_k_avx2, Q4_KP, Q4_KT, 1, 2, 4, 2, 4)
OSP_MM_K(mm_q5_k_avx2, Q5_KP, Q5_KT, 1, 2, 4, 2, 4)
OSP_MM_K(mm_q6_k_avx2, Q6_KP, Q6_KT, 1, 2, 4, 2, 4)

}  // namespace osprey::kernels::x86
