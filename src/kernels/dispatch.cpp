#include "src/kernels/dispatch.h"

#include <array>
#include <vector>

#include "src/base/cpu_features.h"
#include "src/kernels/ref/quants.h"
#if defined(__x86_64__)
#include "src/kernels/x86/kernels_avx2.h"
#endif
#if defined(__aarch64__)
#include "src/kernels/arm/kernels_neon.h"
#endif

namespace osprey::kernels {

namespace {

using tensor::DType;

// The scalar path: dequantizes chunks of each weight row with the reference decoder and
// accumulates in double against float activations, 16 tokens at a time.
template <DType kType>
void mm_scalar(const void* w, size_t wrb, const void* x, size_t xrb, float* y, int64_t ys, int64_t n_rows,
               int64_t n_tok, int64_t k, uint8_t* /*scratch*/) {
  constexpr int64_t kChunk = 512;  // a multiple of every block size
  constexpr int kTokens = 16;
  float buf[kChunk];
  const auto* wb = static_cast<const uint8_t*>(w);
  const auto* xb = static_cast<const uint8_t*>(x);
  for (int64_t r = 0; r < n_rows; ++r) {
    const uint8_t* row = wb + r * wrb;
    for (int64_t t0 = 0; t0 < n_tok; t0 += kTokens) {
      const int nt = static_cast<int>(n_tok - t0 < kTokens ? n_tok - t0 : kTokens);
      double acc[kTokens] = {};
      for (int64_t i0 = 0; i0 < k; i0 += kChunk) {
        const int64_t n = k - i0 < kChunk ? k - i0 : kChunk;
        ref::dequantize_row(kType, row + tensor::row_size(kType, i0), buf, n);
        for (int t = 0; t < nt; ++t) {
          const float* xr = reinterpret_cast<const float*>(xb + (t0 + t) * xrb) + i0;
          double s = 0.0;
          for (int64_t i = 0; i < n; ++i) s += static_cast<double>(buf[i]) * static_cast<double>(xr[i]);
          acc[t] += s;
        }
      }
      for (int t = 0; t < nt; ++t) y[(t0 + t) * ys + r] = static_cast<float>(acc[t]);
    }
  }
}

constexpr std::array<DType, 13> kWeightTypes = {
    DType::kF32,  DType::kF16,  DType::kBF16, DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1,
    DType::kQ8_0, DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K,
};

template <size_t... I>
std::array<KernelTraits, sizeof...(I)> scalar_rows(std::index_sequence<I...>) {
  return {KernelTraits{kWeightTypes[I], Isa::kScalar, ActFormat::kF32, tensor::info(kWeightTypes[I]).block_size,
                       nullptr, &mm_scalar<kWeightTypes[I]>, &mm_scalar<kWeightTypes[I]>, nullptr}...};
}

#if defined(__x86_64__)
std::vector<KernelTraits> avx2_rows(Isa isa) {
  namespace x = x86;
  const bool vnni = isa == Isa::kAvxVnni, z = isa == Isa::kAvx512;
  auto row = [isa, z](DType t, ActFormat f, QuantizeActFn q, MatmulTileFn mm) {
    return KernelTraits{t, isa, f, tensor::info(t).block_size, q, mm, mm,
                        z ? &x::avx512_scratch_bytes : f == ActFormat::kF32 ? nullptr : &x::gemm_scratch_bytes};
  };
  const ActFormat kF = ActFormat::kF32, kP = ActFormat::kQ8Pair, kK = ActFormat::kQ8K;
  const QuantizeActFn qp = &x::quantize_act_pair_avx2;
  return {
      row(DType::kF32, kF, nullptr, z ? &x::mm_f32_avx512 : &x::mm_f32_avx2),
      row(DType::kF16, kF, nullptr, z ? &x::mm_f16_avx512 : &x::mm_f16_avx2),
      row(DType::kBF16, kF, nullptr, z ? &x::mm_bf16_avx512 : &x::mm_bf16_avx2),
      row(DType::kQ4_0, kP, qp, z ? &x::mm_q4_0_avx512 : vnni ? &x::mm_q4_0_vnni : &x::mm_q4_0_avx2),
      row(DType::kQ4_1, kP, qp, z ? &x::mm_q4_1_avx512 : vnni ? &x::mm_q4_1_vnni : &x::mm_q4_1_avx2),
      row(DType::kQ5_0, kP, qp, z ? &x::mm_q5_0_avx512 : vnni ? &x::mm_q5_0_vnni : &x::mm_q5_0_avx2),
      row(DType::kQ5_1, kP, qp, z ? &x::mm_q5_1_avx512 : vnni ? &x::mm_q5_1_vnni : &x::mm_q5_1_avx2),
      row(DType::kQ8_0, kP, qp, z ? &x::mm_q8_0_avx512 : vnni ? &x::mm_q8_0_vnni : &x::mm_q8_0_avx2),
      row(DType::kQ2_K, kK, &x::quantize_act_q8k_avx2, z ? &x::mm_q2_k_avx512 : &x::mm_q2_k_avx2),
      row(DType::kQ3_K, kK, &x::quantize_act_q8k_avx2, z ? &x::mm_q3_k_avx512 : &x::mm_q3_k_avx2),
      row(DType::kQ4_K, kK, &x::quantize_act_q8k_avx2, z ? &x::mm_q4_k_avx512 : &x::mm_q4_k_avx2),
      row(DType::kQ5_K, kK, &x::quantize_act_q8k_avx2, z ? &x::mm_q5_k_avx512 : &x::mm_q5_k_avx2),
      row(DType::kQ6_K, kK, &x::quantize_act_q8k_avx2, z ? &x::mm_q6_k_avx512 : &x::mm_q6_k_avx2),
  };
}
#endif

#if defined(__aarch64__)
void quantize_act_pair_generic(const float* x, void* dst, int64_t k) {
  quantize_act_pair_scalar(x, static_cast<ActQ8Pair*>(dst), k);
}

std::vector<KernelTraits> neon_rows() {
  auto row = [](DType t, ActFormat f, QuantizeActFn q, MatmulTileFn mm) {
    return KernelTraits{t, Isa::kNeon, f, tensor::info(t).block_size, q, mm, mm, nullptr};
  };
  const ActFormat kF = ActFormat::kF32, kP = ActFormat::kQ8Pair;
  return {
      row(DType::kF32, kF, nullptr, &arm::mm_f32_neon),
      row(DType::kF16, kF, nullptr, &arm::mm_f16_neon),
      row(DType::kBF16, kF, nullptr, &arm::mm_bf16_neon),
      row(DType::kQ4_0, kP, &quantize_act_pair_generic, &arm::mm_q4_0_neon),
      row(DType::kQ8_0, kP, &quantize_act_pair_generic, &arm::mm_q8_0_neon),
  };
}
#endif

#if !defined(__aarch64__)
const base::CpuFeatures& cpu() {
  static const base::CpuFeatures kCpu = base::detect_cpu_features();
  return kCpu;
}
bool cpu_has_avx2() { return cpu().avx2 && cpu().fma && cpu().f16c; }
bool cpu_has_avxvnni() { return cpu_has_avx2() && cpu().avxvnni; }
bool cpu_has_avx512() { return cpu_has_avx2() && cpu().avx512f && cpu().avx512bw && cpu().avx512vnni; }
bool cpu_has_amx() { return cpu_has_avx512() && cpu().amx_bf16; }
#endif

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return "scalar";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvxVnni:
      return "avx2+avxvnni";
    case Isa::kAvx512:
      return "avx512";
    case Isa::kAmx:
      return "avx512+amx";
    case Isa::kNeon:
      return "neon";
  }
  return "?";
}

Isa best_isa() {
#if defined(__aarch64__)
  return Isa::kNeon;  // NEON (Advanced SIMD) is part of every AArch64 CPU
#else
  static const Isa kIsa = cpu_has_amx()       ? Isa::kAmx
                          : cpu_has_avx512()    ? Isa::kAvx512
                          : cpu_has_avxvnni() ? Isa::kAvxVnni
                          : cpu_has_avx2()    ? Isa::kAvx2
                                              : Isa::kScalar;
  return kIsa;
#endif
}

const KernelTraits* kernel_traits(DType t, Isa isa) {
  static const std::array<KernelTraits, kWeightTypes.size()> kScalar =
      scalar_rows(std::make_index_sequence<kWeightTypes.size()>{});
  if (isa == Isa::kScalar) {
    for (const KernelTraits& r : kScalar)
      if (r.w_type == t) return &r;
    return nullptr;
  }
#if defined(__x86_64__)
  if (isa == Isa::kAvx2 && cpu_has_avx2()) {
    static const std::vector<KernelTraits> kAvx2 = avx2_rows(Isa::kAvx2);
    for (const KernelTraits& r : kAvx2)
      if (r.w_type == t) return &r;
  }
  if (isa == Isa::kAvxVnni && cpu_has_avxvnni()) {
    static const std::vector<KernelTraits> kVnni = avx2_rows(Isa::kAvxVnni);
    for (const KernelTraits& r : kVnni)
      if (r.w_type == t) return &r;
  }
  if ((isa == Isa::kAvx512 && cpu_has_avx512()) || (isa == Isa::kAmx && cpu_has_amx())) {
    static const std::vector<KernelTraits> kZ = avx2_rows(Isa::kAvx512);
    for (const KernelTraits& r : kZ)
      if (r.w_type == t) return &r;
  }
#endif
#if defined(__aarch64__)
  if (isa == Isa::kNeon) {
    static const std::vector<KernelTraits> kNeon = neon_rows();
    for (const KernelTraits& r : kNeon)
      if (r.w_type == t) return &r;
  }
#endif
  return nullptr;
}

}  // namespace osprey::kernels
